/** Test fixture (not exported from the package): a synthesized share whose account-root grant is acknowledged. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsProvider } from "../framework/aws";
import { BucketShare } from "../../modules/bucket-share";
import { App, TerraformStack } from "../framework";
import { ACCOUNT_A, ACCOUNT_B } from "../testing";
import type { Acknowledgement } from "./acknowledge";

/**
 * Synthesize (to a new temporary outdir) stack `acks` with one BucketShare
 * granting account A's root read, with `acknowledge` as given (unchecked, so
 * tests can pass malformed ones).
 */
export function synthAcknowledgedShare(acknowledge: unknown): { dir: string; file: string; json: Record<string, unknown> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-ack-"));
  const app = new App({ outdir: dir });
  const stack = new TerraformStack(app, "acks");
  const provider = new AwsProvider(stack, "b", { alias: "b", region: "us-east-1", allowedAccountIds: [ACCOUNT_B] });
  new BucketShare(stack, "share", {
    provider,
    accountId: ACCOUNT_B,
    bucketName: "data-b",
    grants: [{ principal: `arn:aws:iam::${ACCOUNT_A}:root`, level: "read" }],
    acknowledge: acknowledge as readonly Acknowledgement[],
  });
  app.synth();
  const file = path.join(dir, "stacks", "acks", "cdk.tf.json");
  return { dir, file, json: JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> };
}
