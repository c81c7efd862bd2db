/**
 * The access review's cost: `npm run bench:access` (a benchmark that prints
 * numbers, not a test; `--json` for machine-readable output).
 *
 * 1. The access matrix of our three demo stacks (synthesized first, in process;
 *    the synth time is printed apart).
 * 2. `xacct-access plan` on a generated plan: N principals (roles in 10 other
 *    accounts) granted by the bucket policies of 10 buckets, N/10 per bucket,
 *    each on its own prefix; the plan adds 5 principals and removes 2. Run at
 *    N = 250 and N = 1,000: the time per cell (principals × probes, both
 *    sides) at the two sizes shows whether the cost is linear.
 * 3. The same with every consumer on its own prefix (bench/access-plans.ts: the
 *    shape our grants produce), at 250 and 1,000 principals over 10 buckets, and
 *    with --large 10,000 over 100 buckets. Wall and CPU time (the machine may be shared).
 * Goal: each ≤ 2 s on the team machine. Peak memory: the process's max RSS.
 */
import { performance } from "perf_hooks";
import { diffPlan, loadStackJson, matrixOf } from "../tools/access";
import { synthStacks } from "../app/synth";
import { planJson, type FixtureResource } from "../__tests__/access/plan-fixture";
import { generatedPlan as perConsumerPlan } from "./access-plans";

const OWNER = "111111111111";
const BUCKETS = 10;

function bucketResources(principalsPerBucket: readonly string[][]): FixtureResource[] {
  return principalsPerBucket.flatMap((principals, b) => {
    const bucket = `bench-bucket-${b}`;
    const arn = `arn:aws:s3:::${bucket}`;
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [arn, `${arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        { Sid: "Read", Effect: "Allow", Principal: { AWS: principals }, Action: ["s3:GetObject", "s3:PutObject"], Resource: `${arn}/team-${b}/*` },
        {
          Sid: "List",
          Effect: "Allow",
          Principal: { AWS: principals },
          Action: "s3:ListBucket",
          Resource: arn,
          Condition: { StringLike: { "s3:prefix": `team-${b}/*` } },
        },
      ],
    };
    return [
      { type: "aws_s3_bucket", name: `b${b}`, values: { bucket, arn } },
      { type: "aws_s3_bucket_policy", name: `b${b}`, values: { bucket, policy: JSON.stringify(policy) } },
    ];
  });
}

const role = (i: number): string => `arn:aws:iam::${String(200000000000 + (i % 10))}:role/consumer-${i}`;

function generatedPlan(n: number): ReturnType<typeof planJson> {
  const per = n / BUCKETS;
  const before = Array.from({ length: BUCKETS }, (_, b) => Array.from({ length: per }, (_, j) => role(b * per + j)));
  const after = before.map((ps, b) => (b === 0 ? [...ps.slice(2), ...[0, 1, 2, 3, 4].map((k) => role(n + k))] : ps));
  return planJson({ providers: [{ key: "aws", account: OWNER }], before: bucketResources(before), after: bucketResources(after) });
}

interface Row {
  readonly what: string;
  readonly ms: number;
  readonly cells: number;
  readonly usPerCell: number;
  readonly note: string;
}

const maxRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const rows: Row[] = [];
  const t0 = performance.now();
  const stacks = synthStacks();
  const synthMs = performance.now() - t0;
  const t1 = performance.now();
  let cells = 0;
  for (const [name, tf] of Object.entries(stacks)) cells += (await matrixOf(loadStackJson(name, tf))).cells.length;
  const ms = performance.now() - t1;
  rows.push({ what: "matrix of the 3 demo stacks", ms, cells, usPerCell: (ms * 1000) / cells, note: `synth ${synthMs.toFixed(0)} ms not included` });

  // The shared-prefix shape (all consumers of a bucket on one prefix) and the shape our grants
  // produce (each consumer its own prefix: two statements per grant, bench/access-plans.ts).
  const large = process.argv.includes("--large");
  const cases: { n: number; buckets: number; perConsumer: boolean }[] = [
    { n: 250, buckets: BUCKETS, perConsumer: false },
    { n: 1000, buckets: BUCKETS, perConsumer: false },
    { n: 250, buckets: BUCKETS, perConsumer: true },
    { n: 1000, buckets: BUCKETS, perConsumer: true },
    ...(large ? [{ n: 10_000, buckets: 100, perConsumer: true }] : []),
  ];
  for (const { n, buckets, perConsumer } of cases) {
    const plan = perConsumer ? perConsumerPlan(n, buckets) : generatedPlan(n);
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const d = await diffPlan(JSON.stringify(plan), { file: `generated-${n}.json` });
    const planMs = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    const s = d.stacks[0];
    // cells evaluated: principals × probes on both sides (the diff keeps only Allowed ones)
    const evaluated = s.cellsEvaluated;
    rows.push({
      what: `plan diff: ${n} principals, ${buckets} buckets, ${perConsumer ? "own prefix each" : "one prefix per bucket"}`,
      ms: planMs,
      cells: evaluated,
      usPerCell: (planMs * 1000) / evaluated,
      note: `cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; ${s.added.length} NEW, ${s.removed.length} REMOVED, ${s.unchanged} UNCHANGED`,
    });
  }
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ rows, maxRssMiB: maxRssMiB() }, null, 2)}\n`);
    return;
  }
  for (const r of rows) {
    process.stdout.write(
      `${r.what.padEnd(66)} ${r.ms.toFixed(0).padStart(6)} ms  ${String(r.cells).padStart(8)} cells  ${r.usPerCell.toFixed(2).padStart(7)} µs/cell  ${r.note}\n`,
    );
  }
  process.stdout.write(`peak memory (max RSS of the process): ${maxRssMiB()} MiB\n`);
}

void main();
