/**
 * S3 Batch Operations `LambdaInvoke` invocations of the metadata processor:
 * backfill of objects that existed before the event notification.
 *
 * Request (schema 2.0; 1.0 names the bucket by ARN in `s3BucketArn`):
 * ```text
 *   { "invocationSchemaVersion": "2.0", "invocationId": "...",
 *     "job": { "id": "...", "userArguments": { ... } },
 *     "tasks": [ { "taskId": "...", "s3Key": "<URL-encoded key>", "s3VersionId": "..." | null, "s3Bucket": "<bucket name>" } ] }
 * Response:
 *   { "invocationSchemaVersion": "2.0", "treatMissingKeysAs": "PermanentFailure", "invocationId": "...",
 *     "results": [ { "taskId": "...", "resultCode": "Succeeded" | "TemporaryFailure" | "PermanentFailure", "resultString": "..." } ] }
 * ```
 *
 * Shapes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-invoke-lambda.html
 * ("Version 2.0 ... uses bucket name rather than bucket ARN",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_LambdaInvokeOperation.html).
 * Keys arrive URL-encoded ("keys from S3 Batch Operations are URL encoded"; the
 * AWS examples decode them with unquote_plus). TemporaryFailure tasks are
 * redriven by the job; PermanentFailure tasks are reported as failed.
 * A malformed task is a PermanentFailure of that task; a malformed invocation
 * (no invocationId / tasks) is a BadEventError of the whole invocation.
 */
import { BadEventError, errorMessage, errorName } from "../shared/errors";
import { decodeEventKey } from "../shared/keys";
import type { SourceRecord, WrittenDocument } from "./index";
import { isPermanent } from "./outcomes";

export type BatchResultCode = "Succeeded" | "TemporaryFailure" | "PermanentFailure";

export interface BatchResponse {
  readonly invocationSchemaVersion: string;
  readonly treatMissingKeysAs: BatchResultCode;
  readonly invocationId: string;
  readonly results: { readonly taskId: string; readonly resultCode: BatchResultCode; readonly resultString: string }[];
}

export interface BatchTask {
  readonly taskId: string;
  /** The record to process, or the reason the task is malformed (a PermanentFailure). */
  readonly record?: SourceRecord;
  readonly problem?: string;
}

export interface BatchInvocation {
  readonly schema: string;
  readonly invocationId: string;
  readonly jobId: string;
  readonly userArguments: Readonly<Record<string, string>>;
  readonly tasks: BatchTask[];
}

export const BATCH_SCHEMAS = ["1.0", "2.0"] as const;
const EVENT_NAME = "BatchOperations:LambdaInvoke";

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A Batch Operations invocation is recognised by its `invocationSchemaVersion` field. */
export function isBatchEvent(event: unknown): boolean {
  return obj(event)?.invocationSchemaVersion !== undefined;
}

/** S3 bucket ARN (arn:aws:s3:::name, or the region/account form of the 1.0 examples) → name. */
function bucketFromArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:s3:[a-z0-9-]*:\d{0,12}:([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(arn);
  return m?.[1];
}

function parseTask(raw: unknown, i: number, schema: string): BatchTask {
  const t = obj(raw);
  const taskId = typeof t?.taskId === "string" && t.taskId !== "" ? t.taskId : undefined;
  const path = `tasks[${i}]`;
  if (!t || taskId === undefined)
    throw new BadEventError(`${path}.taskId`, "must be the task id string Batch Operations sent (without it no result can be reported)");
  const fail = (problem: string): BatchTask => ({ taskId, problem });
  const rawKey = t.s3Key;
  if (typeof rawKey !== "string" || rawKey === "") return fail(`${path}.s3Key: must be the URL-encoded object key string`);
  let key: string;
  try {
    key = decodeEventKey(rawKey);
  } catch {
    return fail(`${path}.s3Key: must be URL-encoded as Batch Operations sends it; got ${JSON.stringify(rawKey.slice(0, 200))}`);
  }
  let bucket: string | undefined;
  if (schema === "2.0") bucket = typeof t.s3Bucket === "string" && t.s3Bucket !== "" ? t.s3Bucket : undefined;
  else bucket = typeof t.s3BucketArn === "string" ? bucketFromArn(t.s3BucketArn) : undefined;
  if (bucket === undefined) {
    return fail(
      schema === "2.0"
        ? `${path}.s3Bucket: must be the bucket name (schema 2.0)`
        : `${path}.s3BucketArn: must be the bucket ARN arn:aws:s3:::<name> (schema 1.0)`,
    );
  }
  const version = t.s3VersionId;
  if (version !== undefined && version !== null && typeof version !== "string") return fail(`${path}.s3VersionId: must be a version id string or null`);
  return {
    taskId,
    record: {
      index: i,
      eventName: EVENT_NAME,
      eventTime: null,
      region: null,
      bucket,
      key,
      ...(typeof version === "string" && version !== "" && version !== "null" ? { versionId: version } : {}),
    },
  };
}

/** Validate the invocation envelope; tasks are validated one by one (a bad task fails alone). Throws BadEventError. */
export function parseBatchEvent(event: unknown): BatchInvocation {
  const e = obj(event) ?? {};
  const schema = e.invocationSchemaVersion;
  if (typeof schema !== "string" || !(BATCH_SCHEMAS as readonly string[]).includes(schema)) {
    throw new BadEventError("invocationSchemaVersion", `must be "2.0" (or "1.0"): the S3 Batch Operations LambdaInvoke schema; got ${JSON.stringify(schema)}`);
  }
  if (typeof e.invocationId !== "string" || e.invocationId === "")
    throw new BadEventError("invocationId", "must be the invocation id string Batch Operations sent");
  const job = obj(e.job);
  if (!job || typeof job.id !== "string") throw new BadEventError("job.id", "must be the Batch Operations job id string");
  const args = obj(job.userArguments) ?? {};
  const userArguments: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) if (typeof v === "string") userArguments[k] = v;
  if (!Array.isArray(e.tasks) || e.tasks.length === 0) throw new BadEventError("tasks", "must be a non-empty array of Batch Operations tasks");
  return { schema, invocationId: e.invocationId, jobId: job.id, userArguments, tasks: e.tasks.map((t, i) => parseTask(t, i, schema)) };
}

/** Run every task and answer in the documented response shape; never throws for a task's failure. */
export async function batchResponse(batch: BatchInvocation, run: (rec: SourceRecord) => Promise<WrittenDocument>): Promise<BatchResponse> {
  const results = await Promise.all(
    batch.tasks.map(async (task): Promise<BatchResponse["results"][number]> => {
      if (task.record === undefined)
        return { taskId: task.taskId, resultCode: "PermanentFailure", resultString: `BadEventError: ${task.problem ?? "malformed task"}` };
      try {
        const w = await run(task.record);
        return { taskId: task.taskId, resultCode: "Succeeded", resultString: `s3://${w.bucket}/${w.key}` };
      } catch (err) {
        const text = `${errorName(err)}: ${errorMessage(err)}`;
        // The version's document exists already (described by its event, or its tombstone): the task's goal is met.
        if (err instanceof Error && err.name === "AlreadyDescribed") return { taskId: task.taskId, resultCode: "Succeeded", resultString: err.message };
        return {
          taskId: task.taskId,
          resultCode: isPermanent(err) ? "PermanentFailure" : "TemporaryFailure",
          resultString: text.length > 1000 ? `${text.slice(0, 1000)}...` : text,
        };
      }
    }),
  );
  return { invocationSchemaVersion: batch.schema, treatMissingKeysAs: "PermanentFailure", invocationId: batch.invocationId, results };
}
