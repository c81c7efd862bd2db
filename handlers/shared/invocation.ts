import { credentialFetches, startInvocation } from "./container";
import { errorMessage, errorName } from "./errors";
import { elapsedMs, writeLog, type InvocationLog } from "./log";

/** The part of the Lambda context the handlers use. */
export interface InvocationContext {
  readonly awsRequestId?: string;
}

/**
 * Run one invocation: time it, note cold start and whether the target
 * credentials were fetched from STS during it, and write exactly one log line
 * whatever happens. `fn` fills in operation, bucket, key/prefix and extras.
 */
export async function runInvocation<T>(handler: string, context: InvocationContext | undefined, fn: (log: InvocationLog) => Promise<T>): Promise<T> {
  const start = performance.now();
  const coldStart = startInvocation();
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
  try {
    return await fn(log);
  } catch (err) {
    log.level = "error";
    log.outcome = "error";
    log.errorName = errorName(err);
    const message = errorMessage(err);
    log.errorMessage = message.length > 2000 ? `${message.slice(0, 2000)}...` : message;
    throw err;
  } finally {
    log.durationMs = elapsedMs(start);
    log.credentialsRefreshed = credentialFetches() > fetchesBefore;
    writeLog(log);
  }
}
