import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { parseTargetConfig, type TargetConfig } from "./config";
import { LAMBDA_ENV } from "./contract";
import { assumeRoleProvider, type CachedCredentialProvider, type InvocationCredentials } from "./credentials";
import type { Deadline } from "./deadline";
import { instrumentClient, resetThrottles } from "./throttle";

/**
 * Per-container state: the configuration and the clients are created on the
 * first invocation and reused by every warm invocation of the container.
 */

export type CredentialMode = "assume-role" | "execution-role";

export interface TargetClient {
  readonly s3: S3Client;
  readonly mode: CredentialMode;
  /** The cached assume-role provider; undefined in the execution-role (bucket-policy) pattern. */
  readonly credentials?: CachedCredentialProvider;
}

/** How long a connection may take to open (NodeHttpHandler `connectionTimeout`). */
export const CONNECTION_TIMEOUT_MS = 3000;

/**
 * Client-level timeouts of the SDK's NodeHttpHandler (`@smithy/node-http-handler`):
 * `connectionTimeout` for the TCP/TLS connect, and `requestTimeout` = the time
 * the first invocation had left, with `throwOnRequestTimeout` (without it the
 * handler only prints a "[WARN] a request has exceeded the configured ...
 * requestTimeout" line and keeps waiting), so the socket behind an abandoned
 * call is destroyed by the time Lambda would kill the function. The
 * per-invocation deadline (deadline.ts) fires earlier (remaining time minus a
 * margin) and is what stops the handler itself.
 */
export function httpHandlerOptions(requestTimeoutMs: number | undefined): HttpHandlerOptions {
  return {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    ...(requestTimeoutMs !== undefined && Number.isFinite(requestTimeoutMs)
      ? { requestTimeout: Math.max(1000, Math.round(requestTimeoutMs)), throwOnRequestTimeout: true }
      : {}),
  };
}

export interface HttpHandlerOptions {
  connectionTimeout: number;
  requestTimeout?: number;
  throwOnRequestTimeout?: boolean;
}

/** S3 client options for a region and an optional endpoint override (emulator tier). */
export function s3ClientConfig(region: string, endpoint: string | undefined, requestTimeoutMs?: number): S3ClientConfig {
  const cfg: S3ClientConfig = { region, requestHandler: httpHandlerOptions(requestTimeoutMs) };
  if (endpoint !== undefined) {
    cfg.endpoint = endpoint;
    // Emulators serve buckets by path, not by virtual host.
    cfg.forcePathStyle = true;
    // Emulators lag behind S3's default CRC checksums: only send/validate them when required.
    cfg.requestChecksumCalculation = "WHEN_REQUIRED";
    cfg.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return cfg;
}

/** The client for the target bucket: assumed-role credentials (cached) or the execution role's. */
export function createTargetClient(config: TargetConfig, requestTimeoutMs?: number, reuse?: CachedCredentialProvider): TargetClient {
  const base = s3ClientConfig(config.region, config.endpoint, requestTimeoutMs);
  if (config.roleArn === undefined) {
    return { s3: instrumentClient(new S3Client(base)), mode: "execution-role" };
  }
  const credentials = reuse ?? assumeRoleProvider(config, httpHandlerOptions(requestTimeoutMs));
  return { s3: instrumentClient(new S3Client({ ...base, credentials })), mode: "assume-role", credentials };
}

interface State {
  config?: TargetConfig;
  target?: TargetClient;
  source?: S3Client;
  invocations: number;
  /** The current invocation's deadline. */
  deadline?: Deadline;
  /** Request timeout of the clients: the time the first invocation had left. */
  requestTimeoutMs?: number;
}

let state: State = { invocations: 0 };

/**
 * Counts this invocation (true for the container's first one), opens its
 * one-STS-call budget (the STS call aborted by `deadline`; one still pending
 * from an earlier invocation is dropped) and forgets earlier throttles.
 */
export function startInvocation(remainingMs?: number, deadline?: Deadline): boolean {
  state.invocations += 1;
  if (state.invocations === 1 && remainingMs !== undefined && Number.isFinite(remainingMs)) state.requestTimeoutMs = remainingMs;
  resetThrottles();
  state.deadline = deadline;
  state.target?.credentials?.beginInvocation(deadline?.signal, deadline?.at);
  return state.invocations === 1;
}

/** The env contract, parsed on first use and cached (a failed parse is not cached: it throws every time). */
export function targetConfig(): TargetConfig {
  return (state.config ??= parseTargetConfig(process.env));
}

export function targetClient(config: TargetConfig): TargetClient {
  if (state.target === undefined) {
    state.target = createTargetClient(config, state.requestTimeoutMs);
    // Built during the container's first invocation: that invocation's budget and deadline.
    state.target.credentials?.beginInvocation(state.deadline?.signal, state.deadline?.at);
  }
  return state.target;
}

/**
 * After S3 answered ExpiredToken: forget the held credentials and build a new
 * S3 client around the same (cached, counted) provider. A new client is needed
 * because the SDK memoizes the identity inside the client and would keep
 * signing with the rejected session until 5 minutes before its expiration.
 */
export function renewTargetClient(config: TargetConfig): TargetClient {
  const old = state.target;
  old?.credentials?.invalidate();
  state.target = createTargetClient(config, state.requestTimeoutMs, old?.credentials);
  return state.target;
}

/** Client for buckets of the function's own account, with the execution role's default credentials (no assume). */
export function sourceClient(config: TargetConfig): S3Client {
  return (state.source ??= instrumentClient(
    new S3Client(s3ClientConfig(process.env[LAMBDA_ENV.region] || config.region, config.endpoint, state.requestTimeoutMs)),
  ));
}

/** Fetches (or reuses) the target credentials before any S3 call, within the deadline; STS errors surface here. */
export async function ensureTargetCredentials(target: TargetClient, deadline: Deadline, config: TargetConfig): Promise<void> {
  const provider = target.credentials;
  if (provider) await deadline.run({ service: "STS", operation: "AssumeRole", roleArn: config.roleArn }, () => provider());
}

/** STS calls made so far by this container's target provider (0 without a role). */
export function credentialFetches(): number {
  return state.target?.credentials?.stats.fetches ?? 0;
}

/** What the current invocation did with the target credentials (undefined without a role). */
export function credentialInvocation(): InvocationCredentials | undefined {
  return state.target?.credentials?.invocation;
}

/** Invocations of this container that fell back to held credentials after a failed refresh. */
export function credentialFallbacks(): number {
  return state.target?.credentials?.stats.fallbacks ?? 0;
}

/** Test-only: forget the container's configuration, clients and cached credentials. */
export function __resetForTests(): void {
  state = { invocations: 0 };
}
