import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicy } from "@cdktf/provider-aws/lib/iam-group-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy } from "../../lib/framework";
import { addDependency, GranteeLike, IGrantee, dependablesOf, toGrantee } from "../../lib/grantee";
import { acknowledge, Acknowledgement, ACKNOWLEDGEMENTS } from "../../lib/checks/acknowledge";
import { assumeRoleStatement, identityPolicy, identityStatements, renderPolicy, roleTrustPolicy, S3Grant } from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";

/** An IAM group of another account whose members may assume the role. */
export interface AssumingGroupProps {
  /** AWS provider of the group's account. */
  readonly provider: AwsProvider;
  readonly accountId: string;
  readonly groupName: string;
  /**
   * Members must have signed in with MFA (`aws:MultiFactorAuthPresent`).
   * @default the role's requireMfa
   */
  readonly requireMfa?: boolean;
}

/** What a caller needs to know about a role it will assume. */
export interface IAssumableRoleTarget {
  readonly roleArn: string;
  /** The role's `max_session_duration`: a longer requested session fails at run time. */
  readonly maxSessionDurationSeconds: number;
  /** The ExternalId the trust policy demands, if any. */
  readonly externalId?: string;
  /** Whether the trust policy demands MFA (no Lambda can satisfy that). */
  readonly requireMfa: boolean;
}

export interface AssumableRoleProps {
  /** AWS provider of the account that owns the role (and the bucket). */
  readonly provider: AwsProvider;
  /** Id of the account that owns the role. */
  readonly accountId: string;
  /** IAM role name. */
  readonly roleName: string;
  /**
   * Principals of other accounts that may assume the role: role or user ARNs,
   * or constructs exposing one (`LambdaWriter`). An account root
   * (`arn:aws:iam::<id>:root`, i.e. anyone in that account whom their admins
   * allow) is refused unless `acknowledge` contains `"account-root-principal"`.
   * More can be added with `addTrustedPrincipal()`; synth fails if none is.
   * @default []
   */
  readonly trustedPrincipals?: readonly GranteeLike[];
  /**
   * Require `sts:ExternalId` to equal this value (third-party / confused-deputy guard).
   * @default no ExternalId condition
   */
  readonly externalId?: string;
  /**
   * Require `aws:MultiFactorAuthPresent` (for humans; a Lambda cannot satisfy it).
   * @default false
   */
  readonly requireMfa?: boolean;
  /**
   * The role's maximum session duration in seconds, 3600-43200.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
  /** The one bucket (+prefix, +KMS key) the role may use: `bucketShare.s3Grant(level, prefix)`. */
  readonly access: S3Grant;
  /** @default "Assumable from <principals> for <level> on <bucket>/<prefix>" */
  readonly description?: string;
  /** Deliberate findings of the synth-time checks (e.g. a `:root` trust). @default [] */
  readonly acknowledge?: readonly Acknowledgement[];
  /** @default {} */
  readonly tags?: Record<string, string>;
  /** @default "aws" */
  readonly partition?: string;
}

/**
 * A role in the owning account that named principals of other accounts may
 * assume (optionally with ExternalId / MFA), with S3 (+KMS) permissions scoped
 * to one bucket and prefix.
 */
export class AssumableRole extends Construct implements IAssumableRoleTarget {
  public readonly role: IamRole;
  public readonly rolePolicy: IamRolePolicy;
  public readonly roleName: string;
  /** Literal role ARN (`arn:aws:iam::<account>:role/<name>`). */
  public readonly roleArn: string;
  public readonly maxSessionDurationSeconds: number;
  public readonly externalId?: string;
  public readonly requireMfa: boolean;
  private readonly trusted: IGrantee[] = [];
  private readonly acknowledgements: readonly Acknowledgement[];

  constructor(scope: Construct, id: string, props: AssumableRoleProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `AssumableRole(${id}).${name}`;
    const partition = props.partition ?? "aws";
    const accountId = v.accountId(f("accountId"), props.accountId);
    this.roleName = v.iamName(f("roleName"), props.roleName);
    this.roleArn = `arn:${partition}:iam::${accountId}:role/${this.roleName}`;
    this.maxSessionDurationSeconds = v.sessionDuration(f("maxSessionDurationSeconds"), props.maxSessionDurationSeconds ?? 3600);
    this.externalId = props.externalId === undefined ? undefined : v.externalId(f("externalId"), props.externalId);
    this.requireMfa = props.requireMfa ?? false;
    const acks = (props.acknowledge ?? []).map((a, i) => v.oneOf(f(`acknowledge[${i}]`), a, ACKNOWLEDGEMENTS));

    this.acknowledgements = acks;
    (props.trustedPrincipals ?? []).forEach((p, i) => this.addTrustedPrincipal(p, `trustedPrincipals[${i}]`));

    const grant = props.access;
    v.keyPrefix(f("access.prefix"), grant.prefix);
    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;

    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: this.roleName,
      description:
        props.description ??
        `Assumable cross-account for ${grant.level} on ${grant.bucketArn.replace(/^arn:[^:]+:s3:::/, "")}/${grant.prefix}`,
      // Rendered at synth time, so principals added with addTrustedPrincipal() are included.
      assumeRolePolicy: Lazy.stringValue({
        produce: () => {
          if (this.trusted.length === 0) {
            throw new ConfigError(f("trustedPrincipals"), "must name at least one principal ARN that may assume the role (or call addTrustedPrincipal)");
          }
          return renderPolicy(
            roleTrustPolicy({ principals: this.trusted.map((g) => g.principalArn), externalId: this.externalId, requireMfa: this.requireMfa }),
          );
        },
      }),
      maxSessionDuration: this.maxSessionDurationSeconds,
      tags,
      // IAM rejects a trust policy naming a principal that does not exist yet.
      dependsOn: this.trusted.length ? dependablesOf(this.trusted) : undefined,
    });
    acknowledge(this.role, acks);

    this.rolePolicy = new IamRolePolicy(this, "access", {
      provider: props.provider,
      name: "s3-access",
      role: this.role.name,
      policy: renderPolicy(identityPolicy(identityStatements(grant))),
    });
  }

  /**
   * Create an IAM group in another account whose members may assume exactly
   * this role. Groups cannot be named in a trust policy, so the role trusts
   * that account's root and the group's policy decides who in it may assume:
   * the role must acknowledge "account-root-principal". Returns the group.
   */
  public addAssumingGroup(id: string, props: AssumingGroupProps): IamGroup {
    const f = (name: string): string => `AssumableRole(${this.node.id}).addAssumingGroup(${id}).${name}`;
    const accountId = v.accountId(f("accountId"), props.accountId);
    const groupName = v.iamName(f("groupName"), props.groupName, 128);
    const requireMfa = props.requireMfa ?? this.requireMfa;
    const root = `arn:aws:iam::${accountId}:root`;
    if (!this.trusted.some((t) => t.principalArn === root)) this.addTrustedPrincipal(root, f("accountId"));
    const group = new IamGroup(this, `${id}-group`, { provider: props.provider, name: groupName });
    new IamGroupPolicy(this, `${id}-group-policy`, {
      provider: props.provider,
      name: `assume-${this.roleName}`.slice(0, 128),
      group: group.name,
      policy: renderPolicy(identityPolicy([assumeRoleStatement(this.roleArn, "AssumeOneRole", requireMfa)])),
    });
    return group;
  }

  /**
   * Let one more principal (of another account) assume this role. An account
   * root is refused unless "account-root-principal" was acknowledged.
   */
  public addTrustedPrincipal(principal: GranteeLike, field = `trustedPrincipals[${this.trusted.length}]`): void {
    const g = toGrantee(principal);
    const { arn } = v.principalArn(`AssumableRole(${this.node.id}).${field}`, g.principalArn);
    if (arn.endsWith(":root") && !this.acknowledgements.includes("account-root-principal")) {
      throw new ConfigError(
        `AssumableRole(${this.node.id}).${field}`,
        `"${arn}" trusts every principal of that account; name the role ARN that needs access, or add "account-root-principal" to acknowledge if the whole account is meant`,
      );
    }
    this.trusted.push(g);
    if (this.role && g.dependable) addDependency(this.role, g.dependable);
  }
}
