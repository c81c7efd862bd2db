import type { Rule } from "./rule";
import { sidOf } from "./shared";
import { claimConditions, webIdentityStatements } from "./web-identity-unpinned";

export const webIdentityWildcardSubjectRule: Rule = {
  id: "web-identity-wildcard-subject",
  severity: "warning",
  explanation: "A role trusting an OIDC provider matches the token's sub with * or ?: every branch, tag or repository the pattern covers may assume it.",
  docs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"],
  check: (model) =>
    webIdentityStatements(model).flatMap(({ policy, statement, issuer }) => {
      const patterns = claimConditions(statement, `${issuer}:sub`)
        .filter((c) => /Like/i.test(c.operator))
        .flatMap((c) => c.values)
        .filter((v) => /[*?]/.test(v));
      if (patterns.length === 0) return [];
      return [
        {
          level: "warning" as const,
          address: policy.address,
          check: "web-identity-wildcard-subject",
          acknowledgement: "web-identity-wildcard-subject" as const,
          message: `statement ${sidOf(statement)} of ${policy.attachedTo} matches ${issuer}:sub with ${patterns.join(", ")}: every subject the pattern covers may assume the role. Name the branches, tags or environments exactly.`,
        },
      ];
    }),
};
