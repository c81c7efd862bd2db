import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import * as os from "os";
import { bundleHandler } from "../lib/bundle";
import { FakeAwsEndpoint } from "./shared/fake-endpoint";

/**
 * Issue 18, black box: the bundles as Lambda runs them (lib/bundle.ts's esbuild
 * output, required in a fresh node, no jest, no mocks) against the local fake
 * STS/S3 endpoint. One container per test: a child process that runs one
 * invocation per line it reads (event, remaining time, clock shift) and
 * answers one JSON line, while this side changes the endpoint's faults between
 * invocations as STS and S3 would.
 */

interface Step {
  readonly event: unknown;
  /** What context.getRemainingTimeInMillis() starts from. @default 10000 */
  readonly ms?: number;
  /** Move this container's clock (Date.now) by this much before the invocation. */
  readonly shiftMs?: number;
}

interface Outcome {
  readonly ok: boolean;
  readonly value?: Record<string, unknown>;
  readonly error?: { name: string; message: string };
  readonly tookMs: number;
}

const DRIVER = `
const m = require(process.env.BUNDLE);
const realNow = Date.now;
let shift = 0;
Date.now = () => realNow() + shift;
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const step = JSON.parse(line);
  shift += step.shiftMs || 0;
  const end = Date.now() + (step.ms || 10000);
  const t0 = realNow();
  try {
    const value = await m.handler(step.event, { awsRequestId: "r" + t0, getRemainingTimeInMillis: () => end - Date.now() });
    process.stdout.write("\\nOUTCOME " + JSON.stringify({ ok: true, value, tookMs: realNow() - t0 }) + "\\n");
  } catch (e) {
    process.stdout.write("\\nOUTCOME " + JSON.stringify({ ok: false, error: { name: e.name, message: e.message }, tookMs: realNow() - t0 }) + "\\n");
  }
});
`;

/** A container of one bundled handler: `invoke` sends a step and waits for its outcome. */
class Container {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = "";
  private waiting: ((o: Outcome) => void)[] = [];
  public stderr = "";
  /** Everything the container printed (log lines, EMF metrics). */
  public stdout = "";

  constructor(handler: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, ["-e", DRIVER], {
      env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), BUNDLE: bundleHandler(handler).file, ...env },
    });
    this.child.stdout.on("data", (c: Buffer) => {
      this.buffer += c.toString("utf8");
      this.stdout += c.toString("utf8");
      let i: number;
      while ((i = this.buffer.indexOf("\nOUTCOME ")) >= 0) {
        const end = this.buffer.indexOf("\n", i + 1);
        if (end < 0) break;
        const line = this.buffer.slice(i + "\nOUTCOME ".length, end);
        this.buffer = this.buffer.slice(end);
        this.waiting.shift()?.(JSON.parse(line) as Outcome);
      }
    });
    this.child.stderr.on("data", (c: Buffer) => (this.stderr += c.toString("utf8")));
  }

  public invoke(step: Step): Promise<Outcome> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(step)}\n`);
    });
  }

  public stop(): void {
    this.child.kill();
  }
}

const EXECUTION = { AWS_ACCESS_KEY_ID: "AKIDEXECUTION", AWS_SECRET_ACCESS_KEY: "execution-secret", AWS_MAX_ATTEMPTS: "3" };

describe("black-box probes of the bundled handlers against a fake STS/S3", () => {
  let fake: FakeAwsEndpoint;
  let containers: Container[] = [];
  const writer = (extra: Record<string, string> = {}): Container => {
    const c = new Container("writer", {
      ...EXECUTION,
      TARGET_BUCKET: "reporting-bucket",
      TARGET_PREFIX: "incoming/",
      TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
      TARGET_REGION: "eu-west-1",
      AWS_LAMBDA_FUNCTION_NAME: "probe-fn",
      AWS_ENDPOINT_URL: fake.url,
      ...extra,
    });
    containers.push(c);
    return c;
  };

  const processor = (): Container => {
    const c = new Container("metadata-processor", {
      ...EXECUTION,
      TARGET_BUCKET: "reporting-data",
      TARGET_PREFIX: "metadata/",
      TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
      TARGET_REGION: "eu-west-1",
      TARGET_BUCKET_OWNER: "333333333333",
      SOURCE_BUCKETS: "prod-data",
      AWS_LAMBDA_FUNCTION_NAME: "probe-proc",
      AWS_ENDPOINT_URL: fake.url,
    });
    containers.push(c);
    return c;
  };

  beforeAll(async () => {
    fake = await FakeAwsEndpoint.start({ assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/probe-fn", headEtag: "e1" });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  afterEach(() => {
    for (const c of containers) c.stop();
    containers = [];
  });

  it("a hung AssumeRole is abandoned at the deadline and the next invocation makes a new STS request and succeeds quickly", async () => {
    const c = writer();
    fake.hang = "sts";
    const first = await c.invoke({ event: { data: 1 }, ms: 800 });
    expect(first).toMatchObject({ ok: false, error: { name: "DeadlineExceededError" } });
    fake.hang = undefined;
    const second = await c.invoke({ event: { data: 2 }, ms: 10_000 });
    expect(second).toMatchObject({ ok: true, value: { key: expect.stringMatching(/^incoming\//) } });
    expect(second.tookMs).toBeLessThan(3000);
    expect(fake.assumeRoleCalls.length).toBe(2);
  });

  it("held credentials still valid when STS throttles the refresh: the put succeeds on them, with one refresh attempt", async () => {
    const c = writer();
    fake.credentialLifetimeMs = 4 * 60_000;
    expect(await c.invoke({ event: { data: 1 } })).toMatchObject({ ok: true });
    fake.stsThrottled = true;
    const before = fake.assumeRoleCalls.length;
    // past half the 4-minute life: due for refresh, still valid
    expect(await c.invoke({ event: { data: 2 }, shiftMs: 2 * 60_000 + 1000 })).toMatchObject({ ok: true });
    expect(await c.invoke({ event: { data: 3 } })).toMatchObject({ ok: true });
    const attempts = fake.assumeRoleCalls.slice(before).filter((r) => /^attempt=1;/.test(String(r.headers["amz-sdk-request"])));
    expect(attempts).toHaveLength(1); // then the back-off: no STS call on the third invocation
    // the fallback is something to alarm on: an EMF metric, not only a log line
    const emf = c.stdout
      .split("\n")
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as Record<string, unknown>);
    expect(emf.some((m) => m.CredentialFallbacks === 1)).toBe(true);
  });

  it("clock skew (sessions that look expired on arrival): one STS call per invocation, never a loop", async () => {
    const c = writer();
    fake.credentialLifetimeMs = -60_000;
    for (let i = 0; i < 3; i++) expect(await c.invoke({ event: { data: i } })).toMatchObject({ ok: true });
    expect(fake.assumeRoleCalls).toHaveLength(3);
  });

  it("S3 answering 503 SlowDown: the error names the throttle and the attempts, not the network", async () => {
    const c = writer();
    fake.s3Throttled = true;
    const out = await c.invoke({ event: { data: 1 }, ms: 30_000 });
    expect(out).toMatchObject({ ok: false, error: { name: "ThrottledError" } });
    expect(out.error?.message).toMatch(/503 SlowDown to 3 attempts/);
    expect(out.error?.message).not.toMatch(/VPC/);
  });

  it("a bad event is refused with its field named, before any AWS call", async () => {
    const c = writer();
    const out = await c.invoke({ event: { data: 1, key: 42 } });
    expect(out.ok).toBe(false);
    expect(out.error?.message).toMatch(/key/);
    expect(fake.seen).toEqual([]);
  });

  it("get never answers more than Lambda's response limit: 1 MiB of NUL bytes (6 MiB once JSON-escaped) is refused naming the size and the remedy", async () => {
    fake.store = new Map([["/reporting-bucket/incoming/nul.bin", { body: Buffer.alloc(1024 * 1024, 0), etag: '"nul"' }]]);
    const c = writer({ MAX_BODY_BYTES: String(4 * 1024 * 1024) });
    const out = await c.invoke({ event: { operation: "get", key: "incoming/nul.bin" } });
    expect(out).toMatchObject({ ok: false, error: { name: "ResponseTooLargeError" } });
    expect(out.error?.message).toMatch(/over Lambda's synchronous response limit of 6291556 bytes.*range.*presigned GET URL/);
    // a small object comes back whole
    fake.store.set("/reporting-bucket/incoming/small.txt", { body: Buffer.from("hello"), etag: '"s"' });
    expect(await c.invoke({ event: { operation: "get", key: "incoming/small.txt" } })).toMatchObject({ ok: true, value: { body: "hello" } });
  });

  it("the processor: a late ObjectCreated(v1) landing after ObjectRemoved(v1)'s tombstone leaves the tombstone (create-only write answered 412)", async () => {
    fake.store = new Map();
    const c = processor();
    const rec = (eventName: string, sequencer: string) => ({
      Records: [
        {
          eventSource: "aws:s3",
          eventName,
          awsRegion: "eu-west-1",
          s3: { bucket: { name: "prod-data" }, object: { key: "data/k.csv", versionId: "v1", eTag: "e1", size: 11, sequencer } },
        },
      ],
    });
    expect(await c.invoke({ event: rec("ObjectRemoved:Delete", "02") })).toMatchObject({ ok: true });
    const docKey = [...fake.store.keys()].find((k) => k.startsWith("/reporting-data/metadata/prod-data/data/k.csv@v1"));
    expect(docKey).toBeDefined();
    const tombstone = fake.store.get(docKey as string)?.body.toString("utf8");
    expect(JSON.parse(tombstone as string)).toMatchObject({ deleted: true });
    // the other container's create, delivered late
    expect(await c.invoke({ event: rec("ObjectCreated:Put", "01") })).toMatchObject({ ok: true });
    expect(fake.store.get(docKey as string)?.body.toString("utf8")).toBe(tombstone);
  });

  it("the processor takes S3 events wrapped in SQS messages: documents written, a malformed message dropped (permanent), a throttled one returned in batchItemFailures", async () => {
    const c = processor();
    const s3Event = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          awsRegion: "eu-west-1",
          s3: { bucket: { name: "prod-data" }, object: { key: "data/a.csv", eTag: "e1", size: 11, sequencer: "01" } },
        },
      ],
    };
    const msg = (id: string, body: string) => ({
      messageId: id,
      receiptHandle: "h",
      body,
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:333333333333:q",
    });
    const out = await c.invoke({ event: { Records: [msg("m1", JSON.stringify(s3Event)), msg("m2", "{not json")] } });
    expect(out).toMatchObject({ ok: true });
    // m1 processed; m2 can never be (a retry cannot help): neither goes back to the queue
    expect(out.value).toEqual({ batchItemFailures: [] });
    expect(fake.puts.some((p) => p.url.startsWith("/reporting-data/metadata/prod-data/data/a.csv"))).toBe(true);
    // S3 throttling is transient: the message returns to the queue, and only it
    fake.s3Throttled = true;
    const throttled = await c.invoke({ event: { Records: [msg("m3", JSON.stringify(s3Event))] }, ms: 30_000 });
    expect(throttled).toMatchObject({ ok: true, value: { batchItemFailures: [{ itemIdentifier: "m3" }] } });
  });
});
