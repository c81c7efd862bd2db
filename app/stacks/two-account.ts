import { AwsProvider } from "../../lib/framework/aws";
import { AccountsStack } from "../accounts";
import { ProjectConfig } from "../config";
import { Construct, TerraformOutput } from "../../lib/framework";
import { BucketShare } from "../../modules/bucket-share";
import { LambdaWriter } from "../../modules/lambda-writer";

/** What the two-account stacks share: providers `account_a`/`account_b`, B's bucket, the common outputs. */
export abstract class TwoAccountStack extends AccountsStack {
  protected readonly accountA: AwsProvider;
  protected readonly accountB: AwsProvider;

  protected constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    this.accountA = this.awsProvider("a", "account_a");
    this.accountB = this.awsProvider("b", "account_b");
  }

  protected shareBucket(bucketName: string): BucketShare {
    return new BucketShare(this, "shared-bucket", {
      provider: this.accountB,
      accountId: this.config.accounts.b.id,
      bucketName,
      encryption: this.config.encryption,
      forceDestroy: this.config.forceDestroy,
      accessLogs: this.config.accessLogs,
      perimeter: this.config.perimeter,
    });
  }

  /** bucket_name, bucket_arn, kms_key_arn, lambda_role_arn, lambda_function_name. */
  protected exportOutputs(share: BucketShare, writer: LambdaWriter): void {
    new TerraformOutput(this, "bucket_name", { value: share.bucketName });
    new TerraformOutput(this, "bucket_arn", { value: share.bucketArn });
    new TerraformOutput(this, "kms_key_arn", { value: share.kmsKeyArn ?? "" });
    new TerraformOutput(this, "lambda_role_arn", { value: writer.roleArn });
    new TerraformOutput(this, "lambda_function_name", { value: writer.function.functionName });
  }
}
