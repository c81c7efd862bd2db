/**
 * Scale of bucket-share: 1 to 10,000 consumer principals in other accounts,
 * whole bucket and prefixed, plain mode and access-point mode. A benchmark
 * that prints numbers, not a test: `npm run bench:scale` (`--json` for
 * machine-readable output, `--max N` to stop at N consumers).
 *
 * Per row: the largest bucket policy, access point policy and key policy in
 * characters (each against its AWS limit), resources created, synth time
 * (full cdktf synth with Testing.synthScope: constructs -> Terraform JSON),
 * check time (reading the JSON back as a model + the policy checks, what the
 * synth-time aspect does), and the process's peak RSS so far (monotonic:
 * rows run in ascending size, so it is the peak of the largest run yet).
 *
 * Consumers: role `consumer-<i>` in account 100000000000 + (i mod 1,000), all
 * read on the same grant shape: the whole bucket, or prefix `incoming/`.
 */
import { performance } from "perf_hooks";
import { checkModel, policySize, POLICY_SIZE_LIMITS } from "../lib/checks";
import { buildStackModel, TfJson } from "../lib/model/stack-model";
import { PolicyKind } from "../lib/model/stack-model";
import { ACCOUNT_B, synthModule } from "../lib/testing";
import { BucketShare } from "../modules/bucket-share";

const SIZES = [1, 10, 100, 300, 1000, 3000, 10000];
const ACCOUNTS = 1000;

interface Row {
  mode: "plain" | "access-point";
  consumers: number;
  prefix: string;
  bucketPolicy: string;
  accessPointPolicy: string;
  keyPolicy: string;
  resources: number;
  synthMs: number;
  checkMs: number;
  /** CPU time (user + system) of synth + checks: what load from other processes does not inflate. */
  cpuMs: number;
  peakRssMB: number;
  /** The policy-size errors, when some policy is over its limit. */
  errors: number;
}

const vsLimit = (size: number | undefined, kind: PolicyKind): string =>
  size === undefined ? "-" : `${size}/${POLICY_SIZE_LIMITS[kind].limit}${size > POLICY_SIZE_LIMITS[kind].limit ? " OVER" : ""}`;

function measure(n: number, prefix: string, accessPoints: boolean): Row {
  const grants = Array.from({ length: n }, (_, i) => ({
    principal: `arn:aws:iam::${String(100000000000 + (i % ACCOUNTS))}:role/consumer-${i}`,
    level: "read" as const,
    prefix,
  }));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { tf } = synthModule((scope, p) => {
    new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "scale-test-bucket", grants, accessPoints });
  });
  const synthMs = performance.now() - t0;
  const t1 = performance.now();
  const model = buildStackModel(tf as TfJson);
  const findings = checkModel(model);
  const checkMs = performance.now() - t1;
  const cpu = process.cpuUsage(c0);
  const largest = (kind: PolicyKind): number | undefined => {
    const sizes = model.policies.filter((x) => x.kind === kind).map(policySize);
    return sizes.length ? Math.max(...sizes) : undefined;
  };
  return {
    mode: accessPoints ? "access-point" : "plain",
    consumers: n,
    prefix: prefix || "(whole bucket)",
    bucketPolicy: vsLimit(largest("bucket"), "bucket"),
    accessPointPolicy: vsLimit(largest("access-point"), "access-point"),
    keyPolicy: vsLimit(largest("key"), "key"),
    resources: Object.values(tf.resource ?? {}).reduce((k, byName) => k + Object.keys(byName).length, 0),
    synthMs: Math.round(synthMs),
    checkMs: Math.round(checkMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    errors: findings.filter((f) => f.check === "policy-size").length,
  };
}

const maxArg = process.argv.indexOf("--max");
const max = maxArg > 0 ? Number(process.argv[maxArg + 1]) : Infinity;
measure(1, "", true); // warm-up: module loading is not part of the figures
const rows: Row[] = [];
for (const accessPoints of [false, true]) {
  for (const prefix of ["", "incoming/"]) for (const n of SIZES.filter((x) => x <= max)) rows.push(measure(n, prefix, accessPoints));
}

/**
 * Per-consumer cost in access-point mode, in CPU time (wall time on a shared
 * machine mostly measures the other processes): CPU ms per consumer at each
 * size from 100 up. Linear growth = a flat series.
 */
function perConsumer(prefix: string): string {
  const r = rows.filter((x) => x.mode === "access-point" && x.prefix === (prefix || "(whole bucket)") && x.consumers >= 100);
  if (r.length === 0) return "n/a";
  return r.map((x) => `${x.consumers}: ${(x.cpuMs / x.consumers).toFixed(2)}`).join(", ") + " CPU ms/consumer (synth+checks)";
}

if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  console.log(`bucket-share scale: largest policy of each kind (characters/limit), resources, full cdktf synth (Testing.synthScope, warm) + model/checks, peak RSS; consumers over ${ACCOUNTS} accounts`);
  console.table(rows);
  console.log(`access-point mode, whole bucket: ${perConsumer("")}`);
  console.log(`access-point mode, prefixed:     ${perConsumer("incoming/")}`);
}
