/**
 * The writer against a local fake S3/STS HTTP endpoint (AWS_ENDPOINT_URL), with
 * the real SDK stack (no aws-sdk-client-mock): proves that the S3 client signs
 * with the cached assumed-role credentials, that STS is reached once through
 * the endpoint override, path-style addressing, and that real SDK error
 * parsing of STS/S3 AccessDenied bodies feeds the diagnoses.
 */
import { useFakeEndpoint } from "../shared/fake-endpoint-suite";
import { AccessDeniedError } from "../shared/errors";
import { __resetForTests, handler, type PutResult } from "./index";

const suite = useFakeEndpoint({
  endpoint: { assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/stack-fn" },
  reset: __resetForTests,
  env: {
    TARGET_BUCKET: "reporting-bucket",
    TARGET_PREFIX: "incoming/",
    TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
    TARGET_EXTERNAL_ID: "ext-1",
    TARGET_REGION: "eu-west-1",
    TARGET_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    AWS_LAMBDA_FUNCTION_NAME: "stack-fn",
    AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
    AWS_SECRET_ACCESS_KEY: "execution-secret",
    AWS_MAX_ATTEMPTS: "1",
    TARGET_BUCKET_OWNER: "222222222222",
  },
});

it("assumes the role once (via the endpoint override) and signs every PutObject with the cached session", async () => {
  const results: PutResult[] = [];
  for (let i = 0; i < 20; i++) results.push((await handler({ data: { i } }, { awsRequestId: `s${i}` })) as PutResult);

  const sts = suite.fake.assumeRoleCalls;
  expect(sts).toHaveLength(1);
  const form = new URLSearchParams(sts[0].body);
  expect(Object.fromEntries(form)).toMatchObject({
    Action: "AssumeRole",
    RoleArn: "arn:aws:iam::222222222222:role/xacct-writer",
    RoleSessionName: "stack-fn",
    DurationSeconds: "3600",
    ExternalId: "ext-1",
  });
  // the STS call is signed with the execution role's credentials, for the target region
  expect(sts[0].headers.authorization).toMatch(/Credential=AKIDEXECUTION\/\d{8}\/eu-west-1\/sts\//);

  const puts = suite.fake.puts;
  expect(puts).toHaveLength(20);
  for (const p of puts) {
    expect(p.url).toMatch(/^\/reporting-bucket\/incoming\/s\d+\.json/); // path style, key from the request id
    expect(p.headers.authorization).toMatch(/Credential=ASIALOCAL\/\d{8}\/eu-west-1\/s3\//);
    expect(p.headers["x-amz-security-token"]).toBe("local-token");
    expect(p.headers["x-amz-server-side-encryption"]).toBe("aws:kms");
    expect(p.headers["x-amz-expected-bucket-owner"]).toBe("222222222222");
    expect(p.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe("arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab");
  }
  expect(results[0]).toMatchObject({ bucket: "reporting-bucket", etag: '"local-etag"', versionId: "lv1" });
});

it("diagnoses a real STS AccessDenied response", async () => {
  suite.fake.stsDenied = true;
  const err = (await handler({ data: 1 }, { awsRequestId: "d" }).catch((e: unknown) => e)) as AccessDeniedError;
  expect(err).toBeInstanceOf(AccessDeniedError);
  expect(err.deniedBy).toBe("sts");
  expect(err.arns.executionIdentity).toBe("arn:aws:sts::111111111111:assumed-role/stack-fn-exec/stack-fn");
  expect(suite.fake.puts).toHaveLength(0);
});

it("diagnoses a real S3 AccessDenied response", async () => {
  suite.fake.s3Denied = true;
  const err = (await handler({ data: 1, key: "incoming/x.json" }, { awsRequestId: "d" }).catch((e: unknown) => e)) as AccessDeniedError;
  expect(err).toBeInstanceOf(AccessDeniedError);
  expect(err.deniedBy).toBe("s3");
  expect(err.arns.resourceArn).toBe("arn:aws:s3:::reporting-bucket/incoming/x.json");
});

it("an empty body reaches S3 without the SDK's 'Stream of unknown length' warning (a plain \"\" Body printed it)", async () => {
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  await handler({ body: "", key: "incoming/empty.txt" }, { awsRequestId: "empty" });
  expect(suite.fake.puts).toHaveLength(1);
  expect(suite.fake.puts[0].headers["content-length"]).toBe("0");
  expect(warn).not.toHaveBeenCalled();
});

describe("a hung endpoint (no answer at all)", () => {
  /** A Lambda context whose function has `ms` left. */
  const lambdaCtx = (id: string, ms: number) => {
    const end = Date.now() + ms;
    return { awsRequestId: id, getRemainingTimeInMillis: () => end - Date.now() };
  };

  it("S3 hangs: the handler stops before the function's timeout and names the S3 call and bucket", async () => {
    suite.fake.hang = "s3";
    const t0 = Date.now();
    const err = (await handler({ data: 1, key: "incoming/h.json" }, lambdaCtx("hung-s3", 2000)).catch((e: unknown) => e)) as Error;
    const took = Date.now() - t0;
    expect(err.name).toBe("DeadlineExceededError");
    // The milliseconds left are measured when the call starts: 1800 on an idle machine, a few less under load.
    expect(err.message).toMatch(
      /^S3 PutObject on s3:\/\/reporting-bucket\/incoming\/h\.json did not answer within the 1[78]\d\d ms left before the function's timeout/,
    );
    expect(took).toBeGreaterThanOrEqual(1700);
    expect(took).toBeLessThan(2000); // before Lambda would kill it
    expect(suite.logs.raw()).toHaveLength(1);
    expect(suite.logs.records()[0]).toMatchObject({
      level: "error",
      errorName: "DeadlineExceededError",
      outcome: "error",
      key: "incoming/h.json",
      unansweredCall: "S3 PutObject on s3://reporting-bucket/incoming/h.json",
    });
  });

  it("STS hangs: the handler stops in time and names STS AssumeRole of the target role; nothing reaches S3", async () => {
    suite.fake.hang = "sts";
    const t0 = Date.now();
    const err = (await handler({ data: 1 }, lambdaCtx("hung-sts", 1500)).catch((e: unknown) => e)) as Error;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(err.name).toBe("DeadlineExceededError");
    expect(err.message).toContain("STS AssumeRole of arn:aws:iam::222222222222:role/xacct-writer did not answer");
    expect(suite.fake.puts).toHaveLength(0);
  });
});

it("the STS socket behind an abandoned call is cut at the client's requestTimeout, without the SDK's [WARN] line", async () => {
  suite.fake.hang = "sts";
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  const end = Date.now() + 1200;
  const err = (await handler({ data: 1 }, { awsRequestId: "cut", getRemainingTimeInMillis: () => end - Date.now() }).catch((e: unknown) => e)) as Error;
  expect(err.name).toBe("DeadlineExceededError");
  await new Promise((r) => setTimeout(r, 600)); // past the 1200 ms requestTimeout
  expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes("requestTimeout"))).toEqual([]);
});

describe("a near-expiry credential issuer", () => {
  it("credentials issued with 4 minutes left: 20 invocations make 1 STS call (was 3 per invocation)", async () => {
    suite.fake.credentialLifetimeMs = 4 * 60_000;
    for (let i = 0; i < 20; i++) await handler({ data: { i } }, { awsRequestId: `ne${i}` });
    expect(suite.fake.assumeRoleCalls).toHaveLength(1);
    expect(suite.fake.puts).toHaveLength(20);
  });
});
