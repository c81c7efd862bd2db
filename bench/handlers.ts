/**
 * Benchmark of the handlers (prints numbers; not a test).
 *
 *   npx ts-node bench/handlers.ts          table
 *   npx ts-node bench/handlers.ts --json   JSON only
 *
 * 1. STS calls: 1 cold + 1,000 warm invocations of OUR writer (put) and of the
 *    SEED 001 pattern (bench/seed001.ts: AssumeRole on every call), in the same
 *    process, with S3 and STS mocked by aws-sdk-client-mock (calls counted).
 *    Plus 1,000 invocations of ours spread over 24 h of simulated clock time,
 *    to show the refresh rate of 1-hour sessions.
 * 2. Bundle: each handler bundled with lib/bundle.ts's bundleHandler, zipped
 *    (zip CLI at the default level 6, like Terraform's archive provider; the
 *    archiver package when zip is absent): bundle bytes and zip bytes.
 * 3. Module init: time to require() the bundled index.js in a fresh `node`
 *    process, median of 10 runs.
 * 4. Powertools decision: the writer bundled twice with the same esbuild
 *    options - as shipped (Powertools Logger) and with the Logger swapped for a
 *    10-line console shim - and the difference in zip bytes and median init
 *    time over 25 interleaved fresh-process runs each.
 *    Issue 11's rule: keep Powertools unless it costs over 15 ms init or 100 KB zip.
 * 5. Processor throughput: one warm metadata-processor container against the
 *    local fake STS/S3 endpoint (real SDK, real HTTP on 127.0.0.1): records per
 *    second and S3 calls per record, for 1-record events (what S3 sends) and
 *    10-record events.
 * 6. Credential states: the writer warm with fresh, near-expiry and expired
 *    (clock skew) sessions, STS throttling and STS hung: STS requests per
 *    1,000 invocations and per invocation (issue 18's goal: at most one).
 * 7. RSS before and after 10,000 warm writer invocations.
 * Targets: ≤ 1 STS call per 1,000 warm invocations; zip ≤ 300 KB (300,000 bytes); init ≤ 100 ms.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand as SeedAssumeRoleCommand, STSClient as SeedSTSClient } from "@aws-sdk/client-sts";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
import { buildSync } from "esbuild";
import { bundleHandler, ESBUILD_OPTIONS, HANDLERS_DIR } from "../lib/bundle";
import { FakeAwsEndpoint, type FakeEndpointOptions } from "../handlers/shared/fake-endpoint";
import { logger } from "../handlers/shared/log";
import { metrics } from "../handlers/shared/metrics";
import { __resetForTests, handler as writerHandler } from "../handlers/writer";
import { handler as processorHandler } from "../handlers/metadata-processor";
import { seedHandler } from "./seed001";

const WARM = 1000;
const INIT_RUNS = 10;
/** Interleaved init runs per variant for the Powertools A/B (its difference is small next to machine noise). */
const AB_RUNS = 25;
const TARGETS = { stsPer1000Warm: 1, maxStsPerInvocation: 1, zipBytes: 300_000, initMs: 100, powertoolsInitMs: 15, powertoolsZipBytes: 100_000 };
const HANDLERS = ["writer", "metadata-processor"];
const asJson = process.argv.includes("--json");

// ---------------------------------------------------------------- mocks
const s3Mock = mockClient(S3Client);
const stsMock = mockClient(STSClient); // the STS client fromTemporaryCredentials uses
const seedStsMock = mockClient(SeedSTSClient); // the seed's @aws-sdk/client-sts

function credentials(): { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date } } {
  return {
    Credentials: { AccessKeyId: "ASIABENCH", SecretAccessKey: "bench-secret", SessionToken: "bench-token", Expiration: new Date(Date.now() + 3600_000) },
  };
}

function resetMocks(): void {
  s3Mock.reset();
  stsMock.reset();
  seedStsMock.reset();
  stsMock.on(AssumeRoleCommand).callsFake(credentials);
  seedStsMock.on(SeedAssumeRoleCommand).callsFake(credentials);
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"bench"', VersionId: "v1" });
  s3Mock.on(ListObjectsCommand).resolves({ Contents: [{ Key: "123.txt", Size: 5 }] });
  s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: { transformToString: async () => "hello" }, ContentLength: 5 }));
}

const stsCalls = (): number => stsMock.commandCalls(AssumeRoleCommand).length + seedStsMock.commandCalls(SeedAssumeRoleCommand).length;
const s3Calls = (): number => s3Mock.calls().length;

/** Run `fn` with console output (and the Powertools Logger's own Console) counted and silenced (the seed logs credentials and bodies). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; lines: number }> {
  const consoles = [console as unknown as Record<string, unknown>, (logger as unknown as { console: Record<string, unknown> }).console];
  const methods = ["log", "info", "warn", "error", "debug"];
  const saved = consoles.map((c) => methods.map((m) => c[m]));
  let lines = 0;
  for (const c of consoles) for (const m of methods) c[m] = () => void (lines += 1);
  // Powertools Metrics prints its EMF lines through a Console of its own: silenced, not counted as log lines.
  const emf = (metrics as unknown as { console: Record<string, unknown> }).console;
  const emfLog = emf.log;
  emf.log = () => undefined;
  try {
    return { value: await fn(), lines };
  } finally {
    consoles.forEach((c, i) => methods.forEach((m, j) => (c[m] = saved[i][j])));
    emf.log = emfLog;
  }
}

interface StsResult {
  readonly name: string;
  readonly invocations: { cold: number; warm: number };
  readonly stsCallsCold: number;
  readonly stsCallsWarm: number;
  readonly stsPer1000Warm: number;
  readonly s3CallsWarm: number;
  readonly meanMsPerWarmInvocation: number;
  readonly logLinesWarm: number;
}

async function runWarm(name: string, invoke: (i: number) => Promise<unknown>): Promise<StsResult> {
  resetMocks();
  await quietly(() => invoke(-1)); // cold start: first invocation of the container
  const stsCold = stsCalls();
  const s3Before = s3Calls();
  const start = performance.now();
  const { lines } = await quietly(async () => {
    for (let i = 0; i < WARM; i++) await invoke(i);
  });
  const ms = performance.now() - start;
  const stsWarm = stsCalls() - stsCold;
  return {
    name,
    invocations: { cold: 1, warm: WARM },
    stsCallsCold: stsCold,
    stsCallsWarm: stsWarm,
    stsPer1000Warm: (stsWarm * 1000) / WARM,
    s3CallsWarm: s3Calls() - s3Before,
    meanMsPerWarmInvocation: Math.round((ms / WARM) * 1000) / 1000,
    logLinesWarm: lines,
  };
}

function writerEnv(): void {
  Object.assign(process.env, {
    TARGET_BUCKET: "reporting-bucket",
    TARGET_PREFIX: "incoming/",
    TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
    TARGET_SESSION_DURATION_SECONDS: "3600",
    TARGET_REGION: "us-west-2",
    AWS_REGION: "us-west-2",
    AWS_LAMBDA_FUNCTION_NAME: "bench-writer",
    MAX_BODY_BYTES: "1048576",
    // fake execution-role credentials: nothing may reach a real credential source
    AWS_ACCESS_KEY_ID: "AKIDBENCH",
    AWS_SECRET_ACCESS_KEY: "bench",
  });
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_LAMBDA_LOG_FORMAT;
}

/** Ours over a simulated day: invocations evenly spread over 24 h of Date.now(). */
async function runDay(): Promise<{ invocations: number; simulatedHours: number; stsCalls: number }> {
  resetMocks();
  __resetForTests();
  const realNow = Date.now;
  const t0 = realNow();
  const step = (24 * 3600_000) / WARM;
  let i = 0;
  Date.now = () => t0 + i * step;
  try {
    await quietly(async () => {
      for (i = 0; i < WARM; i++) await writerHandler({ data: { i } }, { awsRequestId: `day-${i}` });
    });
  } finally {
    Date.now = realNow;
  }
  return { invocations: WARM, simulatedHours: 24, stsCalls: stsCalls() };
}

// ---------------------------------------------------------------- bundle, zip, init
function hasZipCli(): boolean {
  return spawnSync("zip", ["-v"], { stdio: "ignore" }).status === 0;
}

async function zipDir(dir: string, out: string): Promise<void> {
  if (hasZipCli()) {
    execFileSync("zip", ["-q", "-X", "-r", out, "."], { cwd: dir });
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const archiver = require("archiver") as (
    format: string,
    opts: object,
  ) => {
    pipe: (s: NodeJS.WritableStream) => void;
    directory: (d: string, dest: false) => void;
    finalize: () => Promise<void>;
    on: (e: string, cb: (err: Error) => void) => void;
  };
  await new Promise<void>((resolve, reject) => {
    const output = fs.createWriteStream(out);
    const archive = archiver("zip", { zlib: { level: 6 } });
    output.on("close", () => resolve());
    archive.on("error", reject);
    archive.pipe(output);
    archive.directory(dir, false);
    void archive.finalize();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function initTimes(file: string, runs = INIT_RUNS): number[] {
  const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});const d=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=="function")throw new Error("no handler export");process.stdout.write(String(d));`;
  const env = { PATH: process.env.PATH ?? "", HOME: os.tmpdir() };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`require(${file}) failed: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  return times;
}

const initTimesOnce = (file: string): number[] => initTimes(file, 1);

interface BundleResult {
  readonly name: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
  readonly zipTool: string;
  readonly initMsMedian: number;
  readonly initMsRuns: number[];
}

async function measureBundle(name: string, work: string): Promise<BundleResult> {
  const b = bundleHandler(name);
  const zip = path.join(work, `${name}.zip`);
  await zipDir(b.dir, zip);
  const runs = initTimes(b.file);
  return {
    name,
    bundleBytes: fs.statSync(b.file).size,
    zipBytes: fs.statSync(zip).size,
    zipTool: hasZipCli() ? "zip -6 (CLI)" : "archiver (level 6)",
    initMsMedian: Math.round(median(runs) * 10) / 10,
    initMsRuns: runs.map((r) => Math.round(r * 10) / 10),
  };
}

// ---------------------------------------------------------------- Powertools decision

/** Stand-in for `@aws-lambda-powertools/logger` with the calls log.ts makes: one JSON line per call. */
const LOGGER_SHIM = `export class Logger {
  constructor(o) { this.service = (o && o.serviceName) || "service"; }
  line(level, message, extra) { console.log(JSON.stringify({ level, message, service: this.service, timestamp: new Date().toISOString(), ...extra })); }
  info(m, e) { this.line("INFO", m, e); }
  warn(m, e) { this.line("WARN", m, e); }
  error(m, e) { this.line("ERROR", m, e); }
  debug(m, e) { this.line("DEBUG", m, e); }
}`;

/** The writer bundled like lib/bundle.ts does it, with or without the real Powertools Logger. */
function bundleWriterVariant(dir: string, withPowertools: boolean): string {
  const file = path.join(dir, withPowertools ? "with" : "without", "index.js");
  const shim = path.join(dir, "logger-shim.mjs");
  fs.writeFileSync(shim, LOGGER_SHIM);
  buildSync({
    entryPoints: [path.join(HANDLERS_DIR, "writer", "index.ts")],
    outfile: file,
    ...ESBUILD_OPTIONS,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    ...(withPowertools ? {} : { alias: { "@aws-lambda-powertools/logger": shim } }),
  });
  return file;
}

interface PowertoolsCost {
  readonly zipBytesWith: number;
  readonly zipBytesWithout: number;
  readonly zipBytesAdded: number;
  readonly initMsWith: number;
  readonly initMsWithout: number;
  readonly initMsAdded: number;
  readonly keep: boolean;
}

async function measurePowertools(work: string): Promise<PowertoolsCost> {
  const m: Record<string, { zip: number; init: number[] }> = {};
  for (const withPt of [true, false]) {
    const file = bundleWriterVariant(work, withPt);
    const zip = path.join(work, `writer-${withPt ? "with" : "without"}.zip`);
    await zipDir(path.dirname(file), zip);
    m[String(withPt)] = { zip: fs.statSync(zip).size, init: [] };
  }
  // Interleave the init runs so machine load hits both variants alike.
  for (let i = 0; i < AB_RUNS; i++) {
    for (const withPt of [true, false]) m[String(withPt)].init.push(...initTimesOnce(path.join(work, withPt ? "with" : "without", "index.js")));
  }
  const w = m.true;
  const wo = m.false;
  const initWith = Math.round(median(w.init) * 10) / 10;
  const initWithout = Math.round(median(wo.init) * 10) / 10;
  const zipAdded = w.zip - wo.zip;
  const initAdded = Math.round((initWith - initWithout) * 10) / 10;
  return {
    zipBytesWith: w.zip,
    zipBytesWithout: wo.zip,
    zipBytesAdded: zipAdded,
    initMsWith: initWith,
    initMsWithout: initWithout,
    initMsAdded: initAdded,
    keep: zipAdded <= TARGETS.powertoolsZipBytes && initAdded <= TARGETS.powertoolsInitMs,
  };
}

// ---------------------------------------------------------------- processor throughput

interface Throughput {
  readonly recordsPerEvent: number;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly s3CallsPerRecord: number;
  readonly stsCalls: number;
}

/** Run `fn` against a fresh local fake STS/S3 endpoint; the process environment is restored and the endpoint closed after. */
async function withFakeEndpoint<T>(options: FakeEndpointOptions, fn: (fake: FakeAwsEndpoint) => Promise<T>): Promise<T> {
  const fake = await FakeAwsEndpoint.start(options);
  const saved = { ...process.env };
  try {
    return await fn(fake);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await fake.close();
  }
}

async function processorThroughput(): Promise<Throughput[]> {
  return withFakeEndpoint({ assumedRoleArn: "arn:aws:sts::333333333333:assumed-role/reporting-writer/bench-processor", headEtag: "e1" }, async (fake) => {
    Object.assign(process.env, {
      TARGET_BUCKET: "reporting-data",
      TARGET_PREFIX: "metadata/",
      TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
      TARGET_REGION: "us-west-2",
      TARGET_BUCKET_OWNER: "333333333333",
      SOURCE_BUCKETS: "prod-data",
      AWS_REGION: "us-west-2",
      AWS_LAMBDA_FUNCTION_NAME: "bench-processor",
      AWS_ENDPOINT_URL: fake.url,
      AWS_ACCESS_KEY_ID: "AKIDBENCH",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_MAX_ATTEMPTS: "1",
    });
    const out: Throughput[] = [];
    for (const perEvent of [1, 10]) {
      __resetForTests();
      const record = (i: number) => ({
        eventSource: "aws:s3",
        eventName: "ObjectCreated:Put",
        awsRegion: "us-west-2",
        s3: { bucket: { name: "prod-data" }, object: { key: `data/obj-${i}.csv`, eTag: "e1", size: 11, sequencer: "00" } },
      });
      const ctx = (i: number) => ({ awsRequestId: `tp-${i}`, getRemainingTimeInMillis: () => 30_000 });
      await quietly(() => processorHandler({ Records: [record(-1)] }, ctx(-1))); // cold start
      fake.seen.length = 0;
      const events = Math.ceil(500 / perEvent);
      const start = performance.now();
      await quietly(async () => {
        for (let e = 0; e < events; e++) {
          await processorHandler({ Records: Array.from({ length: perEvent }, (_, j) => record(e * perEvent + j)) }, ctx(e));
        }
      });
      const secs = (performance.now() - start) / 1000;
      const records = events * perEvent;
      const s3 = fake.seen.filter((r) => !(r.method === "POST" && r.body.includes("Action=AssumeRole"))).length;
      out.push({
        recordsPerEvent: perEvent,
        records,
        recordsPerSecond: Math.round(records / secs),
        s3CallsPerRecord: s3 / records,
        stsCalls: fake.assumeRoleCalls.length,
      });
    }
    return out;
  });
}

// ---------------------------------------------------------------- credential states (real SDK, fake STS/S3)
interface CredentialStateResult {
  readonly state: string;
  /** What the fake STS does in this state. */
  readonly how: string;
  readonly invocations: number;
  readonly ok: number;
  /** AssumeRole calls (first attempts). */
  readonly stsCalls: number;
  /** HTTP requests to STS, the SDK's retries included. */
  readonly stsRequests: number;
  readonly stsPer1000: number;
  readonly maxStsPerInvocation: number;
}

/**
 * The writer (real SDK stack, AWS_ENDPOINT_URL = the local fake) warm in each
 * credential state issue 18 names, 1,000 invocations each after a cold start:
 * STS HTTP requests (SDK retries included) per 1,000 and the most any one
 * invocation made. Time is moved with Date.now (the handler and the fake read
 * the same clock), so "near expiry" and the back-off are real code paths.
 */
async function credentialStates(): Promise<CredentialStateResult[]> {
  return withFakeEndpoint({ assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/bench-writer" }, (fake) => credentialStatesOn(fake));
}

async function credentialStatesOn(fake: FakeAwsEndpoint): Promise<CredentialStateResult[]> {
  const realNow = Date.now;
  const states: { state: string; how: string; lifetimeMs: number; after: () => void; n: number }[] = [
    { state: "fresh", how: "1 h sessions", lifetimeMs: 3600_000, after: () => undefined, n: WARM },
    { state: "near expiry", how: "4 min sessions, clock moved past half their life", lifetimeMs: 4 * 60_000, after: () => undefined, n: WARM },
    {
      state: "expired (clock skew)",
      how: "sessions that look expired on arrival (local clock 1 min ahead)",
      lifetimeMs: -60_000,
      after: () => undefined,
      n: WARM,
    },
    {
      state: "STS throttling",
      how: "near expiry, then every AssumeRole answered 400 Throttling",
      lifetimeMs: 4 * 60_000,
      after: () => void (fake.stsThrottled = true),
      n: WARM,
    },
    { state: "STS hung", how: "near expiry, then every AssumeRole left unanswered", lifetimeMs: 4 * 60_000, after: () => void (fake.hang = "sts"), n: WARM },
  ];
  // One AssumeRole call = its first HTTP attempt (the SDK numbers its retries: amz-sdk-request: attempt=N).
  const calls = (): number => fake.assumeRoleCalls.filter((r) => /^attempt=1;/.test(String(r.headers["amz-sdk-request"] ?? "attempt=1;"))).length;
  const out: CredentialStateResult[] = [];
  try {
    writerEnv();
    Object.assign(process.env, { AWS_ENDPOINT_URL: fake.url, AWS_MAX_ATTEMPTS: "3" });
    for (const st of states) {
      __resetForTests();
      fake.reset();
      fake.credentialLifetimeMs = st.lifetimeMs;
      const ctx = (id: string) => {
        const end = Date.now() + 10_000;
        return { awsRequestId: id, getRemainingTimeInMillis: () => end - Date.now() };
      };
      await quietly(() => writerHandler({ data: {} }, ctx("cold")));
      // past half the life of a 4-minute session: due for refresh, still valid
      if (st.lifetimeMs > 0 && st.lifetimeMs < 3600_000) {
        const shifted = realNow() + st.lifetimeMs / 2 + 1000;
        const t0 = realNow();
        Date.now = () => shifted + (realNow() - t0);
      }
      st.after();
      let ok = 0;
      let maxPer = 0;
      const before = calls();
      const requestsBefore = fake.assumeRoleCalls.length;
      await quietly(async () => {
        for (let i = 0; i < st.n; i++) {
          const b = calls();
          const r = await writerHandler({ data: { i } }, ctx(`w${i}`)).then(
            () => true,
            () => false,
          );
          if (r) ok += 1;
          maxPer = Math.max(maxPer, calls() - b);
        }
      });
      Date.now = realNow;
      const sts = calls() - before;
      const requests = fake.assumeRoleCalls.length - requestsBefore;
      out.push({
        state: st.state,
        how: st.how,
        invocations: st.n,
        ok,
        stsCalls: sts,
        stsRequests: requests,
        stsPer1000: (sts * 1000) / st.n,
        maxStsPerInvocation: maxPer,
      });
    }
    return out;
  } finally {
    Date.now = realNow;
  }
}

interface RssResult {
  readonly invocations: number;
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
  readonly heapBeforeMiB: number;
  readonly heapAfterMiB: number;
}

/**
 * RSS and heap (after a forced GC) before and after 10,000 warm writer
 * invocations against the fake endpoint, in a fresh `node --expose-gc`
 * process (this one holds the mocks' call records of the sections above):
 * growth would be a leak per invocation.
 */
function rssAfterInvocations(): RssResult {
  const out = execFileSync(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", __filename, "--rss-child"], {
    encoding: "utf8",
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = out.split("\n").find((l) => l.startsWith("RSS_RESULT ")) as string;
  return JSON.parse(line.slice("RSS_RESULT ".length)) as RssResult;
}

async function rssChild(count = 10_000): Promise<RssResult> {
  // the real SDK stack here: no aws-sdk-client-mock
  s3Mock.restore();
  stsMock.restore();
  seedStsMock.restore();
  return withFakeEndpoint({ assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/bench-writer" }, (fake) => rssOn(fake, count));
}

async function rssOn(fake: FakeAwsEndpoint, count: number): Promise<RssResult> {
  const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;
  const gc = (): void => (global as { gc?: () => void }).gc?.();
  writerEnv();
  Object.assign(process.env, { AWS_ENDPOINT_URL: fake.url });
  __resetForTests();
  await quietly(async () => {
    for (let i = 0; i < 200; i++) await writerHandler({ data: { i } }, { awsRequestId: `warmup-${i}` });
  });
  fake.seen.length = 0;
  gc();
  const before = process.memoryUsage();
  await quietly(async () => {
    for (let i = 0; i < count; i++) {
      await writerHandler({ data: { i } }, { awsRequestId: `rss-${i}` });
      if (i % 1000 === 0) fake.seen.length = 0; // the fake's own request log is not the handler's memory
    }
  });
  fake.seen.length = 0;
  gc();
  const after = process.memoryUsage();
  return {
    invocations: count,
    rssBeforeMiB: mib(before.rss),
    rssAfterMiB: mib(after.rss),
    heapBeforeMiB: mib(before.heapUsed),
    heapAfterMiB: mib(after.heapUsed),
  };
}

// ---------------------------------------------------------------- report
const pass = (ok: boolean): string => (ok ? "PASS" : "FAIL");
const n = (x: number): string => x.toLocaleString("en-US");

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<void> {
  writerEnv();
  __resetForTests();
  const ours = await runWarm("ours: handlers/writer (put)", (i) => writerHandler({ data: { i } }, { awsRequestId: `bench-${i}` }));
  const seed = await runWarm("seed 001: assume-role per call (list+get)", () => seedHandler({}, {}));
  const day = await runDay();
  s3Mock.restore();
  stsMock.restore();
  seedStsMock.restore();

  const throughput = await processorThroughput();
  const states = await credentialStates();
  const rss = rssAfterInvocations();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-handlers-"));
  const bundles: BundleResult[] = [];
  let powertools: PowertoolsCost;
  try {
    for (const h of HANDLERS) bundles.push(await measureBundle(h, work));
    powertools = await measurePowertools(work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), `xacct-bundles-${process.pid}`), { recursive: true, force: true });
  }

  const ratio = ours.stsCallsWarm === 0 ? null : seed.stsCallsWarm / ours.stsCallsWarm;
  const ratioInclCold = (seed.stsCallsWarm + seed.stsCallsCold) / (ours.stsCallsWarm + ours.stsCallsCold);
  const result = {
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    sts: { ours, seed, ratioWarm: ratio, ratioInclCold: Math.round(ratioInclCold * 10) / 10, oursOverSimulatedDay: day },
    bundles,
    powertools,
    processorThroughput: throughput,
    credentialStates: states,
    rss,
    targets: TARGETS,
    verdict: {
      stsPer1000Warm: ours.stsPer1000Warm <= TARGETS.stsPer1000Warm,
      zip: bundles.every((b) => b.zipBytes <= TARGETS.zipBytes),
      init: bundles.every((b) => b.initMsMedian <= TARGETS.initMs),
      atMostOneStsCallPerInvocation: states.every((st) => st.maxStsPerInvocation <= TARGETS.maxStsPerInvocation),
    },
  };

  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }

  console.log(`\nSTS calls — 1 cold + ${n(WARM)} warm invocations, S3/STS mocked (aws-sdk-client-mock), node ${process.version}\n`);
  console.log(
    pad([
      ["handler", "STS cold", `STS warm (${n(WARM)})`, "STS / 1,000 warm", "S3 calls warm", "ms / warm inv", "log lines warm"],
      ...[ours, seed].map((r) => [
        r.name,
        String(r.stsCallsCold),
        n(r.stsCallsWarm),
        String(r.stsPer1000Warm),
        n(r.s3CallsWarm),
        r.meanMsPerWarmInvocation.toFixed(3),
        n(r.logLinesWarm),
      ]),
    ]),
  );
  console.log(
    `\nratio seed/ours, warm: ${ratio === null ? `${n(seed.stsCallsWarm)} : 0 (ours makes no STS call while warm)` : `${ratio}x`}; including the cold start: ${result.sts.ratioInclCold}x`,
  );
  console.log(`ours over a simulated day (${n(day.invocations)} invocations spread over 24 h, 1 h sessions refreshed 5 min early): ${day.stsCalls} STS calls`);
  console.log(`target <= ${TARGETS.stsPer1000Warm} STS call per 1,000 warm invocations: ours ${ours.stsPer1000Warm} -> ${pass(result.verdict.stsPer1000Warm)}`);

  console.log(
    `\nBundles — lib/bundle.ts bundleHandler (esbuild, minified CJS, node22), zipped with ${bundles[0]?.zipTool}; init = require() in a fresh node, median of ${INIT_RUNS}\n`,
  );
  console.log(
    pad([
      ["handler", "bundle bytes", "zip bytes", `zip <= ${n(TARGETS.zipBytes)}`, "init ms (median)", `init <= ${TARGETS.initMs} ms`, "init runs (ms)"],
      ...bundles.map((b) => [
        b.name,
        n(b.bundleBytes),
        n(b.zipBytes),
        pass(b.zipBytes <= TARGETS.zipBytes),
        b.initMsMedian.toFixed(1),
        pass(b.initMsMedian <= TARGETS.initMs),
        b.initMsRuns.join(" "),
      ]),
    ]),
  );
  console.log(
    `\nPowertools Logger decision — the writer bundled with the real @aws-lambda-powertools/logger vs a console shim (same esbuild options), init median of ${AB_RUNS} interleaved runs each\n`,
  );
  console.log(
    pad([
      ["variant", "zip bytes", "init ms (median)"],
      ["with Powertools Logger (shipped)", n(powertools.zipBytesWith), powertools.initMsWith.toFixed(1)],
      ["with a console shim", n(powertools.zipBytesWithout), powertools.initMsWithout.toFixed(1)],
      ["cost of Powertools", `+${n(powertools.zipBytesAdded)}`, `${powertools.initMsAdded >= 0 ? "+" : ""}${powertools.initMsAdded.toFixed(1)}`],
    ]),
  );
  console.log(
    `rule: keep Powertools unless it costs > ${TARGETS.powertoolsInitMs} ms init or > ${n(TARGETS.powertoolsZipBytes)} bytes zip -> ${powertools.keep ? "KEEP Powertools Logger" : "DROP Powertools (over budget)"}`,
  );

  console.log(
    `\nmetadata-processor throughput — one warm container, real SDK against the local fake STS/S3 endpoint (127.0.0.1), ${throughput[0]?.records ?? 0} records per row\n`,
  );
  console.log(
    pad([
      ["records / event", "records", "records / s", "S3 calls / record", "STS calls (warm)"],
      ...throughput.map((t) => [String(t.recordsPerEvent), n(t.records), n(t.recordsPerSecond), t.s3CallsPerRecord.toFixed(2), String(t.stsCalls)]),
    ]),
  );
  console.log(
    `\nwriter credential states — real SDK against the local fake STS/S3, 1 cold + ${n(WARM)} warm invocations each; a call is one AssumeRole with its SDK retries (AWS_MAX_ATTEMPTS=3), counted by the amz-sdk-request header\n`,
  );
  console.log(
    pad([
      ["state", "invocations ok", "STS calls", "STS HTTP requests", "STS calls / 1,000", "max STS calls / invocation", "how"],
      ...states.map((st) => [
        st.state,
        `${n(st.ok)}/${n(st.invocations)}`,
        n(st.stsCalls),
        n(st.stsRequests),
        String(st.stsPer1000),
        String(st.maxStsPerInvocation),
        st.how,
      ]),
    ]),
  );
  console.log(`goal: at most ${TARGETS.maxStsPerInvocation} STS call per invocation in every state -> ${pass(result.verdict.atMostOneStsCallPerInvocation)}`);
  console.log(
    `\nRSS after ${n(rss.invocations)} warm writer invocations (real SDK, fake endpoint): RSS ${rss.rssBeforeMiB} -> ${rss.rssAfterMiB} MiB, heap after GC ${rss.heapBeforeMiB} -> ${rss.heapAfterMiB} MiB (fresh node --expose-gc process)`,
  );
  console.log(`\nmeasured on ${result.platform}; Lambda CPU scales with memory (256 MB is a fraction of a vCPU), so init there is slower than here.\n`);
}

(process.argv.includes("--rss-child") ? rssChild().then((r) => console.log(`RSS_RESULT ${JSON.stringify(r)}`)) : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
