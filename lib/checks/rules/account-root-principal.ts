import { principalArns } from "../../model/stack-model";
import { KEY_ADMIN_SID } from "../../policy/documents";
import type { Rule } from "./rule";
import { eachStatement, sidOf } from "./shared";

export const accountRootPrincipalRule: Rule = {
  id: "account-root-principal",
  severity: "warning",
  explanation: "Naming arn:aws:iam::<account>:root trusts every principal that account's admins allow, not one role.",
  docs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts"],
  check: (model) =>
    eachStatement(model, (p, s) => {
      if (s.Effect !== "Allow") return [];
      const isKeyAdmin = p.kind === "key" && s.Sid === KEY_ADMIN_SID;
      const roots = principalArns(s).filter((a) => a.endsWith(":root"));
      // An account root narrowed by aws:PrincipalArn (e.g. to that account's IAM users) names who, not "anyone there".
      const narrowedByArn = Object.entries(s.Condition ?? {}).some(
        ([operator, keys]) => !/Null$/i.test(operator) && !/Not/.test(operator) && Object.keys(keys ?? {}).some((k) => k.toLowerCase() === "aws:principalarn"),
      );
      if (!roots.length || isKeyAdmin || narrowedByArn) return [];
      return [
        {
          level: "warning",
          address: p.address,
          check: "account-root-principal",
          acknowledgement: "account-root-principal",
          message: `statement ${sidOf(s)} of ${p.attachedTo} names ${roots.join(", ")}: every principal of that account its admins allow. Name the role ARN that needs access.`,
        },
      ];
    }),
};
