import type { TargetConfig } from "../shared/config";
import { BadEventError } from "../shared/errors";
import { generatedKey, validateKey, validateListPrefix } from "../shared/keys";
import { checkBodySize } from "../shared/s3write";

/**
 * The writer's event. Keys are FULL S3 keys and must lie under the configured
 * prefix (TARGET_PREFIX): what `put` returns and `list` lists can be passed to
 * `get` unchanged.
 *
 *   {"operation":"put", "data": <any JSON>}                       stored as application/json
 *   {"operation":"put", "body": "<text>", "contentType": "text/csv"}  (contentType defaults to text/plain; charset=utf-8)
 *     + optional "key": "<prefix>..."; default <prefix><yyyy>/<mm>/<dd>/<timestamp>-<requestId>.json (UTC)
 *   {"operation":"get", "key": "<prefix>...", "versionId"?: "..."}
 *   {"operation":"list", "prefix"?: "<prefix>...", "continuationToken"?: "...", "maxKeys"?: 1..1000}
 *
 * `operation` defaults to "put". Unknown fields are rejected (they are typos).
 */
export type WriterRequest =
  | {
      readonly operation: "put";
      readonly key: string;
      readonly keyGenerated: boolean;
      readonly body: string;
      readonly contentType: string;
      readonly bytes: number;
    }
  | { readonly operation: "get"; readonly key: string; readonly versionId?: string }
  | { readonly operation: "list"; readonly prefix: string; readonly continuationToken?: string; readonly maxKeys: number };

export type Operation = WriterRequest["operation"];

export const OPERATIONS: readonly Operation[] = ["put", "get", "list"];

const FIELDS: Record<Operation, readonly string[]> = {
  put: ["operation", "data", "body", "contentType", "key"],
  get: ["operation", "key", "versionId"],
  list: ["operation", "prefix", "continuationToken", "maxKeys"],
};

export const MAX_LIST_KEYS = 1000;
export const DEFAULT_BODY_CONTENT_TYPE = "text/plain; charset=utf-8";
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

/** Validate the whole event before any AWS call; throws BadEventError naming the field and the accepted form. */
export function parseWriterEvent(event: unknown, config: TargetConfig, requestId: string, now: Date): WriterRequest {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new BadEventError("event", `must be a JSON object such as {"operation":"put","data":{...}}; got ${typeName(event)}`);
  }
  const e = event as Record<string, unknown>;
  const op = e.operation === undefined ? "put" : e.operation;
  if (typeof op !== "string" || !(OPERATIONS as readonly string[]).includes(op)) {
    throw new BadEventError("operation", `must be one of ${OPERATIONS.map((o) => `"${o}"`).join(", ")} (default "put"); got ${typeof op === "string" ? JSON.stringify(op.slice(0, 50)) : typeName(op)}`);
  }
  const operation = op as Operation;
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
      let body: string;
      let contentType: string;
      if (hasData) {
        if (e.contentType !== undefined) {
          throw new BadEventError("contentType", 'only applies with "body"; "data" is always stored as application/json');
        }
        body = JSON.stringify(e.data);
        contentType = "application/json";
      } else {
        body = str(e, "body", 'a string (use "data" for JSON values)') as string;
        contentType = str(e, "contentType", 'a MIME type string such as "text/csv" or "text/plain; charset=utf-8"') ?? DEFAULT_BODY_CONTENT_TYPE;
        if (contentType.length > 256 || !CONTENT_TYPE_RE.test(contentType)) {
          throw new BadEventError("contentType", `must be a MIME type such as "text/csv" or "text/plain; charset=utf-8"; got ${JSON.stringify(contentType.slice(0, 100))}`);
        }
      }
      const bytes = checkBodySize(hasData ? "data" : "body", body, config.maxBodyBytes);
      const given = keyField(false);
      const key = given ?? generatedKey(config.prefix, now, requestId, extensionFor(contentType));
      if (given === undefined) {
        // The generated key can only be invalid when the prefix is near the 1024-byte limit.
        const problem = validateKey(key, config.prefix);
        if (problem) throw new BadEventError("key", `the generated key is invalid (${problem}); give "key" explicitly`);
      }
      return { operation, key, keyGenerated: given === undefined, body, contentType, bytes };
    }
    case "get": {
      const key = keyField(true) as string;
      const versionId = str(e, "versionId", "a non-empty version id string");
      if (versionId !== undefined && (versionId === "" || versionId.length > 1024 || CONTROL_CHARS.test(versionId))) {
        throw new BadEventError("versionId", "must be a non-empty version id string (as returned by put) without control characters");
      }
      return versionId === undefined ? { operation, key } : { operation, key, versionId };
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
