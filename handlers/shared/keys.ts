import { createHash } from "crypto";

/** S3's limit on key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** A problem with a key path's segments, or undefined. `allowTrailingSlash` for prefixes. */
function segmentProblem(path: string, allowTrailingSlash: boolean): string | undefined {
  if (path.startsWith("/")) return 'must not start with "/"';
  if (CONTROL_CHARS.test(path)) return "must not contain control characters";
  if (utf8Bytes(path) > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} UTF-8 bytes (got ${utf8Bytes(path)})`;
  const segments = path.split("/");
  const last = segments.length - 1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === "." || s === "..") return `must not contain "${s}" segments`;
    if (s === "" && !(i === last && allowTrailingSlash)) {
      return i === last ? 'must not end with "/" (that names a folder, not an object)' : 'must not contain empty segments ("//")';
    }
  }
  return undefined;
}

/** Problem with a configured prefix ("" or "a/b/"), or undefined when valid. */
export function validatePrefix(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  if (!prefix.endsWith("/")) return 'must be "" (the whole bucket) or end with "/", e.g. "incoming/"';
  const p = segmentProblem(prefix, true);
  return p ? `must be "" or a path ending in "/", and it ${p}` : undefined;
}

function quote(s: string): string {
  const shown = s.length > 200 ? `${s.slice(0, 200)}...` : s;
  return JSON.stringify(shown);
}

/**
 * Problem with an object key, or undefined when valid. Keys are FULL S3 keys
 * and must lie under `prefix`: no leading "/", no "." / ".." / empty segments,
 * no control characters, not a folder ("/" at the end), at most 1024 bytes.
 */
export function validateKey(key: string, prefix: string): string | undefined {
  if (key === "") return `must not be empty; give a full key under the prefix ${quote(prefix)}, e.g. ${quote(`${prefix}reports/r1.json`)}`;
  const p = segmentProblem(key, false);
  if (p) return `${p}; got ${quote(key)}`;
  if (!key.startsWith(prefix))
    return `must be a full key under the prefix ${quote(prefix)} (e.g. ${quote(`${prefix}reports/r1.json`)}); got ${quote(key)}, which is outside it`;
  if (key.length === prefix.length) return `must name an object under the prefix ${quote(prefix)}, not the prefix itself`;
  return undefined;
}

/** Problem with a list prefix: under the configured prefix, may end anywhere (even mid-segment). */
export function validateListPrefix(listPrefix: string, prefix: string): string | undefined {
  if (!listPrefix.startsWith(prefix)) return `must start with the configured prefix ${quote(prefix)}; got ${quote(listPrefix)}`;
  if (listPrefix === "") return undefined;
  const p = segmentProblem(listPrefix, true);
  return p ? `${p}; got ${quote(listPrefix)}` : undefined;
}

/**
 * `<prefix><requestId><ext>`: derived from the Lambda request id alone, so a
 * retry of the same request overwrites the object it wrote instead of adding a
 * second one. Lambda retries an asynchronous invocation's event (twice on
 * function errors, and for up to 6 hours on throttles,
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)
 * with the same request id; no date or time goes into the key because a retry
 * can run on another day than the first attempt. Request ids are UUIDs, unique
 * across functions, so no function name is needed. Without a request id
 * (local runs) the caller passes a random UUID: no retry to deduplicate.
 */
export function generatedKey(prefix: string, requestId: string, ext: string): string {
  const rid = requestId.replace(/[^A-Za-z0-9-]/g, "").slice(0, 64) || "norequest";
  return `${prefix}${rid}${ext}`;
}

/** S3 event notifications URL-encode keys with "+" for spaces. */
export function decodeEventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, " "));
}

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/**
 * Deterministic key of the metadata document of one object version:
 * `<prefix><sourceBucket>/<sourceKey>@<id>.json`, so a retried event overwrites
 * the same document. When that is not a safe key (over 1024 bytes, or the
 * source key has "..", "//", a leading "/" or control characters), the source
 * key is replaced by its SHA-256: `<prefix><sourceBucket>/_sha256/<hex>@<id>.json`.
 */
export function metadataDocumentKey(prefix: string, sourceBucket: string, sourceKey: string, id: string): string {
  const safeId = id.replace(/[^\w.=+-]/g, "_").slice(0, 128) || "unknown";
  const direct = `${prefix}${sourceBucket}/${sourceKey}@${safeId}.json`;
  if (validateKey(direct, prefix) === undefined) return direct;
  return `${prefix}${sourceBucket}/_sha256/${sha256Hex(sourceKey)}@${safeId}.json`;
}
