/**
 * Synth time of the demo app (three stacks) vs a 1-bucket cdktf app using the
 * same node_modules, and of the example consumer app installed from the
 * packed tarball; the tarball's packed and installed size. A benchmark that
 * prints numbers, not a test: `npm run bench:synth [-- --runs N] [-- --no-example]`.
 *
 * Each case runs the app process the way `cdktf synth` does (the "app"
 * command, CDKTF_OUTDIR set), N times interleaved with the other cases, in
 * fresh processes; the median wall time is compared. Goal (issue 9): demo ≤
 * 1.5x the 1-bucket app with the same runner.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

const ROOT = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const RUNS = Number(argv.includes("--runs") ? argv[argv.indexOf("--runs") + 1] : 5);
const WITH_EXAMPLE = !argv.includes("--no-example");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-bench-synth-"));

interface Case {
  readonly name: string;
  readonly cwd: string;
  /** The app command, as cdktf.json would hold it. */
  readonly command: string;
  readonly env?: Record<string, string>;
  readonly times: number[];
  error?: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const appCommand = (dir: string): string => (JSON.parse(fs.readFileSync(path.join(dir, "cdktf.json"), "utf8")) as { app: string }).app;

function runOnce(c: Case): void {
  const outdir = fs.mkdtempSync(path.join(WORK, "out-"));
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", c.command], { cwd: c.cwd, env: { ...process.env, CDKTF_OUTDIR: outdir, ...c.env }, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    c.error = (r.stderr || r.stdout || "").trim().split("\n").slice(-3).join(" | ");
    return;
  }
  if (!fs.existsSync(path.join(outdir, "manifest.json"))) {
    c.error = "no manifest.json written";
    return;
  }
  c.times.push(ms);
  fs.rmSync(outdir, { recursive: true, force: true });
}

// ---- the 1-bucket app: inside the repository, so it resolves the same node_modules
const oneDir = path.join(ROOT, ".bench", "one-bucket");
fs.mkdirSync(oneDir, { recursive: true });
fs.writeFileSync(
  path.join(oneDir, "main.ts"),
  `import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformStack } from "cdktf";
const app = new App();
const stack = new TerraformStack(app, "one-bucket");
new AwsProvider(stack, "aws", { region: "us-east-1" });
new S3Bucket(stack, "bucket", { bucket: "one-bucket-example" });
app.synth();
`,
);

const demoCommand = appCommand(ROOT); // node --require ./scripts/ts-register.js main.ts
const runner = demoCommand.replace(/ main\.ts$/, "");
const cases: Case[] = [
  { name: "demo app, 3 stacks (cdktf.json app command)", cwd: ROOT, command: demoCommand, times: [] },
  { name: "1-bucket app, same runner", cwd: ROOT, command: `${runner} .bench/one-bucket/main.ts`, times: [] },
  {
    name: "demo app as before issue 9 (npx ts-node --transpile-only, esbuild at every synth)",
    cwd: ROOT,
    command: "npx ts-node --transpile-only main.ts",
    env: { XACCT_BUNDLE_CACHE: "off" },
    times: [],
  },
  { name: "1-bucket app, npx ts-node --transpile-only", cwd: ROOT, command: "npx ts-node --transpile-only .bench/one-bucket/main.ts", times: [] },
];

// ---- the example app, installed from the packed tarball
let packLine = "";
let installedLine = "";
if (WITH_EXAMPLE) {
  const t0 = performance.now();
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "example.sh"), "--install-only", WORK], { cwd: ROOT, encoding: "utf8" });
  const prepMs = performance.now() - t0;
  const tgz = path.join(WORK, "xacct-s3.tgz");
  if (fs.existsSync(tgz)) {
    const files = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" }).trim().split("\n").length;
    packLine = `packed tarball: ${(fs.statSync(tgz).size / 1024).toFixed(0)} KiB, ${files} files`;
  }
  const app = path.join(WORK, "consumer-app");
  const installed = path.join(app, "node_modules", "xacct-s3");
  if (fs.existsSync(installed)) {
    const kib = Number(execFileSync("du", ["-sk", installed], { encoding: "utf8" }).split("\t")[0]);
    const all = Number(execFileSync("du", ["-sk", path.join(app, "node_modules")], { encoding: "utf8" }).split("\t")[0]);
    installedLine = `installed: node_modules/xacct-s3 ${(kib / 1024).toFixed(1)} MiB; the example's whole node_modules (peers, esbuild, jest, ts) ${(all / 1024).toFixed(0)} MiB; pack + install took ${(prepMs / 1000).toFixed(1)} s`;
  }
  if (r.status === 0) {
    cases.push({ name: "example app, 2 stacks (its cdktf.json app: npx ts-node main.ts, type-checked)", cwd: app, command: appCommand(app), times: [] });
    cases.push({
      name: "example app, node -r ts-node/register/transpile-only",
      cwd: app,
      command: "node -r ts-node/register/transpile-only main.ts",
      times: [],
    });
  } else {
    cases.push({
      name: "example app",
      cwd: ROOT,
      command: "false",
      times: [],
      error: `pack/install failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")}`,
    });
  }
}

// Warm-up (fills the transpile and bundle caches, as any second synth has them), then N interleaved runs.
for (const c of cases) if (!c.error) runOnce(c);
for (const c of cases) c.times.length = 0;
for (let i = 0; i < RUNS; i++) for (const c of cases) if (!c.error) runOnce(c);

console.log(`synth wall time, median of ${RUNS} fresh processes each (interleaved), ${os.cpus().length} CPUs, load avg ${os.loadavg()[0].toFixed(1)}`);
const width = Math.max(...cases.map((c) => c.name.length));
for (const c of cases) {
  if (c.error || c.times.length === 0) console.log(`  ${c.name.padEnd(width)}  FAILED: ${c.error ?? "no run"}`);
  else
    console.log(
      `  ${c.name.padEnd(width)}  ${(median(c.times) / 1000).toFixed(2)} s  (min ${(Math.min(...c.times) / 1000).toFixed(2)}, max ${(Math.max(...c.times) / 1000).toFixed(2)})`,
    );
}
const ratio = (a: Case, b: Case): string => (a.times.length && b.times.length ? (median(a.times) / median(b.times)).toFixed(2) : "n/a");
console.log(`demo / 1-bucket, same runner: ${ratio(cases[0], cases[1])}x (goal <= 1.5x)`);
console.log(`before issue 9, demo / 1-bucket (npx ts-node --transpile-only both): ${ratio(cases[2], cases[3])}x`);
if (packLine) console.log(packLine);
if (installedLine) console.log(installedLine);
fs.rmSync(WORK, { recursive: true, force: true });
