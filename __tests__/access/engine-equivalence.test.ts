import * as fs from "fs";
import * as path from "path";
import type { TfJson } from "../../lib/model/stack-model";
import { diffPlan, loadStackJson, matrixOf } from "../../tools/access";
import { diffStack } from "../../tools/access/review";
import { generatedPlan } from "../../bench/access-plans";
import { synthesized } from "./helpers";

/**
 * The faster evaluation (trimmed resource policies; a diff asking each principal
 * only the probes an Allow that can apply to it can match, tools/access/selection.ts;
 * requests whose answer is certain answered by shape, tools/access/shortcut.ts)
 * against the reference mode (`exhaustive`: every probe, whole policies: the
 * engine before issue #22), both computed here.
 */
const fixture = (name: string): string => path.join(__dirname, "fixtures", name);

describe("fast evaluation = exhaustive reference", () => {
  it("the demo stacks' matrices are identical cell for cell", async () => {
    for (const [name, tf] of Object.entries(synthesized())) {
      const stack = loadStackJson(name, tf);
      const [fast, reference] = [await matrixOf(stack), await matrixOf(stack, { exhaustive: true })];
      expect(fast.cells.length).toBeGreaterThan(0);
      expect(fast).toEqual(reference);
    }
  }, 120_000);

  it("the demo stacks given statements of every shape have identical matrices (every cell, Denied ones with their reasons)", async () => {
    for (const [name, tf] of Object.entries(synthesized())) {
      const stack = loadStackJson(name, withEveryShape(tf));
      const [fast, reference] = [await matrixOf(stack), await matrixOf(stack, { exhaustive: true })];
      expect(fast.cells.filter((c) => c.decision === "Denied").length).toBeGreaterThan(0);
      expect(fast).toEqual(reference);
    }
  }, 300_000);

  it.each(["bucket-policy.create.plan.json", "bucket-policy.replan.plan.json"])(
    "the real plan %s diffs identically",
    async (file) => {
      const text = fs.readFileSync(fixture(file), "utf8");
      expect(await diffPlan(text, { file })).toEqual(await diffPlan(text, { file, exhaustive: true }));
    },
    60_000,
  );

  it.each([
    [12, 4],
    [40, 4],
    // The largest the reference finishes in a test's time (~1 min CPU): 10 consumers per bucket.
    [200, 20],
  ])(
    "a generated plan of %i consumers over %i buckets, each on its own prefix, diffs identically",
    async (n, buckets) => {
      const plan = JSON.stringify(generatedPlan(n, buckets));
      const fast = await diffPlan(plan, { file: "g.json" });
      expect(fast.stacks[0].added.length).toBeGreaterThan(0);
      expect(fast).toEqual(await diffPlan(plan, { file: "g.json", exhaustive: true }));
    },
    900_000,
  );

  it("each demo stack, created and then given statements of every shape the selection must not miss, diffs identically", async () => {
    for (const [name, tf] of Object.entries(synthesized())) {
      const after = withEveryShape(tf);
      for (const [before, a] of [
        [{}, tf],
        [tf, after],
      ] as const) {
        const [fast, reference] = [await diffStack(name, before, a), await diffStack(name, before, a, [], new Map(), { exhaustive: true })];
        expect(fast.added.length).toBeGreaterThan(0);
        expect(fast).toEqual(reference);
      }
    }
  }, 300_000);
});

/**
 * Statements whose principals or resources no exact index entry names: an account
 * root, everyone with an Organization or a principal-ARN pattern condition,
 * NotPrincipal, NotResource, NotAction, a wildcard action with odd case, a
 * wildcard bucket pattern, a policy variable, a service principal, an s3:prefix
 * bound by StringEquals (with the empty prefix) and by IfExists; and an account
 * in the key policy and a trust policy. (No public statement: with Block Public
 * Access it would refuse every cross-account request to the bucket.)
 */
function withEveryShape(tf: TfJson): TfJson {
  const copy = JSON.parse(JSON.stringify(tf)) as { resource: Record<string, Record<string, Record<string, string>>> };
  const edit = (type: string, attribute: string, extra: (doc: { Statement: unknown[] }) => unknown[]): void => {
    for (const r of Object.values(copy.resource[type] ?? {})) {
      const doc = JSON.parse(r[attribute]) as { Statement: unknown[] };
      r[attribute] = JSON.stringify({ ...doc, Statement: [...doc.Statement, ...extra(doc)] });
    }
  };
  const other = "arn:aws:iam::444444444444:root";
  edit("aws_s3_bucket_policy", "policy", (doc) => {
    const bucket = /arn:aws:s3:::[^/"]+/.exec(JSON.stringify(doc))?.[0] as string;
    return [
      { Sid: "AccountRoot", Effect: "Allow", Principal: { AWS: other }, Action: "s3:GetObject", Resource: `${bucket}/acct/*` },
      {
        Sid: "Organization",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:GetObject", "s3:ListBucket"],
        Resource: [bucket, `${bucket}/org/*`],
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } },
      },
      { Sid: "NotPrincipal", Effect: "Deny", NotPrincipal: { AWS: other }, Action: "s3:DeleteObject", Resource: `${bucket}/acct/*` },
      {
        Sid: "NotResource",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::555555555555:role/nr" },
        Action: "s3:GetObject",
        NotResource: `${bucket}/private/*`,
      },
      { Sid: "WildAction", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:role/wa" }, Action: "S3:Get*", Resource: "arn:aws:s3:::xacct-*/*" },
      {
        Sid: "Variable",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::555555555555:user/alice" },
        Action: "s3:PutObject",
        Resource: `${bucket}/\${aws:username}/*`,
      },
      { Sid: "Service", Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${bucket}/logs/*` },
      {
        Sid: "PrincipalPattern",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: {
          ArnLike: { "aws:PrincipalArn": "arn:aws:iam::666666666666:role/*" },
          StringEquals: { "aws:PrincipalAccount": "666666666666" },
          StringLikeIfExists: { "s3:prefix": "team/*" },
        },
      },
      { Sid: "NotAction", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:role/na" }, NotAction: "s3:Delete*", Resource: `${bucket}/na/*` },
      {
        Sid: "PrefixEquals",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::555555555555:role/pe" },
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: { StringEquals: { "s3:prefix": ["pe/", ""] } },
      },
    ];
  });
  edit("aws_kms_key", "policy", () => [
    {
      Sid: "OtherAccountViaS3",
      Effect: "Allow",
      Principal: { AWS: other },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    },
  ]);
  edit("aws_iam_role", "assume_role_policy", () => [
    { Sid: "OtherAccount", Effect: "Allow", Principal: { AWS: other }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "x-1" } } },
  ]);
  return copy;
}
