import { loadStackJson, matrixOf } from "../../tools/access";
import { setEngineSpeedups } from "../../tools/access/engine-speedups";
import { evaluatePolicies, evaluationCounts } from "../../tools/access/evaluate";
import type { MatrixPrincipal, Probe } from "../../tools/access/types";
import { takesPart, certainAnswer, type RequestView } from "../../tools/access/shortcut";
import { denyInsecureTransportStatement, type PolicyDocument, type Statement } from "../../lib/policy";
import { synthesized } from "./helpers";

/**
 * The engine's speed-ups (tools/access/engine-speedups.ts) and the answers by
 * request shape (tools/access/shortcut.ts) change no cell: the demo stacks
 * (defaults, with the data perimeter, with Identity Center humans) computed
 * with them off (the engine as published, every request asked of it) and on.
 */
describe("engine speed-ups and answers by shape", () => {
  afterAll(() => setEngineSpeedups(true));

  it.each([
    ["defaults", {}],
    ["data perimeter", { perimeter: { organizationId: "o-abc123def4" } }],
    ["Identity Center humans", { humans: "identity-center" }],
  ])(
    "give the matrices the engine alone gives (%s), answering most requests by shape",
    async (_label, context) => {
      let byShape = 0;
      let engine = 0;
      for (const [name, tf] of Object.entries(synthesized(context))) {
        setEngineSpeedups(false);
        const before = evaluationCounts();
        const plain = await matrixOf(loadStackJson(name, tf));
        const off = evaluationCounts();
        expect(off.byShape).toBe(before.byShape);
        setEngineSpeedups(true);
        const fast = await matrixOf(loadStackJson(name, tf));
        const on = evaluationCounts();
        expect(fast.cells.length).toBeGreaterThan(0);
        expect(fast).toEqual(plain);
        byShape += on.byShape - off.byShape;
        engine += on.engine - off.engine;
      }
      // Most requests of the full matrices are answered by shape (one engine call per shape).
      expect(byShape).toBeGreaterThan(engine);
    },
    300_000,
  );
});

const view = (action: string, resource: string, context: Record<string, string | undefined>): RequestView => ({
  action: action.toLowerCase(),
  resource,
  context: new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v])),
});
const BUCKET = "arn:aws:s3:::data-b";
const tlsDeny: Statement = denyInsecureTransportStatement(BUCKET);
const role = {
  kind: "role" as const,
  arn: "arn:aws:sts::222222222222:assumed-role/w/s",
  principalArn: "arn:aws:iam::222222222222:role/w",
  account: "222222222222",
};

describe("which statements take part in a request (three-valued)", () => {
  it("the TLS Deny: certainly not over TLS, certainly without, certainly not for another bucket", () => {
    expect(takesPart(tlsDeny, view("s3:GetObject", `${BUCKET}/k`, { "aws:SecureTransport": "true" }), role)).toBe(false);
    expect(takesPart(tlsDeny, view("s3:GetObject", `${BUCKET}/k`, { "aws:SecureTransport": "false" }), role)).toBe(true);
    expect(takesPart(tlsDeny, view("s3:GetObject", "arn:aws:s3:::other/k", { "aws:SecureTransport": "false" }), role)).toBe(false);
    expect(takesPart(tlsDeny, view("kms:Decrypt", `${BUCKET}/k`, { "aws:SecureTransport": "false" }), role)).toBe(false);
  });

  it("conditions on a key the request lacks: negated true, others false, IfExists true, Null by presence", () => {
    const st = (Condition: Record<string, Record<string, string>>): Statement => ({
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: `${BUCKET}/*`,
      Condition,
    });
    const put = view("s3:PutObject", `${BUCKET}/k`, {});
    expect(takesPart(st({ StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }), put)).toBe(true);
    expect(takesPart(st({ StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }), put)).toBe(false);
    expect(takesPart(st({ StringEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } }), put)).toBe(true);
    expect(takesPart(st({ Null: { "s3:x-amz-server-side-encryption": "false" } }), put)).toBe(false);
    expect(takesPart(st({ Null: { "s3:x-amz-server-side-encryption": "true" } }), put)).toBe(true);
    const withSse = view("s3:PutObject", `${BUCKET}/k`, { "s3:x-amz-server-side-encryption": "aws:kms" });
    expect(
      takesPart(st({ Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } }), withSse),
    ).toBe(false);
    expect(
      takesPart(st({ Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "AES256" } }), withSse),
    ).toBe(true);
  });

  it("leaves to the engine what it cannot be sure of", () => {
    const st = (extra: Record<string, unknown>): Statement => ({ Effect: "Deny", Action: "s3:GetObject", Resource: `${BUCKET}/*`, ...extra });
    const get = view("s3:GetObject", `${BUCKET}/k`, { "aws:principalorgpaths": undefined, "aws:username": "alice" });
    expect(takesPart(st({ Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-1/*" } } }), get)).toBeUndefined();
    // A key of list type (the engine hands it over as an array): unknown.
    expect(takesPart(st({ Condition: { StringLike: { "aws:PrincipalOrgPaths": "o-1/*" } } }), get)).toBeUndefined();
    expect(takesPart(st({ Condition: { StringEquals: { "aws:username": "${aws:PrincipalTag/x}" } } }), get)).toBeUndefined();
    expect(
      takesPart(st({ Condition: { NumericLessThan: { "s3:max-keys": "10" } } }), view("s3:GetObject", `${BUCKET}/k`, { "s3:max-keys": "5" })),
    ).toBeUndefined();
    expect(takesPart({ Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" } as unknown as Statement, get)).toBeUndefined();
    expect(takesPart({ Effect: "Deny", Action: "s3:*", NotResource: `${BUCKET}/x/*` } as unknown as Statement, get)).toBeUndefined();
    // Resource case differs: the engine compares the resource id case-sensitively, the loose match does not: unknown.
    expect(takesPart({ Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::DATA-B/*" }, get)).toBeUndefined();
    // A principal the statement names exactly: only the engine knows the session's match.
    expect(takesPart({ ...tlsDeny, Principal: { AWS: role.principalArn }, Condition: undefined }, get, role)).toBeUndefined();
  });

  it("is certain of a request only when every Deny is, and a Deny refuses or no Allow can", () => {
    const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
    const allowOther = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "s3:GetObject", Resource: `${BUCKET}/*` } as Statement;
    const overTls = view("s3:GetObject", `${BUCKET}/k`, { "aws:SecureTransport": "true" });
    const noTls = view("s3:GetObject", `${BUCKET}/k`, { "aws:SecureTransport": "false" });
    expect(certainAnswer([], doc(tlsDeny, allowOther), role, overTls, true)).toEqual({ denies: [], identity: "none" });
    expect(certainAnswer([], doc(tlsDeny, allowOther), role, noTls, true)).toEqual({ denies: ["resource:0"], identity: "none" });
    const allowRole = { ...allowOther, Principal: { AWS: role.principalArn } } as Statement;
    expect(certainAnswer([], doc(tlsDeny, allowRole), role, overTls, true)).toBeUndefined();
    // Across accounts an identity Allow alone does not decide: denied, the identity side allowed.
    const own = [{ name: "p", document: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }) }];
    expect(certainAnswer(own, doc(tlsDeny, allowOther), role, overTls, true)).toEqual({ denies: [], identity: "allowed" });
    expect(certainAnswer(own, doc(tlsDeny, allowOther), role, overTls, false)).toBeUndefined();
  });
});

describe("answers by shape keep requests of different shapes apart", () => {
  const bucketPolicy: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      tlsDeny,
      { Sid: "Other", Effect: "Allow", Principal: { AWS: "arn:aws:iam::333333333333:root" }, Action: "s3:GetObject", Resource: `${BUCKET}/*` },
    ],
  };
  const probe = (context: Record<string, string>): Probe => ({
    action: "s3:GetObject",
    resource: `${BUCKET}/k`,
    resourceLabel: "data-b/k",
    resourceAccount: "111111111111",
    context,
    contextLabel: "",
    resourcePolicy: { name: "aws_s3_bucket_policy.b", source: "bucket", document: bucketPolicy },
    blockPublicAccess: true,
  });
  const principal = (name: string, allow: boolean): MatrixPrincipal => ({
    label: `role/${name}`,
    kind: "role",
    arn: `arn:aws:sts::222222222222:assumed-role/${name}/s`,
    principalArn: `arn:aws:iam::222222222222:role/${name}`,
    account: "222222222222",
    crossAccountOnly: false,
    identityPolicies: [
      {
        name: `aws_iam_role_policy.${name}`,
        source: "role-inline",
        document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: allow ? "s3:GetObject" : "s3:ListBucket", Resource: "*" }] },
      },
    ],
  });

  it("a cross-account role its own policy allows and one it does not, over TLS and without: each as the engine alone answers", async () => {
    const cases = [principal("allowed", true), principal("not-allowed", false), principal("allowed-2", true), principal("not-allowed-2", false)].flatMap((p) =>
      [{ "aws:SecureTransport": "true" }, { "aws:SecureTransport": "false" }].map((c) => [p, probe(c)] as const),
    );
    const before = evaluationCounts();
    const fast = [];
    for (const [p, q] of cases) fast.push(await evaluatePolicies(p, q));
    expect(evaluationCounts().byShape - before.byShape).toBeGreaterThan(0);
    const reference = [];
    for (const [p, q] of cases) reference.push(await evaluatePolicies(p, q, { exhaustive: true }));
    expect(fast).toEqual(reference);
    // The shapes differ: the identity side is listed only where the role's own policy has no Allow.
    expect(fast[0].deciding).toEqual([{ effect: "NoAllow", source: "bucket", policy: "aws_s3_bucket_policy.b" }]);
    expect(fast[2].deciding).toEqual([
      { effect: "NoAllow", source: "identity" },
      { effect: "NoAllow", source: "bucket", policy: "aws_s3_bucket_policy.b" },
    ]);
    expect(fast[1].deciding).toEqual([{ effect: "Deny", source: "bucket", policy: "aws_s3_bucket_policy.b", sid: "DenyInsecureTransport" }]);
  });

  it("a shape the engine does not answer as predicted is asked of the engine each time (sts:GetCallerIdentity, allowed with no statement)", async () => {
    const q: Probe = {
      action: "sts:GetCallerIdentity",
      resource: "*",
      resourceLabel: "*",
      resourceAccount: "222222222222",
      context: {},
      contextLabel: "",
      blockPublicAccess: false,
    };
    const before = evaluationCounts();
    const answers = [await evaluatePolicies(principal("a", false), q), await evaluatePolicies(principal("b", false), q)];
    expect(answers.map((a) => a.decision)).toEqual(["Allowed", "Allowed"]);
    expect(evaluationCounts().engine - before.engine).toBe(2);
  });
});
