import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Creds } from "./aws";
import { run, tail } from "./proc";
import type { StateResource } from "./terraform";

/** Runs a bundled handler in a child Node process, as the Lambda runtime would. */

export interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

/** What the deployed function looks like, read from the Terraform state. */
export interface DeployedFunction {
  readonly name: string;
  readonly roleArn: string;
  readonly region: string;
  readonly variables: Record<string, string>;
  /** "JSON" | "Text" from logging_config (the synthesized value when the emulator dropped it). */
  readonly logFormat?: string;
}

export function deployedFunction(resource: StateResource, synthesizedLogFormat?: string): DeployedFunction {
  const v = resource.values;
  const env = (v.environment as { variables?: Record<string, string> }[] | undefined)?.[0]?.variables ?? {};
  const logging = (v.logging_config as { log_format?: string }[] | undefined)?.[0]?.log_format;
  const arn = typeof v.arn === "string" ? v.arn : "";
  return {
    name: typeof v.function_name === "string" ? v.function_name : "",
    roleArn: typeof v.role === "string" ? v.role : "",
    region: arn.split(":")[3] ?? "",
    variables: { ...env },
    logFormat: logging ?? synthesizedLogFormat,
  };
}

/** logging_config.log_format of the (only) aws_lambda_function in a synthesized stack. */
export function synthesizedLogFormat(cdkTfJson: string): string | undefined {
  const j = JSON.parse(fs.readFileSync(cdkTfJson, "utf8")) as {
    resource?: Record<string, Record<string, { logging_config?: { log_format?: string } }>>;
  };
  const fns = Object.values(j.resource?.aws_lambda_function ?? {});
  return fns[0]?.logging_config?.log_format;
}

export interface InvokeOptions {
  readonly bundleFile: string;
  readonly fn: DeployedFunction;
  readonly endpoint: string;
  /** Credentials of the function's execution role (from STS AssumeRole). */
  readonly creds: Creds;
  readonly events: readonly unknown[];
  readonly workDir: string;
  readonly logFile: string;
}

/** The Lambda-like environment: the function's variables + runtime variables + the emulator endpoint. Nothing inherited. */
export function handlerEnv(o: InvokeOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...o.fn.variables,
    AWS_REGION: o.fn.region,
    AWS_DEFAULT_REGION: o.fn.region,
    AWS_LAMBDA_FUNCTION_NAME: o.fn.name,
    ...(o.fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: o.fn.logFormat } : {}),
    AWS_ENDPOINT_URL: o.endpoint,
    AWS_ACCESS_KEY_ID: o.creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: o.creds.secretAccessKey,
    ...(o.creds.sessionToken ? { AWS_SESSION_TOKEN: o.creds.sessionToken } : {}),
    AWS_EC2_METADATA_DISABLED: "true",
    // Lambda runs nodejs22.x; the local node may be older, which only makes the SDK print a notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    LAMBDA_TASK_ROOT: path.dirname(o.bundleFile),
    // For the child script itself (TypeScript via ts-node); the bundle is plain JavaScript.
    TS_NODE_PROJECT: path.resolve(__dirname, "..", "..", "tsconfig.json"),
    TS_NODE_TRANSPILE_ONLY: "true",
  };
}

export async function invokeBundled(o: InvokeOptions): Promise<Outcome[]> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const eventsFile = path.join(o.workDir, "events.json");
  const resultsFile = path.join(o.workDir, "results.json");
  fs.writeFileSync(eventsFile, JSON.stringify(o.events, null, 2));
  fs.rmSync(resultsFile, { force: true });
  const child = path.join(__dirname, "invoke-child.ts");
  const r = await run(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), child, o.bundleFile, eventsFile, resultsFile], {
    cwd: o.workDir,
    env: handlerEnv(o),
    logFile: o.logFile,
    timeoutMs: 120_000,
  });
  if (r.code !== 0 || !fs.existsSync(resultsFile)) {
    throw new Error(`handler child exited with ${r.code ?? r.signal}:\n${tail(o.logFile, 15)}`);
  }
  return JSON.parse(fs.readFileSync(resultsFile, "utf8")) as Outcome[];
}

export function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * The index.js files a synthesized stack archives: each data.archive_file's
 * source_dir, plus everything under assets/ (what TerraformAsset copied there).
 */
export function archivedSources(stackDir: string): string[] {
  const j = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as {
    data?: { archive_file?: Record<string, { source_dir?: string }> };
  };
  const fromData = Object.values(j.data?.archive_file ?? {}).map((a) => (a.source_dir ? path.join(stackDir, a.source_dir, "index.js") : ""));
  const assets = path.join(stackDir, "assets");
  const fromAssets = fs.existsSync(assets)
    ? fs
        .readdirSync(assets, { recursive: true, encoding: "utf8" })
        .filter((f) => path.basename(f) === "index.js")
        .map((f) => path.join(assets, f))
    : [];
  return [...new Set([...fromData, ...fromAssets])].filter((f) => f && fs.existsSync(f));
}
