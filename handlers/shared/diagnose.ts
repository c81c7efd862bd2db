import type { TargetConfig } from "./config";
import { ENV } from "./contract";
import { AccessDeniedError, errorMessage, errorName, httpStatus } from "./errors";
import { isCredentialError } from "./credentials";

/** Which credentials made the call that was denied. */
export type Caller =
  /** the assumed target role (assume-role pattern) */
  | "target-role"
  /** the function's execution role, on a bucket of another account (bucket-policy pattern) */
  | "execution-role-cross-account"
  /** the function's execution role, on a bucket of its own account (metadata-processor's source) */
  | "execution-role-same-account";

export interface DenialContext {
  /** IAM action attempted, e.g. "s3:PutObject". */
  readonly action: string;
  /** KMS actions the call needs when the object is SSE-KMS encrypted, e.g. "kms:GenerateDataKey". */
  readonly kmsActions?: string;
  readonly bucket: string;
  /** Object key (object-level actions); absent for bucket-level actions such as s3:ListBucket. */
  readonly key?: string;
  readonly caller: Caller;
  readonly config: TargetConfig;
}

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "Forbidden", "AllAccessDisabled"]);
/** 403s that are about the request or the credentials, not about policies. */
const NOT_POLICY_403 = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "RequestTimeTooSkewed", "TokenRefreshRequired"]);

const CALLER_RE = /User: (arn:aws[\w-]*:(?:iam|sts)::\d{12}:[^\s,"]+)/;
const KMS_ARN_RE = /arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[^\s,"'.]+/;

function said(err: unknown): string {
  const m = errorMessage(err).replace(/\s+/g, " ").trim();
  const shown = m.length > 400 ? `${m.slice(0, 400)}...` : m;
  return `${errorName(err)}${shown ? `: ${shown}` : ""}`;
}

function isAccessDenied(err: unknown): boolean {
  const name = errorName(err);
  if (ACCESS_DENIED.has(name)) return true;
  return httpStatus(err) === 403 && !NOT_POLICY_403.has(name);
}

function isKmsCaused(err: unknown): boolean {
  const name = errorName(err);
  if (/^KMS[.]|^KMS[A-Z]/.test(name)) return true;
  return isAccessDenied(err) && /\bkms:|\bKMS\b|arn:aws[\w-]*:kms:/.test(errorMessage(err));
}

function accountOf(arn: string | undefined): string | undefined {
  return arn?.split(":")[4] || undefined;
}

/** The ARN of the assumed target role session, as AWS names it in CloudTrail and error messages. */
function assumedRoleArn(config: TargetConfig): string {
  const roleArn = config.roleArn ?? "";
  const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  return `arn:${config.partition}:sts::${accountOf(roleArn)}:assumed-role/${roleName}/${config.sessionName}`;
}

function executionIdentity(err: unknown, config: TargetConfig): string {
  return (
    CALLER_RE.exec(errorMessage(err))?.[1] ??
    config.executionRoleArn ??
    `the execution role of Lambda function ${config.functionName ?? "(AWS_LAMBDA_FUNCTION_NAME unset)"} (set ${ENV.executionRoleArn} to name it here)`
  );
}

/**
 * Turn an AccessDenied from STS, S3 or KMS into an AccessDeniedError whose
 * message says which policy to check, with the ARNs involved. Returns
 * undefined for any other error (the caller rethrows it unchanged).
 */
export function diagnoseAccessDenied(err: unknown, ctx: DenialContext): AccessDeniedError | undefined {
  const { config } = ctx;
  // Access-point mode: the "bucket" is an access point ARN (or alias), and objects are <ap arn>/object/<key>.
  const apArn = ctx.bucket.startsWith("arn:") ? ctx.bucket : undefined;
  const viaAccessPoint = apArn !== undefined || ctx.bucket.endsWith("-s3alias");
  const bucketArn = apArn ?? `arn:${config.partition}:s3:::${ctx.bucket}`;
  const resourceArn = ctx.key !== undefined ? (apArn ? `${apArn}/object/${ctx.key}` : `${bucketArn}/${ctx.key}`) : bucketArn;

  // ---- STS: the execution role could not assume the target role
  if (isCredentialError(err)) {
    if (!isAccessDenied(err) || config.roleArn === undefined) return undefined;
    const role = config.roleArn;
    const exec = executionIdentity(err, config);
    const externalId =
      config.externalId !== undefined
        ? `, with the condition sts:ExternalId equal to ${ENV.externalId}`
        : ` (no ExternalId is sent because ${ENV.externalId} is unset, so the trust policy must not require one)`;
    return new AccessDeniedError(
      "sts",
      `STS denied AssumeRole of ${role} to ${exec}. Check both sides: ` +
        `(1) the trust policy of the target role ${role} (account ${accountOf(role)}) must allow ${exec} to call sts:AssumeRole${externalId}; ` +
        `(2) the execution role's identity policy must allow sts:AssumeRole on ${role}. ` +
        `AWS said: ${said(err)}`,
      { targetRoleArn: role, executionIdentity: exec, bucketArn },
      err,
    );
  }

  if (!isAccessDenied(err) && !isKmsCaused(err)) return undefined;
  const principal =
    CALLER_RE.exec(errorMessage(err))?.[1] ?? (ctx.caller === "target-role" ? assumedRoleArn(config) : executionIdentity(err, config));
  const arns: Record<string, string> = { principal, bucketArn, resourceArn };
  if (config.roleArn !== undefined && ctx.caller === "target-role") arns.targetRoleArn = config.roleArn;

  // ---- KMS: the key policy (or the principal's KMS permissions) refused
  if (isKmsCaused(err)) {
    const keyArn = KMS_ARN_RE.exec(errorMessage(err))?.[0] ?? (ctx.caller === "execution-role-same-account" ? undefined : config.kmsKeyArn);
    const key = keyArn ?? `the bucket's default KMS key (${ENV.kmsKeyArn} is unset)`;
    if (keyArn) arns.kmsKeyArn = keyArn;
    const actions = ctx.kmsActions ?? "kms:GenerateDataKey (writes) / kms:Decrypt (reads)";
    return new AccessDeniedError(
      "kms",
      `KMS denied ${principal} the use of ${key} for ${ctx.action} on ${resourceArn}. ` +
        `Check the KMS key policy of ${key}: it must allow ${principal} ${actions}; ` +
        `when the key is in another account than the principal, the principal's identity policy must also allow ${actions} on the key ARN. ` +
        `AWS said: ${said(err)}`,
      arns,
      err,
    );
  }

  // ---- S3: identity policy vs bucket policy
  const pattern =
    ctx.key !== undefined ? `${bucketArn}${apArn ? "/object" : ""}/${config.prefix}*` : `${bucketArn} (condition s3:prefix "${config.prefix}*")`;
  const acl = ctx.action === "s3:PutObject" && config.objectAcl !== undefined ? `; with ${ENV.objectAcl}=${config.objectAcl}, s3:PutObjectAcl is needed as well` : "";
  const missing =
    ctx.action === "s3:GetObject" || ctx.action === "s3:GetObjectVersion"
      ? " Note: S3 answers AccessDenied instead of 404 when the caller lacks s3:ListBucket, so the object may also not exist."
      : "";
  let check: string;
  if (ctx.caller === "target-role") {
    const role = config.roleArn;
    check =
      `Check the permission policy of the target role ${role}: it must allow ${ctx.action} on ${pattern}${acl}; ` +
      `and the bucket policy of ${bucketArn} must not deny it (same account as the role: either policy may grant, an explicit Deny in either wins).`;
  } else if (ctx.caller === "execution-role-cross-account") {
    check =
      `Bucket-policy pattern (${ENV.roleArn} unset), so both accounts must allow it: ` +
      `(1) the execution role's identity policy must allow ${ctx.action} on ${pattern}${acl}; ` +
      `(2) the bucket policy of ${bucketArn} must allow principal ${principal} ${ctx.action} on the same resource (and not deny it).`;
  } else {
    check =
      `Check the execution role's identity policy: it must allow ${ctx.action} on ${bucketArn}/*; ` +
      `and the bucket policy of ${bucketArn} must not deny it.`;
  }
  if (viaAccessPoint) {
    check =
      `Request through access point ${ctx.bucket}: three policies must allow it: ` +
      `(1) the caller's identity policy must allow ${ctx.action} on the access point (${pattern}), not only on the bucket${acl}; ` +
      `(2) the access point policy must allow principal ${principal} ${ctx.action} on the same resource (one access point per grant: is this the access point of this principal, level and prefix?); ` +
      `(3) the underlying bucket's policy must delegate to the owning account's access points (s3:DataAccessPointAccount) and not deny it.`;
  }
  return new AccessDeniedError("s3", `S3 denied ${ctx.action} on ${resourceArn} to ${principal}. ${check}${missing} AWS said: ${said(err)}`, arns, err);
}
