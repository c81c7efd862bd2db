import type { TargetConfig } from "../shared/config";
import { ENV, WRITER_OPERATIONS } from "../shared/contract";
import { BadEventError } from "../shared/errors";
import { generatedKey, validateKey, validateListPrefix } from "../shared/keys";
import { checkBodySize } from "../shared/s3write";

/**
 * The writer's event. Keys are FULL S3 keys and must lie under the configured
 * prefix (TARGET_PREFIX): what `put` returns and `list` lists can be passed to
 * `get` unchanged.
 *
 * ```text
 *   {"operation":"put", "data": <any JSON>}                       stored as application/json
 *   {"operation":"put", "body": "<text>", "contentType": "text/csv"}  (contentType defaults to text/plain; charset=utf-8)
 *   {"operation":"put", "body": "<base64>", "encoding": "base64", "contentType"?: "image/png"}  binary (default application/octet-stream)
 *     + optional "key": "<prefix>..."; default <prefix><awsRequestId>.json (a retry of the request overwrites it)
 *   {"operation":"get", "key": "<prefix>...", "versionId"?: "...", "encoding"?: "utf-8" | "base64"}
 *   {"operation":"list", "prefix"?: "<prefix>...", "continuationToken"?: "...", "maxKeys"?: 1..1000}
 * ```
 *
 * `operation` defaults to "put". Unknown fields are rejected (they are typos).
 */
export type WriterRequest =
  | {
      readonly operation: "put";
      readonly key: string;
      readonly keyGenerated: boolean;
      readonly body: Uint8Array;
      readonly contentType: string;
      readonly bytes: number;
      readonly encoding: BodyEncoding;
    }
  | { readonly operation: "get"; readonly key: string; readonly versionId?: string; readonly encoding: BodyEncoding }
  | { readonly operation: "list"; readonly prefix: string; readonly continuationToken?: string; readonly maxKeys: number };

export type Operation = WriterRequest["operation"];

export const OPERATIONS: readonly Operation[] = WRITER_OPERATIONS;

/** How `body` travels in the event / result: text (UTF-8) or base64 for binary objects. */
export type BodyEncoding = "utf-8" | "base64";
export const ENCODINGS: readonly BodyEncoding[] = ["utf-8", "base64"];

const FIELDS: Record<Operation, readonly string[]> = {
  put: ["operation", "data", "body", "encoding", "contentType", "key"],
  get: ["operation", "key", "versionId", "encoding"],
  list: ["operation", "prefix", "continuationToken", "maxKeys"],
};

export const MAX_LIST_KEYS = 1000;
export const DEFAULT_BODY_CONTENT_TYPE = "text/plain; charset=utf-8";
export const DEFAULT_BINARY_CONTENT_TYPE = "application/octet-stream";
/** Canonical base64 (RFC 4648 section 4, with padding): anything else is refused rather than decoded leniently. */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CONTENT_TYPE_RE = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"]*"|[\w.+-]+))*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

function str(e: Record<string, unknown>, field: string, accepted: string): string | undefined {
  const v = e[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new BadEventError(field, `must be ${accepted}; got ${typeName(v)}`);
  return v;
}

function extensionFor(contentType: string): string {
  const base = contentType.split(";")[0].trim().toLowerCase();
  if (base === "application/json" || base.endsWith("+json")) return ".json";
  if (base === "text/csv") return ".csv";
  if (base.startsWith("text/")) return ".txt";
  return ".bin";
}

function encodingField(e: Record<string, unknown>): BodyEncoding {
  const v = e.encoding;
  if (v === undefined) return "utf-8";
  if (typeof v !== "string" || !(ENCODINGS as readonly string[]).includes(v.toLowerCase())) {
    throw new BadEventError(
      "encoding",
      `must be "utf-8" (text, the default) or "base64" (binary); got ${typeof v === "string" ? JSON.stringify(v.slice(0, 50)) : typeName(v)}`,
    );
  }
  return v.toLowerCase() as BodyEncoding;
}

/** Validate the whole event before any AWS call; throws BadEventError naming the field and the accepted form. */
export function parseWriterEvent(event: unknown, config: TargetConfig, requestId: string): WriterRequest {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new BadEventError("event", `must be a JSON object such as {"operation":"put","data":{...}}; got ${typeName(event)}`);
  }
  const e = event as Record<string, unknown>;
  const op = e.operation === undefined ? "put" : e.operation;
  if (typeof op !== "string" || !(OPERATIONS as readonly string[]).includes(op)) {
    throw new BadEventError(
      "operation",
      `must be one of ${OPERATIONS.map((o) => `"${o}"`).join(", ")} (default "put"); got ${typeof op === "string" ? JSON.stringify(op.slice(0, 50)) : typeName(op)}`,
    );
  }
  const operation = op as Operation;
  if (config.operations !== undefined && !config.operations.includes(operation)) {
    throw new BadEventError(
      "operation",
      `"${operation}" is not allowed for this writer: its grant allows ${config.operations.map((o) => `"${o}"`).join(", ") || "no operation"} (${ENV.operations}=${config.operations.join(",")}). ` +
        `To ${operation === "put" ? "write" : "read"}, ask for a grant that includes it: share.grant(writer, { level: "readwrite", prefix })`,
    );
  }
  for (const field of Object.keys(e)) {
    if (!FIELDS[operation].includes(field)) {
      throw new BadEventError(field.slice(0, 50), `is not a field of operation "${operation}"; accepted fields: ${FIELDS[operation].join(", ")}`);
    }
  }

  const keyField = (required: boolean): string | undefined => {
    const key = str(e, "key", `a full S3 key string under the prefix ${JSON.stringify(config.prefix)}`);
    if (key === undefined) {
      if (required) throw new BadEventError("key", `is required for "${operation}": a full S3 key under the prefix ${JSON.stringify(config.prefix)}`);
      return undefined;
    }
    const problem = validateKey(key, config.prefix);
    if (problem) throw new BadEventError("key", problem);
    return key;
  };

  switch (operation) {
    case "put": {
      const hasData = e.data !== undefined;
      const hasBody = e.body !== undefined;
      if (hasData === hasBody) {
        throw new BadEventError(
          hasData ? "data/body" : "data",
          `"put" needs exactly one of "data" (any JSON value, stored as application/json) or "body" (a string, stored with "contentType")${hasData ? "; got both" : ""}`,
        );
      }
      let text: string;
      let contentType: string;
      const encoding = encodingField(e);
      if (hasData) {
        if (e.contentType !== undefined) {
          throw new BadEventError("contentType", 'only applies with "body"; "data" is always stored as application/json');
        }
        if (e.encoding !== undefined) throw new BadEventError("encoding", 'only applies with "body"; "data" is always stored as JSON text');
        text = JSON.stringify(e.data);
        contentType = "application/json";
      } else {
        text = str(e, "body", encoding === "base64" ? "a base64 string" : 'a string (use "data" for JSON values, "encoding": "base64" for binary)') as string;
        contentType =
          str(e, "contentType", 'a MIME type string such as "text/csv" or "text/plain; charset=utf-8"') ??
          (encoding === "base64" ? DEFAULT_BINARY_CONTENT_TYPE : DEFAULT_BODY_CONTENT_TYPE);
        if (contentType.length > 256 || !CONTENT_TYPE_RE.test(contentType)) {
          throw new BadEventError(
            "contentType",
            `must be a MIME type such as "text/csv" or "text/plain; charset=utf-8"; got ${JSON.stringify(contentType.slice(0, 100))}`,
          );
        }
      }
      if (encoding === "base64" && !BASE64_RE.test(text)) {
        throw new BadEventError("body", 'must be canonical base64 (A-Z a-z 0-9 + /, "=" padding, no whitespace) with "encoding": "base64"');
      }
      const body = encoding === "base64" ? new Uint8Array(Buffer.from(text, "base64")) : new Uint8Array(Buffer.from(text, "utf8"));
      const bytes = checkBodySize(hasData ? "data" : "body", encoding === "base64" ? body : text, config.maxBodyBytes);
      const given = keyField(false);
      const key = given ?? generatedKey(config.prefix, requestId, extensionFor(contentType));
      if (given === undefined) {
        // The generated key can only be invalid when the prefix is near the 1024-byte limit.
        const problem = validateKey(key, config.prefix);
        if (problem) throw new BadEventError("key", `the generated key is invalid (${problem}); give "key" explicitly`);
      }
      return { operation, key, keyGenerated: given === undefined, body, contentType, bytes, encoding };
    }
    case "get": {
      const key = keyField(true) as string;
      const versionId = str(e, "versionId", "a non-empty version id string");
      if (versionId !== undefined && (versionId === "" || versionId.length > 1024 || CONTROL_CHARS.test(versionId))) {
        throw new BadEventError("versionId", "must be a non-empty version id string (as returned by put) without control characters");
      }
      const encoding = encodingField(e);
      return versionId === undefined ? { operation, key, encoding } : { operation, key, versionId, encoding };
    }
    case "list": {
      const prefix = str(e, "prefix", `a string under the configured prefix ${JSON.stringify(config.prefix)}`) ?? config.prefix;
      const problem = validateListPrefix(prefix, config.prefix);
      if (problem) throw new BadEventError("prefix", problem);
      const continuationToken = str(e, "continuationToken", "the nextContinuationToken string of the previous list result");
      if (continuationToken === "") throw new BadEventError("continuationToken", "must not be empty: omit it for the first page");
      let maxKeys = MAX_LIST_KEYS;
      if (e.maxKeys !== undefined) {
        const m = e.maxKeys;
        if (typeof m !== "number" || !Number.isInteger(m) || m < 1 || m > MAX_LIST_KEYS) {
          throw new BadEventError("maxKeys", `must be an integer from 1 to ${MAX_LIST_KEYS}; got ${typeof m === "number" ? m : typeName(m)}`);
        }
        maxKeys = m;
      }
      return continuationToken === undefined ? { operation, prefix, maxKeys } : { operation, prefix, continuationToken, maxKeys };
    }
  }
}
