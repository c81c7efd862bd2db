import * as path from "path";
import { REPO } from "./context";
import type { RunResult } from "./proc";
import type { Terraform } from "./terraform";

/**
 * `npx cdktf deploy|destroy <stack> --skip-synth --output <outdir> --auto-approve`
 * (issue 12: the commands users run), for a stack the flow already synthesized.
 *
 * --skip-synth: the flow's cdk.tf.json may have been rewritten for substitute
 * providers (e2e/lib/substitutes.ts) and, in the access-plan step, carries an
 * extra grant; a re-synth would undo both. --output: the flow's own outdir
 * (cdktf reads `<outdir>/manifest.json` and runs terraform in
 * `<outdir>/stacks/<stack>`), so stacks deployed side by side from the same
 * cwd never share a directory. Runs from the repo root (cdktf.json) with the
 * terraform environment (mirror, endpoints, proxy) plus CI=true (no
 * interactive UI) and the terraform binary the flow uses.
 */
export type CdktfCommand = "deploy" | "destroy";

/** Arguments after `cdktf` for one stack directory `<outdir>/stacks/<stack>`. */
export function cdktfArgs(command: CdktfCommand, stackDir: string): string[] {
  const stack = path.basename(stackDir);
  const outDir = path.dirname(path.dirname(stackDir));
  return [command, stack, "--skip-synth", "--output", outDir, "--auto-approve"];
}

/** The cdktf binary `npx cdktf` resolves to in this repo. */
export const CDKTF_BIN = path.join(REPO, "node_modules", ".bin", "cdktf");

export function cdktf(tf: Terraform, command: CdktfCommand, timeoutMs = 15 * 60_000): Promise<RunResult> {
  const env = { ...tf.env, CI: "true", CHECKPOINT_DISABLE: "1", TERRAFORM_BINARY_NAME: tf.bin };
  return tf.runIn(`cdktf-${command}`, CDKTF_BIN, cdktfArgs(command, tf.dir), REPO, env, timeoutMs);
}
