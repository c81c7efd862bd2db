import { denyInsecureTransportStatement } from "../../lib/policy";
import type { PolicyDocument } from "../../lib/policy";
import { probeSelection } from "./selection";
import type { MatrixPrincipal, NamedPolicy, Probe } from "./types";

/** Which probes a diff asks a principal: every one an Allow that can apply to it can match, and no other (engine-equivalence.test.ts checks whole diffs). */

const B = "arn:aws:s3:::data-b";
const OWNER = "222222222222";
const doc = (...Statement: unknown[]): PolicyDocument => ({ Version: "2012-10-17", Statement }) as unknown as PolicyDocument;
const TLS_DENY = denyInsecureTransportStatement(B);
const role = (account: string, name: string, identity: NamedPolicy[] = []): MatrixPrincipal => ({
  label: `${account}/${name}`,
  kind: account === OWNER ? "role" : "external",
  arn: `arn:aws:sts::${account}:assumed-role/${name}/s`,
  principalArn: `arn:aws:iam::${account}:role/${name}`,
  account,
  identityPolicies: identity,
  crossAccountOnly: false,
});
const A = role("111111111111", "a");
const C = role("333333333333", "c");

function probes(policy: PolicyDocument): Probe[] {
  const resourcePolicy: NamedPolicy = { name: "bucket", source: "bucket", document: policy };
  const q = (action: string, resource: string, context: Record<string, string> = {}, label = ""): Probe => ({
    action,
    resource,
    resourceLabel: resource,
    resourceAccount: OWNER,
    context,
    contextLabel: label,
    resourcePolicy,
    blockPublicAccess: false,
  });
  const overTls = [
    q("s3:ListBucket", B, { "s3:prefix": "a/" }, "prefix=a/"),
    q("s3:ListBucket", B, { "s3:prefix": "c/" }, "prefix=c/"),
    q("s3:ListBucket", B, {}, "no-prefix"),
    q("s3:GetObject", `${B}/a/x.json`),
    q("s3:GetObject", `${B}/c/x.json`),
    q("s3:PutObject", `${B}/a/x.json`),
    q("s3:DeleteBucket", B),
  ];
  return [
    ...overTls,
    ...overTls.map((p) => ({
      ...p,
      context: { ...p.context, "aws:SecureTransport": "false" },
      contextLabel: [p.contextLabel, "no-tls"].filter(Boolean).join(","),
    })),
    {
      ...q("s3:GetObject", `${B}/a/x.json`, {}, "via-ap"),
      viaBucket: { resource: `${B}/a/x.json`, resourceAccount: OWNER, context: {}, blockPublicAccess: false },
    },
    q("sts:GetCallerIdentity", "*"),
  ];
}

const asked = (policy: PolicyDocument, p: MatrixPrincipal): string[] =>
  probeSelection(probes(policy))
    .select(p)
    .map((q) => `${q.action} ${q.resource.replace(`${B}/`, "").replace(B, "bucket")}${q.contextLabel ? ` [${q.contextLabel}]` : ""}`);

const ALWAYS = ["s3:GetObject a/x.json [via-ap]", "sts:GetCallerIdentity *"];
const allowA = (extra: Record<string, unknown> = {}): unknown => ({
  Effect: "Allow",
  Principal: { AWS: A.principalArn },
  Action: "s3:GetObject",
  Resource: `${B}/a/*`,
  ...extra,
});

describe("probeSelection", () => {
  it("asks a named principal what its statement can match, over TLS only (the TLS deny refuses the rest)", () => {
    expect(asked(doc(TLS_DENY, allowA()), A)).toEqual(["s3:GetObject a/x.json", ...ALWAYS]);
  });

  it("asks a principal no statement names only the probes asked of everyone", () => {
    expect(asked(doc(TLS_DENY, allowA()), C)).toEqual(ALWAYS);
  });

  it("asks everyone what a statement for everyone (with a condition), a NotPrincipal or an account root can match", () => {
    const org = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${B}/c/*`, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } };
    expect(asked(doc(org), C)).toEqual(["s3:GetObject c/x.json", "s3:GetObject c/x.json [no-tls]", ...ALWAYS]);
    const notPrincipal = { Effect: "Allow", NotPrincipal: { AWS: A.principalArn }, Action: "s3:DeleteBucket", Resource: B };
    expect(asked(doc(TLS_DENY, notPrincipal), C)).toEqual(["s3:DeleteBucket bucket", ...ALWAYS]);
    const root = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "s3:PutObject", Resource: `${B}/*` };
    expect(asked(doc(TLS_DENY, root), C)).toEqual(["s3:PutObject a/x.json", ...ALWAYS]);
  });

  it("matches NotResource, NotAction, wildcards and odd case as possibly anything", () => {
    expect(asked(doc(TLS_DENY, allowA({ Resource: undefined, NotResource: `${B}/c/*` })), A)).toEqual([
      "s3:GetObject a/x.json",
      "s3:GetObject c/x.json",
      ...ALWAYS,
    ]);
    expect(asked(doc(TLS_DENY, allowA({ Action: undefined, NotAction: "s3:Delete*" })), A)).toEqual([
      "s3:GetObject a/x.json",
      "s3:PutObject a/x.json",
      ...ALWAYS,
    ]);
    expect(asked(doc(TLS_DENY, allowA({ Action: "S3:*Object", Resource: "arn:aws:s3:::DATA-?/*" })), A)).toEqual([
      "s3:GetObject a/x.json",
      "s3:GetObject c/x.json",
      "s3:PutObject a/x.json",
      ...ALWAYS,
    ]);
    expect(asked(doc(TLS_DENY, allowA({ Resource: `${B}/\${aws:username}/*` })), A)).toEqual(["s3:GetObject a/x.json", "s3:GetObject c/x.json", ...ALWAYS]);
  });

  it("bounds listing by a StringLike s3:prefix (no prefix: the condition fails), not by an IfExists one", () => {
    const list = (condition: Record<string, unknown>): unknown => ({
      Effect: "Allow",
      Principal: { AWS: A.principalArn },
      Action: "s3:ListBucket",
      Resource: B,
      Condition: condition,
    });
    expect(asked(doc(TLS_DENY, list({ StringLike: { "s3:prefix": "a/*" } })), A)).toEqual(["s3:ListBucket bucket [prefix=a/]", ...ALWAYS]);
    expect(asked(doc(TLS_DENY, list({ StringLikeIfExists: { "s3:prefix": "a/*" } })), A)).toEqual([
      "s3:ListBucket bucket [prefix=a/]",
      "s3:ListBucket bucket [prefix=c/]",
      "s3:ListBucket bucket [no-prefix]",
      ...ALWAYS,
    ]);
  });

  it("counts identity statements in the resource's own account, not across accounts", () => {
    const identity: NamedPolicy = { name: "inline", source: "role-inline", document: doc({ Effect: "Allow", Action: "s3:DeleteBucket", Resource: B }) };
    expect(asked(doc(TLS_DENY), role(OWNER, "own", [identity]))).toEqual(["s3:DeleteBucket bucket", ...ALWAYS]);
    expect(asked(doc(TLS_DENY), role("333333333333", "c", [identity]))).toEqual(ALWAYS);
  });

  it("asks a named AWS service its requests without TLS too (the TLS shortcut is not taken for services)", () => {
    const service: MatrixPrincipal = {
      label: "service/logging.s3.amazonaws.com",
      kind: "service",
      arn: "logging.s3.amazonaws.com",
      identityPolicies: [],
      crossAccountOnly: false,
    };
    const allow = { Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${B}/*` };
    expect(asked(doc(TLS_DENY, allow), service)).toEqual(["s3:PutObject a/x.json", "s3:PutObject a/x.json [no-tls]", ...ALWAYS]);
  });

  it("asks resources outside the stack only of own principals whose identity statements can match them, or of their account", () => {
    const outside = (resource: string, account: string): Probe => ({
      action: "s3:GetObject",
      resource,
      resourceLabel: resource,
      resourceAccount: account,
      context: {},
      contextLabel: "owner=other-account",
      resourcePolicy: { name: `${resource} (other)`, source: "not-in-stack", document: doc({ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }) },
      blockPublicAccess: false,
      outside: true,
    });
    // One outside probe per consumer prefix (as the owner=other-account probes are): each consumer is asked its own only.
    const all = [...probes(doc(TLS_DENY)), ...Array.from({ length: 50 }, (_, i) => outside(`${B}/p${i}/x.json`, "999999999999"))];
    const identity = (i: number): NamedPolicy[] => [
      { name: `p${i}`, source: "role-inline", document: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: `${B}/p${i}/*` }) },
    ];
    const selection = probeSelection(all);
    const labels = (p: MatrixPrincipal): string[] => selection.select(p).map((q) => `${q.resource.replace(`${B}/`, "")}${q.outside ? " (outside)" : ""}`);
    expect(labels(role(OWNER, "c7", identity(7)))).toEqual(["a/x.json", "*", "p7/x.json (outside)"]);
    expect(labels(role(OWNER, "none"))).toEqual(["a/x.json", "*"]);
    // Not an own principal: resources outside the stack are not asked of it at all (matrix.ts applies).
    expect(labels({ ...role("333333333333", "c", identity(7)), kind: "external" })).toEqual(["a/x.json", "*"]);
    // A principal of the outside resource's own account: its policy (assumed to allow) suffices.
    expect(labels({ ...role("999999999999", "there"), kind: "role" }).filter((l) => l.endsWith("(outside)"))).toHaveLength(50);
  });
});
