import { denyInsecureTransportStatement } from "../../lib/policy";
import type { PolicyDocument } from "../../lib/policy";
import { deniedByConstruction } from "./relevance";

/** Requests the diff may skip as Denied without asking the engine: each shortcut only where IAM cannot allow. */

const BUCKET = "arn:aws:s3:::data-b";
const TLS_DENY = denyInsecureTransportStatement(BUCKET);
const ALLOW_A = { Sid: "A", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:role/a" }, Action: "s3:GetObject", Resource: `${BUCKET}/a/*` };
const doc = (...Statement: unknown[]): PolicyDocument => ({ Version: "2012-10-17", Statement }) as unknown as PolicyDocument;
const roleA = { kind: "role" as const, arn: "arn:aws:iam::111111111111:role/a", principalArn: "arn:aws:iam::111111111111:role/a", account: "111111111111" };
const roleC = { kind: "external" as const, arn: "arn:aws:iam::333333333333:role/c", principalArn: "arn:aws:iam::333333333333:role/c", account: "333333333333" };
const owner = {
  kind: "account-probe" as const,
  arn: "arn:aws:iam::222222222222:root",
  principalArn: "arn:aws:iam::222222222222:root",
  account: "222222222222",
};
const probe = (policy: PolicyDocument, context: Record<string, string> = {}, resource = `${BUCKET}/a/x.json`) => ({
  action: "s3:GetObject",
  resource,
  resourceAccount: "222222222222",
  context,
  resourcePolicy: { document: policy, source: "bucket" },
});
const NO_TLS = { "aws:SecureTransport": "false" };

describe("deniedByConstruction", () => {
  it.each([
    ["a named cross-account principal with TLS", roleA, probe(doc(TLS_DENY, ALLOW_A)), false],
    ["a cross-account principal no Allow names", roleC, probe(doc(TLS_DENY, ALLOW_A)), true],
    ["the owner account (its identity policies may allow)", owner, probe(doc(TLS_DENY, ALLOW_A)), false],
    ["without TLS, under the library's TLS deny: anyone", roleA, probe(doc(TLS_DENY, ALLOW_A), NO_TLS), true],
    ["without TLS, the owner account too", owner, probe(doc(TLS_DENY, ALLOW_A), NO_TLS), true],
    [
      "without TLS but the deny has one more condition",
      roleA,
      probe(doc({ ...TLS_DENY, Condition: { ...TLS_DENY.Condition, StringEquals: { "aws:PrincipalAccount": "9" } } }, ALLOW_A), NO_TLS),
      false,
    ],
    [
      "without TLS but the deny names one principal, not everyone",
      owner,
      probe(doc({ ...TLS_DENY, Principal: { AWS: "arn:aws:iam::222222222222:root" } }, ALLOW_A), NO_TLS),
      false,
    ],
    ["without TLS but the deny covers other resources", owner, probe(doc({ ...TLS_DENY, Resource: "arn:aws:s3:::other/*" }, ALLOW_A), NO_TLS), false],
    ["without TLS but the deny covers other actions", owner, probe(doc({ ...TLS_DENY, Action: "s3:PutObject" }, ALLOW_A), NO_TLS), false],
    ["an access point request (separate bucket and key sides)", roleC, { ...probe(doc(TLS_DENY, ALLOW_A)), viaBucket: {} }, false],
    ["a service principal", { kind: "service" as const, arn: "s3.amazonaws.com" }, probe(doc(TLS_DENY, ALLOW_A), NO_TLS), false],
  ])("%s", (_, principal, q, expected) => {
    expect(deniedByConstruction(principal as never, q as never)).toBe(expected);
  });
});
