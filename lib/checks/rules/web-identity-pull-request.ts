import type { Rule } from "./rule";
import { sidOf } from "./shared";
import { claimConditions, webIdentityStatements } from "./web-identity-unpinned";

export const webIdentityPullRequestRule: Rule = {
  id: "web-identity-pull-request",
  severity: "warning",
  explanation: "A role trusting GitHub's OIDC provider accepts repo:<o>/<r>:pull_request: the workflow of any pull request, reviewed or not, may assume it.",
  docs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"],
  check: (model) =>
    webIdentityStatements(model).flatMap(({ policy, statement, issuer }) => {
      const prs = claimConditions(statement, `${issuer}:sub`)
        .flatMap((c) => c.values)
        .filter((v) => /^repo:[^:]+:pull_request$/.test(v));
      if (prs.length === 0) return [];
      return [
        {
          level: "warning" as const,
          address: policy.address,
          check: "web-identity-pull-request",
          acknowledgement: "web-identity-pull-request" as const,
          message: `statement ${sidOf(statement)} of ${policy.attachedTo} accepts ${prs.join(", ")}: a pull request's workflow runs code nobody has reviewed yet. Pin a branch, tag or environment.`,
        },
      ];
    }),
};
