import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { ReportViewerStack } from "./analytics-app";
import { buildApp } from "./main";

type Tf = { resource?: Record<string, Record<string, Record<string, unknown>>>; output?: Record<string, { value: unknown }> };

describe("two teams, two apps: the consumer's identity side from the owner's grant contract", () => {
  const owner = buildApp(Testing.app()).node.children.find((c) => TerraformStack.isStack(c) && c.node.id === "reports-share") as TerraformStack;
  const ownerTf = JSON.parse(Testing.synth(owner)) as Tf;
  const contract = Object.entries(ownerTf.output ?? {}).find(([k]) => k.includes("contract"))?.[1].value;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "contract-")), "reports.contract.json");
  fs.writeFileSync(file, String(contract));
  const consumerTf = JSON.parse(Testing.synth(new ReportViewerStack(Testing.app(), "report-viewer", file))) as Tf;
  const policies = (tf: Tf): unknown[] => Object.values(tf.resource?.aws_iam_role_policy ?? {}).map((r) => JSON.parse(String(r.policy)));

  it("the owner publishes the contract: bucket, key, principals, levels, prefixes", () => {
    expect(JSON.parse(String(contract))).toMatchObject({
      xacctContract: 1,
      owner: { accountId: "222222222222", region: "us-east-1" },
      bucket: { name: "acme-reports", kmsKeyArn: expect.stringMatching(/^arn:aws:kms:us-east-1:222222222222:key\//) },
      grants: expect.arrayContaining([
        { principal: "arn:aws:iam::111111111111:role/report-viewer-task", level: "read", prefix: "reports/", address: "acme-reports" },
      ]),
    });
  });

  it("the consumer app built from it gets the identity policy of the in-app grant", () => {
    // In the owner's app the same role took its grant directly (share.grant(viewer, ...)): the same policy.
    const inApp = Object.values(ownerTf.resource?.aws_iam_role_policy ?? {})
      .filter((r) => r.role === "report-viewer-task")
      .map((r) => JSON.parse(String(r.policy)));
    expect(policies(consumerTf)).toHaveLength(1);
    expect(policies(consumerTf)).toEqual(inApp);
  });
});
