/**
 * Lambda of account A writing to (and reading back from) a bucket of account B.
 * Entry point: `index.handler`. Event format: see ./event.ts.
 *
 * Per container: the env contract is parsed on the first invocation, and one
 * S3 client is built whose assumed-role credentials (fromTemporaryCredentials)
 * are cached and refreshed 5 minutes before they expire: STS is called once
 * per session, not per invocation.
 */
import { randomUUID } from "crypto";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { expectedOwner, sendTarget } from "../shared/calls";
import type { TargetConfig } from "../shared/config";
import { targetClient, targetConfig, type CredentialMode } from "../shared/container";
import type { Deadline } from "../shared/deadline";
import { diagnoseAccessDenied } from "../shared/diagnose";
import { NotUtf8Error, ObjectNotFoundError, ObjectTooLargeError, ResponseTooLargeError, errorName } from "../shared/errors";
import { runInvocation, type InvocationContext } from "../shared/invocation";
import { targetPutInput } from "../shared/s3write";
import { OPERATIONS, parseWriterEvent, type BodyEncoding, type WriterRequest } from "./event";

export { __resetForTests } from "../shared/container";
export { parseWriterEvent } from "./event";
export type { WriterRequest } from "./event";

export interface PutResult {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string | null;
  readonly versionId: string | null;
}

export interface GetResult {
  readonly bucket: string;
  readonly key: string;
  /** The object's body: its text (encoding "utf-8", refused when the bytes are not UTF-8) or base64 (encoding "base64"). */
  readonly body: string;
  readonly encoding: BodyEncoding;
  readonly contentType: string | null;
  readonly contentLength: number | null;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly versionId: string | null;
  /** User metadata (x-amz-meta-*). */
  readonly metadata: Record<string, string>;
}

export interface ListResult {
  readonly bucket: string;
  readonly prefix: string;
  /** Full keys, usable as `key` of a `get`. */
  readonly keys: string[];
  readonly objects: { key: string; size: number | null; etag: string | null; lastModified: string | null }[];
  readonly isTruncated: boolean;
  /** Pass as `continuationToken` to get the next page; null on the last page. */
  readonly nextContinuationToken: string | null;
}

export type WriterResult = PutResult | GetResult | ListResult;

const ACTIONS = {
  put: { action: "s3:PutObject", kms: "kms:GenerateDataKey" },
  get: { action: "s3:GetObject", kms: "kms:Decrypt" },
  list: { action: "s3:ListBucket", kms: undefined },
} as const;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

async function execute(req: WriterRequest, config: TargetConfig, deadline: Deadline): Promise<WriterResult> {
  const Bucket = config.bucket;
  const owner = expectedOwner(config);
  switch (req.operation) {
    case "put": {
      const out = await sendTarget(config, deadline, { service: "S3", operation: "PutObject", bucket: Bucket, key: req.key }, (s3, abortSignal) =>
        s3.send(new PutObjectCommand(targetPutInput(config, req.key, req.body, req.contentType)), { abortSignal }),
      );
      return { bucket: Bucket, key: req.key, etag: out.ETag ?? null, versionId: out.VersionId ?? null };
    }
    case "get": {
      const call = { service: "S3", operation: "GetObject", bucket: Bucket, key: req.key } as const;
      const read = await sendTarget(config, deadline, call, async (s3, abortSignal) => {
        let out;
        try {
          out = await s3.send(new GetObjectCommand({ Bucket, Key: req.key, ...(req.versionId !== undefined ? { VersionId: req.versionId } : {}), ...owner }), {
            abortSignal,
          });
        } catch (err) {
          const name = errorName(err);
          if (name === "NoSuchKey" || name === "NoSuchVersion" || name === "NotFound") {
            throw new ObjectNotFoundError(
              `s3://${Bucket}/${req.key}${req.versionId !== undefined ? ` (version ${req.versionId})` : ""} does not exist (${name})`,
              err,
            );
          }
          throw err;
        }
        if (out.ContentLength !== undefined && out.ContentLength > config.maxBodyBytes) {
          (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new ObjectTooLargeError(
            `s3://${Bucket}/${req.key} is ${out.ContentLength} bytes, over the limit of ${config.maxBodyBytes} bytes (MAX_BODY_BYTES); it was not read`,
          );
        }
        // Reading the body is part of the call: a stalled body stream is cut at the deadline too.
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
        return { out, bytes };
      });
      const { out, bytes } = read;
      let body: string;
      if (req.encoding === "base64") body = Buffer.from(bytes).toString("base64");
      else {
        try {
          body = UTF8.decode(bytes);
        } catch {
          throw new NotUtf8Error(
            `s3://${Bucket}/${req.key} (${bytes.byteLength} bytes, ${out.ContentType ?? "no content type"}) is not valid UTF-8 text, so it is not returned as text; ask again with "encoding": "base64" to get its bytes`,
          );
        }
      }
      const result: GetResult = {
        bucket: Bucket,
        key: req.key,
        body,
        encoding: req.encoding,
        contentType: out.ContentType ?? null,
        contentLength: out.ContentLength ?? null,
        etag: out.ETag ?? null,
        lastModified: out.LastModified ? out.LastModified.toISOString() : null,
        versionId: out.VersionId ?? null,
        metadata: { ...(out.Metadata ?? {}) },
      };
      checkResponseSize(result, `s3://${Bucket}/${req.key}`, bytes.byteLength, req.encoding);
      return result;
    }
    case "list": {
      const out = await sendTarget(config, deadline, { service: "S3", operation: "ListObjectsV2", bucket: Bucket }, (s3, abortSignal) =>
        s3.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: req.prefix,
            MaxKeys: req.maxKeys,
            ...(req.continuationToken !== undefined ? { ContinuationToken: req.continuationToken } : {}),
            ...owner,
          }),
          { abortSignal },
        ),
      );
      const objects = (out.Contents ?? []).map((o) => ({
        key: o.Key ?? "",
        size: o.Size ?? null,
        etag: o.ETag ?? null,
        lastModified: o.LastModified ? o.LastModified.toISOString() : null,
      }));
      return {
        bucket: Bucket,
        prefix: req.prefix,
        keys: objects.map((o) => o.key),
        objects,
        isTruncated: out.IsTruncated === true,
        nextContinuationToken: out.IsTruncated ? (out.NextContinuationToken ?? null) : null,
      };
    }
  }
}

/**
 * Lambda's limit on a synchronous invocation's response: 6 MB, 6,291,556
 * bytes of the JSON-encoded response ("Invocation payload (request and
 * response): 6 MB each for request and response (synchronous)",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
 * over it Lambda answers "Response payload size exceeded maximum allowed
 * payload size (6291556 bytes)"). JSON escaping (a NUL byte is 6 characters,
 * `"\u0000"`) and base64 (4/3) make the response larger than the object, so the
 * limit is applied to the encoded response itself.
 */
export const MAX_RESPONSE_BYTES = 6_291_556;

/** Throws ResponseTooLargeError when the JSON of `result` is over MAX_RESPONSE_BYTES. */
export function checkResponseSize(result: GetResult, where: string, objectBytes: number, encoding: BodyEncoding): void {
  const size = Buffer.byteLength(JSON.stringify(result), "utf8");
  if (size <= MAX_RESPONSE_BYTES) return;
  throw new ResponseTooLargeError(
    `get of ${where} (${objectBytes} bytes, as ${encoding}) would make a ${size}-byte response, over Lambda's synchronous response limit of ${MAX_RESPONSE_BYTES} bytes` +
      `${encoding === "base64" ? " (base64 adds a third)" : " (JSON escaping of control characters and quotes adds bytes)"}; ` +
      "read it in parts (a smaller object, or a range of it) or give the caller a presigned GET URL for the object instead of its body.",
  );
}

/** Lambda entry point (`index.handler`). */
export const handler = async (event: unknown, context?: InvocationContext): Promise<WriterResult> =>
  runInvocation("writer", context, async (log, deadline) => {
    const config = targetConfig();
    log.bucket = config.bucket;
    // Without a Lambda request id (local runs) there is no retry to deduplicate: a random id.
    const requestId = log.requestId || randomUUID();
    log.operation = operationOf(event);
    // Everything about the event is validated before any AWS call.
    const req = parseWriterEvent(event, config, requestId);
    log.operation = req.operation;
    if (req.operation === "list") log.prefix = req.prefix;
    else log.key = req.key;

    const target = targetClient(config);
    log.credentials = target.mode;
    try {
      return await execute(req, config, deadline);
    } catch (err) {
      throw (
        diagnoseAccessDenied(err, {
          // GetObject of a specific version is authorized as s3:GetObjectVersion, not s3:GetObject
          // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions / Versioning).
          action: req.operation === "get" && req.versionId !== undefined ? "s3:GetObjectVersion" : ACTIONS[req.operation].action,
          kmsActions: ACTIONS[req.operation].kms,
          bucket: config.bucket,
          key: req.operation === "list" ? undefined : req.key,
          caller: callerOf(target.mode),
          config,
        }) ?? err
      );
    }
  });

/** The operation named by a (possibly invalid) event, for the log line. */
function operationOf(event: unknown): string {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return "invalid";
  const op = (event as { operation?: unknown }).operation;
  if (op === undefined) return "put";
  return typeof op === "string" && (OPERATIONS as readonly string[]).includes(op) ? op : "invalid";
}

function callerOf(mode: CredentialMode): "target-role" | "execution-role-cross-account" {
  return mode === "assume-role" ? "target-role" : "execution-role-cross-account";
}
