import type { Finding, Rule } from "./rule";
import { putDenies } from "./shared";

export const sseKmsNotPinnedRule: Rule = {
  id: "sse-kms-not-pinned",
  severity: "error",
  explanation:
    "An SSE-KMS bucket whose policy does not deny writes with SSE-S3, another KMS key or SSE-C lets a writer choose an encryption the owner does not control.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const b of model.buckets) {
      if (!b.kmsKeyArn) continue;
      const denies = putDenies(b).map((s) => JSON.stringify(s.Condition ?? {}));
      const keyPinned = denies.some((c) => c.includes(`"s3:x-amz-server-side-encryption-aws-kms-key-id":"${b.kmsKeyArn}"`));
      const algorithmPinned = denies.some((c) => c.includes('"s3:x-amz-server-side-encryption":"aws:kms"'));
      const sseCDenied = denies.some((c) => c.includes('"s3:x-amz-server-side-encryption-customer-algorithm"'));
      const missing = [algorithmPinned ? "" : "SSE-S3/AES256", keyPinned ? "" : "another KMS key", sseCDenied ? "" : "SSE-C"].filter(Boolean);
      if (missing.length) {
        out.push({
          level: "error",
          address: b.policy?.address ?? b.address,
          check: "sse-kms-not-pinned",
          message: `bucket ${b.name} is SSE-KMS with ${b.kmsKeyArn}, but its policy lets writers choose ${missing.join(", ")}: deny s3:PutObject when x-amz-server-side-encryption is present and not aws:kms, or names another key (or none), and deny SSE-C (BucketShare does; requests without the headers get the bucket default).`,
        });
      }
    }
    return out;
  },
};
