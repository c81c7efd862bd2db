import { DEFAULTS, ENV, LAMBDA_ENV, WRITER_OPERATIONS, type WriterOperation } from "./contract";
import { HandlerConfigError } from "./errors";
import { validatePrefix } from "./keys";

/** Canned ACLs the writer accepts: only ones that keep the object private to the two accounts. */
export const OBJECT_ACLS = ["bucket-owner-full-control", "bucket-owner-read", "private"] as const;
export type ObjectAcl = (typeof OBJECT_ACLS)[number];

/** The largest MAX_BODY_BYTES accepted: Lambda's 6 MiB synchronous payload limit. */
export const MAX_BODY_BYTES_LIMIT = 6 * 1024 * 1024;

/** Where and how a handler writes: parsed once per container from the env contract. */
export interface TargetConfig {
  readonly bucket: string;
  /** "" or ending in "/". */
  readonly prefix: string;
  /** Assume-role pattern when set; bucket-policy pattern (execution role) when undefined. */
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly sessionDurationSeconds: number;
  /** RoleSessionName: the function name, sanitized, 2-64 chars. */
  readonly sessionName: string;
  readonly kmsKeyArn?: string;
  readonly region: string;
  readonly objectAcl?: ObjectAcl;
  readonly maxBodyBytes: number;
  /** Endpoint override (emulator tier): S3 uses path-style addressing then. */
  readonly endpoint?: string;
  /** AWS partition of the ARNs the diagnoses print ("aws", "aws-cn", ...). */
  readonly partition: string;
  readonly functionName?: string;
  readonly executionRoleArn?: string;
  /** ExpectedBucketOwner of every call to the target bucket (TARGET_BUCKET_OWNER). */
  readonly bucketOwner?: string;
  /** metadata-processor's allowlist (SOURCE_BUCKETS); undefined when unset. */
  readonly sourceBuckets?: readonly string[];
  /** writer: the operations its grant allows (TARGET_OPERATIONS); undefined when unset (all). */
  readonly operations?: readonly WriterOperation[];
}

type Env = Readonly<Record<string, string | undefined>>;

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An S3 access point ARN (access-point mode); an access point alias (`...-s3alias`) passes BUCKET_RE. AWS SDK v3 takes both as `Bucket`. */
const ACCESS_POINT_ARN_RE = /^arn:aws[\w-]*:s3:[a-z0-9-]+:\d{12}:accesspoint\/[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/;
const ROLE_ARN_RE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const PRINCIPAL_ARN_RE = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/;
const EXTERNAL_ID_RE = /^[\w+=,.@:/-]{2,1224}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const KMS_KEY_RE = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/+=,.@-]+|alias\/[\w/+=,.@-]+|(mrk-)?[0-9a-f-]{32,36})$/;

/** An optional variable: unset and "" both mean "absent". */
function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, what: string): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new HandlerConfigError(name, `must be an integer from ${min} to ${max} (${what}); got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** "aws" | "aws-cn" | "aws-us-gov" | ... for a region. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}

/** RoleSessionName from the function name: `[\w+=,.@-]` only, 2-64 characters. */
export function sessionNameFor(functionName: string | undefined): string {
  const cleaned = (functionName ?? "").replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return cleaned.length >= 2 ? cleaned : "xacct-s3-handler";
}

/**
 * Parse the env contract (see contract.ts). Throws HandlerConfigError naming
 * the variable and the accepted form; never reads anything but `env`.
 */
export function parseTargetConfig(env: Env): TargetConfig {
  const bucket = optional(env, ENV.bucket);
  if (bucket === undefined) {
    throw new HandlerConfigError(ENV.bucket, "is not set: it must name the target bucket (set by the lambda-writer module)");
  }
  if (!ACCESS_POINT_ARN_RE.test(bucket) && (!BUCKET_RE.test(bucket) || bucket.includes(".."))) {
    throw new HandlerConfigError(
      ENV.bucket,
      `must be an S3 bucket name (3-63 characters: lowercase letters, digits, "." and "-", starting and ending with a letter or digit), an access point alias, or an access point ARN (arn:aws:s3:<region>:<account>:accesspoint/<name>); got ${JSON.stringify(bucket)}`,
    );
  }

  const prefix = env[ENV.prefix] ?? "";
  const prefixProblem = validatePrefix(prefix);
  if (prefixProblem) throw new HandlerConfigError(ENV.prefix, `${prefixProblem}; got ${JSON.stringify(prefix)}`);

  const functionName = optional(env, LAMBDA_ENV.functionName);
  const roleArn = optional(env, ENV.roleArn);
  const externalId = optional(env, ENV.externalId);
  let partition: string | undefined;
  if (roleArn !== undefined) {
    const m = ROLE_ARN_RE.exec(roleArn);
    if (!m) throw new HandlerConfigError(ENV.roleArn, `must be an IAM role ARN such as arn:aws:iam::222222222222:role/writer; got ${JSON.stringify(roleArn)}`);
    partition = m[1];
    if (externalId !== undefined && !EXTERNAL_ID_RE.test(externalId)) {
      throw new HandlerConfigError(ENV.externalId, "must be 2-1224 characters from [A-Za-z0-9+=,.@:/_-] (the value is not shown)");
    }
  } else {
    // Without a role these would be silently ignored: a misconfiguration worth failing on.
    for (const name of [ENV.externalId, ENV.sessionDurationSeconds]) {
      if (optional(env, name) !== undefined) {
        throw new HandlerConfigError(
          name,
          `is set but ${ENV.roleArn} is not: it only applies to the assume-role pattern; set ${ENV.roleArn} or remove ${name}`,
        );
      }
    }
  }
  const sessionDurationSeconds = integer(
    env,
    ENV.sessionDurationSeconds,
    DEFAULTS.sessionDurationSeconds,
    900,
    43200,
    "STS AssumeRole DurationSeconds; at most the role's maximum session duration",
  );

  const region = optional(env, ENV.region) ?? optional(env, LAMBDA_ENV.region);
  if (region === undefined) {
    throw new HandlerConfigError(`${ENV.region}/${LAMBDA_ENV.region}`, `neither is set: set ${ENV.region} to the target bucket's region (e.g. "eu-west-1")`);
  }
  if (!REGION_RE.test(region)) {
    const name = optional(env, ENV.region) !== undefined ? ENV.region : LAMBDA_ENV.region;
    throw new HandlerConfigError(name, `must be an AWS region such as "eu-west-1"; got ${JSON.stringify(region)}`);
  }

  const kmsKeyArn = optional(env, ENV.kmsKeyArn);
  if (kmsKeyArn !== undefined && !KMS_KEY_RE.test(kmsKeyArn)) {
    throw new HandlerConfigError(
      ENV.kmsKeyArn,
      `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), alias ARN, key id or "alias/<name>"; got ${JSON.stringify(kmsKeyArn)}`,
    );
  }

  const acl = optional(env, ENV.objectAcl);
  if (acl !== undefined && !(OBJECT_ACLS as readonly string[]).includes(acl)) {
    throw new HandlerConfigError(
      ENV.objectAcl,
      `must be one of ${OBJECT_ACLS.map((a) => JSON.stringify(a)).join(", ")} (or unset); got ${JSON.stringify(acl)}`,
    );
  }

  const maxBodyBytes = integer(env, ENV.maxBodyBytes, DEFAULTS.maxBodyBytes, 1, MAX_BODY_BYTES_LIMIT, "largest body in UTF-8 bytes");

  const endpoint = optional(env, ENV.endpoint);
  if (endpoint !== undefined) {
    // eslint-disable-next-line no-useless-assignment -- kept as written: changing it changes the bundle, so the demo stacks' asset hash
    let ok = false;
    try {
      const url = new URL(endpoint);
      ok = url.protocol === "http:" || url.protocol === "https:";
    } catch {
      ok = false;
    }
    if (!ok)
      throw new HandlerConfigError(
        ENV.endpoint,
        `must be an http(s) URL such as "http://localhost:4566" (emulator tier only) or unset; got ${JSON.stringify(endpoint)}`,
      );
  }

  const executionRoleArn = optional(env, ENV.executionRoleArn);
  if (executionRoleArn !== undefined && !PRINCIPAL_ARN_RE.test(executionRoleArn)) {
    throw new HandlerConfigError(ENV.executionRoleArn, `must be an IAM role ARN or unset; got ${JSON.stringify(executionRoleArn)}`);
  }

  const bucketOwner = optional(env, ENV.bucketOwner);
  if (bucketOwner !== undefined && !/^\d{12}$/.test(bucketOwner)) {
    throw new HandlerConfigError(
      ENV.bucketOwner,
      `must be the 12-digit id of the account that owns ${ENV.bucket} (sent as ExpectedBucketOwner); got ${JSON.stringify(bucketOwner)}`,
    );
  }

  let sourceBuckets: string[] | undefined;
  const rawSources = optional(env, ENV.sourceBuckets);
  if (rawSources !== undefined) {
    sourceBuckets = rawSources.split(",").map((b) => b.trim());
    for (const b of sourceBuckets) {
      if (!BUCKET_RE.test(b) || b.includes("..")) {
        throw new HandlerConfigError(
          ENV.sourceBuckets,
          `must be a comma-separated list of S3 bucket names (e.g. "prod-data,prod-archive"); ${JSON.stringify(b)} is not a bucket name`,
        );
      }
    }
  }

  let operations: WriterOperation[] | undefined;
  const rawOperations = optional(env, ENV.operations);
  if (rawOperations !== undefined) {
    operations = [];
    for (const op of rawOperations.split(",").map((o) => o.trim())) {
      if (!(WRITER_OPERATIONS as readonly string[]).includes(op)) {
        throw new HandlerConfigError(
          ENV.operations,
          `must be a comma-separated list of ${WRITER_OPERATIONS.map((o) => `"${o}"`).join(", ")} (set by the lambda-writer module from the grant's level) or unset; ${JSON.stringify(op.slice(0, 20))} is not one`,
        );
      }
      operations.push(op as WriterOperation);
    }
  }

  return {
    bucket,
    prefix,
    roleArn,
    externalId: roleArn !== undefined ? externalId : undefined,
    sessionDurationSeconds,
    sessionName: sessionNameFor(functionName),
    kmsKeyArn,
    region,
    objectAcl: acl as ObjectAcl | undefined,
    maxBodyBytes,
    endpoint,
    partition: partition ?? partitionOf(region),
    functionName,
    executionRoleArn,
    bucketOwner,
    sourceBuckets,
    ...(operations !== undefined ? { operations } : {}),
  };
}
