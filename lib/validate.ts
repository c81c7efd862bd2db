import { ConfigError } from "./errors";
import { Token } from "./framework";
import type { PrincipalPatternInfo } from "./grantee";

/**
 * Synth-time validators. Each throws a {@link ConfigError} naming the field and
 * the accepted form. Values that are unresolved Terraform tokens (known only at
 * apply time) are accepted unchanged: they cannot be checked before deploy.
 */

const isToken = (v: string): boolean => Token.isUnresolved(v);

export function accountId(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^\d{12}$/.test(value)) {
    throw new ConfigError(field, `must be a 12-digit AWS account id such as "111111111111" (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function region(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(value)) {
    throw new ConfigError(field, `must be an AWS region code such as "us-east-1" (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** S3 general purpose bucket naming rules. */
export function bucketName(field: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new ConfigError(field, `must be a string bucket name (got ${JSON.stringify(value)})`);
  }
  if (isToken(value)) return value;
  const problems: string[] = [];
  if (value.length < 3 || value.length > 63) problems.push("be 3-63 characters long");
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) {
    problems.push("use only lowercase letters, digits, dots and hyphens, and begin and end with a letter or digit");
  }
  if (/\.\./.test(value) || /\.-|-\./.test(value)) problems.push("not have two adjacent periods or a period next to a hyphen");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) problems.push("not be formatted as an IP address");
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(value)) problems.push('not start with "xn--", "sthree-" or "amzn-s3-demo-"');
  if (/(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(value)) problems.push('not end with "-s3alias", "--ol-s3", "--x-s3", "--table-s3" or ".mrap"');
  if (problems.length > 0) {
    throw new ConfigError(field, `"${value}" is not a valid S3 bucket name: it must ${problems.join("; ")}`);
  }
  return value;
}

/** IAM role / group names: 1-64 characters of `[A-Za-z0-9+=,.@_-]`. */
export function iamName(field: string, value: unknown, max = 64): string {
  if (typeof value !== "string" || !new RegExp(`^[\\w+=,.@-]{1,${max}}$`).test(value)) {
    throw new ConfigError(field, `must be 1-${max} characters of letters, digits and + = , . @ _ - (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Lambda function names: 1-64 characters of [A-Za-z0-9_-]. */
export function functionName(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new ConfigError(field, `must be 1-64 characters of letters, digits, hyphens and underscores (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * A key prefix such as `incoming/` or `reports/2024/`. Normalised to end with
 * `/`; the empty string means the whole bucket.
 */
export function keyPrefix(field: string, value: unknown): string {
  if (value === undefined || value === "") return "";
  if (typeof value !== "string") {
    throw new ConfigError(field, `must be a string key prefix such as "incoming/" (got ${JSON.stringify(value)})`);
  }
  if (value.startsWith("/")) {
    throw new ConfigError(field, `"${value}" must not start with "/": S3 keys have no leading slash; write "${value.replace(/^\/+/, "")}"`);
  }
  if (value.split("/").some((part) => part === ".." || part === ".")) {
    throw new ConfigError(field, `"${value}" must not contain "." or ".." path segments; name the prefix directly, e.g. "incoming/"`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[*?\u0000-\u001f\\]|\/\//.test(value)) {
    throw new ConfigError(field, `"${value}" must not contain wildcards (* ?), backslashes, control characters or "//"`);
  }
  if (value.length > 512) throw new ConfigError(field, `must be at most 512 characters (got ${value.length})`);
  return value.endsWith("/") ? value : `${value}/`;
}

/** An STS session duration / role maximum in seconds: 1 h to 12 h. */
/**
 * Duration of a session requested with role credentials (a Lambda function's
 * execution role assuming another role): role chaining, which STS caps at
 * 3600 s whatever the target role's maximum ("if you assume a role using role
 * chaining and provide a DurationSeconds parameter value greater than one
 * hour, the operation fails": AssumeRole API reference, DurationSeconds;
 * https://repost.aws/knowledge-center/iam-role-chaining-limit). 900 s is STS's minimum.
 */
export function chainedSessionDuration(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 900) {
    throw new ConfigError(field, `must be a whole number of seconds from 900 to 3600 (got ${JSON.stringify(value)})`);
  }
  if (value > 3600) {
    throw new ConfigError(
      field,
      `${value} s is over 3600 s: a Lambda function assuming a role is role chaining, and STS refuses DurationSeconds above 1 hour for chained sessions whatever the role's maximum; every AssumeRole would fail. Use at most 3600 (the SDK refreshes the credentials before they expire)`,
    );
  }
  return value;
}

export function sessionDuration(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 3600 || value > 43200) {
    throw new ConfigError(field, `must be a whole number of seconds from 3600 (1 h) to 43200 (12 h) (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** sts:ExternalId: 2-1224 characters of `[\w+=,.@:/-]`. */
export function externalId(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    throw new ConfigError(field, `must be 2-1224 characters of letters, digits and + = , . @ : / _ - (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function organizationId(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^o-[a-z0-9]{10,32}$/.test(value)) {
    throw new ConfigError(field, `must be an AWS Organizations id such as "o-a1b2c3d4e5" (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * An IAM principal ARN (role, user, or account root). Tokens pass unchanged.
 * Returns the account id when it can be read from the ARN.
 */
/**
 * A principal given by pattern (lib/principals.ts), re-checked where it is
 * used: one literal account, a role pattern of that account whose wildcards
 * stay after the last `/` (the Identity Center region segment excepted).
 * @returns undefined for a principal given by ARN
 */
export function principalPattern(field: string, grantee: { principalArn: string; principalPattern?: PrincipalPatternInfo }): PrincipalPatternInfo | undefined {
  const p = grantee.principalPattern;
  if (p === undefined) return undefined;
  const m = /^arn:(aws[\w-]*):iam::(\d{12}):role(\/.*)$/.exec(p.arnLike);
  const rest = m?.[3] ?? "";
  const cut = rest.lastIndexOf("/");
  const path = rest.slice(0, cut + 1);
  const literalPath = !/[*?]/.test(path) || /^\/aws-reserved\/sso\.amazonaws\.com\/\*\/$/.test(path);
  if (!m || m[2] !== p.accountId || m[1] !== p.partition || !literalPath || p.arnLike !== grantee.principalArn) {
    throw new ConfigError(
      field,
      `principal pattern ${JSON.stringify(p.arnLike)} must be a role pattern inside account ${p.accountId} with wildcards only after the last "/": build it with Principals.roleByName / rolePattern / permissionSet`,
    );
  }
  return p;
}

export function principalArn(field: string, value: unknown): { arn: string; account?: string } {
  if (typeof value !== "string") {
    throw new ConfigError(field, `must be an IAM principal ARN such as "arn:aws:iam::111111111111:role/name" (got ${JSON.stringify(value)})`);
  }
  if (isToken(value)) return { arn: value };
  const m = /^arn:aws[\w-]*:iam::(\d{12}):(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/.exec(value);
  if (!m) {
    throw new ConfigError(
      field,
      `"${value}" is not an IAM principal ARN; use "arn:aws:iam::<12-digit account>:role/<name>" (or user/<name>, or :root only when the whole account is meant)`,
    );
  }
  return { arn: value, account: m[1] };
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

export function integerInRange(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export function logRetention(field: string, value: unknown): number {
  if (typeof value !== "number" || !(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new ConfigError(field, `must be one of the CloudWatch Logs retention periods ${LOG_RETENTION_DAYS.join(", ")} (days) (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * The ARN of a customer managed KMS key of `accountId`, as consumers in other
 * accounts must name it (`arn:<partition>:kms:<region>:<account>:key/<id>`).
 * AWS managed keys (`alias/aws/s3`, any `alias/aws/...`) are refused: their key
 * policy cannot be changed and they cannot be used across accounts. Tokens pass.
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
 */
export function customerManagedKeyArn(field: string, value: unknown, accountId: string): string {
  if (typeof value !== "string")
    throw new ConfigError(field, `must be a KMS key ARN such as "arn:aws:kms:us-east-1:${accountId}:key/1234abcd-..." (got ${JSON.stringify(value)})`);
  if (isToken(value)) return value;
  if (/(^|:)alias\/aws\//.test(value)) {
    throw new ConfigError(
      field,
      `"${value}" is an AWS managed key: its key policy cannot be changed, so principals of other accounts can never use it and every cross-account read or write would fail with AccessDenied. Re-encrypt the bucket with a customer managed key (S3 default encryption with your own KMS key) and pass that key's ARN`,
    );
  }
  const m = /^arn:aws[\w-]*:kms:[a-z0-9-]+:(\d{12}):key\/[\w-]+$/.exec(value);
  if (!m) {
    throw new ConfigError(
      field,
      `"${value}" is not a KMS key ARN; pass "arn:aws:kms:<region>:${accountId}:key/<key id>" (consumers in other accounts need the key ARN; aliases and bare key ids do not work across accounts)`,
    );
  }
  if (m[1] !== accountId) throw new ConfigError(field, `"${value}" belongs to account ${m[1]}, not to the bucket's owning account ${accountId}`);
  return value;
}

/** A boolean setting (`true`/`false` only, so a string "false" is not taken as true). */
export function flag(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false (got ${JSON.stringify(value)})`);
  return value;
}

/** An S3 access point ARN (`arn:<partition>:s3:<region>:<account>:accesspoint/<name>`). */
export const ACCESS_POINT_ARN_RE = /^arn:aws[\w-]*:s3:[a-z0-9-]+:\d{12}:accesspoint\/[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;

/** A bucket name, an access point alias (`<name>-<suffix>-s3alias`), or an access point ARN. */
export function bucketOrAccessPoint(field: string, value: unknown): string {
  if (typeof value === "string" && (ACCESS_POINT_ARN_RE.test(value) || /^[a-z0-9][a-z0-9-]{1,54}-s3alias$/.test(value))) return value;
  if (typeof value === "string" && value.includes(":accesspoint")) {
    throw new ConfigError(
      field,
      `"${value}" is not a valid access point ARN: it must be arn:aws:s3:<region>:<account>:accesspoint/<name> (3-50 lowercase letters, digits, hyphens)`,
    );
  }
  return bucketName(field, value);
}

/** The provider attributes that pin the account its resources are created in. */
export interface AccountPinnedProvider {
  readonly allowedAccountIds?: string[];
  readonly forbiddenAccountIds?: string[];
  /** A list of `{ roleArn }` (the provider's assume_role blocks) or a token: read only when it is a literal list. */
  readonly assumeRole?: unknown;
}

const literal = (v: unknown): v is string => typeof v === "string" && !isToken(v);

/**
 * The provider of a module must create its resources in the module's `accountId`.
 * A provider pinned to another account synthesizes silently and the resources
 * would land there: `allowedAccountIds` without the account (the AWS provider
 * refuses any other account), `forbiddenAccountIds` with it, or an `assumeRole`
 * whose (last) role ARN is in another account (the provider acts as that role,
 * in its account). Only literal values are compared: tokens are known at apply.
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs#allowed_account_ids
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs#assume_role-configuration-block
 * https://docs.aws.amazon.com/prescriptive-guidance/latest/terraform-aws-provider-best-practices/overview.html
 *
 * `field` names the provider prop (`BucketShare(id).provider`), `accountField` the account prop.
 */
export function providerAccount(field: string, provider: AccountPinnedProvider, accountField: string, accountId: string): void {
  if (!literal(accountId)) return;
  const fix = `pass the provider of account ${accountId} (e.g. new AwsProvider(scope, "b", { alias: "b", allowedAccountIds: ["${accountId}"], ... })), or set ${accountField} to the account the provider creates resources in`;
  const given = Array.isArray(provider.allowedAccountIds) && !Token.isUnresolved(provider.allowedAccountIds) ? provider.allowedAccountIds : [];
  const allowed = given.filter(literal);
  // A list with a token (or a token list, encoded as one token element) may hold the account: not checked.
  if (allowed.length > 0 && allowed.length === given.length && !allowed.includes(accountId)) {
    throw new ConfigError(
      field,
      `is pinned to account ${allowed.join(", ")} (allowedAccountIds) but ${accountField} is ${accountId}: the module's resources would be created in ${allowed.join(" or ")}; ${fix}`,
    );
  }
  const forbidden =
    Array.isArray(provider.forbiddenAccountIds) && !Token.isUnresolved(provider.forbiddenAccountIds) ? provider.forbiddenAccountIds.filter(literal) : [];
  if (forbidden.includes(accountId)) {
    throw new ConfigError(
      field,
      `forbids account ${accountId} (forbiddenAccountIds), which is ${accountField}: terraform would refuse to create the module's resources; ${fix}`,
    );
  }
  const roles = Array.isArray(provider.assumeRole) ? (provider.assumeRole as readonly { readonly roleArn?: unknown }[]) : [];
  const last = roles.length > 0 ? roles[roles.length - 1]?.roleArn : undefined;
  const m = literal(last) ? /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(last) : null;
  if (m && m[1] !== accountId) {
    throw new ConfigError(
      field,
      `assumes ${String(last)} (assumeRole), a role of account ${m[1]}, but ${accountField} is ${accountId}: the module's resources would be created in ${m[1]}; ${fix}`,
    );
  }
}
