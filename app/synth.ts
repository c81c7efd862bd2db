import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack, Testing } from "../lib/framework";
import type { TfJson } from "../lib/model/stack-model";
import { buildApp } from ".";

/**
 * The demo app's stacks synthesized in process (what `cdktf synth` runs,
 * without the CLI): for tests and benchmarks that read the demo stacks' JSON.
 * The library never imports this (tools/access runs an app's command instead).
 */

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Every stack of the app built with `context.xacct = context`, as parsed Terraform JSON (nothing written). */
export function synthStacks(context: Record<string, unknown> = {}): Record<string, TfJson> {
  const app = Testing.app({ context: { xacct: context } });
  buildApp(app);
  const out: Record<string, TfJson> = {};
  for (const c of app.node.children) if (TerraformStack.isStack(c)) out[c.node.id] = JSON.parse(Testing.synth(c)) as TfJson;
  return out;
}

/** `cdktf.json`'s `context` (the CLI hands it to the app; in process we do). */
function cdktfContext(): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, "cdktf.json");
  if (!fs.existsSync(file)) return {};
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

/** Write `<outdir>/stacks/<stack>/cdk.tf.json` (and assets) as `cdktf synth` would. */
export function synthToOutdir(outdir: string): void {
  const app = new App({ outdir, context: cdktfContext() });
  buildApp(app);
  app.synth();
}
