import { ProjectConfig } from "../config";
import { Construct, TerraformOutput } from "../../lib/framework";
import { AwsProvider } from "../../lib/framework/aws";
import { BucketShare } from "../../modules/bucket-share";
import { Replication } from "../../modules/replication";
import { AssumeRoleStack } from "./assume-role";

/**
 * Cross-account replication (opt-in, `XACCT_STACKS=replication`): the
 * assume-role pattern (account A's writer assumes a role of account B and
 * writes to B's bucket), and B's bucket replicated into a bucket of a third
 * account, `backup`. The replicas of the writer's prefix are owned by the
 * backup account (owner override), encrypted with the backup account's own
 * key, and survive deletes in B (delete markers not replicated: a backup).
 */
export class ReplicationStack extends AssumeRoleStack {
  public readonly accountBackup: AwsProvider;
  public readonly backup: BucketShare;
  public readonly replication: Replication;

  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    this.accountBackup = this.awsProvider("backup", "account_backup");
    this.backup = new BucketShare(this, "backup-bucket", {
      provider: this.accountBackup,
      accountId: config.accounts.backup.id,
      bucketName: config.backupBucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
      region: config.region,
    });
    this.replication = new Replication(this, "replication", {
      provider: this.accountB,
      source: this.share,
      destination: this.backup,
      roleName: `${config.namePrefix}-replication`,
      rules: [{ id: "writer-prefix", prefix: config.prefix, deleteMarkers: false }],
    });
    new TerraformOutput(this, "backup_bucket_name", { value: this.backup.bucketName });
    new TerraformOutput(this, "backup_kms_key_arn", { value: this.backup.kmsKeyArn ?? "" });
    new TerraformOutput(this, "replication_role_arn", { value: this.replication.roleArn });
  }
}
