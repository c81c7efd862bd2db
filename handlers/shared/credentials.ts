import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { TargetConfig } from "./config";

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
}

const credentialErrors = new WeakSet<object>();

/** True when `err` was thrown while obtaining credentials (i.e. by STS), not by the service call. */
export function isCredentialError(err: unknown): boolean {
  return typeof err === "object" && err !== null && credentialErrors.has(err);
}

/**
 * Cache `source` per container: reuse the credentials until they are within
 * `refreshWindowMs` of their expiration, then fetch new ones (once, even if
 * several callers ask concurrently). Errors are not cached, and are tagged so
 * `isCredentialError` can tell an STS denial from an S3 one.
 */
export function cachedProvider(source: CredentialProvider, refreshWindowMs = REFRESH_WINDOW_MS): CachedCredentialProvider {
  let current: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  const stats: { fetches: number; expiration?: Date } = { fetches: 0 };
  const fresh = (c: Credentials): boolean => c.expiration === undefined || c.expiration.getTime() - Date.now() > refreshWindowMs;

  const provider = async (options?: Parameters<CredentialProvider>[0]): Promise<Credentials> => {
    if (current !== undefined && fresh(current)) return current;
    if (pending === undefined) {
      stats.fetches += 1;
      pending = source(options)
        .then(
          (c) => {
            current = c;
            stats.expiration = c.expiration;
            return c;
          },
          (err: unknown) => {
            if (typeof err === "object" && err !== null) credentialErrors.add(err);
            throw err;
          },
        )
        .finally(() => {
          pending = undefined;
        });
    }
    return pending;
  };
  return Object.assign(provider, { stats }) as CachedCredentialProvider;
}

/**
 * The assume-role provider of the target role: SDK v3's fromTemporaryCredentials
 * (its STS client uses the execution role's credentials and the same
 * region/endpoint as S3), wrapped in `cachedProvider`. Built once per container.
 */
export function assumeRoleProvider(config: TargetConfig): CachedCredentialProvider {
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
    },
  });
  return cachedProvider(source);
}
