import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../lib/errors";
import { AccessLevel, ACCESS_LEVELS } from "../lib/policy";
import * as v from "../lib/validate";

/**
 * The project's one configuration source, typed and validated.
 *
 * Precedence (later wins): built-in defaults, then `cdktf.json` `context.xacct`,
 * then the JSON file named by `XACCT_CONFIG`, then individual `XACCT_*` environment
 * variables. `help` and the README list every setting.
 */

export type AccountKey = "a" | "b" | "development" | "production" | "reporting" | "backup";
export const ACCOUNT_KEYS: readonly AccountKey[] = ["a", "b", "development", "production", "reporting", "backup"];

export interface AccountConfig {
  /** 12-digit account id; the provider's `allowed_account_ids`. */
  readonly id: string;
  /** Named AWS CLI profile the provider uses for this account. @default none (the default credential chain) */
  readonly profile?: string;
  /** Role the provider assumes in this account (how CI usually deploys). @default none */
  readonly roleArn?: string;
}

export type BackendConfig =
  | { readonly type: "local"; readonly dir: string }
  | {
      readonly type: "s3";
      readonly bucket: string;
      readonly keyPrefix: string;
      readonly region: string;
      readonly profile?: string;
      readonly roleArn?: string;
      readonly kmsKeyId?: string;
    };

export interface ProjectConfig {
  readonly region: string;
  /** Prefix of every generated name (buckets, roles, functions). */
  readonly namePrefix: string;
  /** `aws` (real accounts) or `emulator` (endpoints + skip flags for a local S3/STS emulator; never the default). */
  readonly target: "aws" | "emulator";
  readonly emulatorEndpoint: string;
  readonly accounts: Readonly<Record<AccountKey, AccountConfig>>;
  /** `assume-role` stack: account B's bucket. */
  readonly bucketName: string;
  /** `bucket-policy` stack: account B's bucket (distinct, so both stacks can be deployed side by side). */
  readonly directBucketName: string;
  /** `three-account` stack: the Production data bucket. */
  readonly productionBucketName: string;
  /** `three-account` stack: the Reporting bucket. */
  readonly reportingBucketName: string;
  /** `replication` stack: the backup account's bucket that account B's bucket is replicated into. */
  readonly backupBucketName: string;
  /** `assume-role` stack: the role in account B that the Lambda assumes. */
  readonly targetRoleName: string;
  /** Key prefix the writer may use. */
  readonly prefix: string;
  readonly accessLevel: AccessLevel;
  readonly externalId?: string;
  readonly sessionDurationSeconds: number;
  readonly maxSessionDurationSeconds: number;
  readonly encryption: "kms" | "s3";
  readonly forceDestroy: boolean;
  /** Three-account stack: Developers/Testers must use MFA to assume their roles. */
  readonly requireMfaForHumans: boolean;
  /**
   * Three-account stack: how Developers/Testers sign in. `iam-groups` (seed 004: IAM groups of
   * Development whose users assume the roles), or `identity-center` (permission sets of
   * Development: the roles trust their Identity Center roles by aws:PrincipalArn, and the
   * permission sets' inline policies are emitted for the Identity Center admin). @default "iam-groups"
   */
  readonly humans: "iam-groups" | "identity-center";
  /** Three-account stack: S3 events reach the metadata processor through an SQS queue (with a DLQ) instead of direct invocation. @default false */
  readonly processorQueue: boolean;
  /** Every shared bucket logs its requests (S3 server access logs) to a log bucket of its account. */
  readonly accessLogs: boolean;
  /**
   * Opt-in data perimeter of every share and role of the demo stacks (`DataPerimeter`):
   * the demo accounts are taken as members of this Organization.
   * @default none (off: the synthesized stacks are those without a perimeter)
   */
  readonly perimeter?: { readonly organizationId: string };
  readonly backend: BackendConfig;
  readonly tags: Readonly<Record<string, string>>;
  /** Stacks the demo app (app/index.ts buildApp) builds (default: the three demo stacks; `access-points` only when listed). Settings only other stacks use are not validated unless read. */
  readonly stacks: readonly StackId[];
}

/** The raw, partial shape accepted from cdktf.json / the XACCT_CONFIG file. */
type Raw = Record<string, unknown>;

const DEFAULT_ACCOUNTS: Record<AccountKey, string> = {
  a: "111111111111",
  b: "222222222222",
  development: "111111111111",
  production: "222222222222",
  reporting: "333333333333",
  backup: "444444444444",
};

export const KNOWN_KEYS = [
  "region",
  "namePrefix",
  "target",
  "emulatorEndpoint",
  "accounts",
  "bucketName",
  "directBucketName",
  "productionBucketName",
  "reportingBucketName",
  "backupBucketName",
  "targetRoleName",
  "prefix",
  "accessLevel",
  "externalId",
  "sessionDurationSeconds",
  "maxSessionDurationSeconds",
  "encryption",
  "forceDestroy",
  "requireMfaForHumans",
  "humans",
  "processorQueue",
  "accessLogs",
  "perimeter",
  "backend",
  "tags",
  "stacks",
] as const;

/** The demo app's stacks, in the order buildApp (app/index.ts) builds them: the default of `stacks`. */
export type StackId = "assume-role" | "bucket-policy" | "three-account" | "access-points" | "replication";
export const STACK_IDS: readonly StackId[] = ["assume-role", "bucket-policy", "three-account"];
/**
 * Stacks buildApp (app/index.ts) builds only when `stacks` lists them: `access-points` (the
 * access-point share of app/stacks/access-points.ts with ACCESS_POINT_DEMO_CONSUMERS
 * generated consumers, deployed by the e2e tier). Not in the default synth, so
 * the README's access matrices and the drift tests keep covering the three demo stacks.
 */
export const OPT_IN_STACK_IDS: readonly StackId[] = ["access-points", "replication"];
/** Generated consumers of the opt-in `access-points` stack (a small share: one access point each, plus the writer's). */
export const ACCESS_POINT_DEMO_CONSUMERS = 3;

/** Environment variables and the setting each one sets. */
export const ENV_VARS: Record<string, string> = {
  XACCT_CONFIG: "path of a JSON file with any of the settings (overrides cdktf.json context.xacct)",
  XACCT_REGION: "region",
  XACCT_NAME_PREFIX: "namePrefix",
  XACCT_TARGET: "target (aws | emulator)",
  XACCT_EMULATOR_ENDPOINT: "emulatorEndpoint",
  XACCT_ACCOUNT_A: "accounts.a.id",
  XACCT_ACCOUNT_B: "accounts.b.id",
  XACCT_ACCOUNT_DEVELOPMENT: "accounts.development.id",
  XACCT_ACCOUNT_PRODUCTION: "accounts.production.id",
  XACCT_ACCOUNT_REPORTING: "accounts.reporting.id",
  XACCT_ACCOUNT_BACKUP: "accounts.backup.id",
  "XACCT_PROFILE_<A|B|DEVELOPMENT|PRODUCTION|REPORTING|BACKUP>": "accounts.<key>.profile",
  "XACCT_ROLE_ARN_<A|B|DEVELOPMENT|PRODUCTION|REPORTING|BACKUP>": "accounts.<key>.roleArn",
  XACCT_BUCKET_NAME: "bucketName",
  XACCT_DIRECT_BUCKET_NAME: "directBucketName",
  XACCT_PRODUCTION_BUCKET_NAME: "productionBucketName",
  XACCT_REPORTING_BUCKET_NAME: "reportingBucketName",
  XACCT_BACKUP_BUCKET_NAME: "backupBucketName",
  XACCT_TARGET_ROLE_NAME: "targetRoleName",
  XACCT_PREFIX: "prefix",
  XACCT_ACCESS_LEVEL: "accessLevel (read | write | readwrite)",
  XACCT_EXTERNAL_ID: "externalId",
  XACCT_SESSION_DURATION: "sessionDurationSeconds",
  XACCT_MAX_SESSION_DURATION: "maxSessionDurationSeconds",
  XACCT_ENCRYPTION: "encryption (kms | s3)",
  XACCT_FORCE_DESTROY: "forceDestroy (true | false)",
  XACCT_REQUIRE_MFA: "requireMfaForHumans (true | false)",
  XACCT_HUMANS: "humans (iam-groups | identity-center)",
  XACCT_PROCESSOR_QUEUE: "processorQueue (true | false)",
  XACCT_ACCESS_LOGS: "accessLogs (true | false)",
  XACCT_PERIMETER_ORG_ID: "perimeter.organizationId (o-...)",
  XACCT_BACKEND: "backend.type (local | s3)",
  XACCT_STATE_DIR: "backend.dir (local)",
  XACCT_STATE_BUCKET: "backend.bucket (s3)",
  XACCT_STATE_KEY_PREFIX: "backend.keyPrefix (s3)",
  XACCT_STATE_REGION: "backend.region (s3)",
  XACCT_STATE_PROFILE: "backend.profile (s3)",
  XACCT_STATE_ROLE_ARN: "backend.roleArn (s3)",
  XACCT_STATE_KMS_KEY_ID: "backend.kmsKeyId (s3)",
  XACCT_STACKS: "stacks (comma-separated: assume-role, bucket-policy, three-account; opt-in: access-points, replication)",
};

/**
 * `XACCT_*` variables read by the repository's tools, not settings of the app
 * (e2e harness, provider build, bundle cache): never refused as unknown.
 */
export const TOOL_ENV_PREFIXES: readonly string[] = ["XACCT_E2E_", "XACCT_TF_", "XACCT_GO_"];
export const TOOL_ENV_VARS: readonly string[] = ["XACCT_CACHE", "XACCT_BUNDLE_CACHE", "XACCT_ACCESS_ENGINE_SPEEDUPS"];

const ACCOUNT_ENV = /^XACCT_(PROFILE|ROLE_ARN)_(A|B|DEVELOPMENT|PRODUCTION|REPORTING|BACKUP)$/;

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Every settable variable name, with the `<A|B|...>` patterns expanded. */
export function knownEnvNames(): string[] {
  return Object.keys(ENV_VARS).flatMap((k) => {
    const m = /^(.*)<(.*)>$/.exec(k);
    return m ? m[2].split("|").map((x) => `${m[1]}${x}`) : [k];
  });
}

/** The closest known variable to a name: one it abbreviates, else the fewest edits (ties: the shorter). */
export function closestEnvName(name: string): string {
  return knownEnvNames()
    .map((k) => ({ k, prefix: k.startsWith(name) ? 0 : 1, d: distance(name, k) }))
    .sort((x, y) => x.prefix - y.prefix || x.d - y.d || x.k.length - y.k.length)[0].k;
}

/** Unknown `XACCT_*` variables stop synth, naming the closest known one (a typo is never silently ignored). */
export function checkEnvNames(env: NodeJS.ProcessEnv): void {
  const known = new Set(knownEnvNames());
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("XACCT_") || known.has(name) || ACCOUNT_ENV.test(name)) continue;
    if (TOOL_ENV_VARS.includes(name) || TOOL_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    throw new ConfigError(name, `unknown environment variable; did you mean ${closestEnvName(name)}? (\`cat help\` lists every setting)`);
  }
}

const isObject = (x: unknown): x is Raw => typeof x === "object" && x !== null && !Array.isArray(x);

function merge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, val] of Object.entries(over)) {
    if (val === undefined) continue;
    out[k] = isObject(val) && isObject(out[k]) ? merge(out[k], val) : val;
  }
  return out;
}

function checkKeys(field: string, raw: Raw, known: readonly string[]): void {
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) {
      throw new ConfigError(`${field}${field ? "." : ""}${k}`, `unknown setting; known settings here: ${known.join(", ")}`);
    }
  }
}

function bool(field: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new ConfigError(field, `must be true or false (got ${JSON.stringify(value)})`);
}

function int(value: unknown): unknown {
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return value;
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigError(field, `must be a string (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * A role a provider or the state backend assumes: a role ARN (not a user or
 * `:root`, which cannot be assumed), in the account the provider is pinned to
 * when `accountId` is given (otherwise `allowed_account_ids` fails every plan).
 */
function deployerRoleArn(field: string, value: string, accountId?: string): string {
  const { account } = v.principalArn(field, value);
  if (!/:role\//.test(value)) {
    throw new ConfigError(field, `"${value}" is not a role ARN; only a role can be assumed: use "arn:aws:iam::<12-digit account>:role/<name>"`);
  }
  if (accountId !== undefined && account !== accountId) {
    throw new ConfigError(
      field,
      `"${value}" is a role of account ${account}, but this provider is pinned to account ${accountId}: use a role of account ${accountId}, "arn:aws:iam::${accountId}:role/<name>"`,
    );
  }
  return value;
}

/** The overrides the environment carries. */
function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const e = (name: string): string | undefined => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const accounts: Raw = {};
  for (const key of ACCOUNT_KEYS) {
    const up = key.toUpperCase();
    const acc: Raw = { id: e(`XACCT_ACCOUNT_${up}`), profile: e(`XACCT_PROFILE_${up}`), roleArn: e(`XACCT_ROLE_ARN_${up}`) };
    if (Object.values(acc).some((x) => x !== undefined)) accounts[key] = acc;
  }
  const backend: Raw = {
    type: e("XACCT_BACKEND"),
    dir: e("XACCT_STATE_DIR"),
    bucket: e("XACCT_STATE_BUCKET"),
    keyPrefix: e("XACCT_STATE_KEY_PREFIX"),
    region: e("XACCT_STATE_REGION"),
    profile: e("XACCT_STATE_PROFILE"),
    roleArn: e("XACCT_STATE_ROLE_ARN"),
    kmsKeyId: e("XACCT_STATE_KMS_KEY_ID"),
  };
  return {
    region: e("XACCT_REGION"),
    namePrefix: e("XACCT_NAME_PREFIX"),
    target: e("XACCT_TARGET"),
    emulatorEndpoint: e("XACCT_EMULATOR_ENDPOINT"),
    accounts: Object.keys(accounts).length ? accounts : undefined,
    bucketName: e("XACCT_BUCKET_NAME"),
    directBucketName: e("XACCT_DIRECT_BUCKET_NAME"),
    productionBucketName: e("XACCT_PRODUCTION_BUCKET_NAME"),
    reportingBucketName: e("XACCT_REPORTING_BUCKET_NAME"),
    backupBucketName: e("XACCT_BACKUP_BUCKET_NAME"),
    targetRoleName: e("XACCT_TARGET_ROLE_NAME"),
    prefix: e("XACCT_PREFIX"),
    accessLevel: e("XACCT_ACCESS_LEVEL"),
    externalId: e("XACCT_EXTERNAL_ID"),
    sessionDurationSeconds: e("XACCT_SESSION_DURATION"),
    maxSessionDurationSeconds: e("XACCT_MAX_SESSION_DURATION"),
    encryption: e("XACCT_ENCRYPTION"),
    forceDestroy: e("XACCT_FORCE_DESTROY"),
    requireMfaForHumans: e("XACCT_REQUIRE_MFA"),
    humans: e("XACCT_HUMANS"),
    processorQueue: e("XACCT_PROCESSOR_QUEUE"),
    accessLogs: e("XACCT_ACCESS_LOGS"),
    perimeter: e("XACCT_PERIMETER_ORG_ID") !== undefined ? { organizationId: e("XACCT_PERIMETER_ORG_ID") } : undefined,
    backend: Object.values(backend).some((x) => x !== undefined) ? backend : undefined,
    stacks: e("XACCT_STACKS"),
  };
}

export interface LoadConfigOptions {
  /** `cdktf.json` `context.xacct` (what `app.node.tryGetContext("xacct")` returns). */
  readonly context?: unknown;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves relative paths (state dir, XACCT_CONFIG). @default process.cwd() */
  readonly cwd?: string;
}

/** Merge and validate every source; throws a {@link ConfigError} naming the first bad field. */
export function loadConfig(opts: LoadConfigOptions = {}): ProjectConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  checkEnvNames(env);
  let raw: Raw = {};
  if (opts.context !== undefined) {
    if (!isObject(opts.context)) throw new ConfigError("context.xacct", "must be a JSON object of settings (see `cat help`)");
    checkKeys("context.xacct", opts.context, KNOWN_KEYS);
    raw = merge(raw, opts.context);
  }
  const file = env.XACCT_CONFIG;
  if (file) {
    const p = path.resolve(cwd, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(p, "utf8"));
    } catch (err) {
      throw new ConfigError("XACCT_CONFIG", `cannot read ${p} as JSON: ${(err as Error).message}`);
    }
    if (!isObject(parsed)) throw new ConfigError("XACCT_CONFIG", `${p} must hold a JSON object of settings`);
    checkKeys("XACCT_CONFIG", parsed, KNOWN_KEYS);
    raw = merge(raw, parsed);
  }
  raw = merge(raw, fromEnv(env));
  return validate(raw, cwd);
}

function validate(raw: Raw, cwd: string): ProjectConfig {
  const region = v.region("region", raw.region ?? "us-east-1");
  const namePrefix = raw.namePrefix ?? "xacct";
  if (typeof namePrefix !== "string" || !/^[a-z][a-z0-9-]{0,19}$/.test(namePrefix)) {
    throw new ConfigError("namePrefix", `must be 1-20 lowercase letters, digits or hyphens, starting with a letter (got ${JSON.stringify(namePrefix)})`);
  }
  const target = v.oneOf("target", raw.target ?? "aws", ["aws", "emulator"] as const);
  const emulatorEndpoint = raw.emulatorEndpoint ?? "http://127.0.0.1:5000";
  if (typeof emulatorEndpoint !== "string" || !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(emulatorEndpoint)) {
    throw new ConfigError("emulatorEndpoint", `must be an http(s) URL such as "http://127.0.0.1:5000" (got ${JSON.stringify(emulatorEndpoint)})`);
  }

  const stacks = stackList(raw.stacks);
  const uses = (...ids: StackId[]): boolean => ids.some((id) => stacks.includes(id));
  const usedAccounts = new Set(stacks.flatMap((id) => STACK_ACCOUNTS[id]));

  const rawAccounts = raw.accounts ?? {};
  if (!isObject(rawAccounts)) throw new ConfigError("accounts", "must be an object keyed by a, b, development, production, reporting, backup");
  checkKeys("accounts", rawAccounts, ACCOUNT_KEYS);
  const account = (key: AccountKey): AccountConfig => {
    const a = rawAccounts[key] ?? {};
    if (!isObject(a)) throw new ConfigError(`accounts.${key}`, 'must be an object such as {"id": "111111111111"}');
    checkKeys(`accounts.${key}`, a, ["id", "profile", "roleArn"]);
    const id = v.accountId(`accounts.${key}.id`, a.id ?? DEFAULT_ACCOUNTS[key]);
    const roleArn = optionalString(`accounts.${key}.roleArn`, a.roleArn);
    if (roleArn !== undefined) deployerRoleArn(`accounts.${key}.roleArn`, roleArn, id);
    return { id, profile: optionalString(`accounts.${key}.profile`, a.profile), roleArn };
  };
  // Settings only another stack uses are validated when (and if) that stack reads them.
  const accounts = {} as Record<AccountKey, AccountConfig>;
  for (const key of ACCOUNT_KEYS) {
    if (usedAccounts.has(key)) accounts[key] = account(key);
    else lazy(accounts, key, () => account(key));
  }
  if (uses("assume-role", "bucket-policy", "access-points", "replication") && accounts.a.id === accounts.b.id) {
    throw new ConfigError("accounts.b.id", `must differ from accounts.a.id (both ${accounts.a.id}): these stacks are for access across two accounts`);
  }
  if (uses("replication") && (accounts.backup.id === accounts.b.id || accounts.backup.id === accounts.a.id)) {
    throw new ConfigError(
      "accounts.backup.id",
      `must differ from accounts.a.id and accounts.b.id (got ${accounts.backup.id}): the replication stack copies B's bucket into a third account`,
    );
  }
  if (uses("three-account")) {
    const trio = [accounts.development.id, accounts.production.id, accounts.reporting.id];
    if (new Set(trio).size !== 3) {
      // Name the setting that repeats an earlier one: the one to change.
      const repeated = accounts.production.id === accounts.development.id ? "production" : "reporting";
      throw new ConfigError(`accounts.${repeated}.id`, `development, production and reporting must be three different accounts (got ${trio.join(", ")})`);
    }
  }

  const perStack = {} as Pick<
    ProjectConfig,
    | "bucketName"
    | "directBucketName"
    | "productionBucketName"
    | "reportingBucketName"
    | "backupBucketName"
    | "targetRoleName"
    | "requireMfaForHumans"
    | "humans"
    | "processorQueue"
  >;
  const field = <K extends keyof typeof perStack>(key: K, stack: StackId, get: () => (typeof perStack)[K]): void => {
    if (uses(stack)) perStack[key] = get();
    else lazy(perStack, key, get);
  };
  // access-points and replication share bucketName with assume-role (deploy one of them at a time per account pair).
  field("bucketName", uses("access-points") ? "access-points" : uses("replication") ? "replication" : "assume-role", () =>
    v.bucketName("bucketName", raw.bucketName ?? `${namePrefix}-shared-${accounts.b.id}-${region}`),
  );
  field("backupBucketName", "replication", () =>
    v.bucketName("backupBucketName", raw.backupBucketName ?? `${namePrefix}-backup-${accounts.backup.id}-${region}`),
  );
  field("targetRoleName", uses("replication") ? "replication" : "assume-role", () =>
    v.iamName("targetRoleName", raw.targetRoleName ?? `${namePrefix}-writer-target`),
  );
  field("directBucketName", "bucket-policy", () => v.bucketName("directBucketName", raw.directBucketName ?? `${namePrefix}-direct-${accounts.b.id}-${region}`));
  field("productionBucketName", "three-account", () =>
    v.bucketName("productionBucketName", raw.productionBucketName ?? `${namePrefix}-prod-data-${accounts.production.id}-${region}`),
  );
  field("reportingBucketName", "three-account", () =>
    v.bucketName("reportingBucketName", raw.reportingBucketName ?? `${namePrefix}-reporting-${accounts.reporting.id}-${region}`),
  );
  field("requireMfaForHumans", "three-account", () => bool("requireMfaForHumans", raw.requireMfaForHumans ?? true));
  field("humans", "three-account", () => v.oneOf("humans", raw.humans ?? "iam-groups", ["iam-groups", "identity-center"] as const));
  field("processorQueue", "three-account", () => bool("processorQueue", raw.processorQueue ?? false));
  const prefix = v.keyPrefix("prefix", raw.prefix ?? "incoming/");
  const accessLevel = v.oneOf("accessLevel", raw.accessLevel ?? "readwrite", ACCESS_LEVELS);
  const externalId = raw.externalId === undefined || raw.externalId === "" ? undefined : v.externalId("externalId", raw.externalId);
  const maxSessionDurationSeconds = v.sessionDuration("maxSessionDurationSeconds", int(raw.maxSessionDurationSeconds ?? 3600));
  // Only the Lambdas request sessions (the humans' roles may keep a maximum up to 12 h).
  const requested = int(raw.sessionDurationSeconds ?? 3600);
  if (typeof requested === "number" && requested > maxSessionDurationSeconds) {
    throw new ConfigError(
      "sessionDurationSeconds",
      `${requested} s exceeds maxSessionDurationSeconds (${maxSessionDurationSeconds} s), the roles' maximum: STS would refuse every AssumeRole; lower it (XACCT_SESSION_DURATION) or raise maxSessionDurationSeconds (XACCT_MAX_SESSION_DURATION)`,
    );
  }
  const sessionDurationSeconds = v.chainedSessionDuration("sessionDurationSeconds", requested);
  const encryption = v.oneOf("encryption", raw.encryption ?? "kms", ["kms", "s3"] as const);
  const forceDestroy = bool("forceDestroy", raw.forceDestroy ?? target === "emulator");
  const accessLogs = bool("accessLogs", raw.accessLogs ?? false);
  let perimeter: { organizationId: string } | undefined;
  if (raw.perimeter !== undefined && raw.perimeter !== "") {
    const p = raw.perimeter;
    if (!isObject(p)) throw new ConfigError("perimeter", 'must be an object such as {"organizationId": "o-a1b2c3d4e5"} (XACCT_PERIMETER_ORG_ID)');
    checkKeys("perimeter", p, ["organizationId"]);
    perimeter = { organizationId: v.organizationId("perimeter.organizationId", p.organizationId) };
  }

  const b = raw.backend ?? {};
  if (!isObject(b)) throw new ConfigError("backend", 'must be an object such as {"type": "local"}');
  checkKeys("backend", b, ["type", "dir", "bucket", "keyPrefix", "region", "profile", "roleArn", "kmsKeyId"]);
  const type = v.oneOf("backend.type", b.type ?? "local", ["local", "s3"] as const);
  let backend: BackendConfig;
  if (type === "local") {
    const dir = optionalString("backend.dir", b.dir) ?? "state";
    backend = { type, dir: path.resolve(cwd, dir) };
  } else {
    if (b.bucket === undefined) {
      throw new ConfigError("backend.bucket", 'is required when backend.type is "s3": name an existing state bucket (XACCT_STATE_BUCKET)');
    }
    const stateRoleArn = optionalString("backend.roleArn", b.roleArn);
    if (stateRoleArn !== undefined) deployerRoleArn("backend.roleArn", stateRoleArn);
    const keyPrefix = optionalString("backend.keyPrefix", b.keyPrefix) ?? "xacct/";
    backend = {
      type,
      bucket: v.bucketName("backend.bucket", b.bucket),
      keyPrefix: keyPrefix === "" ? "" : v.keyPrefix("backend.keyPrefix", keyPrefix),
      region: v.region("backend.region", b.region ?? region),
      profile: optionalString("backend.profile", b.profile),
      roleArn: stateRoleArn,
      kmsKeyId: optionalString("backend.kmsKeyId", b.kmsKeyId),
    };
  }

  const tags = raw.tags ?? {};
  if (!isObject(tags) || Object.values(tags).some((t) => typeof t !== "string")) {
    throw new ConfigError("tags", 'must be an object of string values such as {"team": "data"}');
  }

  // Spread copies the per-stack getters' values; define them on the result instead, still lazy.
  const config = {
    region,
    namePrefix,
    target,
    emulatorEndpoint: emulatorEndpoint.replace(/\/$/, ""),
    accounts,
    prefix,
    accessLevel,
    externalId,
    sessionDurationSeconds,
    maxSessionDurationSeconds,
    encryption,
    forceDestroy,
    accessLogs,
    ...(perimeter ? { perimeter } : {}),
    backend,
    tags: tags as Record<string, string>,
    stacks,
  };
  return Object.defineProperties(config as typeof config & typeof perStack, Object.getOwnPropertyDescriptors(perStack));
}

/** Which accounts each demo stack deploys to. */
const STACK_ACCOUNTS: Record<StackId, AccountKey[]> = {
  "assume-role": ["a", "b"],
  "bucket-policy": ["a", "b"],
  "three-account": ["development", "production", "reporting"],
  "access-points": ["a", "b"],
  replication: ["a", "b", "backup"],
};

function stackList(value: unknown): StackId[] {
  if (value === undefined || value === "") return [...STACK_IDS];
  const list =
    typeof value === "string"
      ? value
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError("stacks", `must list demo stacks, e.g. "assume-role,three-account" or ["assume-role"] (got ${JSON.stringify(value)})`);
  }
  return list.map((x) => v.oneOf("stacks", x, [...STACK_IDS, ...OPT_IN_STACK_IDS]));
}

/** A property validated on first read (then fixed): a setting of a stack this synth does not build. */
function lazy<T extends object, K extends keyof T>(obj: T, key: K, get: () => T[K]): void {
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = get();
      Object.defineProperty(obj, key, { value, enumerable: true, configurable: false, writable: false });
      return value;
    },
  });
}
