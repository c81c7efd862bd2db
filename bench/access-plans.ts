/**
 * Generated plans for the access-review benchmark and the old-vs-new engine
 * test: N consumers (roles in 10 other accounts) granted by the bucket
 * policies of B buckets, N/B per bucket, each consumer on its own prefix
 * (`consumer-<i>/`): the shape every grant with a prefix produces (one
 * statement per grant). The plan adds 5 consumers and removes 2 on bucket 0.
 */
import { planJson, type FixtureResource } from "../__tests__/access/plan-fixture";
import type { PlanJson } from "../tools/access/plan";

export const BENCH_OWNER = "111111111111";

const role = (i: number): string => `arn:aws:iam::${String(200000000000 + (i % 10))}:role/consumer-${i}`;

interface Consumer {
  readonly index: number;
}

function bucketResources(consumersPerBucket: readonly Consumer[][], sharedPrefix: boolean): FixtureResource[] {
  return consumersPerBucket.flatMap((consumers, b) => {
    const bucket = `bench-bucket-${b}`;
    const arn = `arn:aws:s3:::${bucket}`;
    const deny = {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    const grants = sharedPrefix
      ? [
          {
            Sid: "Read",
            Effect: "Allow",
            Principal: { AWS: consumers.map((c) => role(c.index)) },
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${arn}/team-${b}/*`,
          },
          {
            Sid: "List",
            Effect: "Allow",
            Principal: { AWS: consumers.map((c) => role(c.index)) },
            Action: "s3:ListBucket",
            Resource: arn,
            Condition: { StringLike: { "s3:prefix": `team-${b}/*` } },
          },
        ]
      : consumers.flatMap((c) => [
          {
            Sid: `Objects${c.index}`,
            Effect: "Allow",
            Principal: { AWS: role(c.index) },
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${arn}/consumer-${c.index}/*`,
          },
          {
            Sid: `List${c.index}`,
            Effect: "Allow",
            Principal: { AWS: role(c.index) },
            Action: "s3:ListBucket",
            Resource: arn,
            Condition: { StringLike: { "s3:prefix": `consumer-${c.index}/*` } },
          },
        ]);
    const policy = { Version: "2012-10-17", Statement: [deny, ...grants] };
    return [
      { type: "aws_s3_bucket", name: `b${b}`, values: { bucket, arn } },
      { type: "aws_s3_bucket_policy", name: `b${b}`, values: { bucket, policy: JSON.stringify(policy) } },
    ];
  });
}

/** A plan of `n` consumers over `buckets` buckets; `sharedPrefix`: all consumers of a bucket on one prefix (the older benchmark's shape). */
export function generatedPlan(n: number, buckets = 10, sharedPrefix = false): PlanJson {
  const per = Math.ceil(n / buckets);
  const before = Array.from({ length: buckets }, (_, b) => Array.from({ length: per }, (_, j) => ({ index: b * per + j })).filter((c) => c.index < n));
  const after = before.map((cs, b) => (b === 0 ? [...cs.slice(2), ...[0, 1, 2, 3, 4].map((k) => ({ index: n + k }))] : cs));
  return planJson({
    providers: [{ key: "aws", account: BENCH_OWNER }],
    before: bucketResources(before, sharedPrefix),
    after: bucketResources(after, sharedPrefix),
  });
}

if (require.main === module) {
  const [n, buckets] = process.argv.slice(2).map(Number);
  process.stdout.write(JSON.stringify(generatedPlan(n || 100, buckets || 10)));
}
