import * as fs from "fs";
import * as path from "path";
import { buildStackModel, StackModel, TfJson } from "../../lib/model/stack-model";
import { readStackExtras, StackExtras } from "./stack-extras";
import { synthToOutdir } from "./synth";

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

/**
 * The stacks in `outdir`, synthesizing them first (in process, like
 * `cdktf synth`) when there are none or when `fresh` is asked for.
 * Progress goes to `log` (stderr in the CLIs) so stdout stays parseable.
 */
export function loadStacks(outdir: string, opts: { fresh?: boolean; log?: (line: string) => void } = {}): SynthesizedStack[] {
  if (opts.fresh || stackNames(outdir).length === 0) {
    opts.log?.(`synthesizing the stacks into ${outdir} ...`);
    synthToOutdir(outdir);
  }
  return readStacks(outdir);
}
