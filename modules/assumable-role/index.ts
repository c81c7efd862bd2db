import { AwsProvider, IamGroup, IamGroupPolicy, IamRole, IamRolePolicy } from "../../lib/framework/aws";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, TerraformOutput, TerraformStack } from "../../lib/framework";
import { addDependency, GranteeLike, IGrantee, dependablesOf, principalsPolicyId, toGrantee } from "../../lib/grantee";
import { acknowledge, Acknowledgement, validateAcknowledgements } from "../../lib/checks/acknowledge";
import {
  AccessLevel,
  assumeRoleStatement,
  IamUserTrust,
  identityPolicy,
  identityStatements,
  patternPrincipal,
  renderPolicy,
  roleTrustPolicy,
  S3Grant,
} from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import { checkPerimeterGrant, DataPerimeter, emitPerimeter, grantWithinPerimeter, ResolvedPerimeter, resolvePerimeter } from "../../lib/perimeter";

/** Output names of the CLI profiles per stack (statically named: one per role and group). */
const OUTPUT_NAMES = new WeakMap<TerraformStack, Set<string>>();

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
  /**
   * Only IAM users under this IAM path may assume the role (`/humans/`).
   * @default "/" (any IAM user of the account)
   */
  readonly userPath?: string;
  /**
   * A principal tag every caller must carry (`aws:PrincipalTag/<key>`), e.g.
   * `{ key: "team", value: "data" }`.
   * @default none
   */
  readonly principalTag?: { readonly key: string; readonly value: string };
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
  /** The level of the role's grant: a built-in writer assuming the role enables only the operations it allows. @default unknown (every operation) */
  readonly accessLevel?: AccessLevel;
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
   * allow) is refused unless `acknowledge` contains `{ rule: "account-root-principal", reason }`.
   * A role that may not exist yet, a path pattern or an Identity Center
   * permission set: `Principals.roleByName / rolePattern / permissionSet`
   * (trusted as the account narrowed by `aws:PrincipalArn`).
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
  /** @default `{}` */
  readonly tags?: Record<string, string>;
  /** @default "aws" */
  readonly partition?: string;
  /**
   * Opt-in data perimeter ({@link DataPerimeter}): the trust policy denies
   * sts:AssumeRole to principals outside the Organization (AWS's
   * `iam_role_trust_policy.json` example), the S3/KMS statements carry
   * `aws:ResourceOrgID`, and a trusted principal of an account declared
   * outside fails synth unless that account is trusted.
   * @default none
   */
  readonly perimeter?: DataPerimeter;
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
  /** The level of `access`. */
  public readonly accessLevel: AccessLevel;
  /**
   * Per group of {@link AssumableRole.addAssumingGroup} (by its id): the AWS CLI profile its
   * members put in `~/.aws/config` (also the Terraform output `<role id>-<group id>-cli-profile`):
   * `role_arn`, `source_profile`, `role_session_name` (the trust accepts only the caller's IAM user
   * name; the AWS CLI's default `botocore-session-<epoch>` is refused), `mfa_serial` when MFA is
   * required, `duration_seconds` (the role's maximum), with `<...>` placeholders for the member's own values.
   */
  public readonly cliProfiles: Record<string, string> = {};
  private readonly trusted: IGrantee[] = [];
  private readonly iamUsers: IamUserTrust[] = [];
  private readonly partition: string;
  private readonly acknowledgements: readonly Acknowledgement[];
  /** The data perimeter, when on. */
  public readonly perimeter?: ResolvedPerimeter;

  constructor(scope: Construct, id: string, props: AssumableRoleProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `AssumableRole(${id}).${name}`;
    const partition = props.partition ?? "aws";
    this.partition = partition;
    const accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), accountId);
    this.roleName = v.iamName(f("roleName"), props.roleName);
    this.roleArn = `arn:${partition}:iam::${accountId}:role/${this.roleName}`;
    this.maxSessionDurationSeconds = v.sessionDuration(f("maxSessionDurationSeconds"), props.maxSessionDurationSeconds ?? 3600);
    this.externalId = props.externalId === undefined ? undefined : v.externalId(f("externalId"), props.externalId);
    this.requireMfa = props.requireMfa ?? false;
    const acks = validateAcknowledgements(f("acknowledge"), props.acknowledge);

    this.acknowledgements = acks;
    this.perimeter = resolvePerimeter(f("perimeter"), props.perimeter, accountId);
    (props.trustedPrincipals ?? []).forEach((p, i) => this.addTrustedPrincipal(p, `trustedPrincipals[${i}]`));

    const grant = grantWithinPerimeter(this.perimeter, f("access"), props.access);
    v.keyPrefix(f("access.prefix"), grant.prefix);
    this.accessLevel = grant.level;
    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;

    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: this.roleName,
      description: props.description ?? `Assumable cross-account for ${grant.level} on ${grant.bucketArn.replace(/^arn:[^:]+:s3:::/, "")}/${grant.prefix}`,
      // Rendered at synth time, so principals added with addTrustedPrincipal() are included.
      assumeRolePolicy: Lazy.stringValue({
        produce: () => {
          if (this.trusted.length === 0 && this.iamUsers.length === 0) {
            throw new ConfigError(
              f("trustedPrincipals"),
              "must name at least one principal ARN that may assume the role (or call addTrustedPrincipal / addAssumingGroup)",
            );
          }
          return renderPolicy(
            roleTrustPolicy({
              // A principal given by pattern: its account + aws:PrincipalArn (see principalParts).
              principals: this.trusted.map((g) => (g.principalPattern ? patternPrincipal(g.principalPattern.arnLike) : g.principalArn)),
              iamUsers: this.iamUsers,
              externalId: this.externalId,
              requireMfa: this.requireMfa,
              maxMfaAgeSeconds: this.maxSessionDurationSeconds,
              id: principalsPolicyId(this.trusted),
              perimeter: this.perimeter,
            }),
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
      policy: renderPolicy(identityPolicy(identityStatements(grant, "", this.roleArn))),
    });
    if (this.perimeter) {
      const trustedAccounts = (): string[] => [
        accountId,
        ...this.trusted.flatMap((t) => v.principalArn(f("trustedPrincipals"), t.principalArn).account ?? []),
        ...this.iamUsers.map((u) => u.accountId),
      ];
      emitPerimeter(this, id, `AssumableRole(${id})`, this.perimeter, trustedAccounts, { rcp: false });
    }
  }

  /**
   * Create an IAM group in another account whose members may assume exactly
   * this role. Groups cannot be named in a trust policy, so the trust names
   * that account and narrows it by condition to its IAM users (optionally
   * under `userPath`, carrying `principalTag`), with MFA not older than the
   * role's maximum session when the role requires MFA, and the session named
   * after the user (see roleTrustPolicy). Roles, CI and SSO sessions of that
   * account cannot assume it, whatever their own policies say; the group's
   * policy then picks which users may. Returns the group.
   */
  public addAssumingGroup(id: string, props: AssumingGroupProps): IamGroup {
    const f = (name: string): string => `AssumableRole(${this.node.id}).addAssumingGroup(${id}).${name}`;
    const accountId = v.accountId(f("accountId"), props.accountId);
    const groupName = v.iamName(f("groupName"), props.groupName, 128);
    const requireMfa = props.requireMfa ?? this.requireMfa;
    const userPath = props.userPath ?? "/";
    if (!/^\/([\x21-\x7e]*\/)?$/.test(userPath) || userPath.length > 512) {
      throw new ConfigError(f("userPath"), `must be an IAM path that begins and ends with "/", such as "/humans/" (got ${JSON.stringify(userPath)})`);
    }
    const tag = props.principalTag;
    if (tag !== undefined && (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(tag.key) || typeof tag.value !== "string" || tag.value.length > 256)) {
      throw new ConfigError(
        f("principalTag"),
        `must be { key, value } with a tag key of 1-128 letters, digits, spaces or _.:/=+-@ and a value of at most 256 characters (got ${JSON.stringify(tag)})`,
      );
    }
    if (this.iamUsers.some((u) => u.accountId === accountId)) {
      throw new ConfigError(f("accountId"), `${this.roleArn} already trusts the IAM users of account ${accountId}; add the users to that group instead`);
    }
    this.iamUsers.push({ partition: this.partition, accountId, userPath, principalTag: tag });
    const group = new IamGroup(this, `${id}-group`, { provider: props.provider, name: groupName });
    const profile = awsCliProfile({
      profileName: groupName.toLowerCase(),
      roleArn: this.roleArn,
      userAccountId: accountId,
      partition: this.partition,
      // The trust asks for MFA when the role does; the group's own policy when the group does.
      requireMfa: this.requireMfa || requireMfa,
      durationSeconds: this.maxSessionDurationSeconds,
    });
    this.cliProfiles[id] = profile;
    // A readable output name (`terraform output -raw developer-role-developers-cli-profile`), unique in the stack.
    const outputName = `${this.node.id}-${id}-cli-profile`.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^(?=[0-9-])/, "_");
    const stack = TerraformStack.of(this);
    const taken = OUTPUT_NAMES.get(stack) ?? new Set<string>();
    if (taken.has(outputName)) {
      throw new ConfigError(f("id"), `the stack already has an output ${outputName}: give this AssumableRole or this group another id`);
    }
    taken.add(outputName);
    OUTPUT_NAMES.set(stack, taken);
    new TerraformOutput(this, outputName, {
      staticId: true,
      description: `AWS CLI profile for the members of IAM group ${groupName} (account ${accountId}) to assume ${this.roleArn}: add it to ~/.aws/config, replacing the <...> placeholders`,
      value: profile,
    });
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
    const where = `AssumableRole(${this.node.id}).${field}`;
    const pattern = v.principalPattern(where, g);
    if (pattern) {
      // A perimeter denies principals of accounts declared outside: such a trust could never be used.
      checkPerimeterGrant(this.perimeter, where, { account: pattern.accountId }, where);
      // Nothing to depend on: the trust names the account, whether the role exists yet or not.
      this.trusted.push(g);
      return;
    }
    const { arn, account } = v.principalArn(where, g.principalArn);
    if (account !== undefined) checkPerimeterGrant(this.perimeter, where, { account }, where);
    if (arn.endsWith(":root") && !this.acknowledgements.some((a) => a.rule === "account-root-principal")) {
      throw new ConfigError(
        `AssumableRole(${this.node.id}).${field}`,
        `"${arn}" trusts every principal of that account; name the role ARN that needs access, or add { rule: "account-root-principal", reason: "..." } to acknowledge if the whole account is meant`,
      );
    }
    this.trusted.push(g);
    if (this.role && g.dependable) addDependency(this.role, g.dependable);
  }
}

/** What awsCliProfile needs. */
interface AwsCliProfileInput {
  /** The profile's name (`[profile <name>]`). */
  readonly profileName: string;
  readonly roleArn: string;
  /** The account of the IAM users who assume the role (their MFA devices live there). */
  readonly userAccountId: string;
  /** @default "aws" */
  readonly partition?: string;
  /** Add `mfa_serial`: the trust (or the group's policy) demands MFA. */
  readonly requireMfa: boolean;
  /** `duration_seconds`: the role's maximum session (the CLI asks for 3600 s without it). */
  readonly durationSeconds: number;
}

/**
 * The `~/.aws/config` profile with which a member of an assuming group uses the
 * role from the AWS CLI or an SDK. The trust accepts only sessions named after
 * the caller's IAM user (`sts:RoleSessionName` = `${aws:username}`), while the
 * CLI names a session `botocore-session-<epoch>` unless the profile sets
 * `role_session_name`; so the profile sets it, and `mfa_serial` when MFA is
 * required (the CLI then prompts for the code and passes it to AssumeRole).
 * AWS CLI User Guide, "Use an IAM role in the AWS CLI" (role_session_name,
 * mfa_serial): https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html;
 * SDKs and Tools Reference, assume role credential provider (role_session_name,
 * mfa_serial, duration_seconds: 900 up to the role's maximum, default 3600):
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html.
 * The `<...>` placeholders are the member's own values.
 */
function awsCliProfile(input: AwsCliProfileInput): string {
  const partition = input.partition ?? "aws";
  return [
    `[profile ${input.profileName}]`,
    `role_arn = ${input.roleArn}`,
    `# the profile holding your IAM user's access keys in account ${input.userAccountId}`,
    `source_profile = <your source profile>`,
    `# must be exactly your IAM user name (aws iam get-user --query User.UserName): the role refuses any other session name`,
    `role_session_name = <your IAM user name>`,
    ...(input.requireMfa ? [`mfa_serial = arn:${partition}:iam::${input.userAccountId}:mfa/<your MFA device name>`] : []),
    `duration_seconds = ${input.durationSeconds}`,
    "",
  ].join("\n");
}
