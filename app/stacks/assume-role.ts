import { ProjectConfig } from "../config";
import { Construct, TerraformOutput } from "../../lib/framework";
import { AssumableRole } from "../../modules/assumable-role";
import { BucketShare } from "../../modules/bucket-share";
import { LambdaWriter } from "../../modules/lambda-writer";
import { TwoAccountStack } from "./two-account";

/**
 * Assume-role pattern: the Lambda in account A assumes a role in account B
 * through STS; the role (not the Lambda) holds the S3 and KMS permissions.
 * The bucket policy needs no cross-account statement: the role is B's own.
 */
export class AssumeRoleStack extends TwoAccountStack {
  /** Account B's shared bucket. */
  public readonly share: BucketShare;

  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    const share = this.shareBucket(config.bucketName);
    this.share = share;

    const target = new AssumableRole(this, "target-role", {
      provider: this.accountB,
      accountId: config.accounts.b.id,
      roleName: config.targetRoleName,
      externalId: config.externalId,
      maxSessionDurationSeconds: config.maxSessionDurationSeconds,
      access: share.s3Grant(config.accessLevel, config.prefix),
      perimeter: config.perimeter,
    });

    const writer = new LambdaWriter(this, "writer", {
      provider: this.accountA,
      archiveProvider: this.archiveProvider,
      accountId: config.accounts.a.id,
      functionName: `${config.namePrefix}-writer`,
      handler: "writer",
      target: { bucketName: share.bucketName, prefix: config.prefix, kmsKeyArn: share.kmsKeyArn },
      assumeRole: { role: target, sessionDurationSeconds: config.sessionDurationSeconds },
      perimeter: config.perimeter,
    });
    target.addTrustedPrincipal(writer);

    this.exportOutputs(share, writer);
    new TerraformOutput(this, "target_role_arn", { value: target.roleArn });
  }
}
