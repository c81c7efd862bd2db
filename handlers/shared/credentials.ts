import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { TargetConfig } from "./config";
import type { HttpHandlerOptions } from "./container";

/** What fromTemporaryCredentials returns: an SDK credential provider. */
export type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;
export type Credentials = Awaited<ReturnType<CredentialProvider>>;

/**
 * Credentials are refreshed this long before they expire: the same 5-minute
 * window the SDK's own memoization uses, so a signing request never holds
 * credentials that lapse mid-flight.
 */
export const REFRESH_WINDOW_MS = 5 * 60_000;

/** A caching credential provider that counts how often it went to its source (STS). */
export interface CachedCredentialProvider extends CredentialProvider {
  readonly stats: {
    /** Calls made to the underlying provider (= STS AssumeRole calls). */
    readonly fetches: number;
    /** Expiration of the credentials currently held. */
    readonly expiration?: Date;
  };
  /** A new invocation starts: it may call STS once. */
  beginInvocation(): void;
  /** STS was already called during the current invocation (its one call is used up). */
  readonly fetchedThisInvocation: boolean;
  /** Forget the held credentials (S3 answered ExpiredToken): the next call fetches new ones. */
  invalidate(): void;
}

const credentialErrors = new WeakSet<object>();

/** True when `err` was thrown while obtaining credentials (i.e. by STS), not by the service call. */
export function isCredentialError(err: unknown): boolean {
  return typeof err === "object" && err !== null && credentialErrors.has(err);
}

/**
 * Cache `source` per container. Credentials are reused until they are within
 * the refresh window of their expiration; the window is `refreshWindowMs`, or
 * half the credentials' lifetime when they were issued with less than twice
 * that left (otherwise credentials issued near expiry would be "due" at once
 * and every call would go back to STS). At most one STS call per invocation
 * (`beginInvocation` opens the budget): once used, the held credentials are
 * returned as they are. Concurrent callers share one fetch. Errors are not
 * cached, and are tagged so `isCredentialError` can tell an STS denial from an
 * S3 one.
 */
export function cachedProvider(source: CredentialProvider, refreshWindowMs = REFRESH_WINDOW_MS): CachedCredentialProvider {
  let current: Credentials | undefined;
  let fetchedAt = 0;
  let pending: Promise<Credentials> | undefined;
  let fetchedThisInvocation = false;
  /** The STS error of this invocation's one call: repeated to later callers instead of a second call. */
  let failedThisInvocation: unknown;
  const stats: { fetches: number; expiration?: Date } = { fetches: 0 };
  const fresh = (c: Credentials): boolean => {
    if (c.expiration === undefined) return true;
    const expires = c.expiration.getTime();
    const window = Math.min(refreshWindowMs, (expires - fetchedAt) / 2);
    return expires - Date.now() > window;
  };

  const provider = async (options?: Parameters<CredentialProvider>[0]): Promise<Credentials> => {
    // Within an invocation that already called STS, held credentials are used until they really expire.
    const usable = (c: Credentials): boolean => c.expiration === undefined || c.expiration.getTime() > Date.now();
    if (current !== undefined && (fresh(current) || (fetchedThisInvocation && usable(current)))) return current;
    if (pending === undefined && failedThisInvocation !== undefined) throw failedThisInvocation;
    if (pending === undefined) {
      stats.fetches += 1;
      fetchedThisInvocation = true;
      pending = source(options)
        .then(
          (c) => {
            current = c;
            fetchedAt = Date.now();
            stats.expiration = c.expiration;
            return c;
          },
          (err: unknown) => {
            if (typeof err === "object" && err !== null) credentialErrors.add(err);
            failedThisInvocation = err;
            throw err;
          },
        )
        .finally(() => {
          pending = undefined;
        });
    }
    return pending;
  };
  const cached = Object.assign(provider, {
    stats,
    beginInvocation: (): void => {
      fetchedThisInvocation = false;
      failedThisInvocation = undefined;
    },
    invalidate: (): void => {
      current = undefined;
    },
  });
  // A live getter (Object.assign would copy its value once).
  Object.defineProperty(cached, "fetchedThisInvocation", { get: () => fetchedThisInvocation, enumerable: true });
  return cached as CachedCredentialProvider;
}

/**
 * The assume-role provider of the target role: SDK v3's fromTemporaryCredentials
 * (its STS client uses the execution role's credentials and the same
 * region/endpoint as S3), wrapped in `cachedProvider`. Built once per container.
 */
export function assumeRoleProvider(config: TargetConfig, requestHandler?: HttpHandlerOptions): CachedCredentialProvider {
  if (config.roleArn === undefined) throw new Error("assumeRoleProvider: no role ARN configured");
  const source = fromTemporaryCredentials({
    params: {
      RoleArn: config.roleArn,
      RoleSessionName: config.sessionName,
      DurationSeconds: config.sessionDurationSeconds,
      ...(config.externalId !== undefined ? { ExternalId: config.externalId } : {}),
    },
    clientConfig: {
      region: config.region,
      ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
      // connect / socket-idle timeouts of the STS client (see container.ts httpHandlerOptions)
      ...(requestHandler !== undefined ? { requestHandler } : {}),
    },
  });
  return cachedProvider(source);
}
