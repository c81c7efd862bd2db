import {
  AwsProvider,
  KmsAlias,
  KmsKey,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketLoggingA,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
} from "../../lib/framework/aws";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, TerraformResource } from "../../lib/framework";
import { addDependency, IGrantee, principalsPolicyId } from "../../lib/grantee";
import { acknowledge, Acknowledgement, validateAcknowledgements } from "../../lib/checks/acknowledge";
import {
  AccessLevel,
  accessLogBucketPolicy,
  AccessPointLocation,
  BucketGrantGroup,
  OrganizationGrant,
  PolicyDocument,
  renderPolicy,
  S3Grant,
  Statement,
} from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import { checkPerimeterGrant, DataPerimeter, emitPerimeter, ResolvedPerimeter, resolvePerimeter } from "../../lib/perimeter";
import { ExistingBucketShare, ExistingBucketShareProps } from "./existing";
import {
  BucketShareGrant,
  buildShareGrant,
  grantOnShare,
  duplicateSids,
  IBucketShare,
  keyStatement,
  OBJECT_OWNERSHIPS,
  ObjectOwnership,
  ParsedGrant,
  parseGrant,
  resourceStatement,
  ShareConsumer,
  ShareGrant,
  ShareGrantOptions,
  shareS3Grant,
} from "./grants";
import { AccessPointSet, accessPointsOf, resolveShareMode, ShareMode, ShareModeFactory } from "./modes";
import { PublishContractOptions, PublishedContract, publishShareContract } from "./contract";

export type { BucketShareGrant, IBucketShare, IShareConsumer, ObjectOwnership, ShareConsumer, ShareGrant, ShareGrantOptions } from "./grants";
export type { ExistingBucketShareProps, ExistingPolicyMode } from "./existing";
export { ExistingBucketShare } from "./existing";
export { GRANT_CONTRACT_VERSION, GrantContract, PublishedContract } from "./contract";
export type { GrantContractGrantJson, GrantContractJson, PublishContractOptions } from "./contract";
export type { ShareMode, ShareModeFactory, ShareModeHost } from "./modes";
export { accessPointMode, bucketPolicyMode } from "./modes";

/**
 * Opt-in audit trail of who read or wrote which object: S3 server access logs
 * delivered to a log bucket of the owning account (same account and region,
 * which S3 requires of a log destination).
 *
 * Why server access logs rather than CloudTrail S3 data events: with an S3
 * Bucket Key, KMS CloudTrail events no longer name the object, so an
 * object-level record must come from S3 itself. Server access logs cost
 * nothing to deliver (only the log objects' storage) and need no trail;
 * delivery is best-effort and arrives within hours. CloudTrail data events
 * (advanced event selectors on `resources.ARN` starting with the bucket ARN)
 * are complete and arrive within minutes, but cost USD 0.10 per 100,000
 * events delivered plus the trail bucket's storage, and need a trail per
 * account/region that landing zones usually own already. Enable those in the
 * landing zone when the volume justifies it. See
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/logging-with-S3.html
 */
export interface BucketShareAccessLogs {
  /**
   * The log bucket created here (one per shared bucket).
   * @default `<bucketName>-logs` (synth fails if that exceeds 63 characters: name it)
   */
  readonly bucketName?: string;
  /**
   * Days after which log objects expire.
   * @default 365
   */
  readonly expirationDays?: number;
}

export interface BucketShareProps {
  /** AWS provider of the owning account (account B). */
  readonly provider: AwsProvider;
  /** Id of the owning account: tells same-account principals from cross-account ones. */
  readonly accountId: string;
  /**
   * Region of the bucket (and its key): KMS grants hold only for requests S3
   * makes there (`kms:ViaService = s3.<region>.amazonaws.com`); access point
   * ARNs name it too.
   * @default the provider's region (synth fails if neither is set)
   */
  readonly region?: string;
  /** Globally unique S3 bucket name. */
  readonly bucketName: string;
  /**
   * `kms`: SSE-KMS with a customer managed key created here (rotation on, S3
   * bucket key on), whose key policy grants each consumer exactly what it needs.
   * `s3`: SSE-S3 (AES256), no key to share.
   * @default "kms"
   */
  readonly encryption?: "kms" | "s3";
  /**
   * S3 Object Ownership. `BucketOwnerEnforced` disables ACLs, so the owning
   * account owns every object whoever wrote it.
   * @default "BucketOwnerEnforced"
   */
  readonly objectOwnership?: ObjectOwnership;
  /**
   * With `ObjectWriter` ownership, deny PutObject unless the writer sends
   * `x-amz-acl: bucket-owner-full-control` (seed 003's "files upload but the
   * owner can't read them"). Turning it off with ObjectWriter fails synth.
   * @default true when objectOwnership is "ObjectWriter", otherwise false
   */
  readonly requireBucketOwnerFullControl?: boolean;
  /** @default true */
  readonly versioning?: boolean;
  /**
   * Days after which noncurrent object versions expire (incomplete multipart
   * uploads are always aborted after 7 days).
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /** Consumers in other accounts. @default [] */
  readonly grants?: readonly BucketShareGrant[];
  /**
   * Let `terraform destroy` delete a bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /** @default 30 */
  readonly kmsDeletionWindowDays?: number;
  /** Findings of the synth-time policy checks that are deliberate here. @default [] */
  readonly acknowledge?: readonly Acknowledgement[];
  /**
   * Record every request to the bucket (requester, key, operation, result):
   * S3 server access logs to a log bucket created in the owning account.
   * `true` for the defaults. See {@link BucketShareAccessLogs} for the
   * trade-off against CloudTrail data events.
   * @default off
   */
  readonly accessLogs?: boolean | BucketShareAccessLogs;
  /** @default "aws" */
  readonly partition?: string;
  /** @default `{}` */
  readonly tags?: Record<string, string>;
  /**
   * Access-point mode: each grant gets its own S3 Access Point whose policy
   * holds exactly that grant, and the bucket policy only delegates to the
   * owning account's access points (plus the denies). Lifts the ~300-consumer
   * ceiling of the 20 KB bucket policy to 10,000 access points per account
   * and region. Consumers then address the ACCESS POINT (its ARN or alias as
   * the Bucket parameter), not the bucket name: that is why this is never
   * switched on silently. See lib/policy/access-points.ts. Shorthand for
   * `mode: accessPointMode`.
   * @default false
   */
  readonly accessPoints?: boolean;
  /**
   * How grants reach AWS: {@link bucketPolicyMode} (statements of the bucket
   * policy) or {@link accessPointMode} (one access point per grant; same as
   * `accessPoints: true`).
   * @default bucketPolicyMode (accessPointMode with `accessPoints: true`)
   */
  readonly mode?: ShareModeFactory;
  /**
   * Opt-in data perimeter ({@link DataPerimeter}): the bucket policy, every
   * access point policy and the key policy deny principals outside the
   * Organization (AWS service principals excepted), the grants' identity
   * statements carry `aws:ResourceOrgID`, and the matching resource control
   * policy is emitted for the Organization's administrators (output
   * `perimeter-rcp` and `xacct/<id>.rcp.json` next to the stack JSON). Every
   * account that deploys or uses the share must then be of the Organization.
   * Check the id: with a wrong one the key's own account is denied its key.
   * KMS's key policy lockout safety check only refuses a policy that does not
   * let the caller make a later PutKeyPolicy
   * (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html,
   * BypassPolicyLockoutSafetyCheck); that it weighs this Deny's condition is
   * not documented, so do not count on it.
   * @default none
   */
  readonly perimeter?: DataPerimeter;
}

/**
 * An S3 bucket in the owning account, shared with principals of other accounts:
 * Block Public Access on, object ownership enforced, TLS-only, versioned,
 * SSE-KMS with a key whose policy matches the bucket policy grant for grant.
 */
export class BucketShare extends Construct implements IBucketShare {
  /**
   * Share an EXISTING bucket of the owning account (and its existing customer
   * managed key) without managing the bucket: see {@link ExistingBucketShare}.
   * Same grant API as a new bucket.
   */
  public static fromExistingBucket(scope: Construct, id: string, props: ExistingBucketShareProps): ExistingBucketShare {
    return new ExistingBucketShare(scope, id, props);
  }

  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  /** Literal `arn:<partition>:s3:::<name>`, so policies that name it read as plain text in the plan. */
  public readonly bucketArn: string;
  public readonly kmsKey?: KmsKey;
  /** The key's ARN (a Terraform reference), when `encryption` is `kms`. */
  public readonly kmsKeyArn?: string;
  public readonly bucketPolicy: S3BucketPolicy;
  public readonly objectOwnership: ObjectOwnership;
  public readonly accountId: string;
  /** Where the access points live (access-point mode only). */
  public readonly accessPointLocation?: AccessPointLocation;
  /** How the grants reach AWS (see {@link BucketShareProps.mode}). */
  private readonly mode: ShareMode;
  /** Statements of `addToResourcePolicy()`. */
  private readonly extraStatements: Statement[] = [];
  /** Every grant recorded (`grants`, `addGrant()`, `grant()`): what `publishContract()` publishes. */
  private readonly shareGrants: ShareGrant[] = [];
  /** Statements of `addToKeyPolicy()`. */
  private readonly extraKeyStatements: Statement[] = [];
  /** The bucket's versioning (absent with `versioning: false`): what replication needs on both sides. */
  public readonly versioning?: S3BucketVersioningA;
  /** Region of the bucket and key. */
  public readonly region: string;
  /** SSE-KMS with an S3 Bucket Key (KMS encryption context = the bucket ARN); false for SSE-S3. */
  public readonly bucketKeyEnabled: boolean;
  /** `alias/s3/<bucket name with "." as "_">`, when `encryption` is `kms`. */
  public readonly kmsAliasName?: string;
  /** The server access log bucket, when `accessLogs` is on. */
  public readonly logBucket?: S3Bucket;
  private readonly principalGroups: BucketGrantGroup[] = [];
  private readonly orgGrants: OrganizationGrant[] = [];
  private readonly pendingDependables: TerraformResource[] = [];
  /** Cross-account grantees, for the policies' Id (unique ids of same-stack principals). */
  private readonly grantees: IGrantee[] = [];
  private readonly acknowledgements: Acknowledgement[];
  /** The data perimeter, when on. */
  public readonly perimeter?: ResolvedPerimeter;
  /** Accounts of the granted principals (for the perimeter's member accounts). */
  private readonly grantAccounts: string[] = [];

  constructor(scope: Construct, id: string, props: BucketShareProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `BucketShare(${id}).${name}`;
    const partition = props.partition ?? "aws";
    this.accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), this.accountId);
    this.bucketName = v.bucketName(f("bucketName"), props.bucketName);
    this.bucketArn = `arn:${partition}:s3:::${this.bucketName}`;
    const region = props.region ?? props.provider.region;
    if (region === undefined) {
      throw new ConfigError(f("region"), "is required when the provider sets no region: KMS grants are limited to S3 in the bucket's region (kms:ViaService)");
    }
    this.region = v.region(f("region"), region);
    const encryption = v.oneOf(f("encryption"), props.encryption ?? "kms", ["kms", "s3"] as const);
    this.bucketKeyEnabled = encryption === "kms";
    this.objectOwnership = v.oneOf(f("objectOwnership"), props.objectOwnership ?? "BucketOwnerEnforced", OBJECT_OWNERSHIPS);
    const requireBofc = props.requireBucketOwnerFullControl ?? this.objectOwnership === "ObjectWriter";
    const noncurrentDays = v.integerInRange(f("noncurrentVersionExpirationDays"), props.noncurrentVersionExpirationDays ?? 90, 1, 36500);
    const deletionWindow = v.integerInRange(f("kmsDeletionWindowDays"), props.kmsDeletionWindowDays ?? 30, 7, 30);
    this.perimeter = resolvePerimeter(f("perimeter"), props.perimeter, this.accountId);
    this.mode = resolveShareMode(`BucketShare(${id})`, props).create({
      scope: this,
      label: `BucketShare(${id})`,
      provider: props.provider,
      partition,
      accountId: this.accountId,
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      region: this.region,
      objectWriterOwnership: this.objectOwnership === "ObjectWriter",
      perimeter: this.perimeter,
    });
    this.accessPointLocation = this.mode.accessPointLocation;

    (props.grants ?? []).forEach((g, i) => this.addGrant(g, `grants[${i}]`));
    this.acknowledgements = validateAcknowledgements(f("acknowledge"), props.acknowledge);
    const logs = props.accessLogs === true ? {} : props.accessLogs === false ? undefined : props.accessLogs;
    const logBucketName = logs && v.bucketName(f("accessLogs.bucketName"), logs.bucketName ?? `${this.bucketName}-logs`);
    const logExpirationDays = logs && v.integerInRange(f("accessLogs.expirationDays"), logs.expirationDays ?? 365, 1, 36500);

    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;
    const provider = props.provider;

    this.bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: this.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      tags,
    });

    const pab = new S3BucketPublicAccessBlock(this, "public-access-block", {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, "ownership", {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: this.objectOwnership },
    });

    const versioned = props.versioning ?? true;
    if (versioned) {
      this.versioning = new S3BucketVersioningA(this, "versioning", {
        provider,
        bucket: this.bucket.id,
        versioningConfiguration: { status: "Enabled" },
      });
    }

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          // Once every noncurrent version has expired, a delete marker is left
          // with nothing behind it; remove those too, or they pile up and slow
          // listings. Only meaningful (and only allowed next to versions) when
          // versioned. https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
          ...(versioned ? { expiration: [{ expiredObjectDeleteMarker: true }] } : {}),
        },
      ],
    });

    if (encryption === "kms") {
      this.kmsKey = new KmsKey(this, "key", {
        provider,
        description: `Encrypts s3://${this.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: deletionWindow,
        // Rendered at synth time, so grants added later with addGrant() are included.
        policy: Lazy.stringValue({
          produce: () =>
            renderPolicy(
              this.withKeyStatements(
                this.mode.keyPolicy({
                  partition,
                  region: this.region,
                  ownerAccountId: this.accountId,
                  // The key encrypts this bucket only, with an S3 Bucket Key: context = the bucket ARN.
                  bucketArn: this.bucketArn,
                  bucketKey: true,
                  grants: this.principalGroups.map((g) => ({ principals: g.principals, level: g.level })),
                  organizationGrants: this.orgGrants.map((o) => ({ organizationId: o.organizationId, level: o.level })),
                  id: principalsPolicyId(this.grantees),
                  perimeter: this.perimeter,
                }),
              ),
            ),
        }),
        tags,
      });
      this.kmsKeyArn = this.kmsKey.arn;
      this.kmsAliasName = kmsAliasFor(this.bucketName);
      new KmsAlias(this, "key-alias", {
        provider,
        name: this.kmsAliasName,
        targetKeyId: this.kmsKey.keyId,
      });
    }

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        this.kmsKey
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    this.bucketPolicy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      policy: Lazy.stringValue({
        produce: () =>
          renderPolicy(
            this.checkedPolicy(
              this.mode.bucketPolicy({
                bucketArn: this.bucketArn,
                grants: this.principalGroups,
                organizationGrants: this.orgGrants,
                requireBucketOwnerFullControl: requireBofc,
                kmsKeyArn: this.kmsKeyArn,
                id: principalsPolicyId(this.grantees),
                additionalStatements: this.extraStatements,
                perimeter: this.perimeter,
              }),
            ),
          ),
      }),
      // Block Public Access first: AWS evaluates a new policy against it.
      dependsOn: [pab],
    });
    acknowledge(this.bucketPolicy, this.acknowledgements);

    if (logBucketName !== undefined && logExpirationDays !== undefined) {
      this.logBucket = this.accessLogBucket(provider, partition, logBucketName, logExpirationDays, props.forceDestroy ?? false, tags);
    }
    if (this.kmsKey) acknowledge(this.kmsKey, this.acknowledgements);
    // Grants passed as props were recorded before the resources existed.
    this.pendingDependables.forEach((d) => this.dependOnGrantee(d));
    this.pendingDependables.length = 0;
    // Per-grant resources of the mode (access points), ordered after the bucket and its Block Public Access.
    this.mode.activate([this.bucket, pab]);
    if (this.perimeter) emitPerimeter(this, id, `BucketShare(${id})`, this.perimeter, () => [this.accountId, ...this.grantAccounts]);
  }

  /** The access points, one per grant (access-point mode only). */
  public get accessPoints(): AccessPointSet | undefined {
    return accessPointsOf(this.mode);
  }

  /**
   * The server access log bucket: private, SSE-S3 (what S3 documents for a
   * log destination), versioned, logs expire; its policy lets only the S3
   * logging service write, for this bucket only. Then logging is turned on.
   */
  private accessLogBucket(
    provider: AwsProvider,
    partition: string,
    name: string,
    expirationDays: number,
    forceDestroy: boolean,
    tags: Record<string, string> | undefined,
  ): S3Bucket {
    const prefix = `s3/${this.bucketName}/`;
    const logBucket = new S3Bucket(this, "logs", { provider, bucket: name, forceDestroy, tags });
    const pab = new S3BucketPublicAccessBlock(this, "logs-public-access-block", {
      provider,
      bucket: logBucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "logs-ownership", { provider, bucket: logBucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketVersioningA(this, "logs-versioning", { provider, bucket: logBucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "logs-encryption", {
      provider,
      bucket: logBucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "logs-lifecycle", {
      provider,
      bucket: logBucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: expirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const policy = new S3BucketPolicy(this, "logs-policy", {
      provider,
      bucket: logBucket.id,
      policy: renderPolicy(
        accessLogBucketPolicy({ logBucketArn: `arn:${partition}:s3:::${name}`, prefix, sourceBucketArn: this.bucketArn, sourceAccountId: this.accountId }),
      ),
      dependsOn: [pab],
    });
    new S3BucketLoggingA(this, "access-logging", {
      provider,
      bucket: this.bucket.id,
      targetBucket: logBucket.id,
      targetPrefix: prefix,
      // Delivery is checked against the log bucket's policy: put it first.
      dependsOn: [policy],
    });
    return logBucket;
  }

  /**
   * Grant a principal of another account (or an Organization) an access level
   * on the bucket, in both the bucket policy and the key policy. A principal
   * of the owning account is ignored here: give it the matching identity
   * policy instead (e.g. `AssumableRole`). Returns the identity-side grant
   * the principal's own policy needs.
   */
  public addGrant(grant: BucketShareGrant, field = `grants[${this.principalGroups.length + this.orgGrants.length}]`): S3Grant {
    const g = this.record(grant, field);
    const shareGrant = buildShareGrant(this, this.mode, grant, g);
    this.shareGrants.push(shareGrant);
    return shareGrant.s3Grant;
  }

  /**
   * Grant `consumer` a level on a prefix, both sides at once (the model:
   * aws-cdk's `Grant.addToPrincipalOrResource`): the bucket (or access
   * point) and key policies name it, and a consumer construct of this app
   * ({@link IShareConsumer}: `LambdaWriter`, `ConsumerAccess`) gets the
   * identity side too. Returns the grant, whose `address` is what the
   * consumer passes as `Bucket` (the access point ARN in access-point mode).
   */
  public grant(consumer: ShareConsumer, options: ShareGrantOptions): ShareGrant {
    const grant = grantOnShare(this, this.mode, (g, field) => this.record(g, field), consumer, options);
    this.shareGrants.push(grant);
    return grant;
  }

  /**
   * Publish the grants of this share as a grant contract for consuming
   * teams with apps of their own: a Terraform output (`terraform output -raw`
   * prints the contract, every value known) and the same JSON written at
   * synth next to the stack JSON (`xacct/<id>.contract.json`). The consuming
   * app reads it with `GrantContract.fromFile`; `xacct-access contract verify`
   * checks that both apps grant the same access.
   */
  public publishContract(options: PublishContractOptions = {}): PublishedContract {
    return publishShareContract(this, () => this.shareGrants, options);
  }

  /**
   * Add a statement the modules do not make to the bucket policy (e.g. a
   * deny of your own, or a grant to an AWS service): merged into the one
   * document after the module's statements, counted by the `policy-size`
   * check and read by the access review like the rest. It must name a
   * Principal and only this bucket's ARNs; a Sid used twice fails synth.
   */
  public addToResourcePolicy(statement: Statement): void {
    this.extraStatements.push(
      resourceStatement(`BucketShare(${this.node.id}).addToResourcePolicy(statement ${this.extraStatements.length + 1})`, statement, this.bucketArn),
    );
  }

  /**
   * Add a statement the modules do not make to the key policy (e.g. the
   * replication role of another account encrypting replicas): appended to
   * the key policy built for the grants, counted by the `policy-size` check.
   * Only for a bucket with its own key (`encryption: "kms"`).
   */
  public addToKeyPolicy(statement: Statement): void {
    const field = `BucketShare(${this.node.id}).addToKeyPolicy(statement ${this.extraKeyStatements.length + 1})`;
    if (this.kmsKeyArn === undefined) throw new ConfigError(field, 'needs a bucket with its own key (encryption "kms"): an SSE-S3 bucket has no key policy');
    this.extraKeyStatements.push(keyStatement(field, statement));
  }

  private withKeyStatements(d: PolicyDocument): PolicyDocument {
    if (this.extraKeyStatements.length === 0) return d;
    const merged = { ...d, Statement: [...d.Statement, ...this.extraKeyStatements] };
    const dup = duplicateSids(merged);
    if (dup.length) {
      throw new ConfigError(
        `BucketShare(${this.node.id}).addToKeyPolicy`,
        `Sid(s) ${dup.map((x) => `"${x}"`).join(", ")} used twice in the key policy: rename the added statement`,
      );
    }
    return merged;
  }

  /** Record the resource side of one grant (bucket, key and mode resources). */
  private record(grant: BucketShareGrant, field: string): ParsedGrant {
    const g = parseGrant(`BucketShare(${this.node.id})`, field, grant, this.accountId);
    checkPerimeterGrant(this.perimeter, `BucketShare(${this.node.id}).${field}`, { account: g.account, organizationId: g.organization?.organizationId });
    if (g.account !== undefined) this.grantAccounts.push(g.account);
    if (g.organization) this.orgGrants.push(g.organization);
    if (g.group) this.principalGroups.push(g.group);
    if (g.grantee) this.grantees.push(g.grantee);
    if (g.dependable) this.dependOnGrantee(g.dependable);
    // Access-point mode: the grant's own access point; its ARN is known before the resource exists.
    this.mode.addGrant(g);
    return g;
  }

  private checkedPolicy(doc: PolicyDocument): PolicyDocument {
    const dup = duplicateSids(doc);
    if (dup.length) {
      throw new ConfigError(
        `BucketShare(${this.node.id}).addToResourcePolicy`,
        `Sid(s) ${dup.map((s) => `"${s}"`).join(", ")} used twice in the bucket policy (AWS rejects duplicate Sids): rename the added statement`,
      );
    }
    return doc;
  }

  /** AWS rejects a bucket or key policy naming a principal that does not exist yet. */
  private dependOnGrantee(d: TerraformResource): void {
    if (!this.bucketPolicy) {
      this.pendingDependables.push(d);
      return;
    }
    if (this.mode.bucketPolicyNamesPrincipals) addDependency(this.bucketPolicy, d);
    if (this.kmsKey) addDependency(this.kmsKey, d);
  }

  /**
   * The identity-side half of a grant on this bucket: feed it to an
   * `AssumableRole` or `LambdaWriter` so that the consumer's IAM policy and
   * the KMS actions match what the bucket and key policies allow.
   */
  public s3Grant(level: AccessLevel, prefix = ""): S3Grant {
    return this.mode.identityGrant(shareS3Grant(this, level, prefix));
  }

  /**
   * Read object metadata only (HeadObject, ListBucket): `read` on the bucket
   * without any KMS action, since HeadObject returns metadata without
   * decrypting. For a principal of the owning account (no bucket-policy
   * statement needed), e.g. an S3-triggered function that only inspects the
   * object it was told about.
   *
   * Only on an SSE-KMS bucket: HeadObject needs `s3:GetObject`
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, Permissions),
   * and without a key to withhold that same action reads every object's body,
   * so on an SSE-S3 bucket (`encryption: "s3"`) this refuses instead of
   * quietly granting full read.
   */
  public metadataGrant(prefix = ""): S3Grant {
    if (this.kmsKeyArn === undefined) {
      throw new ConfigError(
        `BucketShare(${this.node.id}).metadataGrant`,
        'needs an SSE-KMS bucket: with encryption "s3" the s3:GetObject that HeadObject needs also reads every object body (no key to withhold). Use encryption "kms", or s3Grant("read", prefix) if full read is what you mean',
      );
    }
    return { ...this.s3Grant("read", prefix), kmsKeyArn: undefined, metadataOnly: true };
  }
}

/**
 * A KMS alias for a bucket: `alias/s3/<name>` with each "." as "_". Alias
 * names allow only letters, digits, "/", "_" and "-"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html),
 * while bucket names may hold dots. Bucket names never contain "_", so the
 * mapping is one-to-one: two valid bucket names never share an alias.
 */
export function kmsAliasFor(bucketName: string): string {
  return `alias/s3/${bucketName.replace(/\./g, "_")}`;
}
