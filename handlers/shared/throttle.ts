import { errorName, httpStatus } from "./errors";

/**
 * Throttling seen by the SDK's attempts during the current invocation (a
 * container runs one invocation at a time, so one registry per container).
 * The SDK retries throttled requests by itself (standard mode: 3 attempts,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
 * without this record, a deadline that passes while it backs off would look
 * like a network problem ("did not answer").
 *
 * S3 answers 503 SlowDown when a prefix exceeds its request rate
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
 * STS answers 400 Throttling; 429 is the generic Too Many Requests.
 */
const THROTTLE_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "BandwidthLimitExceeded",
]);

export function isThrottle(err: unknown): boolean {
  return THROTTLE_CODES.has(errorName(err)) || httpStatus(err) === 429 || (httpStatus(err) === 503 && errorName(err) === "ServiceUnavailable");
}

export interface ThrottleRecord {
  readonly service: string;
  readonly operation: string;
  /** Last throttle answer, e.g. "503 SlowDown", "400 Throttling", "429 TooManyRequestsException". */
  answer: string;
  /** Throttled attempts seen (the first attempt and the SDK's retries). */
  attempts: number;
}

let seen = new Map<string, ThrottleRecord>();

/** A new invocation: forget the throttles of the previous one. */
export function resetThrottles(): void {
  if (seen.size > 0) seen = new Map();
}

/** Throttled attempts of `service` `operation` during this invocation, if any. */
export function throttlesOf(service: string, operation: string): ThrottleRecord | undefined {
  return seen.get(`${service} ${operation}`);
}

/** All throttles of this invocation (log field). */
export function throttleSummary(): string[] {
  return [...seen.values()].map((r) => `${r.service} ${r.operation}: ${r.answer} x${r.attempts}`);
}

function note(service: string, operation: string, err: unknown): void {
  const k = `${service} ${operation}`;
  const answer = `${httpStatus(err) ?? "?"} ${errorName(err)}`;
  const r = seen.get(k);
  if (r) {
    r.attempts += 1;
    r.answer = answer;
  } else seen.set(k, { service, operation, answer, attempts: 1 });
}

interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: "deserialize"; priority: "high"; name: string },
    ): void;
  };
}

/**
 * Adds a middleware inside the SDK's retry loop (step "deserialize", which
 * runs once per attempt, under the retry middleware of "finalizeRequest") that
 * notes every throttled attempt. Returns the client.
 */
export function instrumentClient<C>(client: C): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (isThrottle(err)) note((context.clientName ?? "").replace(/Client$/, ""), (context.commandName ?? "").replace(/Command$/, ""), err);
        throw err;
      }
    },
    { step: "deserialize", priority: "high", name: "xacctThrottleNote" },
  );
  return client;
}
