/**
 * An access contract, as a platform team writes it: jest matchers from
 * "xacct-s3/access/jest" (the same IAM evaluation as the xacct-access CLI) over
 * the synthesized share stack. The evaluator, @cloud-copilot/iam-simulate
 * (AGPL-3.0), is an optional peer dependency: this app installs it as a
 * devDependency, the library itself never loads it. No import here: jest.config.js
 * registers the matchers (setupFilesAfterEnv) and tsconfig.json's "types" declares them.
 */
import { Testing, TerraformStack } from "cdktf";
import { BUCKET, buildApp } from "./main";

describe("who may use the shared reports bucket", () => {
  const app = buildApp(Testing.app());
  const share = app.node.children.find((c) => TerraformStack.isStack(c) && c.node.id === "reports-share") as TerraformStack;
  const json = Testing.synth(share);

  it("the ECS task role of the analytics account reads and lists reports/ only", async () => {
    await expect(json).toAllow("role/report-viewer-task", "s3:GetObject", `${BUCKET}/reports/x.json`);
    await expect(json).toAllow("role/report-viewer-task", "s3:ListBucket", BUCKET, "prefix=reports/");
    await expect(json).toDeny("role/report-viewer-task", "s3:GetObject", `${BUCKET}/other/x.json`);
    await expect(json).toDeny("role/report-viewer-task", "s3:PutObject", `${BUCKET}/reports/x.json`);
  });

  it("nobody reads anonymously or without TLS", async () => {
    await expect(json).toDeny("anonymous", "s3:GetObject", `${BUCKET}/reports/x.json`);
    await expect(json).toDeny("role/report-viewer-task", "s3:GetObject", `${BUCKET}/reports/x.json`, "no-tls");
  });
});
