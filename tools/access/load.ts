import * as fs from "fs";
import * as path from "path";
import { buildStackModel, StackModel, TfJson } from "../../lib/model/stack-model";
import { readStackExtras, StackExtras } from "./stack-extras";

/** This repository (the demo app's sources); only `--synth`/`--synth-if-stale` look at it. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

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

/** What the synthesized stacks are made from: a change to any of these makes `cdktf.out` stale. */
export const SYNTH_SOURCES = ["main.ts", "cdktf.json", "lib", "modules", "stacks", "handlers"] as const;

interface DatedFile {
  readonly file: string;
  readonly mtimeMs: number;
}

/** The most recently modified file under `paths` (files or directories), test files aside. */
function newestFile(paths: readonly string[]): DatedFile | undefined {
  let best: DatedFile | undefined;
  for (const p of paths) {
    if (!fs.existsSync(p)) continue;
    const st = fs.statSync(p);
    const f = st.isDirectory()
      ? newestFile(fs.readdirSync(p).map((name) => path.join(p, name)))
      : /\.test\.ts$/.test(p)
        ? undefined
        : { file: p, mtimeMs: st.mtimeMs };
    if (f && (!best || f.mtimeMs > best.mtimeMs)) best = f;
  }
  return best;
}

/**
 * Why the stacks in `outdir` cannot be used as they are: none there, or a
 * source file (tests aside) changed after the oldest stack was written.
 * `undefined` when they are current.
 */
export function staleReason(outdir: string, root: string, sources: readonly string[] = SYNTH_SOURCES): string | undefined {
  const names = stackNames(outdir);
  if (names.length === 0) return `no synthesized stacks in ${outdir}`;
  const oldest = Math.min(...names.map((n) => fs.statSync(stackFile(outdir, n)).mtimeMs));
  const newest = newestFile(sources.map((s) => path.join(root, s)));
  return newest && newest.mtimeMs > oldest ? `${path.relative(root, newest.file)} changed after ${outdir} was synthesized` : undefined;
}

/** When to synthesize THIS repository's demo app into `outdir` before reading it: never for a user's stacks. */
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
 * The stacks in `outdir`, read as they are (their age goes to `log`). Only
 * this repository's own scripts pass `synth: "if-stale"` (re-synthesize the
 * demo app when its sources are newer) or `"always"`: a user's `cdktf.out`
 * is never synthesized over with our app.
 * Progress goes to `log` (stderr in the CLIs) so stdout stays parseable.
 */
export function loadStacks(outdir: string, opts: { synth?: SynthPolicy; log?: (line: string) => void; root?: string } = {}): SynthesizedStack[] {
  const policy = opts.synth ?? "never";
  const root = opts.root ?? PROJECT_ROOT;
  if (policy !== "never" && !fs.existsSync(path.join(root, "main.ts"))) {
    // Installed from the package (dist/), there is no demo app to synthesize, and a user's app must never get ours.
    throw new NoStacksError("--synth and --synth-if-stale synthesize the xacct-s3 repository's own demo app and work only in its checkout: run cdktf synth for your app instead");
  }
  const stale = policy === "always" ? "asked for (--synth)" : policy === "if-stale" ? staleReason(outdir, root) : undefined;
  if (stale) {
    opts.log?.(`synthesizing the stacks into ${outdir} (${stale}) ...`);
    // Lazily: the demo app (main.ts) is loaded only for this repository's own runs.
    // (typed by hand: a type import would pull the demo app into the package build)
    (require("./synth") as { synthToOutdir(outdir: string): void }).synthToOutdir(outdir);
  }
  if (stackNames(outdir).length === 0) {
    throw new NoStacksError(`no synthesized stacks in ${outdir}: expected ${path.join(outdir, "stacks", "<stack>", "cdk.tf.json")}; run cdktf synth (or pass --outdir <dir>)`);
  }
  opts.log?.(ageLine(outdir));
  return readStacks(outdir);
}
