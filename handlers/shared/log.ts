import { LAMBDA_ENV } from "./contract";

/**
 * The one log line of an invocation. Only names, counts and outcomes: never
 * credentials, never object bodies or event data.
 */
export interface InvocationLog {
  level: "info" | "warn" | "error";
  handler: string;
  operation?: string;
  bucket?: string;
  /** The object key (put/get). */
  key?: string;
  /** The listed prefix (list) or the target prefix (metadata-processor). */
  prefix?: string;
  durationMs: number;
  /** The target credentials were fetched from STS during this invocation (first fetch or refresh). */
  credentialsRefreshed: boolean;
  credentials?: "assume-role" | "execution-role";
  coldStart: boolean;
  requestId: string;
  outcome: "ok" | "error";
  errorName?: string;
  errorMessage?: string;
  /** x-amz-request-id of the AWS call that failed (give it to AWS support with awsExtendedRequestId). */
  awsRequestId?: string;
  awsExtendedRequestId?: string;
  [extra: string]: unknown;
}

/**
 * Write the line. With Lambda's JSON log format the runtime serializes a
 * single object argument into the record's `message` (one line, structured);
 * with the Text format we print the JSON ourselves.
 */
export function writeLog(record: InvocationLog): void {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) clean[k] = v;
  if ((process.env[LAMBDA_ENV.logFormat] ?? "").toUpperCase() === "JSON") console.log(clean);
  else console.log(JSON.stringify(clean));
}

/** Milliseconds since `start` (performance.now based), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
