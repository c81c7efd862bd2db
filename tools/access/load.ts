import * as fs from "fs";
import * as path from "path";
import { buildStackModel, StackModel, TfJson } from "../../lib/model/stack-model";
import { readStackExtras, StackExtras } from "./stack-extras";
import { PROJECT_ROOT, synthToOutdir } from "./synth";

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

/**
 * The stacks in `outdir`, synthesizing them first (in process, like
 * `cdktf synth`) when there are none, when they are older than the code
 * they come from, or when `fresh` is asked for.
 * Progress goes to `log` (stderr in the CLIs) so stdout stays parseable.
 */
export function loadStacks(outdir: string, opts: { fresh?: boolean; log?: (line: string) => void; root?: string } = {}): SynthesizedStack[] {
  const stale = opts.fresh ? "asked for (--synth)" : staleReason(outdir, opts.root ?? PROJECT_ROOT);
  if (stale) {
    opts.log?.(`synthesizing the stacks into ${outdir} (${stale}) ...`);
    synthToOutdir(outdir);
  }
  return readStacks(outdir);
}
