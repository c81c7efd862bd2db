import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * `--synth` / `--synth-if-stale`: run the `app` command of a `cdktf.json` as
 * `cdktf synth` does, for any user's app (this repository's demo app is one
 * of them). As the cdktf CLI (0.21, `@cdktf/cli-core` SynthStack.synth): a shell
 * command in the directory of cdktf.json, with `CDKTF_OUTDIR` = the outdir and
 * `CDKTF_CONTEXT_JSON` = cdktf.json's `context` plus `cdktfRelativeModules`
 * (cdktf's `App` reads both), `TF_VAR_*` left out. Unlike the CLI it does not
 * set `CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS`: a failed check fails the run.
 */

/** What the run needs from a `cdktf.json`. */
export interface CdktfProject {
  /** The directory holding cdktf.json: the app command's working directory. */
  readonly dir: string;
  /** cdktf.json `app`: the shell command that synthesizes the stacks. */
  readonly app: string;
  readonly context: Record<string, unknown>;
  /** cdktf.json `terraformModules` with a relative source (cdktf's `cdktfRelativeModules`). */
  readonly relativeModules: readonly unknown[];
  /** cdktf.json `output`, resolved (cdktf's default: cdktf.out). */
  readonly output: string;
}

/** cdktf.json missing, unreadable or without an `app`: the user fixes the project. */
export class CdktfProjectError extends Error {}

/** The app command ran and failed: `message` is the app's own message. */
export class AppSynthError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isRelative = (m: unknown): boolean => {
  const source = typeof m === "string" ? m : isObject(m) ? m.source : undefined;
  return typeof source === "string" && (source.startsWith("./") || source.startsWith("../"));
};

/** Read `<dir>/cdktf.json`. */
export function readCdktfProject(dir: string): CdktfProject {
  const file = path.join(dir, "cdktf.json");
  if (!fs.existsSync(file))
    throw new CdktfProjectError(
      `--synth and --synth-if-stale run the app command of cdktf.json, and there is no ${file}: run xacct-access in the directory of your cdktf.json, or run cdktf synth first and leave the flag out`,
    );
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CdktfProjectError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json) || typeof json.app !== "string" || json.app.trim() === "")
    throw new CdktfProjectError(`${file}: "app" must be the command that synthesizes the stacks (e.g. "npx ts-node main.ts")`);
  const context = isObject(json.context) ? json.context : {};
  const modules = Array.isArray(json.terraformModules) ? json.terraformModules : [];
  const output = typeof json.output === "string" ? json.output : "cdktf.out";
  return { dir, app: json.app, context, relativeModules: modules.filter(isRelative), output: path.resolve(dir, output) };
}

/** The app's failure output without Node's stack frames (`    at ...`) and version trailer: its own message. */
export function appMessage(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !/^\s+at\s/.test(l) && !/^Node\.js v\d/.test(l))
    .join("\n")
    .trim();
}

/**
 * Run the app command of `project` so it writes its stacks to `outdir`.
 * The app's output goes to `log` line by line (never to stdout: that stays
 * parseable); a non-zero exit throws `AppSynthError` with the app's message.
 */
export function runCdktfApp(project: CdktfProject, outdir: string, log?: (line: string) => void): void {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("TF_VAR_") && k !== "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"),
  );
  const r = spawnSync(project.app, {
    shell: true,
    cwd: project.dir,
    env: {
      ...inherited,
      CDKTF_OUTDIR: outdir,
      CDKTF_CONTEXT_JSON: JSON.stringify({ ...project.context, cdktfRelativeModules: project.relativeModules }),
      CHECKPOINT_DISABLE: "1",
    },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error)
    throw new AppSynthError(
      `could not run the app command ${JSON.stringify(project.app)} of ${path.join(project.dir, "cdktf.json")}: ${r.error.message}`,
      null,
    );
  const stdout = r.stdout ?? "";
  const stderr = r.stderr ?? "";
  if (r.status !== 0) {
    const own = appMessage(stderr) || appMessage(stdout) || (r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`);
    throw new AppSynthError(`the app command ${JSON.stringify(project.app)} (cdktf.json in ${project.dir}) failed, nothing was reviewed:\n\n${own}`, r.status);
  }
  for (const line of `${stdout}${stderr}`.split("\n")) if (line.trim() !== "") log?.(`app: ${line}`);
}
