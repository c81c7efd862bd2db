/**
 * The contract between the lambda-writer module (which sets these environment
 * variables) and the handlers (which read them). One definition for both sides.
 */
export const ENV = {
  /** Bucket the handler writes to (account B / Reporting). */
  bucket: "TARGET_BUCKET",
  /** Key prefix ("" or ending in "/"); every key the handler touches stays under it. */
  prefix: "TARGET_PREFIX",
  /** Role to assume for the target bucket; absent = bucket-policy pattern (execution role). */
  roleArn: "TARGET_ROLE_ARN",
  /** ExternalId the target role's trust policy requires. */
  externalId: "TARGET_EXTERNAL_ID",
  /** Requested session duration in seconds (must not exceed the role's maximum). */
  sessionDurationSeconds: "TARGET_SESSION_DURATION_SECONDS",
  /** KMS key of the target bucket: sent as SSE-KMS key on PutObject. */
  kmsKeyArn: "TARGET_KMS_KEY_ARN",
  /** Region of the target bucket (defaults to AWS_REGION). */
  region: "TARGET_REGION",
  /** "bucket-owner-full-control" when the target bucket keeps ObjectWriter ownership. */
  objectAcl: "TARGET_OBJECT_ACL",
  /**
   * 12-digit id of the account that owns TARGET_BUCKET: sent as
   * ExpectedBucketOwner on every S3 call to it, so a bucket name now owned by
   * another account is refused (403) instead of written to.
   */
  bucketOwner: "TARGET_BUCKET_OWNER",
  /**
   * writer: comma-separated operations its grant allows (`put`, `get`,
   * `list`), set by the lambda-writer module from the grant's level (write:
   * `put`; readwrite: `put,get,list`). An event asking for another operation
   * is refused before any AWS call, naming the grant; unset = all operations.
   */
  operations: "TARGET_OPERATIONS",
  /**
   * metadata-processor: comma-separated names of the buckets whose events it
   * accepts (the s3Trigger bucket); records of any other bucket are refused.
   */
  sourceBuckets: "SOURCE_BUCKETS",
  /** Largest body the writer accepts, in bytes. */
  maxBodyBytes: "MAX_BODY_BYTES",
  /** Optional endpoint override (the emulator tier only). */
  endpoint: "AWS_ENDPOINT_URL",
  /**
   * Optional: ARN of the function's execution role, named in AccessDenied
   * diagnoses. When absent, the handlers take the caller ARN from AWS's error
   * message ("User: arn:... is not authorized ...").
   */
  executionRoleArn: "EXECUTION_ROLE_ARN",
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Set by the Lambda runtime itself (never by the module); read by the handlers. */
export const LAMBDA_ENV = {
  /** The function's region: the default of TARGET_REGION. */
  region: "AWS_REGION",
  /** The function's name: RoleSessionName is derived from it. */
  functionName: "AWS_LAMBDA_FUNCTION_NAME",
  /** Lambda's advanced logging control: the lowest level the Powertools Logger prints (unset: INFO). */
  logLevel: "AWS_LAMBDA_LOG_LEVEL",
} as const;

/** The writer's operations (event field `operation`). */
export const WRITER_OPERATIONS = ["put", "get", "list"] as const;
export type WriterOperation = (typeof WRITER_OPERATIONS)[number];

/**
 * The writer operations a grant level allows: `write` is s3:PutObject only,
 * `read` is s3:GetObject(+Version) and s3:ListBucket, `readwrite` both
 * (lib/policy/s3-access.ts, the actions of each level).
 */
export function writerOperationsFor(level: "read" | "write" | "readwrite"): readonly WriterOperation[] {
  return level === "write" ? ["put"] : level === "read" ? ["get", "list"] : WRITER_OPERATIONS;
}

/** Defaults the handlers apply when the module leaves a variable unset. */
export const DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  sessionDurationSeconds: 3600,
} as const;
