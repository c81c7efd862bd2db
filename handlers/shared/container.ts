import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { parseTargetConfig, type TargetConfig } from "./config";
import { LAMBDA_ENV } from "./contract";
import { assumeRoleProvider, type CachedCredentialProvider } from "./credentials";

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

/** S3 client options for a region and an optional endpoint override (emulator tier). */
export function s3ClientConfig(region: string, endpoint: string | undefined): S3ClientConfig {
  const cfg: S3ClientConfig = { region };
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
export function createTargetClient(config: TargetConfig): TargetClient {
  const base = s3ClientConfig(config.region, config.endpoint);
  if (config.roleArn === undefined) {
    return { s3: new S3Client(base), mode: "execution-role" };
  }
  const credentials = assumeRoleProvider(config);
  return { s3: new S3Client({ ...base, credentials }), mode: "assume-role", credentials };
}

interface State {
  config?: TargetConfig;
  target?: TargetClient;
  source?: S3Client;
  invocations: number;
}

let state: State = { invocations: 0 };

/** Counts this invocation; true for the container's first one. */
export function startInvocation(): boolean {
  state.invocations += 1;
  return state.invocations === 1;
}

/** The env contract, parsed on first use and cached (a failed parse is not cached: it throws every time). */
export function targetConfig(): TargetConfig {
  return (state.config ??= parseTargetConfig(process.env));
}

export function targetClient(config: TargetConfig): TargetClient {
  return (state.target ??= createTargetClient(config));
}

/** Client for buckets of the function's own account, with the execution role's default credentials (no assume). */
export function sourceClient(config: TargetConfig): S3Client {
  return (state.source ??= new S3Client(s3ClientConfig(process.env[LAMBDA_ENV.region] || config.region, config.endpoint)));
}

/** Fetches (or reuses) the target credentials before any S3 call; STS errors surface here. */
export async function ensureTargetCredentials(target: TargetClient): Promise<void> {
  if (target.credentials) await target.credentials();
}

/** STS calls made so far by this container's target provider (0 without a role). */
export function credentialFetches(): number {
  return state.target?.credentials?.stats.fetches ?? 0;
}

/** Test-only: forget the container's configuration, clients and cached credentials. */
export function __resetForTests(): void {
  state = { invocations: 0 };
}
