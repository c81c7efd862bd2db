/**
 * Typed errors of the handlers. Lambda reports a thrown error's `name` as
 * `errorType` and its `message` as `errorMessage`, so every message is written
 * to be actionable on its own: it names the field / variable / policy to fix.
 */

/** The function's environment is missing a variable or holds an invalid value. */
export class HandlerConfigError extends Error {
  constructor(
    /** Name of the environment variable, e.g. `TARGET_BUCKET`. */
    public readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** The invocation event is malformed. Thrown before any AWS call: nothing was written. */
export class BadEventError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. `key` or `Records[2].s3.object.key`. */
    public readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "BadEventError";
  }
}

/** Which side refused: STS (AssumeRole), S3 (bucket/identity policies) or KMS (key policy). */
export type DeniedBy = "sts" | "s3" | "kms";

/** An AccessDenied from STS, S3 or KMS, with the policy to check and the ARNs involved. */
export class AccessDeniedError extends Error {
  constructor(
    public readonly deniedBy: DeniedBy,
    message: string,
    /** The ARNs the message names (principal, role, bucket, object, key). */
    public readonly arns: Readonly<Record<string, string>>,
    /** The original AWS error (also `cause`). */
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "AccessDeniedError";
  }
}

/** `get` of an object (or version) that does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "ObjectNotFoundError";
  }
}

/** `get` of an object larger than MAX_BODY_BYTES: it is not read into memory. */
export class ObjectTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ObjectTooLargeError";
  }
}

/** `get` whose encoded JSON response would be over Lambda's 6,291,556-byte synchronous response limit. */
export class ResponseTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResponseTooLargeError";
  }
}

/** `get` (text) of an object whose bytes are not valid UTF-8: returned as nothing rather than as lossy text. */
export class NotUtf8Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotUtf8Error";
  }
}

/** The KMS key itself cannot be used (disabled, pending deletion, not found, AWS managed key across accounts): no policy change fixes it. */
export class KmsKeyError extends Error {
  constructor(
    message: string,
    public readonly arns: Readonly<Record<string, string>>,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = "KmsKeyError";
  }
}

/** Some records of an S3 event failed; the others were processed. */
export class RecordsFailedError extends Error {
  constructor(
    message: string,
    public readonly failures: ReadonlyArray<{
      readonly index: number;
      readonly bucket?: string;
      readonly key?: string;
      readonly errorName: string;
      readonly message: string;
    }>,
  ) {
    super(message);
    this.name = "RecordsFailedError";
  }
}

/** `name` of anything thrown (AWS SDK errors carry the service error code there). */
export function errorName(err: unknown): string {
  if (err instanceof Error) return err.name;
  if (typeof err === "object" && err !== null && typeof (err as { name?: unknown }).name === "string") return (err as { name: string }).name;
  return typeof err;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") return (err as { message: string }).message;
  return String(err);
}

/** HTTP status of an AWS SDK error, if any. */
export function httpStatus(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === "number" ? meta.httpStatusCode : undefined;
}
