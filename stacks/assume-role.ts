import { AccountsStack } from "../lib/accounts";
import { ProjectConfig } from "../lib/config";
import { Construct, TerraformOutput } from "../lib/framework";
import { AssumableRole } from "../modules/assumable-role";
import { BucketShare } from "../modules/bucket-share";
import { LambdaWriter } from "../modules/lambda-writer";

/**
 * Assume-role pattern: the Lambda in account A assumes a role in account B
 * through STS; the role (not the Lambda) holds the S3 and KMS permissions.
 * The bucket policy needs no cross-account statement: the role is B's own.
 */
export class AssumeRoleStack extends AccountsStack {
  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    const accountA = this.awsProvider("a", "account_a");
    const accountB = this.awsProvider("b", "account_b");
    const p = config.namePrefix;

    const share = new BucketShare(this, "shared-bucket", {
      provider: accountB,
      accountId: config.accounts.b.id,
      bucketName: config.bucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
    });

    const target = new AssumableRole(this, "target-role", {
      provider: accountB,
      accountId: config.accounts.b.id,
      roleName: `${p}-writer-target`,
      externalId: config.externalId,
      maxSessionDurationSeconds: config.maxSessionDurationSeconds,
      access: share.s3Grant(config.accessLevel, config.prefix),
    });

    const writer = new LambdaWriter(this, "writer", {
      provider: accountA,
      archiveProvider: this.archiveProvider,
      accountId: config.accounts.a.id,
      functionName: `${p}-writer`,
      handler: "writer",
      target: { bucketName: share.bucketName, prefix: config.prefix, kmsKeyArn: share.kmsKeyArn },
      assumeRole: { role: target, sessionDurationSeconds: config.sessionDurationSeconds },
    });
    target.addTrustedPrincipal(writer);

    new TerraformOutput(this, "bucket_name", { value: share.bucketName });
    new TerraformOutput(this, "bucket_arn", { value: share.bucketArn });
    new TerraformOutput(this, "kms_key_arn", { value: share.kmsKeyArn ?? "" });
    new TerraformOutput(this, "lambda_role_arn", { value: writer.roleArn });
    new TerraformOutput(this, "lambda_function_name", { value: writer.function.functionName });
    new TerraformOutput(this, "target_role_arn", { value: target.roleArn });
  }
}
