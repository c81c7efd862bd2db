import { ArchiveProvider } from "../lib/framework/archive";
import { AwsProvider } from "../lib/framework/aws";
import * as path from "path";
import { AccountKey, ProjectConfig } from "./config";
import { Construct, LocalBackend, S3Backend, TerraformStack } from "../lib/framework";

/** Role every provider assumes in its account when the target is the emulator (moto maps it to that account). */
export const EMULATOR_DEPLOYER_ROLE = "xacct-emulator-deployer";

/**
 * Base of every stack: the configured state backend, one aliased AWS provider
 * per account (pinned with `allowed_account_ids`, so credentials for the wrong
 * account fail the plan), and the archive provider. Stacks built on it only
 * compose modules.
 */
export abstract class AccountsStack extends TerraformStack {
  public readonly archiveProvider: ArchiveProvider;

  protected constructor(
    scope: Construct,
    id: string,
    protected readonly config: ProjectConfig,
  ) {
    super(scope, id);
    configureBackend(this, id, config);
    this.archiveProvider = new ArchiveProvider(this, "archive");
  }

  /** The AWS provider of one account, aliased (e.g. `account_a`). */
  protected awsProvider(account: AccountKey, alias: string): AwsProvider {
    const c = this.config;
    const acct = c.accounts[account];
    const emulator = c.target === "emulator";
    const roleArn = acct.roleArn ?? (emulator ? `arn:aws:iam::${acct.id}:role/${EMULATOR_DEPLOYER_ROLE}` : undefined);
    const e = c.emulatorEndpoint;
    return new AwsProvider(this, alias, {
      alias,
      region: c.region,
      allowedAccountIds: [acct.id],
      profile: acct.profile,
      assumeRole: roleArn ? [{ roleArn, sessionName: `xacct-${this.node.id}-${alias}`.slice(0, 64) }] : undefined,
      defaultTags: [{ tags: { ManagedBy: "cdktf", Project: c.namePrefix, Stack: this.node.id, ...c.tags } }],
      ...(emulator
        ? {
            accessKey: "test",
            secretKey: "test",
            s3UsePathStyle: true,
            skipCredentialsValidation: true,
            skipMetadataApiCheck: "true",
            skipRegionValidation: true,
            endpoints: [{ s3: e, sts: e, iam: e, kms: e, lambda: e, logs: e, sqs: e }],
          }
        : {}),
    });
  }
}

function configureBackend(stack: TerraformStack, id: string, config: ProjectConfig): void {
  const b = config.backend;
  if (b.type === "local") {
    // One state file per stack, outside cdktf.out (which synth rewrites).
    new LocalBackend(stack, { path: path.join(b.dir, `${id}.tfstate`) });
    return;
  }
  const emulator = config.target === "emulator";
  const backend = new S3Backend(stack, {
    bucket: b.bucket,
    key: `${b.keyPrefix}${id}.tfstate`,
    region: b.region,
    encrypt: true,
    kmsKeyId: b.kmsKeyId,
    profile: b.profile,
    assumeRole: b.roleArn ? { roleArn: b.roleArn } : undefined,
    ...(emulator
      ? {
          accessKey: "test",
          secretKey: "test",
          usePathStyle: true,
          skipCredentialsValidation: true,
          skipRequestingAccountId: true,
          skipMetadataApiCheck: true,
          skipRegionValidation: true,
          endpoints: { s3: config.emulatorEndpoint, sts: config.emulatorEndpoint, iam: config.emulatorEndpoint },
        }
      : {}),
  });
  // S3-native state locking (Terraform >= 1.10); cdktf 0.21 has no typed field for it.
  backend.addOverride("use_lockfile", true);
}
