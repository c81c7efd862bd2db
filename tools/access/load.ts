import * as fs from "fs";
import * as path from "path";
import { buildStackModel, StackModel, TfJson } from "../../lib/model/stack-model";
import { readCdktfProject, runCdktfApp } from "./run-app";
import { readStackExtras, StackExtras } from "./stack-extras";

/** Synthesized stacks read back from `cdktf.out` (or from JSON in memory), with their model. */

export interface SynthesizedStack {
  readonly name: string;
  readonly tf: TfJson;
  readonly model: StackModel;
  readonly extras: StackExtras;
}

export function stackFromJson(name: string, tf: TfJson): SynthesizedStack {
  const model = buildStackModel(tf);
  return { name, tf, model, extras: readStackExtras(tf, model) };
}

const stackFile = (outdir: string, name: string): string => path.join(outdir, "stacks", name, "cdk.tf.json");

export function stackNames(outdir: string): string[] {
  const dir = path.join(outdir, "stacks");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(stackFile(outdir, name)))
    .sort();
}

export function readStacks(outdir: string): SynthesizedStack[] {
  return stackNames(outdir).map((name) => stackFromJson(name, JSON.parse(fs.readFileSync(stackFile(outdir, name), "utf8")) as TfJson));
}

interface DatedFile {
  readonly file: string;
  readonly mtimeMs: number;
}

/** Not sources of the app: dependencies, dot-directories (`.git`; `.gen` aside: generated bindings are), test files. */
const skipped = (name: string): boolean => name === "node_modules" || (name.startsWith(".") && name !== ".gen") || /\.test\.[cm]?[jt]sx?$/.test(name);

/** The most recently modified file under `dir`, the skipped names and the directories in `exclude` (absolute) aside. */
function newestFile(dir: string, exclude: readonly string[]): DatedFile | undefined {
  let best: DatedFile | undefined;
  for (const name of fs.readdirSync(dir)) {
    if (skipped(name)) continue;
    const p = path.join(dir, name);
    if (exclude.includes(p)) continue;
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    const f = st.isDirectory() ? newestFile(p, exclude) : st.isFile() ? { file: p, mtimeMs: st.mtimeMs } : undefined;
    if (f && (!best || f.mtimeMs > best.mtimeMs)) best = f;
  }
  return best;
}

/**
 * Why the stacks in `outdir` cannot be used as they are: none there, or a
 * file of the app in `root` (the directory of its cdktf.json; node_modules,
 * dot-directories, test files and the outdirs aside) changed after the
 * oldest stack was written. `undefined` when they are current.
 */
export function staleReason(outdir: string, root: string, exclude: readonly string[] = []): string | undefined {
  const names = stackNames(outdir);
  if (names.length === 0) return `no synthesized stacks in ${outdir}`;
  const oldest = Math.min(...names.map((n) => fs.statSync(stackFile(outdir, n)).mtimeMs));
  const newest = newestFile(root, [path.resolve(outdir), ...exclude.map((d) => path.resolve(d))]);
  return newest && newest.mtimeMs > oldest ? `${path.relative(root, newest.file)} changed after ${outdir} was synthesized` : undefined;
}

/** When to run the app of cdktf.json (as `cdktf synth` does) into `outdir` before reading it. */
export type SynthPolicy = "never" | "if-stale" | "always";

export class NoStacksError extends Error {}

const ago = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
};

/** "3 stacks in cdktf.out, synthesized 5 min ago (oldest: 2026-..., a)". */
export function ageLine(outdir: string, now = Date.now()): string {
  const names = stackNames(outdir);
  if (names.length === 0) return `no synthesized stacks in ${outdir}`;
  const dated = names.map((n) => ({ n, t: fs.statSync(stackFile(outdir, n)).mtimeMs })).sort((a, b) => a.t - b.t);
  const oldest = dated[0];
  return `${names.length} stack${names.length === 1 ? "" : "s"} in ${outdir}, synthesized ${ago(now - oldest.t)} (oldest: ${oldest.n}, ${new Date(oldest.t).toISOString()}); run cdktf synth first if the code changed since`;
}

/**
 * The stacks in `outdir`, read as they are (their age goes to `log`).
 * `synth: "if-stale"` (`--synth-if-stale`) first runs the app command of the
 * cdktf.json in `root` (default: the current directory) when a file of the
 * app is newer than the stacks, `"always"` (`--synth`) every time: any
 * user's app, as `cdktf synth` would run it (run-app.ts). A failing app
 * throws `AppSynthError` with its own message.
 * Progress goes to `log` (stderr in the CLIs) so stdout stays parseable.
 */
export function loadStacks(outdir: string, opts: { synth?: SynthPolicy; log?: (line: string) => void; root?: string } = {}): SynthesizedStack[] {
  const policy = opts.synth ?? "never";
  if (policy !== "never") {
    const project = readCdktfProject(path.resolve(opts.root ?? process.cwd()));
    const stale = policy === "always" ? "asked for (--synth)" : staleReason(outdir, project.dir, [project.output]);
    if (stale) {
      opts.log?.(`synthesizing the stacks into ${outdir} with ${JSON.stringify(project.app)} (${stale}) ...`);
      runCdktfApp(project, outdir, opts.log);
    }
  }
  if (stackNames(outdir).length === 0) {
    throw new NoStacksError(
      `no synthesized stacks in ${outdir}: expected ${path.join(outdir, "stacks", "<stack>", "cdk.tf.json")}; run cdktf synth (or pass --outdir <dir>)`,
    );
  }
  opts.log?.(ageLine(outdir));
  return readStacks(outdir);
}
