/**
 * Production -> Reporting (seed 004): triggered by s3:ObjectCreated:* on the
 * Production bucket, reads each new object's metadata with the execution role
 * (HeadObject, no assume) and writes one JSON metadata document per object
 * version to the Reporting bucket as the Reporting account's writer role
 * (same env contract as the writer: TARGET_BUCKET = reporting bucket, ...).
 *
 * Document key: `<prefix><sourceBucket>/<sourceKey>@<versionId or ETag>.json`
 * (SHA-256 of the source key instead when that is not a safe key), so a
 * retried event overwrites the same document instead of adding one.
 *
 * Every record is attempted; if any failed the invocation throws a
 * RecordsFailedError naming them, so Lambda's async retries / on-failure
 * destination take over (successful records are simply overwritten on retry).
 */
import { HeadObjectCommand, PutObjectCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import type { TargetConfig } from "../shared/config";
import { ensureTargetCredentials, sourceClient, targetClient, targetConfig, type TargetClient } from "../shared/container";
import { diagnoseAccessDenied } from "../shared/diagnose";
import { BadEventError, ObjectNotFoundError, RecordsFailedError, errorMessage, errorName } from "../shared/errors";
import { runInvocation, type InvocationContext } from "../shared/invocation";
import { decodeEventKey, metadataDocumentKey } from "../shared/keys";
import { bareEtag, checkBodySize, targetPutInput } from "../shared/s3write";

export { __resetForTests } from "../shared/container";

/** One ObjectCreated record, validated, with its key URL-decoded. */
export interface SourceRecord {
  readonly index: number;
  readonly eventName: string;
  readonly eventTime: string | null;
  readonly region: string | null;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  readonly sequencer?: string;
}

/** The document written to the Reporting bucket for each object version. */
export interface MetadataDocument {
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly size: number | null;
  readonly etag: string | null;
  readonly versionId: string | null;
  readonly contentType: string | null;
  readonly lastModified: string | null;
  readonly storageClass: string | null;
  readonly serverSideEncryption: string | null;
  readonly eventName: string;
  readonly eventTime: string | null;
  readonly region: string | null;
  readonly sequencer: string | null;
  /** The object's ETag differs from the event's: it was overwritten before this record was processed. */
  readonly changedSinceEvent: boolean;
  /** User metadata (x-amz-meta-*). */
  readonly userMetadata: Record<string, string>;
}

export interface WrittenDocument {
  readonly index: number;
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string | null;
  readonly versionId: string | null;
}

export interface ProcessSummary {
  readonly records: number;
  readonly written: WrittenDocument[];
  readonly skipped: { readonly index: number; readonly reason: string }[];
}

type Parsed = { ok: true; record: SourceRecord } | { ok: false; index: number; skip?: string; error?: BadEventError; bucket?: string; key?: string };

const RECORD_FORM = '{ "eventSource": "aws:s3", "eventName": "ObjectCreated:...", "s3": { "bucket": { "name": ... }, "object": { "key": ... } } }';

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
    if (r.eventSource !== "aws:s3") throw new BadEventError(`${path}.eventSource`, `must be "aws:s3" (this function is triggered by S3 event notifications); got ${JSON.stringify(r.eventSource)}`);
    const eventName = r.eventName;
    if (typeof eventName !== "string" || eventName === "") throw new BadEventError(`${path}.eventName`, 'must be a string such as "ObjectCreated:Put"');
    const s3 = obj(r.s3);
    const bucket = obj(s3?.bucket)?.name;
    const object = obj(s3?.object);
    if (typeof bucket !== "string" || bucket === "") throw new BadEventError(`${path}.s3.bucket.name`, `must be the bucket name string; record form: ${RECORD_FORM}`);
    const rawKey = object?.key;
    if (typeof rawKey !== "string" || rawKey === "") throw new BadEventError(`${path}.s3.object.key`, `must be the URL-encoded object key string; record form: ${RECORD_FORM}`);
    let key: string;
    try {
      key = decodeEventKey(rawKey);
    } catch {
      throw new BadEventError(`${path}.s3.object.key`, `must be URL-encoded as S3 sends it ("+" for spaces, %XX escapes); got ${JSON.stringify(rawKey.slice(0, 200))}`);
    }
    if (!eventName.startsWith("ObjectCreated:")) {
      return { ok: false, index, skip: `eventName ${eventName} is not ObjectCreated:*`, bucket, key };
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
  if (!e) throw new BadEventError("event", `must be an S3 event notification object { "Records": [ ${RECORD_FORM} ] }; got ${event === null ? "null" : Array.isArray(event) ? "an array" : typeof event}`);
  if (e.Event === "s3:TestEvent" && e.Records === undefined) return { test: true };
  if (!Array.isArray(e.Records) || e.Records.length === 0) {
    throw new BadEventError("Records", `must be a non-empty array of S3 event records ${RECORD_FORM}; got ${Array.isArray(e.Records) ? "an empty array" : e.Records === undefined ? "no Records field" : typeof e.Records}`);
  }
  return { test: false, parsed: e.Records.map((r, i) => parseRecord(r, i)) };
}

/** The document of one object version (deterministic: no processing timestamps). */
export function metadataDocument(rec: SourceRecord, head: HeadObjectCommandOutput): MetadataDocument {
  const headEtag = bareEtag(head.ETag);
  const eventEtag = bareEtag(rec.eTag);
  return {
    sourceBucket: rec.bucket,
    sourceKey: rec.key,
    size: head.ContentLength ?? rec.size ?? null,
    etag: headEtag ?? eventEtag ?? null,
    versionId: head.VersionId ?? rec.versionId ?? null,
    contentType: head.ContentType ?? null,
    lastModified: head.LastModified ? head.LastModified.toISOString() : null,
    storageClass: head.StorageClass ?? null,
    serverSideEncryption: head.ServerSideEncryption ?? null,
    eventName: rec.eventName,
    eventTime: rec.eventTime,
    region: rec.region,
    sequencer: rec.sequencer ?? null,
    changedSinceEvent: headEtag !== undefined && eventEtag !== undefined && headEtag !== eventEtag,
    userMetadata: { ...(head.Metadata ?? {}) },
  };
}

/** Deterministic document key of a record: the version id when the bucket is versioned, else the event's ETag. */
export function documentKeyFor(config: TargetConfig, rec: SourceRecord, headEtag?: string): string {
  const id = rec.versionId ?? bareEtag(rec.eTag) ?? bareEtag(headEtag) ?? rec.sequencer ?? "unknown";
  return metadataDocumentKey(config.prefix, rec.bucket, rec.key, id);
}

async function processRecord(rec: SourceRecord, config: TargetConfig, target: TargetClient): Promise<WrittenDocument> {
  let head: HeadObjectCommandOutput;
  try {
    head = await sourceClient(config).send(new HeadObjectCommand({ Bucket: rec.bucket, Key: rec.key, ...(rec.versionId !== undefined ? { VersionId: rec.versionId } : {}) }));
  } catch (err) {
    const name = errorName(err);
    if (name === "NotFound" || name === "NoSuchKey" || name === "NoSuchVersion") {
      throw new ObjectNotFoundError(`s3://${rec.bucket}/${rec.key}${rec.versionId ? ` (version ${rec.versionId})` : ""} no longer exists (${name}): deleted before it was processed?`, err);
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
  const key = documentKeyFor(config, rec, head.ETag);
  const body = JSON.stringify(metadataDocument(rec, head));
  checkBodySize(`Records[${rec.index}] metadata document`, body, config.maxBodyBytes);
  try {
    const out = await target.s3.send(new PutObjectCommand(targetPutInput(config, key, body, "application/json")));
    return { index: rec.index, sourceBucket: rec.bucket, sourceKey: rec.key, bucket: config.bucket, key, etag: out.ETag ?? null, versionId: out.VersionId ?? null };
  } catch (err) {
    throw (
      diagnoseAccessDenied(err, {
        action: "s3:PutObject",
        kmsActions: "kms:GenerateDataKey",
        bucket: config.bucket,
        key,
        caller: target.mode === "assume-role" ? "target-role" : "execution-role-cross-account",
        config,
      }) ?? err
    );
  }
}

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
  const head = `${failures.length} of ${total} records failed (${written} written)`;
  return lead !== undefined ? `${head}: ${lead}. Failed records: ${listed.join(", ")}${more}` : `${head}: ${listed.join("; ")}${more}`;
}

/** Lambda entry point (`index.handler`). */
export const handler = async (event: unknown, context?: InvocationContext): Promise<ProcessSummary> =>
  runInvocation("metadata-processor", context, async (log) => {
    log.operation = "process";
    const config = targetConfig();
    log.bucket = config.bucket;
    log.prefix = config.prefix;
    const parsedEvent = parseS3Event(event);
    if (parsedEvent.test) {
      log.records = 0;
      return { records: 0, written: [], skipped: [{ index: -1, reason: "s3:TestEvent" }] };
    }
    const { parsed } = parsedEvent;
    log.records = parsed.length;
    const written: WrittenDocument[] = [];
    const skipped: { index: number; reason: string }[] = [];
    const failures: Failure[] = [];
    const todo: SourceRecord[] = [];
    for (const p of parsed) {
      if (p.ok) {
        // Recursion guard: a notification on the reporting prefix itself would loop forever.
        if (p.record.bucket === config.bucket && p.record.key.startsWith(config.prefix)) {
          skipped.push({ index: p.record.index, reason: `s3://${p.record.bucket}/${p.record.key} is under this processor's own output prefix` });
        } else todo.push(p.record);
      } else if (p.skip !== undefined) skipped.push({ index: p.index, reason: p.skip });
      else if (p.error) failures.push({ index: p.index, bucket: p.bucket, key: p.key, errorName: p.error.name, message: p.error.message });
    }

    const finish = (lead?: string): ProcessSummary => {
      log.written = written.length;
      log.skipped = skipped.length;
      log.failed = failures.length;
      log.keys = written.slice(0, 20).map((w) => w.key);
      if (failures.length > 0) {
        log.failedRecords = failures.slice(0, 20).map((f) => `[${f.index}] s3://${f.bucket ?? "?"}/${f.key ?? "?"}`);
        throw new RecordsFailedError(failureMessage(failures, parsed.length, written.length, lead), failures);
      }
      return { records: parsed.length, written, skipped };
    };

    if (todo.length === 0) return finish();
    const target = targetClient(config);
    log.credentials = target.mode;
    try {
      await ensureTargetCredentials(target);
    } catch (err) {
      // Without credentials no record can be written: fail them all with the one diagnosis.
      const e = diagnoseAccessDenied(err, { action: "s3:PutObject", bucket: config.bucket, caller: "target-role", config });
      const lead = `${e?.name ?? errorName(err)}: ${e?.message ?? errorMessage(err)}`;
      for (const r of todo) failures.push({ index: r.index, bucket: r.bucket, key: r.key, errorName: e?.name ?? errorName(err), message: lead });
      failures.sort((a, b) => a.index - b.index);
      return finish(lead);
    }
    for (const rec of todo) {
      try {
        written.push(await processRecord(rec, config, target));
      } catch (err) {
        failures.push({ index: rec.index, bucket: rec.bucket, key: rec.key, errorName: errorName(err), message: errorMessage(err) });
      }
    }
    failures.sort((a, b) => a.index - b.index);
    return finish();
  });
