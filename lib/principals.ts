import { ConfigError } from "./errors";
import type { IGrantee, PrincipalPatternInfo } from "./grantee";

/**
 * Principals named by pattern instead of by ARN: a role that may not exist
 * yet, the roles under an IAM path, or the roles IAM Identity Center creates
 * for a permission set. Every policy that grants them names their ACCOUNT
 * (`arn:aws:iam::<account>:root`) and narrows it with the global condition key
 * `aws:PrincipalArn` (`ArnLike`): the ARN of the role itself, not of its
 * session (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 *
 * Why not the role ARN in `Principal`:
 * - a bucket, key or trust policy naming a role that does not exist is
 *   refused at apply ("Invalid principal in policy":
 *   https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error);
 * - AWS stores a named role as its unique id (`AROA...`): a deleted and
 *   recreated role no longer matches and the policy shows the orphaned id
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
 *   A condition on `aws:PrincipalArn` compares the ARN at request time, so a
 *   recreated role keeps its access, and a role that appears later gets it;
 * - Identity Center roles carry a random suffix that changes whenever the
 *   permission set is re-provisioned to the account
 *   (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
 *
 * The pattern stays inside one account (the account is literal, never `*`)
 * and one IAM path (wildcards only in the last segment, after the last `/`):
 * checked here, at synth. Give the result wherever a principal is taken:
 * `share.grant(principal, ...)`, `BucketShare` `grants[].principal`,
 * `AssumableRole` `trustedPrincipals`.
 */

/** Options of {@link Principals.roleByName}. */
export interface RoleByNameOptions {
  /**
   * The role's IAM path, beginning and ending with `/` (`/teams/`).
   * @default "/"
   */
  readonly path?: string;
  /** @default "aws" */
  readonly partition?: string;
}

/** Options of {@link Principals.rolePattern}. */
export interface RolePatternOptions {
  /**
   * Acknowledge a pattern matching EVERY role of the account (`/*`): the
   * same reach as naming the account root. Refused without it.
   * @default false
   */
  readonly anyRoleOfAccount?: boolean;
  /** @default "aws" */
  readonly partition?: string;
}

/** Options of {@link Principals.permissionSet}. */
export interface PermissionSetOptions {
  /**
   * Region of the IAM Identity Center instance (its roles' path is
   * `/aws-reserved/sso.amazonaws.com/<region>/`).
   * @default "*" (any region)
   */
  readonly region?: string;
  /** @default "aws" */
  readonly partition?: string;
}

/** What a {@link PrincipalPattern} stands for. */
export type PrincipalPatternKind = "role" | "role-pattern" | "permission-set";

/**
 * A principal granted by `aws:PrincipalArn` pattern (see {@link Principals}).
 * An {@link IGrantee}: pass it wherever a principal ARN is taken.
 */
export class PrincipalPattern implements IGrantee {
  /** The `ArnLike` pattern (also what `principalArn` is: never put in a `Principal` element). */
  public readonly principalArn: string;
  public readonly principalPattern: PrincipalPatternInfo;
  /** The Identity Center permission set's name (kind `permission-set`). @default none */
  public readonly permissionSetName?: string;

  /** @internal use the {@link Principals} factories */
  constructor(
    public readonly kind: PrincipalPatternKind,
    public readonly accountId: string,
    public readonly partition: string,
    arnLike: string,
    /** How the access review names it: `sso:DataReaders@111111111111`, `pattern:/teams/*@111111111111`, `role:/teams/data-readers@111111111111`. */
    public readonly label: string,
    permissionSetName?: string,
  ) {
    this.principalArn = arnLike;
    this.principalPattern = { accountId, partition, arnLike, label };
    if (permissionSetName !== undefined) this.permissionSetName = permissionSetName;
  }

  /** `arn:<partition>:iam::<account>:root`: what the policies' `Principal` names. */
  public get accountPrincipal(): string {
    return `arn:${this.partition}:iam::${this.accountId}:root`;
  }
}

const account = (field: string, value: unknown): string => {
  if (typeof value !== "string" || !/^\d{12}$/.test(value)) {
    throw new ConfigError(
      field,
      `must be one literal 12-digit AWS account id such as "111111111111" (no "*": the pattern stays inside one account; got ${JSON.stringify(value)})`,
    );
  }
  return value;
};
const partitionOf = (field: string, value: unknown): string => {
  if (value === undefined) return "aws";
  if (typeof value !== "string" || !/^aws(-[a-z]+)*$/.test(value))
    throw new ConfigError(field, `must be an AWS partition such as "aws" (got ${JSON.stringify(value)})`);
  return value;
};
/** An IAM path: `/` or `/a/b/`, without wildcards (IAM path characters are ASCII 0x21-0x7E). */
const PATH = /^\/([\x21-\x29\x2b-\x3e\x40-\x7e]+\/)*$/;
const NAME = /^[\w+=,.@-]{1,64}$/;
const NAME_PATTERN = /^[\w+=,.@*?-]{1,64}$/;

/** Factories of {@link PrincipalPattern}s (typed, checked at synth). */
export class Principals {
  /**
   * One role by its name and path, whether or not it exists yet:
   * `Principals.roleByName("111111111111", "data-readers", { path: "/teams/" })`
   * → account principal + `ArnLike aws:PrincipalArn arn:aws:iam::111111111111:role/teams/data-readers`.
   * No apply failure when the role is created later, no orphaned unique id
   * when it is recreated.
   */
  public static roleByName(accountId: string, roleName: string, options: RoleByNameOptions = {}): PrincipalPattern {
    const f = (x: string): string => `Principals.roleByName(${JSON.stringify(roleName)}).${x}`;
    const acct = account(f("accountId"), accountId);
    if (typeof roleName !== "string" || !NAME.test(roleName)) {
      throw new ConfigError(
        f("roleName"),
        `must be an IAM role name: 1-64 letters, digits and + = , . @ _ - (no wildcards: use Principals.rolePattern for a pattern; got ${JSON.stringify(roleName)})`,
      );
    }
    const path = options.path ?? "/";
    if (typeof path !== "string" || !PATH.test(path) || path.length > 512) {
      throw new ConfigError(f("path"), `must be an IAM path that begins and ends with "/", without wildcards, such as "/teams/" (got ${JSON.stringify(path)})`);
    }
    const partition = partitionOf(f("partition"), options.partition);
    return new PrincipalPattern("role", acct, partition, `arn:${partition}:iam::${acct}:role${path}${roleName}`, `role:${path}${roleName}@${acct}`);
  }

  /**
   * The roles of one account under one IAM path, by a name pattern:
   * `Principals.rolePattern("111111111111", "/teams/*")` (every role under
   * `/teams/`, including deeper paths: `*` matches `/` too),
   * `Principals.rolePattern("111111111111", "/ci/deploy-*")`. `*` and `?`
   * only after the last `/`; the path before it is literal. `/*` (every role
   * of the account) only with `anyRoleOfAccount: true`. Users are not roles:
   * `user/...` is refused.
   */
  public static rolePattern(accountId: string, pattern: string, options: RolePatternOptions = {}): PrincipalPattern {
    const f = (x: string): string => `Principals.rolePattern(${JSON.stringify(pattern)}).${x}`;
    const acct = account(f("accountId"), accountId);
    if (typeof pattern !== "string") throw new ConfigError(f("pattern"), `must be a role path pattern such as "/teams/*" (got ${JSON.stringify(pattern)})`);
    if (/^(arn:|user\/|role\/|\/?user\/)/.test(pattern) || pattern.includes(":")) {
      throw new ConfigError(
        f("pattern"),
        `"${pattern}" is not a role path pattern: give the path and name pattern under role/ only, such as "/teams/*" (users, other principal types and whole ARNs are refused; name an IAM user by its ARN)`,
      );
    }
    const cut = pattern.lastIndexOf("/");
    const path = pattern.slice(0, cut + 1);
    const name = pattern.slice(cut + 1);
    if (!pattern.startsWith("/") || !PATH.test(path) || path.length > 512) {
      throw new ConfigError(
        f("pattern"),
        `"${pattern}" crosses IAM paths: wildcards are allowed only after the last "/" and the path before it must be literal, beginning with "/" (e.g. "/teams/*" or "/teams/data-*", not "/te*/x" or "teams/*")`,
      );
    }
    if (!NAME_PATTERN.test(name)) {
      throw new ConfigError(
        f("pattern"),
        `the name part "${name}" must be 1-64 characters of letters, digits, + = , . @ _ - and the wildcards * ? (e.g. "/teams/*")`,
      );
    }
    if (path === "/" && /^[*?]+$/.test(name) && options.anyRoleOfAccount !== true) {
      throw new ConfigError(
        f("pattern"),
        `"${pattern}" matches every role of account ${acct}, as broad as its root: narrow it to a path ("/teams/*"), or pass { anyRoleOfAccount: true } to acknowledge`,
      );
    }
    const partition = partitionOf(f("partition"), options.partition);
    return new PrincipalPattern("role-pattern", acct, partition, `arn:${partition}:iam::${acct}:role${pattern}`, `pattern:${pattern}@${acct}`);
  }

  /**
   * The roles IAM Identity Center creates in `accountId` for one permission
   * set: `arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<name>_<suffix>`
   * (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html:
   * the suffix is random and changes when the set is re-provisioned, so the
   * role cannot be named). Matched as `.../<region or *>/AWSReservedSSO_<name>_*`;
   * a role of the same name elsewhere (outside `aws-reserved/sso.amazonaws.com/`)
   * does not match. The permission set's own inline policy (the identity side)
   * is what {@link PermissionSetPolicy} emits for the Identity Center admin.
   * Caveat: another permission set whose name begins with `<name>_` would
   * match too; keep permission set names free of that overlap.
   */
  public static permissionSet(accountId: string, permissionSetName: string, options: PermissionSetOptions = {}): PrincipalPattern {
    const f = (x: string): string => `Principals.permissionSet(${JSON.stringify(permissionSetName)}).${x}`;
    const acct = account(f("accountId"), accountId);
    // CreatePermissionSet Name: 1-32 characters of [\w+=,.@-]
    // (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html).
    if (typeof permissionSetName !== "string" || !/^[\w+=,.@-]{1,32}$/.test(permissionSetName)) {
      throw new ConfigError(
        f("permissionSetName"),
        `must be a permission set name: 1-32 letters, digits and + = , . @ _ - (no wildcards; got ${JSON.stringify(permissionSetName)})`,
      );
    }
    const region = options.region ?? "*";
    if (region !== "*" && (typeof region !== "string" || !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(region))) {
      throw new ConfigError(
        f("region"),
        `must be the Identity Center instance's region code such as "eu-west-1", or omitted for any region (got ${JSON.stringify(region)})`,
      );
    }
    const partition = partitionOf(f("partition"), options.partition);
    return new PrincipalPattern(
      "permission-set",
      acct,
      partition,
      `arn:${partition}:iam::${acct}:role/${SSO_ROLE_PATH}${region}/AWSReservedSSO_${permissionSetName}_*`,
      `sso:${permissionSetName}@${acct}`,
      permissionSetName,
    );
  }
}

/** The path (without the leading `/`) of the roles IAM Identity Center creates. */
export const SSO_ROLE_PATH = "aws-reserved/sso.amazonaws.com/";
