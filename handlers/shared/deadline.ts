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
    if (this.expired) return Promise.reject(new DeadlineExceededError(call, this.budgetMs));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new DeadlineExceededError(call, this.budgetMs));
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
          reject(this.expired ? new DeadlineExceededError(call, this.budgetMs) : err);
        },
      );
    });
  }

  public dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
