import { asList } from "../../model/stack-model";
import type { Statement } from "../../policy";
import type { Rule } from "./rule";
import { eachStatement, lower, sidOf } from "./shared";

/**
 * Condition keys that narrow who (or from where) the caller is. Other keys —
 * aws:SecureTransport, s3:prefix, s3:x-amz-acl, ... — leave Principal "*" open to everyone.
 */
export const CALLER_CONDITION_KEYS = [
  "aws:PrincipalOrgID",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:SourceAccount",
  "aws:PrincipalOrgPaths",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:SourceVpce",
  "aws:SourceVpc",
  "aws:SourceIp",
  "aws:VpcSourceIp",
  "aws:userid",
  "aws:username",
  // Key policies at scale: the consumer accounts (as in AWS's aws/s3 managed key policy).
  "kms:CallerAccount",
  // Access-point delegation: only requests through the owning account's access points, whose policies name the callers.
  "s3:DataAccessPointAccount",
  "s3:DataAccessPointArn",
];
const CALLER_KEYS = new Set(lower(CALLER_CONDITION_KEYS));

/** True when some condition (other than a Null test) constrains one of the caller keys. */
function restrictsCaller(condition: Statement["Condition"]): boolean {
  return Object.entries(condition ?? {}).some(
    ([operator, keys]) => !/^(ForAnyValue:|ForAllValues:)?Null$/i.test(operator) && Object.keys(keys ?? {}).some((k) => CALLER_KEYS.has(k.toLowerCase())),
  );
}

export const wildcardPrincipalRule: Rule = {
  id: "wildcard-principal",
  severity: "warning",
  explanation: 'An Allow to Principal "*" with no condition on the caller (aws:PrincipalOrgID, aws:SourceVpce, ...) lets anyone with the ARN in.',
  docs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"],
  check: (model) =>
    eachStatement(model, (p, s) => {
      if (s.Effect !== "Allow") return [];
      if (!(s.Principal === "*" || asList(s.Principal?.AWS).includes("*")) || restrictsCaller(s.Condition)) return [];
      return [
        {
          level: "warning",
          address: p.address,
          check: "wildcard-principal",
          acknowledgement: "wildcard-principal",
          message: `statement ${sidOf(s)} of ${p.attachedTo} allows Principal "*" with no condition on who calls (${CALLER_CONDITION_KEYS.slice(0, 4).join(", ")}, ...): anyone with the ARN. Name principals, or restrict with aws:PrincipalOrgID.`,
        },
      ];
    }),
};
