import * as fs from "fs";
import * as path from "path";
import { ACCESS_POINT_DEMO_CONSUMERS, loadConfig, type ProjectConfig, type StackId } from "./config";
import { ConfigError } from "../lib/errors";
import { App } from "../lib/framework";
import { registerPolicyChecks } from "../lib/checks";
import { AccessPointShareStack } from "./stacks/access-points";
import { AssumeRoleStack } from "./stacks/assume-role";
import { BucketPolicyStack } from "./stacks/bucket-policy";
import { ReplicationStack } from "./stacks/replication";
import { ThreeAccountStack } from "./stacks/three-account";

/**
 * The repository's demo app (not part of the package): its stacks, built from
 * the project configuration (app/config.ts). The top-level main.ts (cdktf.json
 * "app") runs `main()`.
 */
export function buildApp(app: App = new App()): App {
  const config = loadConfig({ context: app.node.tryGetContext("xacct") });
  // Only the stacks asked for (setting `stacks`, XACCT_STACKS; default the three demo stacks,
  // `access-points` only when listed): settings only the other stacks use are then never read,
  // so never validated.
  const build: Record<StackId, (id: string, c: ProjectConfig) => unknown> = {
    "assume-role": (id, c) => new AssumeRoleStack(app, id, c),
    "bucket-policy": (id, c) => new BucketPolicyStack(app, id, c),
    "three-account": (id, c) => new ThreeAccountStack(app, id, c),
    "access-points": (id, c) => new AccessPointShareStack(app, id, c, { consumers: ACCESS_POINT_DEMO_CONSUMERS }),
    replication: (id, c) => new ReplicationStack(app, id, c),
  };
  for (const id of config.stacks) build[id](id, config);
  registerPolicyChecks(app);
  return app;
}

/**
 * Entry point of `cdktf synth` / `cdktf deploy` (main.ts, see cdktf.json "app").
 * Configuration errors and failed policy checks end the run with one clear
 * message, and leave no half-written stack behind in cdktf.out.
 */
export function main(): void {
  // The cdktf CLI asks synth to carry on past error annotations and write the
  // stacks anyway; we stop instead, so a failed check leaves nothing to deploy.
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  const app = new App();
  try {
    buildApp(app);
    app.synth();
  } catch (err) {
    // Bad configuration or a failed policy check: leave no stack behind that
    // `cdktf deploy` or terraform could pick up (half-written or stale).
    fs.rmSync(path.join(app.outdir, "stacks"), { recursive: true, force: true });
    fs.rmSync(path.join(app.outdir, "manifest.json"), { force: true });
    const message = err instanceof ConfigError ? `Configuration error: ${err.message}` : (err as Error).message;
    process.stderr.write(`\n${message}\n\n`);
    process.exit(1);
  }
}
