import type { Finding, Rule } from "./rule";
import { putDenies } from "./shared";

export const objectWriterWithoutBofcRule: Rule = {
  id: "object-writer-without-bofc",
  severity: "error",
  explanation:
    "A bucket with ObjectWriter ownership that does not require the bucket-owner-full-control ACL leaves objects written by other accounts unreadable by the owner.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_OwnershipControlsRule.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const b of model.buckets) {
      if (b.objectOwnership !== "ObjectWriter") continue;
      const enforced = putDenies(b).some((s) => JSON.stringify(s.Condition ?? {}).includes('"s3:x-amz-acl":"bucket-owner-full-control"'));
      if (!enforced) {
        out.push({
          level: "error",
          address: b.policy?.address ?? b.address,
          check: "object-writer-without-bofc",
          message: `bucket ${b.name} keeps ObjectWriter ownership but its policy does not require x-amz-acl=bucket-owner-full-control: objects written by other accounts would be unreadable by the owner. Use BucketOwnerEnforced ownership, or keep requireBucketOwnerFullControl on.`,
        });
      }
    }
    return out;
  },
};
