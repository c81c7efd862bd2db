import { createHash, createHmac, type Hash, type Hmac } from "crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Creds } from "./aws";

/**
 * SigV4-signed requests for the two APIs the queue step needs (SQS, Lambda
 * event source mappings) without adding their SDK clients to the repository:
 * `@smithy/signature-v4` (already installed with `@aws-sdk/client-s3`) signs,
 * Node's crypto hashes, fetch sends. The emulator tells accounts apart by the
 * access key, so the signature must name the caller's credentials.
 */

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): Buffer =>
  typeof d === "string" ? Buffer.from(d, "utf8") : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(new Uint8Array(d));

/** The Checksum SignatureV4 expects: SHA-256, or HMAC-SHA-256 with a secret. */
class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    // SignatureV4 creates a new instance per digest; nothing to reset.
  }
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

async function signedFetch(
  endpoint: string,
  region: string,
  service: string,
  creds: Creds,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  query: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ service, region, credentials: creds, sha256: Sha256 });
  const request = {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path,
    query,
    headers: { host: url.host, ...headers },
    body,
  };
  const signed = await signer.sign(request);
  const qs = new URLSearchParams(query).toString();
  const res = await fetch(`${url.protocol}//${url.host}${path}${qs ? `?${qs}` : ""}`, {
    method,
    headers: signed.headers as Record<string, string>,
    body: method === "GET" ? undefined : body,
  });
  return { status: res.status, body: await res.text() };
}

/** An SQS action over the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<action>). */
export async function sqsCall<T>(endpoint: string, region: string, creds: Creds, action: string, input: Record<string, unknown>): Promise<T> {
  const r = await signedFetch(
    endpoint,
    region,
    "sqs",
    creds,
    "POST",
    "/",
    { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
    JSON.stringify(input),
  );
  if (r.status !== 200) throw new Error(`SQS ${action}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return (r.body ? JSON.parse(r.body) : {}) as T;
}

/** A Lambda REST call (e.g. GET/PUT /2015-03-31/event-source-mappings/...). */
export async function lambdaCall<T>(
  endpoint: string,
  region: string,
  creds: Creds,
  method: "GET" | "PUT",
  path: string,
  input?: Record<string, unknown>,
  query: Record<string, string> = {},
): Promise<T> {
  const body = input === undefined ? "" : JSON.stringify(input);
  const r = await signedFetch(endpoint, region, "lambda", creds, method, path, input === undefined ? {} : { "content-type": "application/json" }, body, query);
  if (r.status < 200 || r.status > 299) throw new Error(`Lambda ${method} ${path}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  return (r.body ? JSON.parse(r.body) : {}) as T;
}
