import * as path from "path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ConsumerAccess, GrantContract } from "xacct-s3";

/**
 * The analytics team's OWN app (in real life another repository, another
 * state): it imports nothing of the data team's app and types none of their
 * ARNs. The bucket, key, prefix and level come from the grant contract the
 * data team publishes (`share.publishContract()` in main.ts): the file their
 * synth writes, or `terraform output -raw <output>` of their applied stack.
 * Then `xacct-access contract verify --owner <their cdktf.out> --consumer <ours>`
 * checks that both sides grant the same access.
 */
const ANALYTICS = "111111111111";
const REPORT_VIEWER_TASK_ROLE = `arn:aws:iam::${ANALYTICS}:role/report-viewer-task`;

export class ReportViewerStack extends TerraformStack {
  constructor(scope: Construct, id: string, contractFile: string) {
    super(scope, id);
    const analytics = new AwsProvider(this, "analytics", { alias: "analytics", region: "us-east-1", allowedAccountIds: [ANALYTICS] });
    const contract = GrantContract.fromFile(this, "reports", contractFile);
    // Our ECS task role gets exactly the S3 + KMS statements of its grants in the contract.
    contract.bind(new ConsumerAccess(this, "report-viewer", { provider: analytics, accountId: ANALYTICS, roleArn: REPORT_VIEWER_TASK_ROLE }));
  }
}

/** `npx ts-node analytics-app.ts <contract.json> <outdir>` */
if (require.main === module) {
  const [contract = path.join("cdktf.out", "stacks", "reports-share", "xacct", "reports.contract.json"), outdir = "analytics.out"] = process.argv.slice(2);
  const app = new App({ outdir });
  new ReportViewerStack(app, "report-viewer", contract);
  app.synth();
}
