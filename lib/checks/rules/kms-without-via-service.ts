import { accountOfArn, asList, type ModelPolicy, principalArns, statementsOf } from "../../model/stack-model";
import type { Statement } from "../../policy";
import { KEY_ADMIN_SID } from "../../policy/documents";
import type { Finding, Rule } from "./rule";
import { lower, sidOf } from "./shared";

const KMS_DATA_ACTIONS = ["kms:decrypt", "kms:generatedatakey", "kms:generatedatakey*", "kms:encrypt", "kms:*", "*"];
const hasViaService = (s: Statement): boolean =>
  Object.values(s.Condition ?? {}).some((keys) => Object.keys(keys ?? {}).some((k) => k.toLowerCase() === "kms:viaservice"));

export const kmsWithoutViaServiceRule: Rule = {
  id: "kms-without-via-service",
  severity: "warning",
  explanation: "A grant on a bucket's key without kms:ViaService lets the principal call Decrypt/GenerateDataKey on the key directly, outside S3.",
  docs: ["https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service"],
  check(model): Finding[] {
    const out: Finding[] = [];
    const bucketKeys = new Set(model.buckets.flatMap((b) => (b.kmsKeyArn ? [b.kmsKeyArn] : [])));
    const warn = (p: ModelPolicy, s: Statement, what: string): Finding => ({
      level: "warning",
      address: p.address,
      check: "kms-without-via-service",
      message: `statement ${sidOf(s)} of ${p.attachedTo} allows ${what} with no kms:ViaService condition: the principal can use the key directly, outside S3. Add "kms:ViaService": "s3.<region>.amazonaws.com" (BucketShare grants do).`,
    });
    for (const p of model.policies) {
      for (const s of statementsOf(p.document)) {
        if (s.Effect !== "Allow" || hasViaService(s)) continue;
        const actions = lower(asList(s.Action)).filter((a) => KMS_DATA_ACTIONS.includes(a));
        if (actions.length === 0) continue;
        if (p.kind === "key" && bucketKeys.has(p.attachedTo) && s.Sid !== KEY_ADMIN_SID) {
          const foreign = principalArns(s).some((a) => accountOfArn(a) !== p.account) || s.Principal === "*";
          if (foreign) out.push(warn(p, s, `${actions.join(", ")} on the key to principals of other accounts`));
        } else if ((p.kind === "role-inline" || p.kind === "group-inline") && asList(s.Resource).some((r) => bucketKeys.has(r))) {
          out.push(
            warn(
              p,
              s,
              `${actions.join(", ")} on bucket key ${asList(s.Resource)
                .filter((r) => bucketKeys.has(r))
                .join(", ")}`,
            ),
          );
        }
      }
    }
    return out;
  },
};
