import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Child processes: spawned with their output streamed into a log file (and
 * kept in memory for the caller), with a timeout, and registered so that a
 * signal or a crash of the harness can kill every one still running.
 */

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here, after a header naming the command. */
  readonly logFile: string;
  /** @default 10 minutes */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly command: string;
  /** null when killed by a signal (timeout or shutdown). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly logFile: string;
}

const running = new Set<ChildProcess>();

/** Kill every child still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function killAll(graceMs = 3000): Promise<void> {
  const children = [...running];
  for (const c of children) terminate(c, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await sleep(100);
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) terminate(c, "SIGKILL");
}

/** Signal the child's whole process group (terraform starts provider plugins as its own children). */
function terminate(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function quote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** A started child: `done` resolves when it exits (never rejects). */
export interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<RunResult>;
}

/** Start `cmd args` without waiting for it. */
export function start(cmd: string, args: readonly string[], opts: RunOptions): Started {
  const command = quote([cmd, ...args]);
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.createWriteStream(opts.logFile, { flags: "a" });
  log.write(`\n$ ${command}\n# cwd ${opts.cwd}  at ${new Date().toISOString()}\n`);
  const t0 = performance.now();
  // detached: its own process group, so terminate() reaches grandchildren too.
  const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => {
    out.push(b);
    log.write(b);
  });
  child.stderr?.on("data", (b: Buffer) => {
    err.push(b);
    log.write(b);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    log.write(`\n# TIMEOUT after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms: killing\n`);
    terminate(child, "SIGTERM");
    setTimeout(() => terminate(child, "SIGKILL"), 5000).unref();
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const done = new Promise<RunResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
      clearTimeout(timer);
      running.delete(child);
      const ms = performance.now() - t0;
      if (spawnError) log.write(`\n# failed to start: ${spawnError.message}\n`);
      log.write(`\n# exit ${code ?? signal ?? "?"} after ${(ms / 1000).toFixed(1)} s\n`);
      log.end();
      resolve({
        command,
        code: spawnError ? 127 : code,
        signal,
        timedOut,
        ms,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: spawnError ? spawnError.message : Buffer.concat(err).toString("utf8"),
        logFile: opts.logFile,
      });
    };
    child.once("error", (e) => finish(null, null, e));
    child.once("close", (code, signal) => finish(code, signal));
  });
  return { child, done };
}

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Run `cmd args` to completion. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return start(cmd, args, opts).done;
}

/** The last `lines` lines of a log file ("" if it does not exist). */
export function tail(file: string, lines = 40): string {
  if (!fs.existsSync(file)) return "";
  // eslint-disable-next-line no-control-regex
  const text = fs.readFileSync(file, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
  return text.split("\n").slice(-lines).join("\n");
}

/** A copy of the environment without any variable matching `drop`. */
export function cleanEnv(drop: RegExp, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!drop.test(k) && v !== undefined) env[k] = v;
  return env;
}
