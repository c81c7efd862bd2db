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
      // An account root narrowed by aws:PrincipalArn (that account's IAM users, a role that may not exist yet, a
      // permission set's roles: Principals in lib/principals.ts) names who, not "anyone there": the documented safe
      // form. It counts only when every narrowing value is inside a named root's own, literal account.
      const arnValues = Object.entries(s.Condition ?? {})
        .filter(([operator]) => !/Null$/i.test(operator) && !/Not/.test(operator) && /^(Arn|String)(Like|Equals)$/i.test(operator.replace(/IfExists$/i, "")))
        .flatMap(([, keys]) => Object.entries(keys ?? {}).filter(([k]) => k.toLowerCase() === "aws:principalarn"))
        .flatMap(([, v]) => (Array.isArray(v) ? v : [v]).map(String));
      const rootAccounts = new Set(roots.map((r) => r.split(":")[4]));
      const narrowedByArn =
        arnValues.length > 0 &&
        arnValues.every((a) => {
          const account = /^arn:[\w-]+:iam::(\d{12}):(role|user)\/./.exec(a)?.[1];
          return account !== undefined && rootAccounts.has(account);
        });
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
