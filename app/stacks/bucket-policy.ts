import { ProjectConfig } from "../config";
import { Construct } from "../../lib/framework";
import { LambdaWriter } from "../../modules/lambda-writer";
import { TwoAccountStack } from "./two-account";

/**
 * Bucket-policy pattern: account B's bucket policy (and key policy) name
 * account A's Lambda execution role directly; the Lambda uses its own
 * credentials, no STS hop. Both sides must allow: A's identity policy and B's
 * resource policies.
 */
export class BucketPolicyStack extends TwoAccountStack {
  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    const share = this.shareBucket(config.directBucketName);

    const writer = new LambdaWriter(this, "writer", {
      provider: this.accountA,
      archiveProvider: this.archiveProvider,
      accountId: config.accounts.a.id,
      functionName: `${config.namePrefix}-direct-writer`,
      handler: "writer",
      perimeter: config.perimeter,
    });
    // Both sides at once: the bucket and key policies name the writer, its role policy and target follow.
    share.grant(writer, { level: config.accessLevel, prefix: config.prefix });

    this.exportOutputs(share, writer);
  }
}
