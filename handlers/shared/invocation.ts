import { credentialFetches, credentialInvocation, startInvocation } from "./container";
import { Deadline, DeadlineExceededError, ThrottledError, describeCall } from "./deadline";
import { errorMessage, errorName } from "./errors";
import { elapsedMs, logger, writeLog, type InvocationLog } from "./log";
import { METRIC, publishMetrics, type MetricName } from "./metrics";
import { throttleSummary } from "./throttle";

/** The part of the Lambda context the handlers use. */
export interface InvocationContext {
  readonly awsRequestId?: string;
  readonly functionName?: string;
  /** Lambda's time left before it kills the invocation: the deadline of every AWS call is derived from it. */
  getRemainingTimeInMillis?(): number;
}

/** AWS request ids of a failed SDK call ($metadata.requestId / extendedRequestId), if any. */
export function awsRequestIds(err: unknown): { awsRequestId?: string; awsExtendedRequestId?: string } {
  let e: unknown = err;
  // Our typed errors keep the SDK error as `cause`.
  for (let i = 0; i < 3 && typeof e === "object" && e !== null; i++) {
    const meta = (e as { $metadata?: { requestId?: unknown; extendedRequestId?: unknown } }).$metadata;
    if (meta && typeof meta.requestId === "string") {
      return { awsRequestId: meta.requestId, ...(typeof meta.extendedRequestId === "string" ? { awsExtendedRequestId: meta.extendedRequestId } : {}) };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return {};
}

/**
 * Run one invocation: time it, derive its deadline, note cold start and
 * whether the target credentials were fetched from STS during it, and write
 * exactly one log line whatever happens (errors at ERROR, with the AWS
 * request id of the failed call). `fn` fills in operation, bucket, key/prefix
 * and extras, and may lower the level to "warn" for permanent outcomes.
 */
export async function runInvocation<T>(
  handler: string,
  context: InvocationContext | undefined,
  fn: (log: InvocationLog, deadline: Deadline, counts: Partial<Record<MetricName, number>>) => Promise<T>,
): Promise<T> {
  const start = performance.now();
  // Powertools adds function_name, function_request_id, cold_start, ... from the Lambda context (a real context only).
  if (context !== undefined && typeof context.functionName === "string") logger.addContext(context as Parameters<typeof logger.addContext>[0]);
  const remaining = typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : undefined;
  const deadline = new Deadline(remaining);
  const coldStart = startInvocation(remaining, deadline);
  const fetchesBefore = credentialFetches();
  const log: InvocationLog = {
    level: "info",
    handler,
    durationMs: 0,
    credentialsRefreshed: false,
    coldStart,
    requestId: typeof context?.awsRequestId === "string" ? context.awsRequestId : "",
    outcome: "ok",
  };
  const counts: Partial<Record<MetricName, number>> = {};
  try {
    return await fn(log, deadline, counts);
  } catch (err) {
    log.level = "error";
    log.outcome = "error";
    log.errorName = errorName(err);
    const message = errorMessage(err);
    log.errorMessage = message.length > 2000 ? `${message.slice(0, 2000)}...` : message;
    Object.assign(log, awsRequestIds(err));
    // Which call did not answer, as its own field (service, operation, bucket or role).
    if (err instanceof DeadlineExceededError) log.unansweredCall = describeCall(err.call);
    if (err instanceof ThrottledError)
      Object.assign(log, { throttledCall: describeCall(err.call), throttleAnswer: err.answer, throttleAttempts: err.attempts });
    // The error itself, as an object: Powertools prints name, message, stack and cause.
    log.error = err;
    throw err;
  } finally {
    deadline.dispose();
    log.durationMs = elapsedMs(start);
    const fetches = credentialFetches() - fetchesBefore;
    log.credentialsRefreshed = fetches > 0;
    const creds = credentialInvocation();
    if (creds?.fallback !== undefined) log.credentialsFallback = creds.fallback;
    const throttles = throttleSummary();
    if (throttles.length > 0) log.throttled = throttles;
    writeLog(log);
    counts[METRIC.stsRefreshes] = fetches;
    counts[METRIC.fallbacks] = creds?.fallback !== undefined ? 1 : 0;
    counts[METRIC.throttled] = throttles.length;
    publishMetrics(handler, counts);
  }
}
