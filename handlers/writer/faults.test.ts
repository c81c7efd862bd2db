/**
 * Issue 18: the writer under STS trouble, throttling and Lambda's response
 * limit, against the local fake S3/STS endpoint with the real SDK stack.
 */
import { useFakeEndpoint } from "../shared/fake-endpoint-suite";
import { __resetForTests, handler, MAX_RESPONSE_BYTES, checkResponseSize, type GetResult } from "./index";

const suite = useFakeEndpoint({
  endpoint: { assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/stack-fn" },
  reset: __resetForTests,
  env: {
    TARGET_BUCKET: "reporting-bucket",
    TARGET_PREFIX: "incoming/",
    TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
    TARGET_REGION: "eu-west-1",
    AWS_LAMBDA_FUNCTION_NAME: "stack-fn",
    AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
    AWS_SECRET_ACCESS_KEY: "execution-secret",
    AWS_MAX_ATTEMPTS: "3",
  },
});

const ctx = (id: string, ms = 1500) => ({ awsRequestId: id, getRemainingTimeInMillis: () => ms });

describe("STS hung, then healthy", () => {
  it("the abandoned AssumeRole does not block the next invocation: it makes a new STS request and succeeds", async () => {
    suite.fake.hang = "sts";
    await expect(handler({ data: { a: 1 } }, ctx("r1", 600))).rejects.toMatchObject({ name: "DeadlineExceededError" });
    expect(suite.fake.assumeRoleCalls).toHaveLength(1);
    suite.fake.hang = undefined;
    const t0 = performance.now();
    await expect(handler({ data: { a: 2 } }, ctx("r2", 5000))).resolves.toMatchObject({ key: "incoming/r2.json" });
    expect(performance.now() - t0).toBeLessThan(3000); // not waiting for the abandoned request
    expect(suite.fake.assumeRoleCalls).toHaveLength(2);
  });
});

describe("refresh fails while the held credentials are still valid", () => {
  it("STS throttling: the put succeeds with the held session, logged as a fallback and counted; STS is asked once, then backs off", async () => {
    suite.fake.credentialLifetimeMs = 4 * 60_000; // near expiry: due for refresh after half its life
    await handler({ data: {} }, ctx("r1"));
    const realNow = Date.now;
    Date.now = () => realNow() + 2 * 60_000 + 1000; // past half the 4-minute life, still valid
    try {
      suite.fake.stsThrottled = true;
      await expect(handler({ data: {} }, ctx("r2"))).resolves.toMatchObject({ key: "incoming/r2.json" });
      await expect(handler({ data: {} }, ctx("r3"))).resolves.toMatchObject({ key: "incoming/r3.json" });
    } finally {
      Date.now = realNow;
    }
    // 1 at the cold start, 1 refresh attempt (the SDK retries a Throttling answer within that one call), then back-off
    const assumeBodies = suite.fake.assumeRoleCalls.length;
    expect(assumeBodies).toBeGreaterThanOrEqual(2);
    expect(assumeBodies).toBeLessThanOrEqual(4);
    const lines = suite.logs.records();
    expect(lines[1]).toMatchObject({ outcome: "ok", credentialsRefreshed: true });
    expect(String(lines[1].credentialsFallback)).toMatch(/refresh failed \(STS 400 Throttling x\d.*\): using the held credentials until/);
    expect(String(lines[2].credentialsFallback)).toMatch(/backing off/);
    expect(lines[2].credentialsRefreshed).toBe(false);
    expect(suite.logs.emf()[1]).toMatchObject({ CredentialFallbacks: 1, StsRefreshes: 1 });
  });

  it("STS hung: the refresh is cut after its budget and the held session is used, within the invocation", async () => {
    suite.fake.credentialLifetimeMs = 4 * 60_000;
    await handler({ data: {} }, ctx("r1"));
    const realNow = Date.now;
    Date.now = () => realNow() + 2 * 60_000 + 1000;
    try {
      suite.fake.hang = "sts";
      await expect(handler({ data: {} }, ctx("r2", 3000))).resolves.toMatchObject({ key: "incoming/r2.json" });
    } finally {
      Date.now = realNow;
    }
    expect(String(suite.logs.records()[1].credentialsFallback)).toMatch(/refresh failed \(RefreshTimeout\)/);
  });
});

describe("clock skew", () => {
  it("credentials that look expired by the local clock are fetched once per invocation, not again and again", async () => {
    suite.fake.credentialLifetimeMs = -60_000; // STS's answer already looks expired here (the local clock runs ahead)
    await expect(handler({ data: {} }, ctx("r1"))).resolves.toBeDefined();
    expect(suite.fake.assumeRoleCalls).toHaveLength(1);
    await expect(handler({ data: {} }, ctx("r2"))).resolves.toBeDefined();
    expect(suite.fake.assumeRoleCalls).toHaveLength(2);
  });
});

describe("throttling", () => {
  it("S3 answering 503 SlowDown is named, with the attempts, not 'did not answer ... check the VPC'", async () => {
    suite.fake.s3Throttled = true;
    const err = (await handler({ data: {} }, ctx("r1", 30_000)).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("ThrottledError");
    expect(err.message).toContain(
      "S3 PutObject on s3://reporting-bucket/incoming/r1.json was throttled: S3 answered 503 SlowDown to 3 attempts (the first and 2 retries)",
    );
    expect(err.message).not.toContain("VPC");
    expect(suite.logs.records()[0]).toMatchObject({ errorName: "ThrottledError", throttleAnswer: "503 SlowDown", throttleAttempts: 3 });
    // the error is logged as an object: Powertools keeps its stack
    expect(String((suite.logs.records()[0].error as { stack?: string }).stack)).toContain("ThrottledError");
  });

  it("the deadline passing during the SDK's retries of a throttled call says so", async () => {
    suite.fake.s3Throttled = true;
    process.env.AWS_MAX_ATTEMPTS = "50";
    const err = (await handler({ data: {} }, ctx("r1", 900)).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("ThrottledError");
    expect(err.message).toMatch(/answered 503 SlowDown to \d+ attempts? .*the function's deadline passed while the SDK was still retrying/);
  });
});

describe("get: Lambda's 6,291,556-byte response limit on the encoded response", () => {
  const result = (body: string): GetResult => ({
    bucket: "b",
    key: "incoming/k",
    body,
    encoding: "utf-8",
    contentType: null,
    contentLength: null,
    etag: null,
    lastModified: null,
    versionId: null,
    metadata: {},
  });
  it("1 MiB of NUL bytes is over it once JSON-escaped; the error names the size and the remedy", () => {
    const nul = "\u0000".repeat(1024 * 1024);
    const size = Buffer.byteLength(JSON.stringify(result(nul)));
    expect(size).toBeGreaterThan(MAX_RESPONSE_BYTES);
    expect(() => checkResponseSize(result(nul), "s3://b/incoming/k", 1024 * 1024, "utf-8")).toThrow(
      new RegExp(`would make a ${size}-byte response, over Lambda's synchronous response limit of 6291556 bytes.*range.*presigned GET URL`),
    );
  });
  it("a response of exactly the limit passes, one byte more does not", () => {
    const empty = Buffer.byteLength(JSON.stringify(result("")));
    expect(() => checkResponseSize(result("a".repeat(MAX_RESPONSE_BYTES - empty)), "x", 0, "utf-8")).not.toThrow();
    expect(() => checkResponseSize(result("a".repeat(MAX_RESPONSE_BYTES - empty + 1)), "x", 0, "utf-8")).toThrow(/ResponseTooLarge|over Lambda's/);
  });
});
