import { ProjectConfig } from "../config";
import { Construct, TerraformOutput } from "../../lib/framework";
import { BucketShare } from "../../modules/bucket-share";
import { LambdaWriter } from "../../modules/lambda-writer";
import { TwoAccountStack } from "./two-account";

export interface AccessPointShareOptions {
  /** Generated consumer roles (in `consumerAccounts` accounts), each granted read on its own dataset prefix. */
  readonly consumers: number;
  /** @default 50 */
  readonly consumerAccounts?: number;
}

/** The generated consumers: `consumer-<i>` in account 100000000000 + (i mod accounts), reading `datasets/<i>/`. */
export function generatedConsumers(n: number, accounts = 50): { principal: string; level: "read"; prefix: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    principal: `arn:aws:iam::${String(100000000000 + (i % accounts))}:role/consumer-${i}`,
    level: "read" as const,
    prefix: `datasets/${i}/`,
  }));
}

/**
 * Access-point mode at scale (example, not part of the demo app): account B's
 * bucket shared with `consumers` generated roles of other accounts, one S3
 * Access Point each, plus account A's writer Lambda writing through the
 * access point of its own grant. The bucket policy only delegates to B's
 * access points; the key policy names consumer accounts once the
 * per-principal form no longer fits.
 */
export class AccessPointShareStack extends TwoAccountStack {
  public readonly share: BucketShare;

  constructor(scope: Construct, id: string, config: ProjectConfig, options: AccessPointShareOptions) {
    super(scope, id, config);
    this.share = new BucketShare(this, "shared-bucket", {
      provider: this.accountB,
      accountId: config.accounts.b.id,
      bucketName: config.bucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
      region: config.region,
      // XACCT_ACCESS_LOGS, as in the other stacks (TwoAccountStack.shareBucket).
      accessLogs: config.accessLogs,
      perimeter: config.perimeter,
      accessPoints: true,
      grants: generatedConsumers(options.consumers, options.consumerAccounts),
    });
    const share = this.share;
    const writerRole = `${config.namePrefix}-ap-writer-exec`;
    const writer = new LambdaWriter(this, "writer", {
      provider: this.accountA,
      archiveProvider: this.archiveProvider,
      accountId: config.accounts.a.id,
      functionName: `${config.namePrefix}-ap-writer`,
      roleName: writerRole,
      handler: "writer",
      perimeter: config.perimeter,
    });
    // The writer's own access point, its policy and the writer's role policy; the writer
    // addresses the access point ARN as the Bucket parameter (AWS SDK v3 accepts it).
    const grant = share.grant(writer, { level: "write", prefix: config.prefix });
    this.exportOutputs(share, writer);
    new TerraformOutput(this, "writer_access_point_arn", { value: grant.address });
  }
}
