import { Logger } from "@aws-lambda-powertools/logger";

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
 * Powertools for AWS Lambda (TypeScript) Logger: structured JSON lines with
 * `level` (INFO / WARN / ERROR), `message`, `timestamp`, `service`, the X-Ray
 * trace id, and our fields merged at the top level. It always prints JSON,
 * whatever the function's log format, and honours Lambda's advanced logging
 * controls (AWS_LAMBDA_LOG_LEVEL: Lambda drops lines under that level) and
 * POWERTOOLS_LOG_LEVEL (https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/,
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html).
 * Measured cost (bench/handlers.ts, "Powertools Logger decision"): +6.7 KB zip
 * and +1.9 ms init (up to +13 ms on a loaded machine), under issue 11's
 * 15 ms / 100 KB budget, so it replaces the hand-written writer.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || "xacct-s3" });

/** Write the invocation's one line at its level (errors at ERROR, permanent outcomes at WARN). */
export function writeLog(record: InvocationLog): void {
  const { level, ...fields } = record;
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) clean[k] = v;
  const message = `${record.handler} ${record.operation ?? "invocation"}: ${record.outcome}${record.errorName !== undefined ? ` (${record.errorName})` : ""}`;
  logger[level](message, clean);
}

/** Milliseconds since `start` (performance.now based), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
