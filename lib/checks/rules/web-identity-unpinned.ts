import { asList, type ModelPolicy, type StackModel } from "../../model/stack-model";
import type { Statement } from "../../policy";
import type { Rule } from "./rule";
import { eachStatement, sidOf } from "./shared";

/** An Allow of sts:AssumeRoleWithWebIdentity to an IAM OIDC provider, with the issuer its condition keys are named by. */
export interface WebIdentityStatement {
  readonly policy: ModelPolicy;
  readonly statement: Statement;
  /** `token.actions.githubusercontent.com`: the provider's URL without `https://`. */
  readonly issuer: string;
}

/** Every trust statement that lets the tokens of an OIDC issuer assume the role. */
export function webIdentityStatements(model: StackModel): WebIdentityStatement[] {
  return eachStatement(model, (policy, statement) => {
    if (policy.kind !== "trust" || statement.Effect !== "Allow") return [];
    if (!asList(statement.Action).some((a) => /^(sts:AssumeRoleWithWebIdentity|sts:\*|\*)$/i.test(a))) return [];
    const federated = statement.Principal !== undefined && statement.Principal !== "*" ? asList(statement.Principal.Federated) : [];
    return federated.flatMap((arn) => {
      const issuer = /^arn:[\w-]+:iam::\d{12}:oidc-provider\/(.+)$/.exec(arn)?.[1];
      return issuer ? [{ policy, statement, issuer }] : [];
    });
  });
}

/** The values a statement's positive (not negated, not Null) operators compare `key` with, by operator. */
export function claimConditions(statement: Statement, key: string): { operator: string; values: string[] }[] {
  return Object.entries(statement.Condition ?? {}).flatMap(([operator, byKey]) =>
    /Not|Null$/i.test(operator)
      ? []
      : Object.entries(byKey ?? {})
          .filter(([k]) => k.toLowerCase() === key.toLowerCase())
          .map(([, v]) => ({ operator, values: asList(v as string | string[]).map(String) })),
  );
}

export const webIdentityUnpinnedRule: Rule = {
  id: "web-identity-unpinned",
  severity: "error",
  explanation: "A role trusting an OIDC provider without <issuer>:aud and <issuer>:sub conditions is assumable by any token of that issuer.",
  docs: [
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif",
  ],
  check: (model) =>
    webIdentityStatements(model).flatMap(({ policy, statement, issuer }) => {
      const missing = ["aud", "sub"].filter((claim) => claimConditions(statement, `${issuer}:${claim}`).length === 0);
      if (missing.length === 0) return [];
      return [
        {
          level: "error" as const,
          address: policy.address,
          check: "web-identity-unpinned",
          message: `statement ${sidOf(statement)} of ${policy.attachedTo} trusts ${issuer} without ${missing.map((c) => `${issuer}:${c}`).join(" and ")}: every workflow ${issuer} signs tokens for (any repository) could assume the role. Pin the audience and the subject (CiRole does).`,
        },
      ];
    }),
};
