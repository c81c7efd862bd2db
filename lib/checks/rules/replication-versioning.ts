import type { Finding, Rule } from "./rule";
import { bucketByArn } from "./shared";

/**
 * Replication needs versioning on the source AND the destination bucket: S3
 * refuses the configuration otherwise ("Requirements and considerations for
 * replication": https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html).
 * A cross-account destination is not checked by PutBucketReplication, so the
 * configuration is accepted and replication quietly fails (status FAILED).
 */
export const replicationVersioningRule: Rule = {
  id: "replication-versioning",
  severity: "error",
  explanation: "Replication needs versioning Enabled on both the source and the destination bucket.",
  docs: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html"],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const r of model.replications) {
      const source = model.buckets.find((b) => b.name === r.sourceBucket);
      const dests = [...new Set(r.rules.map((x) => x.destinationBucketArn))].map((arn) => ({ arn, bucket: bucketByArn(model, arn) }));
      const off = [
        ...(source && !source.versioned ? [`the source ${source.name}`] : []),
        ...dests.filter((d) => d.bucket && !d.bucket.versioned).map((d) => `the destination ${d.bucket?.name}`),
      ];
      if (off.length) {
        out.push({
          level: "error",
          address: r.address,
          check: "replication-versioning",
          message: `replication of ${r.sourceBucket} needs versioning Enabled on ${off.join(" and ")}: turn it on (BucketShare versioning: true), or for a bucket this stack does not create confirm it with Replication versioningConfirmed once \`aws s3api get-bucket-versioning\` says Enabled.`,
        });
      }
    }
    return out;
  },
};
