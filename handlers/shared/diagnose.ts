import type { TargetConfig } from "./config";
import { ENV } from "./contract";
import { AccessDeniedError, KmsKeyError, errorMessage, errorName, httpStatus } from "./errors";
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

/**
 * S3's message when KMS refused Decrypt of an object's data key: it names no
 * key, no action and no KMS - "The ciphertext refers to a customer master key
 * that does not exist, does not exist in this region, or you are not allowed
 * to access." - and is a key-policy (or IAM kms:Decrypt) denial, the case
 * https://repost.aws/knowledge-center/cross-account-access-denied-error-s3 describes.
 */
const CIPHERTEXT_RE = /ciphertext refers to a customer master key/i;

function isKmsCaused(err: unknown): boolean {
  const name = errorName(err);
  if (/^KMS[.]|^KMS[A-Z]/.test(name)) return true;
  if (CIPHERTEXT_RE.test(errorMessage(err))) return true;
  return isAccessDenied(err) && /\bkms:|\bKMS\b|arn:aws[\w-]*:kms:/.test(errorMessage(err));
}

/**
 * KMS errors about the key itself, not about permissions: no policy change
 * fixes them, so they get their own diagnosis (KmsKeyError).
 * - KMS.DisabledException: the key is disabled.
 * - KMS.KMSInvalidStateException: pending deletion / pending import / unavailable.
 * - KMS.NotFoundException "Invalid keyId aws/s3": the AWS managed key aws/s3 of
 *   the caller's account was chosen (SSE-KMS without a key id); AWS managed keys
 *   cannot be used across accounts, their key policy cannot be edited.
 * - KMS.NotFoundException otherwise: no such key in that account and region
 *   (an alias or bare key id resolves in the CALLER's account).
 */
function keyStateDiagnosis(err: unknown, ctx: DenialContext, arns: Record<string, string>): KmsKeyError | undefined {
  const name = errorName(err);
  const message = errorMessage(err);
  const { config } = ctx;
  const keyArn = KMS_ARN_RE.exec(message)?.[0] ?? (ctx.caller === "execution-role-same-account" ? undefined : config.kmsKeyArn);
  const key = keyArn ?? "the bucket's default KMS key";
  if (keyArn) arns.kmsKeyArn = keyArn;
  const account = keyArn?.split(":")[4];
  const where = `${ctx.action} on ${arns.resourceArn}`;
  if (name === "KMS.DisabledException" || /\bis disabled\b/i.test(message)) {
    return new KmsKeyError(
      `KMS key ${key} is disabled, so ${where} cannot encrypt/decrypt. No policy change fixes this: enable the key in its account${account ? ` (${account})` : ""} ` +
        `(aws kms enable-key --key-id ${keyArn ?? "<key-arn>"}) or point ${ENV.kmsKeyArn} and the bucket's default encryption at an enabled key. AWS said: ${said(err)}`,
      arns,
      err,
    );
  }
  if (name === "KMS.KMSInvalidStateException" || /pending deletion|pending import/i.test(message)) {
    return new KmsKeyError(
      `KMS key ${key} is not usable in its current state (pending deletion, pending import or unavailable), so ${where} failed. ` +
        `Cancel the deletion (aws kms cancel-key-deletion --key-id ${keyArn ?? "<key-arn>"}, then enable-key) or use another key. AWS said: ${said(err)}`,
      arns,
      err,
    );
  }
  if (name === "KMS.NotFoundException" || /^NotFoundException$/.test(name)) {
    if (/aws\/s3/.test(message)) {
      return new KmsKeyError(
        `${where} asked for SSE-KMS with the AWS managed key aws/s3, which cannot be used across accounts (its key policy cannot be changed to trust another account). ` +
          `Use a customer managed key in the bucket's account: set it as the bucket's default encryption, allow the writing principal kms:GenerateDataKey/kms:Decrypt in its key policy, ` +
          `and set ${ENV.kmsKeyArn} to its full key ARN. AWS said: ${said(err)}`,
        arns,
        err,
      );
    }
    return new KmsKeyError(
      `KMS key ${key} was not found: it does not exist in that account and region, or was given as an alias / key id, which KMS resolves in the caller's account, not the bucket's. ` +
        `Set ${ENV.kmsKeyArn} (and the bucket's default encryption) to the full key ARN (arn:aws:kms:<region>:<bucket-account>:key/<id>). AWS said: ${said(err)}`,
      arns,
      err,
    );
  }
  return undefined;
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
export function diagnoseAccessDenied(err: unknown, ctx: DenialContext): AccessDeniedError | KmsKeyError | undefined {
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
  const principal = CALLER_RE.exec(errorMessage(err))?.[1] ?? (ctx.caller === "target-role" ? assumedRoleArn(config) : executionIdentity(err, config));
  const arns: Record<string, string> = { principal, bucketArn, resourceArn };
  if (config.roleArn !== undefined && ctx.caller === "target-role") arns.targetRoleArn = config.roleArn;

  // ---- KMS: the key cannot be used at all (disabled, not found, aws/s3 across accounts)
  const keyState = keyStateDiagnosis(err, ctx, arns);
  if (keyState) return keyState;

  // ---- KMS: the key policy (or the principal's KMS permissions) refused
  if (isKmsCaused(err)) {
    const keyArn = KMS_ARN_RE.exec(errorMessage(err))?.[0] ?? (ctx.caller === "execution-role-same-account" ? undefined : config.kmsKeyArn);
    const key = keyArn ?? `the bucket's default KMS key (${ENV.kmsKeyArn} is unset)`;
    if (keyArn) arns.kmsKeyArn = keyArn;
    const actions = ctx.kmsActions ?? "kms:GenerateDataKey (writes) / kms:Decrypt (reads)";
    const unnamed = CIPHERTEXT_RE.test(errorMessage(err))
      ? ` (AWS's message names no key: it is the key the object was encrypted with, HeadObject's SSEKMSKeyId; this message is KMS refusing kms:Decrypt, not S3 or the bucket policy)`
      : "";
    return new AccessDeniedError(
      "kms",
      `KMS denied ${principal} the use of ${key}${unnamed} for ${ctx.action} on ${resourceArn}. ` +
        `Check the KMS key policy of ${key}: it must allow ${principal} ${actions}; ` +
        `when the key is in another account than the principal, the principal's identity policy must also allow ${actions} on the key ARN. ` +
        `AWS said: ${said(err)}`,
      arns,
      err,
    );
  }

  // ---- S3: identity policy vs bucket policy
  const pattern = ctx.key !== undefined ? `${bucketArn}${apArn ? "/object" : ""}/${config.prefix}*` : `${bucketArn} (condition s3:prefix "${config.prefix}*")`;
  const acl =
    ctx.action === "s3:PutObject" && config.objectAcl !== undefined ? `; with ${ENV.objectAcl}=${config.objectAcl}, s3:PutObjectAcl is needed as well` : "";
  let missing =
    ctx.action === "s3:GetObject" || ctx.action === "s3:GetObjectVersion"
      ? " Note: S3 answers AccessDenied instead of 404 when the caller lacks s3:ListBucket, so the object may also not exist."
      : "";
  // The bucket policy's SSE pin (DenyPutWithOtherKmsKey, lib/policy/documents.ts) compares
  // x-amz-server-side-encryption-aws-kms-key-id as sent, so a key named by alias or key id is
  // refused with a plain 403 (S3 condition keys:
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html).
  if (ctx.action === "s3:PutObject") {
    const sent = config.kmsKeyArn;
    const notArn = sent !== undefined && !/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\//.test(sent);
    missing += notArn
      ? ` ${ENV.kmsKeyArn}=${sent} is not a key ARN: the bucket policy pins writes to the key ARN and compares the SSE-KMS key id as sent, so an alias or key id is refused; name the key by its full ARN (arn:aws:kms:<region>:<account>:key/<id>).`
      : " If the bucket policy pins SSE-KMS to its key, the key must be named by its full key ARN (not an alias or key id) in x-amz-server-side-encryption-aws-kms-key-id, or omitted so the bucket default applies.";
  }
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html: a wrong owner is a plain 403.
  if (ctx.caller !== "execution-role-same-account" && config.bucketOwner !== undefined) {
    missing += ` ExpectedBucketOwner ${config.bucketOwner} (${ENV.bucketOwner}) was sent: if ${ctx.bucket} is no longer owned by that account, S3 refuses with this same 403 - check the bucket's owner before changing policies.`;
  }
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
      `Check the execution role's identity policy: it must allow ${ctx.action} on ${bucketArn}/*; ` + `and the bucket policy of ${bucketArn} must not deny it.`;
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
