import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import type { TargetConfig } from "./config";
import type { HttpHandlerOptions } from "./container";
import { errorName } from "./errors";
import { instrumentClient, throttlesOf } from "./throttle";

/** The SDK's AwsCredentialIdentity (the fields the S3 client signs with). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** One STS call: resolves with the credentials, and must stop (reject) when `signal` aborts. */
export type CredentialSource = (signal: AbortSignal) => Promise<Credentials>;

/**
 * Credentials are refreshed this long before they expire: the same 5-minute
 * window the SDK's own memoization uses, so a signing request never holds
 * credentials that lapse mid-flight.
 */
export const REFRESH_WINDOW_MS = 5 * 60_000;
/**
 * A refresh while the held credentials are still valid gets at most this long
 * (and at most a quarter of the invocation's remaining time): if STS is slow,
 * throttled or hung, the invocation still has the time to do its S3 work with
 * the held credentials (the fallback).
 */
export const REFRESH_BUDGET_MS = 2000;
/**
 * After a failed refresh that fell back to the held credentials, STS is not
 * asked again for this long (as long as the held credentials stay valid): a
 * throttled STS is not hammered by every invocation of every container.
 */
export const REFRESH_BACKOFF_MS = 30_000;

/** What the current invocation did with the credentials (for its log line and metrics). */
export interface InvocationCredentials {
  /** STS was called during this invocation (its one call is used up). */
  readonly fetched: boolean;
  /** Set when held, still valid credentials were used because a refresh failed or is backing off. */
  readonly fallback?: string;
}

/** A caching credential provider that counts how often it went to its source (STS). */
export interface CachedCredentialProvider {
  (): Promise<Credentials>;
  readonly stats: {
    /** Calls made to the underlying source (= STS AssumeRole calls). */
    readonly fetches: number;
    /** Invocations that used held credentials because a refresh failed (or was backing off after one). */
    readonly fallbacks: number;
    /** Expiration of the credentials currently held. */
    readonly expiration?: Date;
  };
  /**
   * A new invocation starts: it may call STS once; `signal` (the invocation's
   * deadline) aborts that call, and `deadlineAt` (epoch ms) bounds a refresh.
   * An STS call still pending from an earlier invocation is aborted and
   * forgotten, so it can never block this one.
   */
  beginInvocation(signal?: AbortSignal, deadlineAt?: number): void;
  /** STS was already called during the current invocation (its one call is used up). */
  readonly fetchedThisInvocation: boolean;
  readonly invocation: InvocationCredentials;
  /** Forget the held credentials (S3 answered ExpiredToken): the next call fetches new ones. */
  invalidate(): void;
}

const credentialErrors = new WeakSet<object>();

/** True when `err` was thrown while obtaining credentials (i.e. by STS), not by the service call. */
export function isCredentialError(err: unknown): boolean {
  return typeof err === "object" && err !== null && credentialErrors.has(err);
}

/** The STS call of a refresh did not answer within REFRESH_BUDGET_MS (held credentials were still valid). */
export class RefreshTimeoutError extends Error {
  constructor(budgetMs: number) {
    super(`STS AssumeRole did not answer within the ${budgetMs} ms a refresh may take while the held credentials are still valid`);
    this.name = "RefreshTimeout";
  }
}

interface Pending {
  readonly promise: Promise<Credentials>;
  readonly controller: AbortController;
}

/**
 * Cache `source` per container. Credentials are reused until they are within
 * the refresh window of their expiration; the window is `refreshWindowMs`, or
 * half the credentials' lifetime when they were issued with less than twice
 * that left (otherwise credentials issued near expiry would be "due" at once).
 *
 * - At most one STS call per invocation (`beginInvocation` opens the budget).
 *   Once used, what it gave is used as it is, even if the local clock calls it
 *   expired (clock skew): only S3's ExpiredToken, the server's answer, may
 *   make the next invocation fetch again (calls.ts).
 * - The call gets an AbortSignal: the invocation's deadline aborts it, and a
 *   call still pending when the next invocation begins is aborted and
 *   dropped, so a hung AssumeRole never blocks a later invocation.
 * - A refresh that fails (throttled, denied, hung past its budget) while the
 *   held credentials are still valid falls back to them (`invocation.fallback`
 *   says why) and backs off for REFRESH_BACKOFF_MS.
 * - Concurrent callers share one fetch. Errors are not cached across
 *   invocations, and are tagged so `isCredentialError` can tell an STS denial
 *   from an S3 one.
 */
export function cachedProvider(
  source: CredentialSource,
  refreshWindowMs = REFRESH_WINDOW_MS,
  options: { refreshBudgetMs?: number; backoffMs?: number } = {},
): CachedCredentialProvider {
  const refreshBudgetMs = options.refreshBudgetMs ?? REFRESH_BUDGET_MS;
  const backoffMs = options.backoffMs ?? REFRESH_BACKOFF_MS;
  let current: Credentials | undefined;
  let fetchedAt = 0;
  let pending: Pending | undefined;
  let backoffUntil = 0;
  let inv: { signal?: AbortSignal; deadlineAt: number; fetched: boolean; failure?: unknown; fallback?: string } = { deadlineAt: Infinity, fetched: false };
  const stats: { fetches: number; fallbacks: number; expiration?: Date } = { fetches: 0, fallbacks: 0 };

  const fresh = (c: Credentials): boolean => {
    if (c.expiration === undefined) return true;
    const expires = c.expiration.getTime();
    const window = Math.min(refreshWindowMs, (expires - fetchedAt) / 2);
    return expires - Date.now() > window;
  };
  /** Still valid by the local clock (a refresh failure may fall back to them). */
  const valid = (c: Credentials | undefined): c is Credentials => c !== undefined && (c.expiration === undefined || c.expiration.getTime() > Date.now());
  const fallBack = (reason: string): Credentials => {
    if (inv.fallback === undefined) stats.fallbacks += 1;
    inv.fallback = reason;
    return current as Credentials;
  };

  const fetch = (): Promise<Credentials> => {
    stats.fetches += 1;
    inv.fetched = true;
    const mine = inv;
    const controller = new AbortController();
    const onDeadline = (): void => controller.abort(mine.signal?.reason);
    mine.signal?.addEventListener("abort", onDeadline, { once: true });
    if (mine.signal?.aborted) controller.abort(mine.signal.reason);
    // While the held credentials are valid, a refresh may only take part of the time left.
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (valid(current)) {
      const budget = Math.max(50, Math.min(refreshBudgetMs, Number.isFinite(mine.deadlineAt) ? (mine.deadlineAt - Date.now()) / 4 : refreshBudgetMs));
      timer = setTimeout(() => controller.abort(new RefreshTimeoutError(Math.round(budget))), budget);
      (timer as { unref?: () => void }).unref?.();
    }
    const promise = source(controller.signal)
      .then(
        (c) => {
          current = c;
          fetchedAt = Date.now();
          backoffUntil = 0;
          stats.expiration = c.expiration;
          return c;
        },
        (err: unknown) => {
          const reason = controller.signal.reason instanceof RefreshTimeoutError ? controller.signal.reason : err;
          if (typeof reason === "object" && reason !== null) credentialErrors.add(reason);
          if (mine === inv) inv.failure = reason;
          // Still-valid held credentials beat a failed refresh (throttled, hung, denied).
          if (valid(current) && mine === inv && !mine.signal?.aborted) {
            backoffUntil = Date.now() + backoffMs;
            const t = throttlesOf("STS", "AssumeRole");
            const why =
              t !== undefined
                ? `STS ${t.answer} x${t.attempts}${reason instanceof RefreshTimeoutError ? ", then cut at the refresh budget" : ""}`
                : errorName(reason);
            return fallBack(`refresh failed (${why}): using the held credentials until ${current.expiration?.toISOString() ?? "they expire"}`);
          }
          throw reason;
        },
      )
      .finally(() => {
        if (timer !== undefined) clearTimeout(timer);
        mine.signal?.removeEventListener("abort", onDeadline);
        if (pending?.promise === promise) pending = undefined;
      });
    pending = { promise, controller };
    return promise;
  };

  const provider = async (): Promise<Credentials> => {
    if (current !== undefined && fresh(current)) return current;
    if (pending !== undefined) return pending.promise;
    if (inv.fetched) {
      // This invocation's one STS call is used up: what it gave (even if the local clock calls it expired), or the held ones.
      if (inv.failure === undefined && current !== undefined) return current;
      if (valid(current)) return fallBack(inv.fallback ?? `refresh failed (${errorName(inv.failure)})`);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the failed refresh's own (SDK) error as it came
      throw inv.failure ?? new Error("STS AssumeRole was already called in this invocation and gave no credentials");
    }
    if (valid(current) && Date.now() < backoffUntil)
      return fallBack(`backing off after a failed refresh: using the held credentials until ${current.expiration?.toISOString() ?? "they expire"}`);
    return fetch();
  };

  const cached = Object.assign(provider, {
    stats,
    beginInvocation: (signal?: AbortSignal, deadlineAt?: number): void => {
      // An STS call of an earlier invocation (abandoned at its deadline) must not block this one.
      if (pending !== undefined) {
        pending.controller.abort(new Error("abandoned by an earlier invocation"));
        pending = undefined;
      }
      inv = { signal, deadlineAt: deadlineAt ?? Infinity, fetched: false };
    },
    invalidate: (): void => {
      current = undefined;
    },
  });
  // Live getters (Object.assign would copy their values once).
  Object.defineProperty(cached, "fetchedThisInvocation", { get: () => inv.fetched, enumerable: true });
  Object.defineProperty(cached, "invocation", {
    get: (): InvocationCredentials => ({ fetched: inv.fetched, ...(inv.fallback !== undefined ? { fallback: inv.fallback } : {}) }),
    enumerable: true,
  });
  return cached as CachedCredentialProvider;
}

/**
 * The assume-role source of the target role: one AssumeRole with the STS
 * client of `@aws-sdk/nested-clients` (the one `fromTemporaryCredentials`
 * uses, called directly because `fromTemporaryCredentials` passes no
 * AbortSignal to `send`), with the execution role's credentials (the Node.js
 * default chain: in Lambda, its environment), the target region and endpoint,
 * and `abortSignal` on the call (SDK v3 aborts the HTTP request,
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/abort-requests.html,
 * AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
 */
export function assumeRoleSource(config: TargetConfig, requestHandler?: HttpHandlerOptions): CredentialSource {
  if (config.roleArn === undefined) throw new Error("assumeRoleSource: no role ARN configured");
  let sts: STSClient | undefined;
  const params = {
    RoleArn: config.roleArn,
    RoleSessionName: config.sessionName,
    DurationSeconds: config.sessionDurationSeconds,
    ...(config.externalId !== undefined ? { ExternalId: config.externalId } : {}),
  };
  return async (signal) => {
    sts ??= instrumentClient(
      new STSClient({
        region: config.region,
        credentials: fromNodeProviderChain(),
        ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
        // connect / socket-idle timeouts of the STS client (see container.ts httpHandlerOptions)
        ...(requestHandler !== undefined ? { requestHandler } : {}),
      }),
    );
    const { Credentials } = await sts.send(new AssumeRoleCommand(params), { abortSignal: signal });
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new Error(`STS AssumeRole of ${config.roleArn} answered without credentials`);
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration,
    };
  };
}

/** The cached assume-role provider of the target role, built once per container. */
export function assumeRoleProvider(config: TargetConfig, requestHandler?: HttpHandlerOptions): CachedCredentialProvider {
  return cachedProvider(assumeRoleSource(config, requestHandler));
}
