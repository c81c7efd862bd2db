/**
 * Per-invocation deadline for every AWS call a handler makes.
 *
 * Lambda kills a function that runs past its timeout and reports a bare
 * "Task timed out" ("Function errors include ... errors returned by the
 * function's runtime, such as timeouts",
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html),
 * without our log line. So each invocation derives a deadline from
 * `context.getRemainingTimeInMillis()` minus a safety margin, every S3 call
 * gets an AbortSignal that fires at the deadline (the SDK's NodeHttpHandler
 * destroys the request on abort), and every call - S3 or the STS AssumeRole
 * behind the credentials, which takes no signal - is raced against it, so the
 * handler stops in time and says which call did not answer.
 */

import { errorName, httpStatus } from "./errors";
import { isThrottle, throttlesOf } from "./throttle";

/** The call in flight, named in the DeadlineExceededError. */
export interface CallDescription {
  readonly service: "S3" | "STS";
  /** e.g. "PutObject", "HeadObject", "AssumeRole". */
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
  /** STS: the role being assumed. */
  readonly roleArn?: string;
}

export function describeCall(c: CallDescription): string {
  if (c.service === "STS") return `STS ${c.operation}${c.roleArn !== undefined ? ` of ${c.roleArn}` : ""}`;
  return `S3 ${c.operation} on s3://${c.bucket ?? "?"}${c.key !== undefined ? `/${c.key}` : ""}`;
}

/** An AWS call did not answer before the invocation's deadline. Transient: a retry may succeed. */
export class DeadlineExceededError extends Error {
  constructor(
    public readonly call: CallDescription,
    public readonly budgetMs: number,
  ) {
    super(
      `${describeCall(call)} did not answer within the ${budgetMs} ms left before the function's timeout (minus a safety margin); ` +
        `stopped so that this error is reported instead of Lambda's "Task timed out". ` +
        (call.service === "STS"
          ? "Check that the function can reach STS (VPC: a NAT gateway or an sts VPC endpoint) and the STS region."
          : `Check that the function can reach S3 (VPC: a NAT gateway or an S3 gateway endpoint) and the bucket's region.`),
    );
    this.name = "DeadlineExceededError";
  }
}

/**
 * The call was throttled (S3 503 SlowDown, STS Throttling, 429 ...): named
 * with the answer and the attempts the SDK made, instead of "did not answer".
 * Transient: a later retry (at a lower rate) may succeed.
 */
export class ThrottledError extends Error {
  constructor(
    public readonly call: CallDescription,
    /** e.g. "503 SlowDown". */
    public readonly answer: string,
    /** Attempts the SDK made (the first one and its retries). */
    public readonly attempts: number,
    /** The invocation's deadline passed while the SDK was still retrying. */
    public readonly deadlinePassed: boolean,
    cause?: unknown,
  ) {
    const what =
      call.service === "S3"
        ? "S3 request-rate throttling of this prefix (S3 scales per prefix; it answers 503 SlowDown while it does)"
        : `${call.service} API throttling (request rate over the account's quota)`;
    super(
      `${describeCall(call)} was throttled: ${call.service} answered ${answer} to ${attempts} attempt${attempts === 1 ? "" : "s"} (the first and ${Math.max(0, attempts - 1)} retr${attempts === 2 ? "y" : "ies"})` +
        (deadlinePassed ? "; the function's deadline passed while the SDK was still retrying" : "; the SDK gave up retrying") +
        `. This is ${what}, not a network problem: lower the request rate (fewer concurrent invocations, e.g. reserved concurrency or a queue's maximum concurrency), spread keys over more prefixes, or let the retry of the event run later.`,
      cause !== undefined ? { cause } : undefined,
    );
    this.name = "ThrottledError";
  }
}

/** Margin kept before Lambda's own timeout: 10 % of the remaining time, between 200 ms and 3 s. */
export function safetyMarginMs(remainingMs: number): number {
  return Math.min(3000, Math.max(200, Math.round(remainingMs * 0.1)));
}

export class Deadline {
  private readonly controller = new AbortController();
  private timer?: ReturnType<typeof setTimeout>;
  /** Epoch ms of the deadline; Infinity when the context gives no remaining time (local runs). */
  public readonly at: number;
  public readonly budgetMs: number;

  constructor(remainingMs: number | undefined) {
    if (remainingMs === undefined || !Number.isFinite(remainingMs)) {
      this.at = Infinity;
      this.budgetMs = Infinity;
      return;
    }
    this.budgetMs = Math.max(0, Math.round(remainingMs - safetyMarginMs(remainingMs)));
    this.at = Date.now() + this.budgetMs;
    this.timer = setTimeout(() => this.controller.abort(), this.budgetMs);
    // Never keep the process alive for the deadline alone.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Aborted at the deadline; pass it as `abortSignal` to the SDK. */
  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  public get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** Run `fn`, rejecting with a DeadlineExceededError naming `call` if the deadline passes first. */
  public run<T>(call: CallDescription, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.budgetMs === Infinity) return fn(this.signal);
    if (this.expired) return Promise.reject(this.deadlineError(call));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.deadlineError(call));
      this.signal.addEventListener("abort", onAbort, { once: true });
      // (A thenable or a plain value, and a synchronous throw, all become one promise.)
      new Promise<T>((r) => r(fn(this.signal))).then(
        (v) => {
          this.signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (err: unknown) => {
          this.signal.removeEventListener("abort", onAbort);
          // The SDK's own AbortError after our abort: report the deadline instead.
          if (this.expired) reject(this.deadlineError(call));
          else if (isThrottle(err)) {
            const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? throttlesOf(call.service, call.operation)?.attempts ?? 1;
            reject(new ThrottledError(call, `${httpStatus(err) ?? "?"} ${errorName(err)}`, attempts, false, err));
          } else reject(err);
        },
      );
    });
  }

  /** At the deadline: a ThrottledError when the SDK's attempts of this call were throttled, else a DeadlineExceededError. */
  private deadlineError(call: CallDescription): Error {
    const t = throttlesOf(call.service, call.operation);
    return t !== undefined ? new ThrottledError(call, t.answer, t.attempts, true) : new DeadlineExceededError(call, this.budgetMs);
  }

  public dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
