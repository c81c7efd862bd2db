/**
 * Scale of bucket-share: 1 to 10,000 consumer principals in other accounts,
 * whole bucket and prefixed, plain mode and access-point mode. A benchmark
 * that prints numbers, not a test: `npm run bench:scale` (`--json` for
 * machine-readable output, `--max N` to stop at N consumers).
 *
 * Each row is a REAL `app.synth()` of one stack (what `cdktf synth` runs:
 * constructs → Terraform JSON written to a temporary cdktf.out, with the
 * synth-time policy checks registered as in app/index.ts), then the written JSON
 * is read back for the figures: the largest bucket policy, access point
 * policy and key policy in characters (each against its AWS limit),
 * resources created, wall and CPU time of the synth, and the process's peak
 * RSS so far (monotonic: rows run in ascending size, so it is the peak of the
 * largest run yet). A plain-mode row over the bucket-policy limit is a synth
 * that the checks refused ("refused"), as it would be for a user.
 * (Testing.synthScope is not used: its JSON clean-up is quadratic in the
 * number of resources of one type and would dominate at 10,000.)
 *
 * Consumers: role `consumer-<i>` in account 100000000000 + (i mod 1,000), all
 * read on the same grant shape: the whole bucket, or prefix `incoming/`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { checkModel, policySize, POLICY_SIZE_LIMITS, registerPolicyChecks, type SizedKind } from "../lib/checks";
import { App, TerraformStack } from "../lib/framework";
import { buildStackModel, PolicyKind, StackModel, TfJson } from "../lib/model/stack-model";
import { ACCOUNT_B, providers } from "../lib/testing";
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
  /** Wall time of app.synth() (constructs, checks, JSON written). */
  synthMs: number;
  /** CPU time (user + system) of the same: what load from other processes does not inflate. */
  cpuMs: number;
  peakRssMB: number;
  /** "ok", or "refused" when the policy checks failed the synth (a policy over its limit). */
  synth: "ok" | "refused";
}

const vsLimit = (size: number | undefined, kind: SizedKind): string =>
  size === undefined ? "-" : `${size}/${POLICY_SIZE_LIMITS[kind].limit}${size > POLICY_SIZE_LIMITS[kind].limit ? " OVER" : ""}`;

function build(n: number, prefix: string, accessPoints: boolean, outdir: string): { app: App; stack: TerraformStack } {
  const grants = Array.from({ length: n }, (_, i) => ({
    principal: `arn:aws:iam::${String(100000000000 + (i % ACCOUNTS))}:role/consumer-${i}`,
    level: "read" as const,
    prefix,
  }));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "scale");
  const p = providers(stack);
  new BucketShare(stack, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "scale-test-bucket", grants, accessPoints });
  return { app, stack };
}

function measure(n: number, prefix: string, accessPoints: boolean): Row {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-bench-"));
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { app, stack } = build(n, prefix, accessPoints, outdir);
    registerPolicyChecks(app);
    let synth: Row["synth"] = "ok";
    try {
      app.synth();
    } catch {
      synth = "refused";
    }
    const synthMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    // The figures come from the JSON the synth wrote; a refused synth wrote none, so read the stack itself.
    const file = path.join(outdir, "stacks", "scale", "cdk.tf.json");
    const tf = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : stack.toTerraform()) as TfJson;
    const model: StackModel = buildStackModel(tf);
    if (synth === "ok" && checkModel(model).some((f) => f.level === "error")) throw new Error("synth passed with failing checks");
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
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      synth,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
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
  return `${r.map((x) => `${x.consumers}: ${(x.cpuMs / x.consumers).toFixed(2)}`).join(", ")} CPU ms/consumer (app.synth with checks)`;
}

if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  console.log(
    `bucket-share scale: largest policy of each kind (characters/limit), resources, app.synth() with the policy checks (warm), peak RSS; consumers over ${ACCOUNTS} accounts`,
  );
  console.table(rows);
  console.log(`access-point mode, whole bucket: ${perConsumer("")}`);
  console.log(`access-point mode, prefixed:     ${perConsumer("incoming/")}`);
}
