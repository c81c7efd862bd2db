import type { S3Client } from "@aws-sdk/client-s3";
import type { TargetConfig } from "./config";
import { ensureTargetCredentials, renewTargetClient, targetClient, type TargetClient } from "./container";
import type { CallDescription, Deadline } from "./deadline";
import { errorName } from "./errors";

/**
 * S3's error codes for a session token that is no longer valid. S3 answers
 * `ExpiredToken` ("The provided token has expired.") for an expired session;
 * STS-issued credentials cannot be renewed in place, only replaced by a new
 * AssumeRole (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
 */
const EXPIRED_TOKEN = new Set(["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"]);

export function isExpiredToken(err: unknown): boolean {
  return EXPIRED_TOKEN.has(errorName(err));
}

/** S3 rejected a session that STS issued during this very invocation: not retried (one STS call per invocation). */
export class ExpiredCredentialsError extends Error {
  constructor(roleArn: string | undefined, cause: unknown) {
    super(
      `S3 rejected the assumed-role session of ${roleArn ?? "the target role"} as expired (${errorName(cause)}) although STS issued it during this invocation; ` +
        "not calling STS again (at most one AssumeRole per invocation). The next invocation assumes the role afresh. " +
        "If this repeats, check the session duration (TARGET_SESSION_DURATION_SECONDS) and that the role's session was not revoked (AWSRevokeOlderSessions).",
      { cause },
    );
    this.name = "ExpiredCredentialsError";
  }
}

/**
 * One S3 call to the target bucket: credentials (the one STS call this
 * invocation may make) and the call itself both within the deadline, the call
 * given the deadline's AbortSignal. On ExpiredToken from S3 while the cache
 * held the session as fresh: drop it, assume the role once more and retry the
 * call once. If the session was fetched during this invocation already, the
 * ExpiredToken becomes an ExpiredCredentialsError (no second STS call).
 */
export async function sendTarget<T>(
  config: TargetConfig,
  deadline: Deadline,
  call: CallDescription,
  fn: (s3: S3Client, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let target: TargetClient = targetClient(config);
  await ensureTargetCredentials(target, deadline, config);
  try {
    return await deadline.run(call, (signal) => fn(target.s3, signal));
  } catch (err) {
    const provider = target.credentials;
    if (!isExpiredToken(err) || provider === undefined) throw err;
    const current = targetClient(config);
    // A concurrent call (processor records run in parallel) already renewed the client: retry on that one.
    if (current !== target) target = current;
    else if (provider.fetchedThisInvocation) throw new ExpiredCredentialsError(config.roleArn, err);
    else target = renewTargetClient(config);
    await ensureTargetCredentials(target, deadline, config);
    try {
      return await deadline.run(call, (signal) => fn(target.s3, signal));
    } catch (again) {
      throw isExpiredToken(again) ? new ExpiredCredentialsError(config.roleArn, again) : again;
    }
  }
}

/** ExpectedBucketOwner for calls to the target bucket (TARGET_BUCKET_OWNER), or nothing. */
export function expectedOwner(config: TargetConfig): { ExpectedBucketOwner?: string } {
  return config.bucketOwner !== undefined ? { ExpectedBucketOwner: config.bucketOwner } : {};
}
