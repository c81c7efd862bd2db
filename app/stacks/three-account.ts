import { AccountsStack } from "../accounts";
import { ProjectConfig } from "../config";
import { Construct, TerraformOutput } from "../../lib/framework";
import { AssumableRole } from "../../modules/assumable-role";
import { BucketShare } from "../../modules/bucket-share";
import { LambdaWriter } from "../../modules/lambda-writer";
import { PermissionSetPolicy } from "../../modules/permission-set-policy";
import { Principals } from "../../lib/principals";

/**
 * Seed 004's layout, from the same three modules:
 * - Development: groups Developers and Testers, each allowed to assume exactly
 *   its role in Production (with MFA by default).
 * - Production: the data bucket, the upload/download and view-only roles, and
 *   the metadata processor Lambda triggered by s3:ObjectCreated:* and
 *   s3:ObjectRemoved:* (tombstones; through an SQS queue with a DLQ when
 *   `processorQueue` is set), plus the role S3 Batch Operations jobs use
 *   to run it over objects that existed before the trigger (backfill).
 *   With `humans: "identity-center"` (XACCT_HUMANS) Developers and Testers are
 *   IAM Identity Center permission sets of Development instead: each role
 *   trusts its set's roles (account principal + aws:PrincipalArn), MFA is
 *   Identity Center's sign-in policy, and each set's inline policy (assume
 *   exactly its role) is emitted for the Identity Center admin.
 * - Reporting: the reporting bucket and the one role the processor assumes,
 *   which may only PutObject under its prefix.
 */
export class ThreeAccountStack extends AccountsStack {
  constructor(scope: Construct, id: string, config: ProjectConfig) {
    super(scope, id, config);
    const development = this.awsProvider("development", "development");
    const production = this.awsProvider("production", "production");
    const reporting = this.awsProvider("reporting", "reporting");
    const { development: devAcct, production: prodAcct, reporting: repAcct } = config.accounts;
    const p = config.namePrefix;
    const identityCenter = config.humans === "identity-center";
    // Identity Center role sessions carry no aws:MultiFactorAuthPresent: MFA is enforced at the Identity Center sign-in.
    const requireMfa = identityCenter ? false : config.requireMfaForHumans;
    const metadataPrefix = "metadata/";

    // ---- Production: data bucket and the two human roles
    const data = new BucketShare(this, "production-bucket", {
      provider: production,
      accountId: prodAcct.id,
      bucketName: config.productionBucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
      accessLogs: config.accessLogs,
      perimeter: config.perimeter,
    });
    const uploadRole = new AssumableRole(this, "developer-role", {
      provider: production,
      accountId: prodAcct.id,
      roleName: `${p}-developer-upload-download`,
      requireMfa,
      maxSessionDurationSeconds: config.maxSessionDurationSeconds,
      access: data.s3Grant("readwrite"),
      perimeter: config.perimeter,
      // Trusted by Development's IAM users only, with MFA, session named after
      // the user; Development's groups decide which users (see addAssumingGroup).
    });
    const viewRole = new AssumableRole(this, "tester-role", {
      provider: production,
      accountId: prodAcct.id,
      roleName: `${p}-tester-view-only`,
      requireMfa,
      maxSessionDurationSeconds: config.maxSessionDurationSeconds,
      access: data.s3Grant("read"),
      perimeter: config.perimeter,
    });

    // ---- Development: one group (or Identity Center permission set) per role
    const humans = identityCenter
      ? (["developers", "testers"] as const).map((id, i) => {
          const role = i === 0 ? uploadRole : viewRole;
          const set = Principals.permissionSet(devAcct.id, `${p}-${i === 0 ? "Developers" : "Testers"}`);
          role.addTrustedPrincipal(set, `permissionSet(${id})`);
          const policy = new PermissionSetPolicy(this, `${id}-permission-set`, { permissionSet: set });
          policy.addAssumeRole(role.roleArn);
          return policy;
        })
      : undefined;
    const developers = identityCenter
      ? undefined
      : uploadRole.addAssumingGroup("developers", {
          provider: development,
          accountId: devAcct.id,
          groupName: `${p}-Developers`,
        });
    const testers = identityCenter
      ? undefined
      : viewRole.addAssumingGroup("testers", {
          provider: development,
          accountId: devAcct.id,
          groupName: `${p}-Testers`,
        });

    // ---- Reporting: bucket and the write-only role the processor assumes
    const reports = new BucketShare(this, "reporting-bucket", {
      provider: reporting,
      accountId: repAcct.id,
      bucketName: config.reportingBucketName,
      encryption: config.encryption,
      forceDestroy: config.forceDestroy,
      accessLogs: config.accessLogs,
      perimeter: config.perimeter,
    });
    const reportingWriter = new AssumableRole(this, "reporting-writer-role", {
      provider: reporting,
      accountId: repAcct.id,
      roleName: `${p}-reporting-metadata-writer`,
      externalId: config.externalId,
      maxSessionDurationSeconds: config.maxSessionDurationSeconds,
      access: reports.s3Grant("write", metadataPrefix),
      perimeter: config.perimeter,
    });

    // ---- Production: the S3-triggered metadata processor
    const processor = new LambdaWriter(this, "metadata-processor", {
      provider: production,
      archiveProvider: this.archiveProvider,
      accountId: prodAcct.id,
      functionName: `${p}-metadata-processor`,
      handler: "metadata-processor",
      target: { bucketName: reports.bucketName, prefix: metadataPrefix, kmsKeyArn: reports.kmsKeyArn, accountId: repAcct.id },
      assumeRole: { role: reportingWriter, sessionDurationSeconds: config.sessionDurationSeconds },
      // HeadObject on the data bucket with the execution role (same account: no
      // bucket policy needed). Metadata only: no kms:Decrypt on the data key.
      grants: [data.metadataGrant()],
      s3Trigger: {
        bucketName: data.bucketName,
        bucketArn: data.bucketArn,
        dependable: data.bucket,
        events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        // processorQueue: S3 -> SQS (+ DLQ) -> event source mapping, partial batch responses.
        ...(config.processorQueue ? { queue: true } : {}),
      },
      // Backfill: manifests (CSV / S3 Inventory) and completion reports under batch-operations/ of the data bucket.
      batchOperations: { manifestBucketArn: data.bucketArn, manifestPrefix: "batch-operations/", kmsKeyArn: data.kmsKeyArn },
      onFailureQueue: true,
      perimeter: config.perimeter,
    });
    reportingWriter.addTrustedPrincipal(processor);

    new TerraformOutput(this, "production_bucket_name", { value: data.bucketName });
    new TerraformOutput(this, "reporting_bucket_name", { value: reports.bucketName });
    new TerraformOutput(this, "developer_role_arn", { value: uploadRole.roleArn });
    new TerraformOutput(this, "tester_role_arn", { value: viewRole.roleArn });
    new TerraformOutput(this, "reporting_writer_role_arn", { value: reportingWriter.roleArn });
    new TerraformOutput(this, "processor_role_arn", { value: processor.roleArn });
    new TerraformOutput(this, "processor_function_name", { value: processor.function.functionName });
    new TerraformOutput(this, "processor_function_arn", { value: processor.function.arn });
    new TerraformOutput(this, "batch_operations_role_arn", { value: processor.batchRoleArn ?? "" });
    if (processor.eventQueue) new TerraformOutput(this, "processor_queue_url", { value: processor.eventQueue.url });
    if (developers) new TerraformOutput(this, "developers_group_name", { value: developers.name });
    if (testers) new TerraformOutput(this, "testers_group_name", { value: testers.name });
    for (const h of humans ?? []) new TerraformOutput(this, `${h.node.id.replace(/-/g, "_")}_name`, { value: h.permissionSetName });
  }
}
