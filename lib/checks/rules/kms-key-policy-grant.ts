import { accountOfArn, asList, type ModelPolicy, principalArns, statementsOf } from "../../model/stack-model";
import { METADATA_ONLY_SID_SUFFIX, type PolicyDocument, type Statement } from "../../policy";
import type { Finding, Rule } from "./rule";
import { allowedKmsActions, covers, kmsBuckets, kmsNeedFor } from "./shared";

const metadataOnly = (s: Statement): boolean => (s.Sid ?? "").endsWith(METADATA_ONLY_SID_SUFFIX);

export const kmsKeyPolicyGrantRule: Rule = {
  id: "kms-key-policy-grant",
  severity: "error",
  explanation: "A principal of another account that may use objects of an SSE-KMS bucket also needs the bucket's key in the key policy (or a KMS grant).",
  docs: [
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const kb of kmsBuckets(model)) {
      const b = kb.bucket;
      const address = kb.keyAddress ?? b.address;
      // Identity side: a role of another account than the key's that may use the bucket's objects.
      for (const r of model.roles) {
        if (r.account === kb.keyAccount) continue;
        const statements = r.inline.flatMap((p) => statementsOf(p.document));
        const need = kmsNeedFor(statements.filter((s) => s.Effect === "Allow" && kb.onBucket(s) && !metadataOnly(s)).flatMap((s) => asList(s.Action)));
        if (need.length === 0) continue;
        const keyHave = allowedKmsActions(kb.keyStatements, "*", r.arn);
        const keyMissing = need.filter((n) => !covers(keyHave, n));
        if (keyMissing.length) {
          out.push({
            level: "error",
            address,
            check: "kms-key-policy-grant",
            message: `key policy of ${kb.keyArn} does not allow ${keyMissing.join(", ")} to ${r.arn} (account ${r.account}), which may use objects of bucket ${b.name}; cross-account KMS use needs the key policy too. Add the principal with bucketShare.addGrant().`,
          });
        }
      }
      // Resource side: every cross-account principal the bucket policy, or an access point policy of the bucket, grants object actions.
      const resourceSide: { doc: PolicyDocument; on: (s: Statement) => boolean; what: string }[] = [
        ...(b.policy ? [{ doc: b.policy.document, on: kb.onBucket, what: `bucket policy of ${b.name}` }] : []),
        ...model.accessPoints
          .filter((ap) => ap.bucket === b.name && ap.policy)
          .map((ap) => ({
            doc: (ap.policy as ModelPolicy).document,
            on: (s: Statement): boolean => asList(s.Resource).some((r) => r.startsWith(`${ap.arn}/object/`)),
            what: `access point policy of ${ap.arn}`,
          })),
      ];
      for (const side of resourceSide) {
        for (const s of statementsOf(side.doc)) {
          if (s.Effect !== "Allow" || !side.on(s)) continue;
          const need = kmsNeedFor(asList(s.Action));
          for (const principal of principalArns(s)) {
            if (accountOfArn(principal) === b.account) continue;
            const keyHave = allowedKmsActions(kb.keyStatements, "*", principal);
            const missing = need.filter((n) => !covers(keyHave, n));
            if (missing.length) {
              out.push({
                level: "error",
                address,
                check: "kms-key-policy-grant",
                message: `${side.what} lets ${principal} use objects, but the key policy of ${kb.keyArn} does not allow it ${missing.join(", ")}: every request would fail with AccessDenied. Grant the key to the same principals as the bucket.`,
              });
            }
          }
        }
      }
    }
    return out;
  },
};
