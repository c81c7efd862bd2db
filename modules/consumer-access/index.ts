import { AwsProvider, IamRolePolicy } from "../../lib/framework/aws";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, TerraformLocal } from "../../lib/framework";
import { EXISTING_BUCKET_MARKER, ExistingRoleMarker } from "../../lib/model/stack-model";
import { AccessLevel, assumeRoleStatement, identityPolicy, identityStatements, renderPolicy, S3Grant, Statement } from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import { DataPerimeter, emitPerimeter, grantWithinPerimeter, ResolvedPerimeter, resolvePerimeter } from "../../lib/perimeter";
import type { IAssumableRoleTarget } from "../assumable-role";
import type { IBucketShare, IShareConsumer, ShareGrant } from "../bucket-share/grants";

export interface ConsumerAccessProps {
  /** AWS provider of the consuming account (where the role exists). */
  readonly provider: AwsProvider;
  /** Id of the consuming account: the role ARN must be of this account. */
  readonly accountId: string;
  /**
   * ARN of an EXISTING role of the consuming account (ECS task role, EC2
   * instance role, CI role, a Lambda's execution role made elsewhere), e.g.
   * `arn:aws:iam::111111111111:role/service-role/reports-task`. The role itself
   * is not managed here: only one inline policy is added to it.
   */
  readonly roleArn: string;
  /**
   * Identity halves of bucket grants, from `share.s3Grant(level, prefix)` (S3
   * actions on the bucket/prefix and the KMS actions on its key). The bucket's
   * side is `share.addGrant({ principal: consumer, ... })`, or use
   * `share.grant(consumer, { level, prefix })` for both at once. More can be added with `addS3Grant()`.
   * @default []
   */
  readonly grants?: readonly S3Grant[];
  /**
   * Roles of other accounts the role may assume (`sts:AssumeRole` on exactly
   * each role ARN; with the MFA condition when the role demands it). More can
   * be added with `addAssumeRole()`. Synth fails if the policy stays empty.
   * @default []
   */
  readonly assumeRoles?: readonly IAssumableRoleTarget[];
  /** Name of the inline policy added to the role (unique among its inline policies). @default "xacct-access" */
  readonly policyName?: string;
  /**
   * Opt-in data perimeter ({@link DataPerimeter}): every S3/KMS statement of
   * the role's grants also holds only while `aws:ResourceOrgID` is the
   * Organization, whichever app made the grant.
   * @default none
   */
  readonly perimeter?: DataPerimeter;
}

/**
 * The identity half of cross-account access for a role that already exists in
 * the consuming account: one `aws_iam_role_policy` on it holding exactly the
 * S3 + KMS statements of its grants and/or `sts:AssumeRole` on the roles it may
 * assume. It is an {@link IShareConsumer}: `share.grant(consumer, { level, prefix })`
 * names the role in the bucket policy (and in a KMS grant for an existing key)
 * and adds the matching S3 + KMS statements here, in one call.
 */
export class ConsumerAccess extends Construct implements IShareConsumer {
  public readonly roleArn: string;
  /** The role name, parsed from the ARN (the path is not part of it). */
  public readonly roleName: string;
  public readonly accountId: string;
  public readonly rolePolicy: IamRolePolicy;
  private readonly grants: S3Grant[] = [];
  private readonly assumable: IAssumableRoleTarget[] = [];
  /** The data perimeter, when on. */
  public readonly perimeter?: ResolvedPerimeter;

  constructor(scope: Construct, id: string, props: ConsumerAccessProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `ConsumerAccess(${id}).${name}`;
    this.accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), this.accountId);
    const { arn, name } = roleArnOf(f("roleArn"), props.roleArn, this.accountId);
    this.roleArn = arn;
    this.roleName = name;
    const policyName = v.iamName(f("policyName"), props.policyName ?? "xacct-access", 128);
    this.perimeter = resolvePerimeter(f("perimeter"), props.perimeter, this.accountId);
    (props.grants ?? []).forEach((g, i) => this.addS3Grant(g, `grants[${i}]`));
    (props.assumeRoles ?? []).forEach((r, i) => this.addAssumeRole(r, `assumeRoles[${i}]`));

    this.rolePolicy = new IamRolePolicy(this, "policy", {
      provider: props.provider,
      name: policyName,
      role: this.roleName,
      // Rendered at synth time, so grants added later are included.
      policy: Lazy.stringValue({
        produce: () => {
          const statements = this.statements();
          if (statements.length === 0) {
            throw new ConfigError(
              f("grants"),
              "the role would get an empty policy: pass grants (share.s3Grant(...)) or assumeRoles, or call useBucket() / addS3Grant() / addAssumeRole()",
            );
          }
          return renderPolicy(identityPolicy(statements));
        },
      }),
    });

    // The checks and the access model see the existing role through this entry.
    new TerraformLocal(this, "xacct-existing-role", {
      [EXISTING_BUCKET_MARKER]: "existing-role",
      arn: this.roleArn,
      name: this.roleName,
      account: this.accountId,
    } satisfies Record<keyof ExistingRoleMarker, string>);
    if (this.perimeter) emitPerimeter(this, id, `ConsumerAccess(${id})`, this.perimeter, () => [this.accountId], { rcp: false });
  }

  /** IGrantee: the role, for bucket, key and trust policies (it exists already: nothing to depend on). */
  public get principalArn(): string {
    return this.roleArn;
  }

  /** IShareConsumer: take the identity side of a share grant (called by `share.grant(consumer, ...)`). */
  public bindGrant(grant: ShareGrant): void {
    this.addS3Grant(grant.s3Grant);
  }

  /** Add the identity half of a grant (`share.s3Grant(level, prefix)`). */
  public addS3Grant(grant: S3Grant, field = `grants[${this.grants.length}]`): void {
    v.keyPrefix(`ConsumerAccess(${this.node.id}).${field}.prefix`, grant.prefix);
    this.grants.push(grantWithinPerimeter(this.perimeter, `ConsumerAccess(${this.node.id}).${field}`, grant));
  }

  /** Let the role assume `target` (e.g. an `AssumableRole` of the bucket's account). */
  public addAssumeRole(target: IAssumableRoleTarget, field = `assumeRoles[${this.assumable.length}]`): void {
    v.principalArn(`ConsumerAccess(${this.node.id}).${field}.roleArn`, target.roleArn);
    this.assumable.push(target);
  }

  /**
   * Both halves at once: grant this role `level` on `prefix` of the shared
   * bucket (bucket policy / KMS) and add the matching S3 + KMS statements to
   * the role. Returns the identity-side grant. Same as
   * `share.grant(consumer, { level, prefix }).s3Grant`.
   */
  public useBucket(share: IBucketShare, level: AccessLevel, prefix = ""): S3Grant {
    return share.grant(this, { level, prefix }).s3Grant;
  }

  private statements(): Statement[] {
    return [
      ...this.grants.flatMap((g, i) => identityStatements(g, `Grant${i + 1}`, this.roleArn)),
      ...this.assumable.map((r, i) => assumeRoleStatement(r.roleArn, `AssumeRole${i + 1}`, r.requireMfa)),
    ];
  }
}

/** A role ARN of `accountId` (`arn:aws:iam::<account>:role/<path/><name>`); returns the name. */
function roleArnOf(field: string, value: unknown, accountId: string): { arn: string; name: string } {
  const m = typeof value === "string" ? /^arn:aws[\w-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(value) : null;
  if (!m) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is not an IAM role ARN; use "arn:aws:iam::${accountId}:role/<name>" (or role/<path>/<name>) of an existing role`,
    );
  }
  if (m[1] !== accountId) {
    throw new ConfigError(
      field,
      `"${String(value)}" is a role of account ${m[1]}, not of the consuming account ${accountId}: the provider can only attach a policy to a role of its own account`,
    );
  }
  return { arn: value as string, name: m[3] };
}
