import * as path from "path";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import {
  AssumableRole,
  BucketShare,
  CiRole,
  ConsumerAccess,
  IBucketShare,
  LambdaCode,
  LambdaWriter,
  PermissionSetPolicy,
  Principals,
  ShareGrant,
} from "xacct-s3";

/**
 * A platform team's own cdktf app: the data team (account DATA) owns an
 * existing bucket with reports; the analytics account reads and writes parts
 * of it. Everything comes from the package root of xacct-s3.
 */
export const DATA = "222222222222";
export const ANALYTICS = "111111111111";
export const ORGANIZATION = "o-a1b2c3d4e5";
export const BUCKET = "acme-reports";
export const KEY_ARN = `arn:aws:kms:us-east-1:${DATA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const ECS_TASK_ROLE = `arn:aws:iam::${ANALYTICS}:role/report-viewer-task`;
export const AUDITORS = `arn:aws:iam::${ANALYTICS}:role/auditors`;
export const INGEST_FUNCTION = "acme-ingest";
export const SUMMARY_FUNCTION = "acme-report-summary";
export const LANDING_BUCKET = "acme-landing";
export const UPLOADER_FUNCTION = "acme-uploader";
export const LANDING_AUDIT_FUNCTION = "acme-landing-audit";
export const ARTIFACTS_BUCKET = "acme-artifacts";
export const SITE_REPOSITORY = "acme/reports-site";
export const CI_ROLE = "acme-site-ci";

const provider = (scope: Construct, id: string, account: string): AwsProvider =>
  new AwsProvider(scope, id, { alias: id, region: "us-east-1", allowedAccountIds: [account] });

/** The data team's side: their existing bucket shared, an Organization grant, an assumable role. */
export class ReportsShareStack extends TerraformStack {
  public readonly share: IBucketShare;
  /** Grants made here for the functions of the analytics stack: level, prefix and address stated once. */
  public readonly grants: { readonly ingest: ShareGrant; readonly summaryReads: ShareGrant; readonly summaryWrites: ShareGrant };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const data = provider(this, "data", DATA);
    const analytics = provider(this, "analytics", ANALYTICS);

    // An existing bucket and key of another team: nothing about the bucket is managed here;
    // the statements to add to its policy are emitted for the owning team. The bucket uses an
    // S3 Bucket Key, so each KMS grant is constrained to this bucket's encryption context.
    this.share = BucketShare.fromExistingBucket(this, "reports", {
      provider: data,
      accountId: DATA,
      bucketName: BUCKET,
      kmsKeyArn: KEY_ARN,
      bucketKeyEnabled: true,
      policy: "emit",
    });

    // An ECS task role of the analytics account reads reports/ (both halves: bucket + identity).
    const viewer = new ConsumerAccess(this, "report-viewer", { provider: analytics, accountId: ANALYTICS, roleArn: ECS_TASK_ROLE });
    this.share.grant(viewer, { level: "read", prefix: "reports/" });

    // Every account of the organization may read the published part.
    this.share.grant({ organizationId: ORGANIZATION }, { level: "read", prefix: "published/" });

    // The functions of the other stack, by role ARN (their execution roles are `<function>-exec`):
    // the resource side here; the grant objects carry the identity side to the other stack.
    this.grants = {
      ingest: this.share.grant(`arn:aws:iam::${ANALYTICS}:role/${INGEST_FUNCTION}-exec`, { level: "write", prefix: "incoming/" }),
      summaryReads: this.share.grant(`arn:aws:iam::${ANALYTICS}:role/${SUMMARY_FUNCTION}-exec`, { level: "read", prefix: "reports/" }),
      summaryWrites: this.share.grant(`arn:aws:iam::${ANALYTICS}:role/${SUMMARY_FUNCTION}-exec`, { level: "write", prefix: "summaries/" }),
    };

    // The grant contract for consuming teams with apps of their own (analytics-app.ts): a Terraform
    // output and cdktf.out/stacks/reports-share/xacct/reports.contract.json.
    this.share.publishContract();

    // Auditors assume a read-only role in the data account: ExternalId, MFA, 2 h sessions at most.
    new AssumableRole(this, "auditor", {
      provider: data,
      accountId: DATA,
      roleName: "acme-report-auditor",
      trustedPrincipals: [AUDITORS],
      externalId: "acme-audit-2026",
      requireMfa: true,
      maxSessionDurationSeconds: 7200,
      access: this.share.s3Grant("read", "reports/"),
    });
  }
}

export interface FunctionsOptions {
  /** Add the team's own deliberately broken policy (ListBucket on an object ARN): synth must stop. */
  readonly brokenPolicy?: boolean;
}

/** The analytics team's functions: their own TypeScript handler and a Python handler. */
export class AnalyticsFunctionsStack extends TerraformStack {
  constructor(scope: Construct, id: string, grants: ReportsShareStack["grants"], opts: FunctionsOptions = {}) {
    super(scope, id);
    const analytics = provider(this, "analytics", ANALYTICS);
    const archive = new ArchiveProvider(this, "archive");

    new LambdaWriter(this, "ingest", {
      provider: analytics,
      archiveProvider: archive,
      accountId: ANALYTICS,
      functionName: INGEST_FUNCTION,
      code: LambdaCode.fromEntry(path.join(__dirname, "handlers", "ingest", "index.ts")),
      // Writes where its grant says (TARGET_BUCKET / TARGET_PREFIX from the grant).
      access: grants.ingest,
    });

    new LambdaWriter(this, "summary", {
      provider: analytics,
      archiveProvider: archive,
      accountId: ANALYTICS,
      functionName: SUMMARY_FUNCTION,
      code: LambdaCode.fromDirectory(path.join(__dirname, "handlers", "py-report"), { handler: "app.handler", runtime: "python3.12" }),
      // Reads reports/, writes its summary under summaries/ (the grant that can write is the TARGET_PREFIX).
      access: [grants.summaryReads, grants.summaryWrites],
      environment: { REPORTS_PREFIX: "reports/" },
    });

    if (opts.brokenPolicy) {
      // s3:ListBucket applies to the bucket ARN; on an object ARN AWS denies it.
      new IamRolePolicy(this, "batch-listing", {
        provider: analytics,
        role: "acme-batch",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "ListReports", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}/*` }],
        }),
      });
    }
  }
}

/**
 * A new bucket of the data team in access-point mode (one S3 Access Point per
 * consumer, the bucket policy only delegates to them): the built-in writer
 * handler uploads through its access point, and the team's own read-only code
 * reads through its own. Neither names an access point: the grant gives each
 * Lambda its address.
 */
export class LandingStack extends TerraformStack {
  public readonly share: BucketShare;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const data = provider(this, "data", DATA);
    const analytics = provider(this, "analytics", ANALYTICS);
    const archive = new ArchiveProvider(this, "archive");
    this.share = new BucketShare(this, "landing", {
      provider: data,
      accountId: DATA,
      region: "us-east-1",
      bucketName: LANDING_BUCKET,
      accessPoints: true,
      forceDestroy: true,
    });

    const uploader = new LambdaWriter(this, "uploader", {
      provider: analytics,
      archiveProvider: archive,
      accountId: ANALYTICS,
      functionName: UPLOADER_FUNCTION,
      handler: "writer",
    });
    this.share.grant(uploader, { level: "write", prefix: "uploads/" });

    const audit = new LambdaWriter(this, "landing-audit", {
      provider: analytics,
      archiveProvider: archive,
      accountId: ANALYTICS,
      functionName: LANDING_AUDIT_FUNCTION,
      code: LambdaCode.fromEntry(path.join(__dirname, "handlers", "landing-audit", "index.ts")),
    });
    this.share.grant(audit, { level: "read", prefix: "uploads/" });
  }
}

/**
 * The principals real organisations have: people signing in through an IAM
 * Identity Center permission set, a CI workflow without stored keys (GitHub
 * Actions OIDC), and a team role that does not exist yet. The data team's
 * artifacts bucket names none of them by a role ARN that must exist at apply.
 */
export class PeopleAndCiStack extends TerraformStack {
  public readonly share: BucketShare;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const data = provider(this, "data", DATA);
    const analytics = provider(this, "analytics", ANALYTICS);
    this.share = new BucketShare(this, "artifacts", { provider: data, accountId: DATA, region: "us-east-1", bucketName: ARTIFACTS_BUCKET, forceDestroy: true });

    // Analysts sign in with the DataReaders permission set of the analytics account: the bucket and key
    // policies trust its roles by aws:PrincipalArn; its inline policy is emitted for the Identity Center admin.
    const readers = new PermissionSetPolicy(this, "data-readers", { permissionSet: Principals.permissionSet(ANALYTICS, "DataReaders") });
    this.share.grant(readers, { level: "read", prefix: "site/" });

    // The reports site's deploy workflow (branch main only) publishes the site.
    const ci = new CiRole(this, "site-ci", {
      provider: analytics,
      accountId: ANALYTICS,
      roleName: CI_ROLE,
      subjects: [{ repository: SITE_REPOSITORY, branch: "main" }],
    });
    this.share.grant(ci, { level: "write", prefix: "site/" });

    // A team role created next quarter: the grant plans and applies today (no invalid principal).
    this.share.grant(Principals.roleByName(ANALYTICS, "etl", { path: "/teams/" }), { level: "write", prefix: "etl/" });
  }
}

export function buildApp(app: App, opts: FunctionsOptions = {}): App {
  const shared = new ReportsShareStack(app, "reports-share");
  new AnalyticsFunctionsStack(app, "analytics-functions", shared.grants, opts);
  new LandingStack(app, "landing");
  new PeopleAndCiStack(app, "people-and-ci");
  return app;
}

if (require.main === module) {
  buildApp(new App(), { brokenPolicy: process.env.EXAMPLE_BROKEN_POLICY === "1" }).synth();
}
