import { asList, statementsOf } from "../../model/stack-model";
import { METADATA_ONLY_SID_SUFFIX, type Statement } from "../../policy";
import type { Finding, Rule } from "./rule";
import { allowedKmsActions, covers, kmsBuckets, kmsNeedFor } from "./shared";

/** A HeadObject-only grant (Sid ...MetadataOnly) deliberately has no KMS action. */
const metadataOnly = (s: Statement): boolean => (s.Sid ?? "").endsWith(METADATA_ONLY_SID_SUFFIX);

export const kmsIdentityGrantRule: Rule = {
  id: "kms-identity-grant",
  severity: "error",
  explanation: "A role that may read or write objects of an SSE-KMS bucket also needs kms:Decrypt / kms:GenerateDataKey on the bucket's key in its own policy.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    "https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const kb of kmsBuckets(model)) {
      for (const r of model.roles) {
        const statements = r.inline.flatMap((p) => statementsOf(p.document));
        const need = kmsNeedFor(statements.filter((s) => s.Effect === "Allow" && kb.onBucket(s) && !metadataOnly(s)).flatMap((s) => asList(s.Action)));
        if (need.length === 0) continue;
        const have = allowedKmsActions(statements, kb.keyArn);
        const missing = need.filter((n) => !covers(have, n));
        if (missing.length) {
          out.push({
            level: "error",
            address: r.inline[0].address,
            check: "kms-identity-grant",
            message: `${r.arn} may use objects of SSE-KMS bucket ${kb.bucket.name} but its policy lacks ${missing.join(", ")} on the bucket's key ${kb.keyArn}; S3 calls would fail with AccessDenied. Pass the bucket's s3Grant() (which carries kmsKeyArn) to the role.`,
          });
        }
      }
    }
    return out;
  },
};
