import * as fs from "fs";
import * as path from "path";
import { loadConfig, OPT_IN_STACK_IDS, type ProjectConfig } from "../../app/config";
import { Emulator } from "./aws";
import { cleanEnv, run, tail, type RunResult } from "./proc";
import type { Suite } from "./report";
import type { Substitute } from "./substitutes";

/** What every flow needs: where to write, which tools, the emulator. */

export const REPO = path.resolve(__dirname, "..", "..");
export const STACKS = ["assume-role", "bucket-policy", "three-account", "access-points", "replication"] as const;
export type StackName = (typeof STACKS)[number];

/**
 * Settings a stack's synth needs beyond emulatorSettings(): an opt-in stack
 * (OPT_IN_STACK_IDS, not in the demo app's default list, app/config.ts) must be named in XACCT_STACKS
 * to be built at all; the demo stacks keep the default synth (all three).
 */
export function stackSettings(stack: StackName): Record<string, string> {
  return (OPT_IN_STACK_IDS as readonly string[]).includes(stack) ? { XACCT_STACKS: stack } : {};
}

export interface Ctx {
  readonly runId: string;
  readonly runDir: string;
  readonly logDir: string;
  /** Local backend state files of this run. */
  readonly stateDir: string;
  /** Terraform CLI config (filesystem mirror of the providers). */
  readonly tfrc: string;
  readonly terraformBin: string;
  readonly emu: Emulator;
  /** HTTP proxy terraform uses for S3 Control (see S3ControlProxy). */
  readonly proxyUrl: string;
  /** Substitute providers in use (empty: the pinned releases). */
  readonly substitutes: readonly Substitute[];
  /**
   * Development aid, never set by the CLI: called with each synthesized stack
   * directory before terraform sees it (e.g. to try a fix in generated JSON).
   */
  readonly afterSynth?: (stackDir: string, stack: StackName) => void;
}

/** Settings the environment may carry that must not leak into a test synth (XACCT_CACHE is ours, not a setting). */
const SETTINGS_ENV = /^(XACCT_(?!CACHE$|E2E_)|CDKTF_|AWS_)/;

export function synthEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...cleanEnv(SETTINGS_ENV), ...extra };
}

/** The project configuration a synth with `extra` sees (same sources as the demo app (app/config.ts): cdktf.json context + env). */
export function configFor(extra: Record<string, string>): ProjectConfig {
  const cdktf = JSON.parse(fs.readFileSync(path.join(REPO, "cdktf.json"), "utf8")) as { context?: { xacct?: unknown } };
  return loadConfig({ context: cdktf.context?.xacct, env: synthEnv(extra), cwd: REPO });
}

/** Environment of every terraform command: ours only, no credentials or proxies from the caller. */
export function terraformEnv(ctx: Ctx): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(/^(AWS_|TF_|HTTPS?_PROXY$|NO_PROXY$|ALL_PROXY$)/i),
    TF_CLI_CONFIG_FILE: ctx.tfrc,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    // Bucket tags go through S3 Control (provider >= 6.23); see S3ControlProxy.
    AWS_ENDPOINT_URL_S3_CONTROL: ctx.emu.endpoint,
    HTTP_PROXY: ctx.proxyUrl,
    http_proxy: ctx.proxyUrl,
  };
}

export interface SynthOutput {
  readonly result: RunResult;
  readonly outDir: string;
  readonly stackDir: string;
}

/** `ts-node --transpile-only main.ts` (what `cdktf synth` runs) into its own outdir. */
export async function synth(name: string, stack: StackName, outRoot: string, logFile: string, extra: Record<string, string>): Promise<SynthOutput> {
  const outDir = path.join(outRoot, name);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outRoot, { recursive: true }); // cdktf creates only the last level
  const result = await run(path.join(REPO, "node_modules", ".bin", "ts-node"), ["--transpile-only", "main.ts"], {
    cwd: REPO,
    env: synthEnv({ ...extra, CDKTF_OUTDIR: outDir }),
    logFile,
    timeoutMs: 5 * 60_000,
  });
  return { result, outDir, stackDir: path.join(outDir, "stacks", stack) };
}

// ---- steps

export interface StepOutcome {
  readonly ok: boolean;
  readonly detail?: string;
  readonly log?: string;
  readonly caveat?: boolean;
}

/** Run one step: time it, turn a throw into a failure, print the log tail when it fails. */
export async function step(suite: Suite, name: string, fn: () => Promise<StepOutcome>): Promise<boolean> {
  const t0 = performance.now();
  let o: StepOutcome;
  try {
    o = await fn();
  } catch (err) {
    o = { ok: false, detail: `${(err as Error).name}: ${(err as Error).message}` };
  }
  suite.add({ step: name, status: o.ok ? "pass" : "fail", ms: performance.now() - t0, detail: o.detail, log: o.log, caveat: o.caveat });
  if (!o.ok && o.log) process.stdout.write(`----- tail of ${o.log}\n${tail(o.log, 30)}\n-----\n`);
  return o.ok;
}

/** First terraform "Error: ..." line of a result, for the one-line detail. */
export function firstError(r: RunResult): string {
  // eslint-disable-next-line no-control-regex
  const text = `${r.stderr}\n${r.stdout}`.replace(/\x1b\[[0-9;]*m/g, "");
  const line = text.split("\n").find((l) => /Error:/.test(l));
  return (line ?? text.trim().split("\n").pop() ?? "").replace(/^[│╷╵\s]+/, "").slice(0, 300);
}

export function fromRun(r: RunResult, okDetail?: string): StepOutcome {
  if (r.code === 0) return { ok: true, detail: okDetail, log: r.logFile };
  const why = r.timedOut ? "timed out" : `exit ${r.code ?? r.signal}`;
  return { ok: false, detail: `${why}: ${firstError(r)}`, log: r.logFile };
}

export function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}
