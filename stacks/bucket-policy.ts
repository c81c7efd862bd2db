import { AccountsStack } from "../lib/accounts";
import { ProjectConfig } from "../lib/config";
import { Construct, TerraformOutput } from "../lib/framework";
import { BucketShare } from "../modules/bucket-share";
import { LambdaWriter } from "../modules/lambda-writer";

/**
 * Bucket-policy pattern: account B's bucket policy (and key policy) name
 * account A's Lambda execution role directly; the Lambda uses its own
 * credentials, no STS hop. Both sides must allow: A's identity policy and B's
 * resource policies.
 */
export class BucketPolicyStack extends AccountsStack {
  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    const accountA = this.awsProvider("a", "account_a");
    const accountB = this.awsProvider("b", "account_b");
    const p = config.namePrefix;

    const share = new BucketShare(this, "shared-bucket", {
      provider: accountB,
      accountId: config.accounts.b.id,
      bucketName: config.directBucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
    });

    const writer = new LambdaWriter(this, "writer", {
      provider: accountA,
      archiveProvider: this.archiveProvider,
      accountId: config.accounts.a.id,
      functionName: `${p}-direct-writer`,
      handler: "writer",
      target: { bucketName: share.bucketName, prefix: config.prefix, kmsKeyArn: share.kmsKeyArn },
      grants: [share.s3Grant(config.accessLevel, config.prefix)],
    });
    share.addGrant({ principal: writer, level: config.accessLevel, prefix: config.prefix });

    new TerraformOutput(this, "bucket_name", { value: share.bucketName });
    new TerraformOutput(this, "bucket_arn", { value: share.bucketArn });
    new TerraformOutput(this, "kms_key_arn", { value: share.kmsKeyArn ?? "" });
    new TerraformOutput(this, "lambda_role_arn", { value: writer.roleArn });
    new TerraformOutput(this, "lambda_function_name", { value: writer.function.functionName });
  }
}
