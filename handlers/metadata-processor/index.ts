/**
 * Production → Reporting (seed 004): one JSON metadata document per object
 * version of the Production bucket, written to the Reporting bucket as the
 * Reporting account's writer role (same env contract as the writer:
 * TARGET_BUCKET = reporting bucket, ...). Two kinds of invocation:
 *
 * 1. S3 event notifications (asynchronous): `s3:ObjectCreated:*` → HeadObject
 *    with the execution role (no assume) and a metadata document;
 *    `s3:ObjectRemoved:*` → a tombstone document (PutObject only: the
 *    reporting role keeps no DeleteObject).
 * 2. S3 Batch Operations `LambdaInvoke` (synchronous, schema 1.0 or 2.0): the
 *    same document for each task's object, per-task Succeeded /
 *    TemporaryFailure / PermanentFailure results (backfill of objects that
 *    existed before the trigger). See ./batch.ts.
 *
 * Document key: `<prefix><sourceBucket>/<sourceKey>@<versionId or ETag>.json`
 * (SHA-256 of the source key instead when that is not a safe key), so a
 * retried event overwrites the same document instead of adding one.
 *
 * Outcomes per record: written | tombstone | superseded (the object changed
 * after the event: the newer version's own event describes it) | skipped |
 * permanent failure (malformed record or event, bucket not allowed, object gone,
 * document too large: a retry cannot succeed, so it is recorded and does NOT
 * fail the invocation) | transient failure (throttling, 5xx, timeouts,
 * AccessDenied that a policy fix would cure): the invocation throws a
 * RecordsFailedError, so Lambda's async retries and the on-failure queue take
 * over (records already written are overwritten identically on retry).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { expectedOwner, sendTarget } from "../shared/calls";
import type { TargetConfig } from "../shared/config";
import { ENV } from "../shared/contract";
import { ensureTargetCredentials, sourceClient, targetClient, targetConfig, type TargetClient } from "../shared/container";
import type { Deadline } from "../shared/deadline";
import { diagnoseAccessDenied } from "../shared/diagnose";
import { BadEventError, HandlerConfigError, RecordsFailedError, errorMessage, errorName, httpStatus } from "../shared/errors";
import { runInvocation, type InvocationContext } from "../shared/invocation";
import { METRIC, type MetricName } from "../shared/metrics";
import { decodeEventKey, metadataDocumentKey } from "../shared/keys";
import { bareEtag, checkBodySize, targetPutInput } from "../shared/s3write";
import { isBatchEvent, parseBatchEvent, batchResponse, type BatchResponse } from "./batch";
import { PermanentRecordError, isPermanent } from "./outcomes";
export { PermanentRecordError, isPermanent } from "./outcomes";

export { __resetForTests } from "../shared/container";
export type { BatchResponse } from "./batch";

/** One validated record (S3 event record or Batch Operations task), key URL-decoded. */
export interface SourceRecord {
  readonly index: number;
  /** "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", ... or "BatchOperations:LambdaInvoke". */
  readonly eventName: string;
  readonly eventTime: string | null;
  readonly region: string | null;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  readonly sequencer?: string;
  /** responseElements["x-amz-request-id"]: the S3 request that caused the event. */
  readonly s3RequestId?: string;
  /** requestParameters.sourceIPAddress. */
  readonly sourceIp?: string;
}

/** What every document records about the event (or batch task) behind it. */
export interface EventFields {
  readonly eventName: string;
  readonly eventTime: string | null;
  readonly region: string | null;
  readonly sequencer: string | null;
  readonly s3RequestId: string | null;
  readonly sourceIp: string | null;
}

function eventFields(rec: SourceRecord): EventFields {
  return {
    eventName: rec.eventName,
    eventTime: rec.eventTime,
    region: rec.region,
    sequencer: rec.sequencer ?? null,
    s3RequestId: rec.s3RequestId ?? null,
    sourceIp: rec.sourceIp ?? null,
  };
}

/** The document written to the Reporting bucket for each object version. It describes exactly the version it is named after. */
export interface MetadataDocument extends EventFields {
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly deleted: false;
  readonly size: number | null;
  readonly etag: string | null;
  readonly versionId: string | null;
  readonly contentType: string | null;
  readonly lastModified: string | null;
  readonly storageClass: string | null;
  readonly serverSideEncryption: string | null;
  /** SSE-KMS key of the object (HeadObject's SSEKMSKeyId). */
  readonly sseKmsKeyId: string | null;
  /** Checksums S3 stores for the object (algorithm → base64 value), null when none. */
  readonly checksum: Record<string, string> | null;
  readonly checksumType: string | null;
  readonly objectLock: { readonly mode: string | null; readonly retainUntil: string | null; readonly legalHold: string | null } | null;
  /** x-amz-tagging-count of the HEAD; null when S3 did not report it (no tags, or not returned). */
  readonly tagCount: number | null;
  /** User metadata (x-amz-meta-*). */
  readonly userMetadata: Record<string, string>;
}

/** Written for `s3:ObjectRemoved:*`: the version (or delete marker) named by the key was deleted. */
export interface TombstoneDocument extends EventFields {
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly deleted: true;
  /** ObjectRemoved:DeleteMarkerCreated: versionId is the delete marker's; the older versions still exist. */
  readonly deleteMarker: boolean;
  readonly versionId: string | null;
}

export interface WrittenDocument {
  readonly index: number;
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string | null;
  readonly versionId: string | null;
  readonly tombstone: boolean;
}

/** A record that can never succeed: recorded, not retried. */
export interface PermanentOutcome {
  readonly index: number;
  readonly bucket?: string;
  readonly key?: string;
  readonly errorName: string;
  readonly message: string;
}

export interface ProcessSummary {
  readonly records: number;
  readonly written: WrittenDocument[];
  readonly skipped: { readonly index: number; readonly reason: string }[];
  /** Permanent failures (and superseded events): in the summary and the log, but the invocation succeeds. */
  readonly permanent: PermanentOutcome[];
}

// ---------------------------------------------------------------- event parsing

type Parsed = { ok: true; record: SourceRecord } | { ok: false; index: number; skip?: string; error?: BadEventError; bucket?: string; key?: string };

const RECORD_FORM =
  '{ "eventSource": "aws:s3", "eventName": "ObjectCreated:..." | "ObjectRemoved:...", "s3": { "bucket": { "name": ... }, "object": { "key": ... } } }';

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function optionalString(o: Record<string, unknown> | undefined, field: string, path: string): string | undefined {
  const v = o?.[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new BadEventError(`${path}.${field}`, `must be a string; got ${typeof v}`);
  return v;
}

function parseRecord(raw: unknown, index: number): Parsed {
  const path = `Records[${index}]`;
  try {
    const r = obj(raw);
    if (!r) throw new BadEventError(path, `must be an S3 event record object ${RECORD_FORM}`);
    if (r.eventSource !== "aws:s3")
      throw new BadEventError(
        `${path}.eventSource`,
        `must be "aws:s3" (this function is triggered by S3 event notifications); got ${JSON.stringify(r.eventSource)}`,
      );
    const eventName = r.eventName;
    if (typeof eventName !== "string" || eventName === "") throw new BadEventError(`${path}.eventName`, 'must be a string such as "ObjectCreated:Put"');
    const s3 = obj(r.s3);
    const bucket = obj(s3?.bucket)?.name;
    const object = obj(s3?.object);
    if (typeof bucket !== "string" || bucket === "")
      throw new BadEventError(`${path}.s3.bucket.name`, `must be the bucket name string; record form: ${RECORD_FORM}`);
    const rawKey = object?.key;
    if (typeof rawKey !== "string" || rawKey === "")
      throw new BadEventError(`${path}.s3.object.key`, `must be the URL-encoded object key string; record form: ${RECORD_FORM}`);
    let key: string;
    try {
      key = decodeEventKey(rawKey);
    } catch {
      throw new BadEventError(
        `${path}.s3.object.key`,
        `must be URL-encoded as S3 sends it ("+" for spaces, %XX escapes); got ${JSON.stringify(rawKey.slice(0, 200))}`,
      );
    }
    if (!eventName.startsWith("ObjectCreated:") && !eventName.startsWith("ObjectRemoved:")) {
      return { ok: false, index, skip: `eventName ${eventName} is neither ObjectCreated:* nor ObjectRemoved:*`, bucket, key };
    }
    const size = object?.size;
    if (size !== undefined && (typeof size !== "number" || !Number.isFinite(size) || size < 0)) {
      throw new BadEventError(`${path}.s3.object.size`, "must be a non-negative number");
    }
    const versionId = optionalString(object, "versionId", `${path}.s3.object`);
    const eTag = optionalString(object, "eTag", `${path}.s3.object`);
    const sequencer = optionalString(object, "sequencer", `${path}.s3.object`);
    const eventTime = optionalString(r, "eventTime", path) ?? null;
    const region = optionalString(r, "awsRegion", path) ?? null;
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    const s3RequestId = optionalString(obj(r.responseElements), "x-amz-request-id", `${path}.responseElements`);
    const sourceIp = optionalString(obj(r.requestParameters), "sourceIPAddress", `${path}.requestParameters`);
    return {
      ok: true,
      record: {
        index,
        eventName,
        eventTime,
        region,
        bucket,
        key,
        ...(versionId !== undefined && versionId !== "" && versionId !== "null" ? { versionId } : {}),
        ...(eTag !== undefined && eTag !== "" ? { eTag } : {}),
        ...(typeof size === "number" ? { size } : {}),
        ...(sequencer !== undefined ? { sequencer } : {}),
        ...(s3RequestId !== undefined ? { s3RequestId } : {}),
        ...(sourceIp !== undefined ? { sourceIp } : {}),
      },
    };
  } catch (err) {
    if (err instanceof BadEventError) return { ok: false, index, error: err };
    throw err;
  }
}

/** Top-level shape check: `{ Records: [...] }` (or S3's one-off s3:TestEvent). Throws BadEventError. */
export function parseS3Event(event: unknown): { test: true } | { test: false; parsed: Parsed[] } {
  const e = obj(event);
  if (!e)
    throw new BadEventError(
      "event",
      `must be an S3 event notification object { "Records": [ ${RECORD_FORM} ] }; got ${event === null ? "null" : Array.isArray(event) ? "an array" : typeof event}`,
    );
  if (e.Event === "s3:TestEvent" && e.Records === undefined) return { test: true };
  if (!Array.isArray(e.Records) || e.Records.length === 0) {
    throw new BadEventError(
      "Records",
      `must be a non-empty array of S3 event records ${RECORD_FORM}; got ${Array.isArray(e.Records) ? "an empty array" : e.Records === undefined ? "no Records field" : typeof e.Records}`,
    );
  }
  return { test: false, parsed: e.Records.map((r, i) => parseRecord(r, i)) };
}

// ---------------------------------------------------------------- documents

function checksumsOf(head: HeadObjectCommandOutput): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(head)) {
    const m = /^Checksum([A-Z0-9]+)$/.exec(field);
    if (m && typeof value === "string" && value !== "") out[m[1]] = value;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** The document of one object version, all from one HeadObject of that version (deterministic: no processing timestamps). */
export function metadataDocument(rec: SourceRecord, head: HeadObjectCommandOutput): MetadataDocument {
  const lock = head.ObjectLockMode ?? head.ObjectLockRetainUntilDate ?? head.ObjectLockLegalHoldStatus;
  return {
    sourceBucket: rec.bucket,
    sourceKey: rec.key,
    deleted: false,
    size: head.ContentLength ?? null,
    etag: bareEtag(head.ETag) ?? null,
    versionId: head.VersionId ?? rec.versionId ?? null,
    contentType: head.ContentType ?? null,
    lastModified: head.LastModified ? head.LastModified.toISOString() : null,
    storageClass: head.StorageClass ?? null,
    serverSideEncryption: head.ServerSideEncryption ?? null,
    sseKmsKeyId: head.SSEKMSKeyId ?? null,
    checksum: checksumsOf(head),
    checksumType: head.ChecksumType ?? null,
    objectLock:
      lock !== undefined
        ? {
            mode: head.ObjectLockMode ?? null,
            retainUntil: head.ObjectLockRetainUntilDate ? head.ObjectLockRetainUntilDate.toISOString() : null,
            legalHold: head.ObjectLockLegalHoldStatus ?? null,
          }
        : null,
    tagCount: head.TagCount ?? null,
    ...eventFields(rec),
    userMetadata: { ...(head.Metadata ?? {}) },
  };
}

export function tombstoneDocument(rec: SourceRecord): TombstoneDocument {
  return {
    sourceBucket: rec.bucket,
    sourceKey: rec.key,
    deleted: true,
    deleteMarker: rec.eventName === "ObjectRemoved:DeleteMarkerCreated",
    versionId: rec.versionId ?? null,
    ...eventFields(rec),
  };
}

/**
 * The document key of a version, the same on every path: `@<versionId>` -
 * the event's version id, the batch task's, or (a batch task without one)
 * the VersionId HeadObject answered - so one version has one document,
 * whichever path describes it first. An unversioned bucket (no version id
 * anywhere, or S3's "null") has one live object per key: `@null.json`
 * ("null" is the version id S3 gives objects written while versioning was
 * off, https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html),
 * overwritten by newer creates and tombstoned by the delete, in sequencer order.
 * ObjectRemoved:DeleteMarkerCreated names the marker's own version id.
 */
export function documentKeyFor(config: TargetConfig, rec: SourceRecord, headVersionId?: string): string {
  const v = rec.versionId ?? (headVersionId !== undefined && headVersionId !== "" && headVersionId !== "null" ? headVersionId : undefined);
  return metadataDocumentKey(config.prefix, rec.bucket, rec.key, v ?? UNVERSIONED_ID);
}

/** The document id of an unversioned object (S3's version id "null"). */
export const UNVERSIONED_ID = "null";

/**
 * S3 event sequencers of one key: "the event notification with the greater
 * sequencer hexadecimal value is the event that occurred later ... the
 * sequencers can be of different lengths. So, to compare these values, first
 * right pad the shorter value with zeros, and then do a lexicographical
 * comparison" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 */
export function compareSequencers(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const x = a.toUpperCase().padEnd(n, "0");
  const y = b.toUpperCase().padEnd(n, "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------- one record

const GONE = new Set(["NotFound", "NoSuchKey", "NoSuchVersion"]);

/**
 * HeadObject of exactly the version the record names: VersionId when the
 * bucket is versioned, otherwise IfMatch with the event's ETag, so an object
 * overwritten since the event answers 412 instead of describing the newer
 * content under the older ETag's document key (HeadObject IfMatch:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
 *
 * No ChecksumMode: on an SSE-KMS object that has a checksum (S3 now gives every
 * new object a default CRC64NVME checksum), ChecksumMode ENABLED needs
 * kms:Decrypt ("If you enable checksum mode and the object is uploaded with a
 * checksum and encrypted with an Key Management Service (KMS) key, you must
 * have permission to use the kms:Decrypt action to retrieve the checksum":
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html#API_HeadObject_RequestSyntax,
 * ChecksumMode). The processor's source grant is metadata-only (no kms:Decrypt,
 * so it can never read an object body), so it must not ask: the document's
 * `checksum` is then whatever HeadObject reports without it (usually null).
 */
async function headExactVersion(rec: SourceRecord, config: TargetConfig, deadline: Deadline): Promise<HeadObjectCommandOutput> {
  const input = {
    Bucket: rec.bucket,
    Key: rec.key,
    ...(rec.versionId !== undefined ? { VersionId: rec.versionId } : rec.eTag !== undefined ? { IfMatch: `"${bareEtag(rec.eTag)}"` } : {}),
  };
  try {
    return await deadline.run({ service: "S3", operation: "HeadObject", bucket: rec.bucket, key: rec.key }, (abortSignal) =>
      sourceClient(config).send(new HeadObjectCommand(input), { abortSignal }),
    );
  } catch (err) {
    const name = errorName(err);
    const where = `s3://${rec.bucket}/${rec.key}${rec.versionId ? ` (version ${rec.versionId})` : ""}`;
    if (GONE.has(name) || httpStatus(err) === 404) {
      throw new PermanentRecordError(
        "ObjectGone",
        `${where} no longer exists (${name}): deleted before it was processed; its ObjectRemoved event writes the tombstone`,
      );
    }
    if (name === "PreconditionFailed" || httpStatus(err) === 412) {
      throw new PermanentRecordError(
        "Superseded",
        `${where} no longer has the event's ETag ${bareEtag(rec.eTag)}: it was overwritten after this event, and the newer version's own event describes it (no document for a version that cannot be read any more)`,
        true,
      );
    }
    throw (
      diagnoseAccessDenied(err, {
        action: rec.versionId !== undefined ? "s3:GetObjectVersion" : "s3:GetObject",
        bucket: rec.bucket,
        key: rec.key,
        caller: "execution-role-same-account",
        config,
      }) ?? err
    );
  }
}

/** Process one record or batch task: HEAD + document, or a tombstone. Throws PermanentRecordError / transient errors. */
export async function processRecord(rec: SourceRecord, config: TargetConfig, target: TargetClient, deadline: Deadline): Promise<WrittenDocument> {
  const removed = rec.eventName.startsWith("ObjectRemoved:");
  let key: string;
  let body: string;
  if (removed) {
    key = documentKeyFor(config, rec);
    body = JSON.stringify(tombstoneDocument(rec));
  } else {
    const head = await headExactVersion(rec, config, deadline);
    key = documentKeyFor(config, rec, head.VersionId);
    body = JSON.stringify(metadataDocument(rec, head));
  }
  try {
    checkBodySize(`Records[${rec.index}] metadata document`, body, config.maxBodyBytes);
  } catch (err) {
    throw new PermanentRecordError("DocumentTooLarge", errorMessage(err));
  }
  const versioned = !key.endsWith(`@${UNVERSIONED_ID}.json`);
  const caller = target.mode === "assume-role" ? "target-role" : "execution-role-cross-account";
  const diagnosed = (err: unknown, action: string): unknown =>
    diagnoseAccessDenied(err, {
      action,
      kmsActions: action === "s3:PutObject" ? "kms:GenerateDataKey" : "kms:Decrypt",
      bucket: config.bucket,
      key,
      caller,
      config,
    }) ?? err;
  const put = async (condition: { IfNoneMatch: "*" } | { IfMatch: string } | undefined): Promise<{ ETag?: string; VersionId?: string }> => {
    try {
      return await sendTarget(config, deadline, { service: "S3", operation: "PutObject", bucket: config.bucket, key }, (s3, abortSignal) =>
        s3.send(new PutObjectCommand({ ...targetPutInput(config, key, body, "application/json"), ...(condition ?? {}) }), { abortSignal }),
      );
    } catch (err) {
      throw diagnosed(err, "s3:PutObject");
    }
  };
  const done = (out: { ETag?: string; VersionId?: string }): WrittenDocument => ({
    index: rec.index,
    sourceBucket: rec.bucket,
    sourceKey: rec.key,
    bucket: config.bucket,
    key,
    etag: out.ETag ?? null,
    versionId: out.VersionId ?? null,
    tombstone: removed,
  });
  // A version's tombstone always wins: written unconditionally over its create.
  if (versioned && removed) return done(await put(undefined));
  // Otherwise create-only (S3 conditional write If-None-Match: "*": 412 when the document exists,
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): a late create never overwrites the tombstone.
  try {
    return done(await put({ IfNoneMatch: "*" }));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  if (versioned)
    throw new PermanentRecordError(
      "AlreadyDescribed",
      `s3://${config.bucket}/${key} exists already (a retry, another path, or the version's tombstone): kept`,
      true,
    );
  // Unversioned: one live document per key, replaced only by a later sequencer (If-Match on the ETag read).
  for (let attempt = 0; attempt < 3; attempt++) {
    let existing: { etag?: string; sequencer?: string };
    try {
      existing = await sendTarget(config, deadline, { service: "S3", operation: "GetObject", bucket: config.bucket, key }, async (s3, abortSignal) => {
        const out = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: key, ...expectedOwner(config) }), { abortSignal });
        const text = out.Body ? await out.Body.transformToString() : "{}";
        let seq: unknown;
        try {
          seq = (JSON.parse(text) as { sequencer?: unknown }).sequencer;
        } catch {
          seq = undefined;
        }
        return { etag: out.ETag, sequencer: typeof seq === "string" ? seq : undefined };
      });
    } catch (err) {
      if (errorName(err) === "NoSuchKey") {
        try {
          return done(await put({ IfNoneMatch: "*" }));
        } catch (again) {
          if (isConditionFailed(again)) continue;
          throw again;
        }
      }
      throw diagnosed(err, "s3:GetObject");
    }
    if (rec.sequencer === undefined || (existing.sequencer !== undefined && compareSequencers(existing.sequencer, rec.sequencer) >= 0)) {
      throw new PermanentRecordError(
        "Superseded",
        `s3://${config.bucket}/${key} already describes a later (or the same) event of s3://${rec.bucket}/${rec.key} (sequencer ${existing.sequencer ?? "none"} vs ${rec.sequencer ?? "none"}): kept`,
        true,
      );
    }
    try {
      return done(await put({ IfMatch: existing.etag ?? "" }));
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
  throw new Error(
    `s3://${config.bucket}/${key} kept changing under 3 conditional writes (concurrent events of one key); the retry of this event compares again`,
  );
}

/** 412 PreconditionFailed, or 409 ConditionalRequestConflict (a concurrent conditional write of the same key). */
function isConditionFailed(err: unknown): boolean {
  const name = errorName(err);
  return name === "PreconditionFailed" || name === "ConditionalRequestConflict" || httpStatus(err) === 412 || httpStatus(err) === 409;
}

/** SOURCE_BUCKETS, required by the processor: the buckets whose objects it may describe. */
export function allowedSources(config: TargetConfig): readonly string[] {
  if (config.sourceBuckets === undefined) {
    throw new HandlerConfigError(
      ENV.sourceBuckets,
      "is not set: the metadata processor only accepts events of the buckets listed there (the lambda-writer module sets it from s3Trigger.bucketName)",
    );
  }
  return config.sourceBuckets;
}

/** A record whose bucket is not in SOURCE_BUCKETS: refused, permanently. */
export function refusal(bucket: string, allowed: readonly string[]): PermanentRecordError {
  return new PermanentRecordError(
    "SourceBucketNotAllowed",
    `bucket ${bucket} is not a source of this processor (${ENV.sourceBuckets}=${allowed.join(",")}); the record was refused`,
  );
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}

/** Records processed concurrently per invocation (S3 sends one record per event today; batch sends one task). */
export const CONCURRENCY = 8;

// ---------------------------------------------------------------- handler

interface Failure {
  index: number;
  bucket?: string;
  key?: string;
  errorName: string;
  message: string;
}

const MAX_LISTED = 25;

function failureMessage(failures: Failure[], total: number, written: number, lead?: string): string {
  const listed = failures.slice(0, MAX_LISTED).map((f) => {
    const where = f.bucket !== undefined ? ` s3://${f.bucket}/${f.key ?? ""}` : "";
    const msg = f.message.length > 600 ? `${f.message.slice(0, 600)}...` : f.message;
    return lead !== undefined && f.message === lead ? `[${f.index}]${where}` : `[${f.index}]${where}: ${f.errorName}: ${msg}`;
  });
  const more = failures.length > MAX_LISTED ? `; and ${failures.length - MAX_LISTED} more` : "";
  const head = `${failures.length} of ${total} records failed transiently (${written} written)`;
  return lead !== undefined ? `${head}: ${lead}. Failed records: ${listed.join(", ")}${more}` : `${head}: ${listed.join("; ")}${more}`;
}

async function processNotification(
  event: unknown,
  config: TargetConfig,
  log: Record<string, unknown>,
  deadline: Deadline,
  counts: Partial<Record<MetricName, number>> = {},
): Promise<ProcessSummary> {
  const count = (name: MetricName, n: number): void => void (counts[name] = (counts[name] ?? 0) + n);
  let parsedEvent: ReturnType<typeof parseS3Event>;
  try {
    parsedEvent = parseS3Event(event);
  } catch (err) {
    if (!(err instanceof BadEventError)) throw err;
    // A malformed event can never succeed: recorded (summary + WARN line), not retried into the on-failure queue.
    log.records = 0;
    log.level = "warn";
    log.permanent = 1;
    log.permanentRecords = [`[-1] event: ${err.name}: ${err.message.slice(0, 300)}`];
    count(METRIC.permanent, 1);
    return { records: 0, written: [], skipped: [], permanent: [{ index: -1, errorName: err.name, message: err.message }] };
  }
  if (parsedEvent.test) {
    log.records = 0;
    return { records: 0, written: [], skipped: [{ index: -1, reason: "s3:TestEvent" }], permanent: [] };
  }
  const allowed = allowedSources(config);
  const { parsed } = parsedEvent;
  log.records = parsed.length;
  const written: WrittenDocument[] = [];
  const skipped: { index: number; reason: string }[] = [];
  const permanent: PermanentOutcome[] = [];
  const failures: Failure[] = [];
  const todo: SourceRecord[] = [];
  for (const p of parsed) {
    if (p.ok) {
      const r = p.record;
      // Recursion guard: a notification on the reporting prefix itself would loop forever.
      if (r.bucket === config.bucket && r.key.startsWith(config.prefix)) {
        skipped.push({ index: r.index, reason: `s3://${r.bucket}/${r.key} is under this processor's own output prefix` });
      } else if (!allowed.includes(r.bucket)) {
        const e = refusal(r.bucket, allowed);
        permanent.push({ index: r.index, bucket: r.bucket, key: r.key, errorName: e.name, message: e.message });
      } else todo.push(r);
    } else if (p.skip !== undefined) skipped.push({ index: p.index, reason: p.skip });
    else if (p.error) permanent.push({ index: p.index, bucket: p.bucket, key: p.key, errorName: p.error.name, message: p.error.message });
  }

  const finish = (lead?: string): ProcessSummary => {
    const byIndex = <T extends { index: number }>(xs: T[]): T[] => xs.sort((a, b) => a.index - b.index);
    byIndex(written);
    byIndex(permanent);
    byIndex(failures);
    log.written = written.length;
    log.tombstones = written.filter((w) => w.tombstone).length;
    log.skipped = skipped.length;
    log.permanent = permanent.length;
    log.failed = failures.length;
    log.keys = written.slice(0, 20).map((w) => w.key);
    count(METRIC.written, written.filter((w) => !w.tombstone).length);
    count(METRIC.tombstones, written.filter((w) => w.tombstone).length);
    count(METRIC.skipped, skipped.length);
    count(METRIC.permanent, permanent.length);
    count(METRIC.transient, failures.length);
    if (permanent.length > 0) {
      log.level = "warn";
      log.permanentRecords = permanent
        .slice(0, 20)
        .map((f) => `[${f.index}] s3://${f.bucket ?? "?"}/${f.key ?? "?"}: ${f.errorName}: ${f.message.slice(0, 300)}`);
    }
    if (failures.length > 0) {
      log.failedRecords = failures.slice(0, 20).map((f) => `[${f.index}] s3://${f.bucket ?? "?"}/${f.key ?? "?"}`);
      throw new RecordsFailedError(failureMessage(failures, parsed.length, written.length, lead), failures);
    }
    return { records: parsed.length, written, skipped, permanent };
  };

  if (todo.length === 0) return finish();
  const target = targetClient(config);
  log.credentials = target.mode;
  try {
    await ensureTargetCredentials(target, deadline, config);
  } catch (err) {
    // Without credentials no record can be written: fail them all (transiently) with the one diagnosis.
    const e = diagnoseAccessDenied(err, { action: "s3:PutObject", bucket: config.bucket, caller: "target-role", config });
    const lead = `${e?.name ?? errorName(err)}: ${e?.message ?? errorMessage(err)}`;
    for (const r of todo) failures.push({ index: r.index, bucket: r.bucket, key: r.key, errorName: e?.name ?? errorName(err), message: lead });
    return finish(lead);
  }
  await mapLimit(todo, CONCURRENCY, async (rec) => {
    try {
      written.push(await processRecord(rec, config, target, deadline));
    } catch (err) {
      const f = { index: rec.index, bucket: rec.bucket, key: rec.key, errorName: errorName(err), message: errorMessage(err) };
      if (err instanceof PermanentRecordError && err.superseded) skipped.push({ index: rec.index, reason: err.message });
      else if (isPermanent(err)) permanent.push(f);
      else failures.push(f);
    }
  });
  return finish();
}

// ---------------------------------------------------------------- SQS-wrapped S3 events

/** Partial batch response of an SQS event source mapping (FunctionResponseTypes ReportBatchItemFailures). */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** An SQS event: `Records[*].eventSource === "aws:sqs"`. */
export function isSqsEvent(event: unknown): event is { Records: unknown[] } {
  const r = obj(event)?.Records;
  return Array.isArray(r) && r.length > 0 && obj(r[0])?.eventSource === "aws:sqs";
}

/**
 * S3 → SQS → Lambda: each message's body is an S3 event notification (or
 * s3:TestEvent). A message whose records failed transiently is reported in
 * `batchItemFailures` (only those return to the queue, the others are
 * deleted: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting);
 * a malformed message or record is permanent: logged and counted
 * (PermanentFailures), not returned to the queue (a retry cannot help; the
 * queue's DLQ would only collect it later).
 */
async function processSqs(
  event: { Records: unknown[] },
  config: TargetConfig,
  log: Record<string, unknown>,
  deadline: Deadline,
  counts: Partial<Record<MetricName, number>>,
): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  const totals = { messages: event.Records.length, records: 0, written: 0, tombstones: 0, skipped: 0, permanent: 0, failed: 0 };
  const permanentRecords: string[] = [];
  const failedRecords: string[] = [];
  for (const [i, raw] of event.Records.entries()) {
    const m = obj(raw);
    const id = typeof m?.messageId === "string" ? m.messageId : undefined;
    const sub: Record<string, unknown> = {};
    let body: unknown;
    try {
      if (id === undefined) throw new BadEventError(`Records[${i}].messageId`, "must be the SQS message id string");
      if (typeof m?.body !== "string") throw new BadEventError(`Records[${i}].body`, "must be the S3 event notification JSON string S3 sent to the queue");
      try {
        body = JSON.parse(m.body);
      } catch {
        throw new BadEventError(`Records[${i}].body`, "must be JSON (an S3 event notification); got unparseable text");
      }
    } catch (err) {
      if (!(err instanceof BadEventError)) throw err;
      totals.permanent += 1;
      counts[METRIC.permanent] = (counts[METRIC.permanent] ?? 0) + 1;
      permanentRecords.push(`[${i}] ${err.message.slice(0, 300)}`);
      continue;
    }
    try {
      await processNotification(body, config, sub, deadline, counts);
    } catch (err) {
      if (!(err instanceof RecordsFailedError)) throw err;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- kept: dropping it renames identifiers in the minified bundle and so changes the demo stacks' asset hash
      failures.push({ itemIdentifier: id as string });
      failedRecords.push(`message ${id}: ${err.message.slice(0, 300)}`);
    }
    for (const k of ["records", "written", "tombstones", "skipped", "permanent", "failed"] as const)
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- kept: dropping it renames identifiers in the minified bundle and so changes the demo stacks' asset hash
      totals[k] += typeof sub[k] === "number" ? (sub[k] as number) : 0;
    if (Array.isArray(sub.permanentRecords)) permanentRecords.push(...(sub.permanentRecords as string[]).map((r) => `message ${id}: ${r}`));
  }
  Object.assign(log, totals, { failedMessages: failures.length });
  if (permanentRecords.length > 0) {
    log.level = "warn";
    log.permanentRecords = permanentRecords.slice(0, 20);
  }
  if (failures.length > 0) {
    log.level = "warn";
    log.failedRecords = failedRecords.slice(0, 20);
  }
  return { batchItemFailures: failures };
}

/** Lambda entry point (`index.handler`): S3 event notifications and S3 Batch Operations invocations. */
export const handler = async (event: unknown, context?: InvocationContext): Promise<ProcessSummary | BatchResponse | SqsBatchResponse> =>
  runInvocation("metadata-processor", context, async (log, deadline, metricCounts) => {
    const config = targetConfig();
    log.bucket = config.bucket;
    log.prefix = config.prefix;
    if (isBatchEvent(event)) {
      log.operation = "batch";
      const batch = parseBatchEvent(event);
      log.batchJobId = batch.jobId;
      log.records = batch.tasks.length;
      const allowed = allowedSources(config);
      const target = targetClient(config);
      log.credentials = target.mode;
      const response = await batchResponse(batch, async (rec) => {
        if (!allowed.includes(rec.bucket)) throw refusal(rec.bucket, allowed);
        return processRecord(rec, config, target, deadline);
      });
      const codes = { Succeeded: 0, TemporaryFailure: 0, PermanentFailure: 0 };
      for (const r of response.results) codes[r.resultCode] += 1;
      Object.assign(log, { succeeded: codes.Succeeded, temporaryFailures: codes.TemporaryFailure, permanentFailures: codes.PermanentFailure });
      if (codes.TemporaryFailure + codes.PermanentFailure > 0) {
        log.level = "warn";
        log.failedTasks = response.results
          .filter((r) => r.resultCode !== "Succeeded")
          .slice(0, 20)
          .map((r) => `${r.taskId}: ${r.resultCode}: ${r.resultString.slice(0, 300)}`);
      }
      Object.assign(metricCounts, {
        [METRIC.written]: codes.Succeeded,
        [METRIC.transient]: codes.TemporaryFailure,
        [METRIC.permanent]: codes.PermanentFailure,
      });
      return response;
    }
    if (isSqsEvent(event)) {
      log.operation = "sqs";
      return processSqs(event, config, log, deadline, metricCounts);
    }
    log.operation = "process";
    return processNotification(event, config, log, deadline, metricCounts);
  });
