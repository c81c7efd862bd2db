/**
 * Policy size and synth time of bucket-share with 1, 10, 100, 300 (and 500)
 * consumer principals in other accounts. A benchmark that prints numbers, not
 * a test: `npm run bench:scale` (add `--json` for machine-readable output).
 *
 * Two grant shapes: whole bucket (one statement lists each principal once) and
 * a prefix (ListBucket with s3:prefix + object statement: each principal twice).
 */
import { performance } from "perf_hooks";
import { checkModel, policySize, POLICY_SIZE_LIMITS } from "../lib/checks";
import { ACCOUNT_B, synthModule } from "../lib/testing";
import { BucketShare } from "../modules/bucket-share";

interface Row {
  principals: number;
  prefix: string;
  bucketPolicyChars: number;
  keyPolicyChars: number;
  limit: number;
  fits: boolean;
  synthMs: number;
  sizeError: boolean;
  /** The synth-time error for the bucket policy, when over the limit. */
  error?: string;
}

function measure(n: number, prefix: string): Row {
  const grants = Array.from({ length: n }, (_, i) => ({
    principal: `arn:aws:iam::${String(100000000000 + i)}:role/consumer-writer-${i}`,
    level: "read" as const,
    prefix,
  }));
  const t0 = performance.now();
  const { model } = synthModule((scope, p) => {
    new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "scale-test-bucket", grants });
  });
  const synthMs = performance.now() - t0;
  const bucket = model.policies.find((x) => x.kind === "bucket");
  const key = model.policies.find((x) => x.kind === "key");
  const size = bucket ? policySize(bucket) : 0;
  return {
    principals: n,
    prefix: prefix || "(whole bucket)",
    bucketPolicyChars: size,
    keyPolicyChars: key ? policySize(key) : 0,
    limit: POLICY_SIZE_LIMITS.bucket.limit,
    fits: size <= POLICY_SIZE_LIMITS.bucket.limit,
    synthMs: Math.round(synthMs),
    sizeError: checkModel(model).some((f) => f.check === "policy-size"),
    error: checkModel(model).find((f) => f.check === "policy-size" && f.address === bucket?.address)?.message,
  };
}

measure(1, ""); // warm-up: module loading is not part of the figures
const rows: Row[] = [];
for (const prefix of ["", "incoming/"]) for (const n of [1, 10, 100, 300, 500]) rows.push(measure(n, prefix));

if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  console.log("bucket-share scale: bucket policy size vs the 20,480-character limit, synth time (Testing.synthScope, warm)");
  console.table(rows.map(({ error: _error, ...r }) => r));
  for (const r of rows.filter((x) => x.error !== undefined)) {
    console.log(`\n${r.principals} principals, ${r.prefix}: synth fails with [policy-size] ${r.error}`);
  }
}
