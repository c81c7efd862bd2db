import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { AccessDeniedError, BadEventError, HandlerConfigError, KmsKeyError, NotUtf8Error, ObjectNotFoundError, ObjectTooLargeError } from "../shared/errors";
import {
  AssumeRoleCommand,
  FAKE_SECRET,
  STSClient,
  assumeRoleOutput,
  awsError,
  captureLogs,
  ctx,
  bodyText,
  fakeBody,
  restoreEnv,
  s3Mock,
  setEnv,
  stsMock,
  useFakeClock,
} from "../shared/testing";
import { __resetForTests, handler, type GetResult, type ListResult, type PutResult } from "./index";
import { checkEveryTestAgainst } from "../shared/contract-testing";
import { WRITER_CALLS } from "./calls.contract";

// Every scenario below is a call-contract check too: no command outside WRITER_CALLS.
checkEveryTestAgainst("writer", WRITER_CALLS);

const ROLE = "arn:aws:iam::222222222222:role/xacct-writer";
const KMS = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const EXEC = "arn:aws:sts::111111111111:assumed-role/writer-fn-exec/writer-fn";

const BASE = {
  TARGET_BUCKET: "reporting-bucket",
  TARGET_PREFIX: "incoming/",
  TARGET_ROLE_ARN: ROLE,
  TARGET_EXTERNAL_ID: "ext-123",
  TARGET_SESSION_DURATION_SECONDS: "3600",
  TARGET_REGION: "eu-west-1",
  MAX_BODY_BYTES: "1024",
  AWS_REGION: "eu-west-1",
  AWS_LAMBDA_FUNCTION_NAME: "writer-fn",
};

const T0 = "2025-01-02T03:04:05.678Z";
const HOUR = 3600_000;

let logs: ReturnType<typeof captureLogs>;

function env(overrides: Record<string, string | undefined> = {}): void {
  setEnv({ ...BASE, ...overrides });
}

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  env();
  useFakeClock(T0);
  stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + HOUR)));
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"etag-1"', VersionId: "v1" });
  logs = captureLogs();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  restoreEnv();
});

describe("put", () => {
  it("writes data as JSON under a key generated from the request id and returns bucket/key/etag/versionId", async () => {
    const out = (await handler({ operation: "put", data: { n: 1, s: "é" } }, ctx("req-1"))) as PutResult;
    const key = "incoming/req-1.json";
    expect(out).toEqual({ bucket: "reporting-bucket", key, etag: '"etag-1"', versionId: "v1" });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    const input = s3Mock.commandCalls(PutObjectCommand)[0].args[0].input;
    expect({ ...input, Body: bodyText(input.Body) }).toEqual({
      Bucket: "reporting-bucket",
      Key: key,
      Body: '{"n":1,"s":"é"}',
      ContentLength: 16,
      ContentType: "application/json",
    });
  });

  it("defaults to put when operation is absent", async () => {
    const out = (await handler({ data: [1, 2] }, ctx("req-2"))) as PutResult;
    expect(out.key).toBe("incoming/req-2.json");
    expect(bodyText(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.Body)).toBe("[1,2]");
  });

  it("a Lambda retry of the same request (same awsRequestId, later, even another day) overwrites the same object", async () => {
    const first = (await handler({ data: { n: 1 } }, ctx("5f1c-retry"))) as PutResult;
    jest.setSystemTime(Date.parse(T0) + 26 * HOUR);
    const retry = (await handler({ data: { n: 1 } }, ctx("5f1c-retry"))) as PutResult;
    expect(retry.key).toBe(first.key);
    expect(new Set(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).size).toBe(1);
  });

  it("without a request id (local run) every put gets its own random key", async () => {
    const a = (await handler({ data: 1 }, {})) as PutResult;
    const b = (await handler({ data: 1 }, {})) as PutResult;
    expect(a.key).toMatch(/^incoming\/[0-9a-f-]{36}\.json$/);
    expect(a.key).not.toBe(b.key);
  });

  it("writes a string body with its content type under an explicit (full) key", async () => {
    const out = (await handler({ operation: "put", body: "a,b\n1,2\n", contentType: "text/csv", key: "incoming/reports/r1.csv" }, ctx("r"))) as PutResult;
    expect(out.key).toBe("incoming/reports/r1.csv");
    const input = s3Mock.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input).toMatchObject({ Key: "incoming/reports/r1.csv", ContentType: "text/csv", ContentLength: 8 });
    expect(bodyText(input.Body)).toBe("a,b\n1,2\n");
  });

  it("generates a .txt key and text/plain for a body without contentType", async () => {
    const out = (await handler({ body: "hello" }, ctx("r-3"))) as PutResult;
    expect(out.key).toBe("incoming/r-3.txt");
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.ContentType).toBe("text/plain; charset=utf-8");
  });

  it("sends SSE-KMS with the configured key and the configured ACL", async () => {
    env({ TARGET_KMS_KEY_ARN: KMS, TARGET_OBJECT_ACL: "bucket-owner-full-control" });
    await handler({ data: {} }, ctx("r"));
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: KMS,
      ACL: "bucket-owner-full-control",
    });
  });

  it("returns versionId null for an unversioned bucket", async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const out = (await handler({ data: 1 }, ctx("r"))) as PutResult;
    expect(out.versionId).toBeNull();
  });

  it("accepts a body of exactly MAX_BODY_BYTES UTF-8 bytes", async () => {
    await expect(handler({ body: "é".repeat(512) }, ctx("r"))).resolves.toBeDefined(); // 1024 bytes
  });
});

describe("get", () => {
  it("returns the body and metadata of one object", async () => {
    s3Mock.on(GetObjectCommand).resolves({
      Body: fakeBody('{"n":1}') as never,
      ContentType: "application/json",
      ContentLength: 7,
      ETag: '"etag-g"',
      LastModified: new Date("2025-01-01T00:00:00Z"),
      VersionId: "v7",
      Metadata: { origin: "test" },
    });
    const out = (await handler({ operation: "get", key: "incoming/a.json", versionId: "v7" }, ctx("r"))) as GetResult;
    expect(out).toEqual({
      bucket: "reporting-bucket",
      key: "incoming/a.json",
      body: '{"n":1}',
      encoding: "utf-8",
      contentType: "application/json",
      contentLength: 7,
      etag: '"etag-g"',
      lastModified: "2025-01-01T00:00:00.000Z",
      versionId: "v7",
      metadata: { origin: "test" },
    });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: "reporting-bucket", Key: "incoming/a.json", VersionId: "v7" });
  });

  it("reads back what put wrote (the returned key is usable as is)", async () => {
    const put = (await handler({ data: { x: 1 } }, ctx("rt"))) as PutResult;
    s3Mock.on(GetObjectCommand, { Key: put.key }).resolves({ Body: fakeBody('{"x":1}') as never, ContentLength: 7 });
    const got = (await handler({ operation: "get", key: put.key }, ctx("rt2"))) as GetResult;
    expect(got.body).toBe('{"x":1}');
  });

  it("turns NoSuchKey into ObjectNotFoundError", async () => {
    s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));
    const err = await handler({ operation: "get", key: "incoming/missing.json" }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect((err as Error).message).toBe("s3://reporting-bucket/incoming/missing.json does not exist (NoSuchKey)");
  });

  it("refuses to read an object over MAX_BODY_BYTES and releases the stream", async () => {
    const body = fakeBody("x");
    s3Mock.on(GetObjectCommand).resolves({ Body: body as never, ContentLength: 5000 });
    const err = await handler({ operation: "get", key: "incoming/big.bin" }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectTooLargeError);
    expect((err as Error).message).toContain("5000 bytes, over the limit of 1024");
    expect(body.destroy).toHaveBeenCalledTimes(1);
  });
});

describe("list", () => {
  it("lists keys under the prefix and pages with continuation tokens", async () => {
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        Contents: [
          { Key: "incoming/a.json", Size: 3, ETag: '"a"', LastModified: new Date("2025-01-01T00:00:00Z") },
          { Key: "incoming/b.json", Size: 4 },
        ],
        IsTruncated: true,
        NextContinuationToken: "tok-2",
      })
      .on(ListObjectsV2Command, { ContinuationToken: "tok-2" })
      .resolves({ Contents: [{ Key: "incoming/c.json", Size: 5 }], IsTruncated: false });

    const p1 = (await handler({ operation: "list", maxKeys: 2 }, ctx("r"))) as ListResult;
    expect(p1.keys).toEqual(["incoming/a.json", "incoming/b.json"]);
    expect(p1.objects[0]).toEqual({ key: "incoming/a.json", size: 3, etag: '"a"', lastModified: "2025-01-01T00:00:00.000Z" });
    expect(p1.nextContinuationToken).toBe("tok-2");
    expect(p1.isTruncated).toBe(true);
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: "reporting-bucket", Prefix: "incoming/", MaxKeys: 2 });

    const p2 = (await handler({ operation: "list", maxKeys: 2, continuationToken: p1.nextContinuationToken }, ctx("r"))) as ListResult;
    expect(p2.keys).toEqual(["incoming/c.json"]);
    expect(p2.nextContinuationToken).toBeNull();
    expect(s3Mock.commandCalls(ListObjectsV2Command)[1].args[0].input).toEqual({
      Bucket: "reporting-bucket",
      Prefix: "incoming/",
      MaxKeys: 2,
      ContinuationToken: "tok-2",
    });
  });

  it("defaults to 1000 keys and accepts a narrower prefix under the configured one", async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    const out = (await handler({ operation: "list", prefix: "incoming/2025/01/" }, ctx("r"))) as ListResult;
    expect(out).toEqual({ bucket: "reporting-bucket", prefix: "incoming/2025/01/", keys: [], objects: [], isTruncated: false, nextContinuationToken: null });
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Prefix: "incoming/2025/01/", MaxKeys: 1000 });
  });
});

describe("bad events: BadEventError naming the field, nothing sent to AWS", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["null event", null, "event", /must be a JSON object .* got null/],
    ["string event", "put", "event", /got a string/],
    ["array event", [{ data: 1 }], "event", /got an array/],
    ["unknown operation", { operation: "delete" }, "operation", /must be one of "put", "get", "list" \(default "put"\); got "delete"/],
    ["non-string operation", { operation: 3 }, "operation", /got a number/],
    [
      "unknown field",
      { data: 1, Key: "incoming/x" },
      "Key",
      /is not a field of operation "put"; accepted fields: operation, data, body, encoding, contentType, key/,
    ],
    ["put without data or body", { operation: "put" }, "data", /needs exactly one of "data" .* or "body"/],
    ["put with data and body", { data: 1, body: "x" }, "data/body", /got both/],
    ["non-string body", { body: 42 }, "body", /must be a string \(use "data" for JSON values, "encoding": "base64" for binary\); got a number/],
    ["contentType with data", { data: 1, contentType: "text/plain" }, "contentType", /only applies with "body"/],
    ["invalid contentType", { body: "x", contentType: "not a type" }, "contentType", /must be a MIME type/],
    ["non-string key", { data: 1, key: 7 }, "key", /must be a full S3 key string under the prefix "incoming\/"; got a number/],
    [
      "key outside the prefix",
      { data: 1, key: "other/x.json" },
      "key",
      /must be a full key under the prefix "incoming\/" .* got "other\/x.json", which is outside it/,
    ],
    ["'..' segment", { data: 1, key: "incoming/../secret.json" }, "key", /must not contain "\.\." segments/],
    ["'.' segment", { data: 1, key: "incoming/./x.json" }, "key", /must not contain "\." segments/],
    ["leading slash", { data: 1, key: "/incoming/x.json" }, "key", /must not start with "\/"/],
    ["empty key", { data: 1, key: "" }, "key", /must not be empty/],
    ["the prefix itself", { data: 1, key: "incoming/" }, "key", /must not end with "\/"/],
    ["empty segment", { data: 1, key: "incoming//x.json" }, "key", /empty segments/],
    ["control character", { data: 1, key: "incoming/a\nb" }, "key", /control characters/],
    [
      "body over the limit in UTF-8 bytes (600 chars, 1200 bytes)",
      { body: "é".repeat(600) },
      "body",
      /is 1200 bytes \(UTF-8\), over the limit of 1024 bytes \(MAX_BODY_BYTES\)/,
    ],
    ["data over the limit", { data: "x".repeat(1100) }, "data", /is 1102 bytes/],
    ["get without key", { operation: "get" }, "key", /is required for "get"/],
    ["get with empty versionId", { operation: "get", key: "incoming/a", versionId: "" }, "versionId", /non-empty/],
    ["get key outside the prefix", { operation: "get", key: "secret/a" }, "key", /outside it/],
    ["list maxKeys 0", { operation: "list", maxKeys: 0 }, "maxKeys", /integer from 1 to 1000; got 0/],
    ["list maxKeys 1001", { operation: "list", maxKeys: 1001 }, "maxKeys", /got 1001/],
    ["list maxKeys string", { operation: "list", maxKeys: "10" }, "maxKeys", /got a string/],
    ["list prefix outside", { operation: "list", prefix: "other/" }, "prefix", /must start with the configured prefix "incoming\/"/],
    ["list prefix with ..", { operation: "list", prefix: "incoming/../" }, "prefix", /"\.\." segments/],
    ["list empty continuationToken", { operation: "list", continuationToken: "" }, "continuationToken", /must not be empty/],
    ["list non-string continuationToken", { operation: "list", continuationToken: 5 }, "continuationToken", /got a number/],
  ];

  it.each(cases)("%s", async (_name, event, field, message) => {
    const err = await handler(event, ctx("bad")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadEventError);
    expect((err as BadEventError).field).toBe(field);
    expect((err as Error).message.startsWith(`${field}: `)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(stsMock.calls()).toHaveLength(0);
    const [line] = logs.records();
    expect(line).toMatchObject({ outcome: "error", errorName: "BadEventError", level: "error" });
    expect(logs.raw()).toHaveLength(1);
  });

  it("never echoes the body in the error or the log", async () => {
    const secret = "TOP-SECRET-PAYLOAD-";
    const err = (await handler({ body: secret.repeat(100) }, ctx("bad")).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(logs.records())).not.toContain(secret);
  });
});

describe("configuration", () => {
  it("fails the first invocation with an error naming the missing variable", async () => {
    env({ TARGET_BUCKET: undefined });
    const err = await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerConfigError);
    expect((err as Error).message).toMatch(/^TARGET_BUCKET: is not set/);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it.each([
    ["invalid MAX_BODY_BYTES", { MAX_BODY_BYTES: "lots" }, /^MAX_BODY_BYTES: must be an integer from 1 to 6291456/],
    ["role name instead of ARN", { TARGET_ROLE_ARN: "writer-role" }, /^TARGET_ROLE_ARN: must be an IAM role ARN/],
    ["session below 900 s", { TARGET_SESSION_DURATION_SECONDS: "60" }, /^TARGET_SESSION_DURATION_SECONDS: must be an integer from 900 to 43200/],
    ["prefix without trailing /", { TARGET_PREFIX: "incoming" }, /^TARGET_PREFIX: must be "" \(the whole bucket\) or end with "\/"/],
    ["public ACL", { TARGET_OBJECT_ACL: "public-read" }, /^TARGET_OBJECT_ACL: must be one of "bucket-owner-full-control"/],
    ["no region at all", { TARGET_REGION: undefined, AWS_REGION: undefined }, /^TARGET_REGION\/AWS_REGION: neither is set/],
    ["endpoint without scheme", { AWS_ENDPOINT_URL: "localhost:4566" }, /^AWS_ENDPOINT_URL: must be an http\(s\) URL/],
    ["external id without role", { TARGET_ROLE_ARN: undefined }, /^TARGET_EXTERNAL_ID: is set but TARGET_ROLE_ARN is not/],
    ["bad KMS key", { TARGET_KMS_KEY_ARN: "my key" }, /^TARGET_KMS_KEY_ARN: must be a KMS key ARN/],
    ["bad bucket name", { TARGET_BUCKET: "Reporting_Bucket" }, /^TARGET_BUCKET: must be an S3 bucket name/],
    [
      "unknown operation in TARGET_OPERATIONS",
      { TARGET_OPERATIONS: "put,delete" },
      /^TARGET_OPERATIONS: must be a comma-separated list of "put", "get", "list" .*; "delete" is not one/,
    ],
  ] as [string, Record<string, string | undefined>, RegExp][])("rejects %s", async (_name, overrides, message) => {
    env(overrides);
    const err = await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerConfigError);
    expect((err as Error).message).toMatch(message);
  });

  it("TARGET_OPERATIONS=put (a write grant): get and list are refused before any AWS call, naming the grant; put goes through", async () => {
    env({ TARGET_OPERATIONS: "put" });
    for (const event of [{ operation: "get", key: "incoming/a.json" }, { operation: "list" }]) {
      const err = await handler(event, ctx("r")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadEventError);
      expect((err as BadEventError).field).toBe("operation");
      expect((err as Error).message).toMatch(
        new RegExp(
          `^operation: "${event.operation}" is not allowed for this writer: its grant allows "put" \\(TARGET_OPERATIONS=put\\)\\. To read, ask for a grant that includes it`,
        ),
      );
    }
    expect(s3Mock.calls()).toHaveLength(0);
    expect(stsMock.calls()).toHaveLength(0);
    await handler({ data: 1 }, ctx("r"));
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("parses the configuration once per container", async () => {
    await handler({ data: 1 }, ctx("r1"));
    env({ TARGET_BUCKET: "another-bucket" });
    await handler({ data: 1 }, ctx("r2"));
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Bucket)).toEqual(["reporting-bucket", "reporting-bucket"]);
    __resetForTests();
    await handler({ data: 1 }, ctx("r3"));
    expect(s3Mock.commandCalls(PutObjectCommand)[2].args[0].input.Bucket).toBe("another-bucket");
  });
});

describe("credentials", () => {
  it("assumes the role once over 50 warm invocations, with session name, duration and external id", async () => {
    for (let i = 0; i < 50; i++) await handler({ data: { i } }, ctx(`r${i}`));
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: "writer-fn",
      DurationSeconds: 3600,
      ExternalId: "ext-123",
    });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 50);
    const refreshed = logs.records().map((l) => l.credentialsRefreshed);
    expect(refreshed).toEqual([true, ...Array(49).fill(false)]);
    expect(logs.records().filter((l) => l.coldStart === true)).toHaveLength(1);
  });

  it("refreshes credentials that are about to expire: STS called exactly twice", async () => {
    const t0 = Date.parse(T0);
    stsMock
      .on(AssumeRoleCommand)
      .resolvesOnce(assumeRoleOutput(new Date(t0 + 15 * 60_000), 1))
      .resolvesOnce(assumeRoleOutput(new Date(t0 + 75 * 60_000), 2));
    await handler({ data: 1 }, ctx("a")); // t0: first fetch
    jest.setSystemTime(t0 + 5 * 60_000);
    await handler({ data: 1 }, ctx("b")); // 10 min left: reuse
    jest.setSystemTime(t0 + 10 * 60_000 + 1000);
    await handler({ data: 1 }, ctx("c")); // 4:59 left: refresh before expiry
    jest.setSystemTime(t0 + 30 * 60_000);
    await handler({ data: 1 }, ctx("d")); // new ones valid 45 more min: reuse
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(logs.records().map((l) => l.credentialsRefreshed)).toEqual([true, false, true, false]);
  });

  it("builds the STS client with the target region and the endpoint override; S3 uses path style", async () => {
    env({ TARGET_REGION: "eu-central-1", AWS_ENDPOINT_URL: "http://localhost:4566" });
    await handler({ data: 1 }, ctx("r"));
    const sts = stsMock.send.getCall(0).thisValue as STSClient;
    expect(await sts.config.region()).toBe("eu-central-1");
    const stsEndpoint = await sts.config.endpoint?.();
    expect(stsEndpoint).toMatchObject({ hostname: "localhost", port: 4566, protocol: "http:" });
    const s3 = s3Mock.send.getCall(0).thisValue as S3Client;
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await s3.config.region()).toBe("eu-central-1");
    expect(await s3.config.endpoint?.()).toMatchObject({ hostname: "localhost", port: 4566 });
  });

  it("uses the execution role without STS in the bucket-policy pattern", async () => {
    env({ TARGET_ROLE_ARN: undefined, TARGET_EXTERNAL_ID: undefined, TARGET_SESSION_DURATION_SECONDS: undefined });
    await handler({ data: 1 }, ctx("r"));
    await handler({ data: 2 }, ctx("r"));
    expect(stsMock.calls()).toHaveLength(0);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(logs.records()[0]).toMatchObject({ credentials: "execution-role", credentialsRefreshed: false });
  });

  it("does not cache an STS failure: the next invocation assumes again", async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejectsOnce(awsError("AccessDenied", "denied"))
      .resolves(assumeRoleOutput(new Date(Date.parse(T0) + HOUR)));
    await expect(handler({ data: 1 }, ctx("a"))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handler({ data: 1 }, ctx("b"))).resolves.toBeDefined();
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });
});

describe("AccessDenied diagnoses", () => {
  it("STS: points at the target role's trust policy and the execution role's sts:AssumeRole permission", async () => {
    stsMock.on(AssumeRoleCommand).rejects(awsError("AccessDenied", `User: ${EXEC} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect(err.deniedBy).toBe("sts");
    expect(err.message).toContain(`STS denied AssumeRole of ${ROLE} to ${EXEC}`);
    expect(err.message).toContain(
      `the trust policy of the target role ${ROLE} (account 222222222222) must allow ${EXEC} to call sts:AssumeRole, with the condition sts:ExternalId`,
    );
    expect(err.message).toContain(`the execution role's identity policy must allow sts:AssumeRole on ${ROLE}`);
    expect(err.arns).toEqual({ targetRoleArn: ROLE, executionIdentity: EXEC, bucketArn: "arn:aws:s3:::reporting-bucket" });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("STS AccessDeniedException without a caller ARN falls back to EXECUTION_ROLE_ARN", async () => {
    env({ EXECUTION_ROLE_ARN: "arn:aws:iam::111111111111:role/writer-fn-exec" });
    stsMock.on(AssumeRoleCommand).rejects(awsError("AccessDeniedException", "Access denied"));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.deniedBy).toBe("sts");
    expect(err.arns.executionIdentity).toBe("arn:aws:iam::111111111111:role/writer-fn-exec");
  });

  it("S3 with an assumed role: points at the role's permission policy vs the bucket policy", async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ data: 1, key: "incoming/x.json" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.deniedBy).toBe("s3");
    expect(err.message).toContain(
      "S3 denied s3:PutObject on arn:aws:s3:::reporting-bucket/incoming/x.json to arn:aws:sts::222222222222:assumed-role/xacct-writer/writer-fn.",
    );
    expect(err.message).toContain(
      `Check the permission policy of the target role ${ROLE}: it must allow s3:PutObject on arn:aws:s3:::reporting-bucket/incoming/*`,
    );
    expect(err.message).toContain("the bucket policy of arn:aws:s3:::reporting-bucket must not deny it");
    expect(err.arns).toMatchObject({
      targetRoleArn: ROLE,
      bucketArn: "arn:aws:s3:::reporting-bucket",
      resourceArn: "arn:aws:s3:::reporting-bucket/incoming/x.json",
    });
  });

  it("S3 in the bucket-policy pattern: both the identity policy and the bucket policy must allow", async () => {
    env({ TARGET_ROLE_ARN: undefined, TARGET_EXTERNAL_ID: undefined, TARGET_SESSION_DURATION_SECONDS: undefined });
    s3Mock
      .on(ListObjectsV2Command)
      .rejects(awsError("AccessDenied", `User: ${EXEC} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::reporting-bucket"`));
    const err = (await handler({ operation: "list" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.deniedBy).toBe("s3");
    expect(err.message).toContain(`S3 denied s3:ListBucket on arn:aws:s3:::reporting-bucket to ${EXEC}`);
    expect(err.message).toContain("(1) the execution role's identity policy must allow s3:ListBucket");
    expect(err.message).toContain(`(2) the bucket policy of arn:aws:s3:::reporting-bucket must allow principal ${EXEC}`);
  });

  it("S3 get: mentions that a missing s3:ListBucket also turns 404 into AccessDenied", async () => {
    s3Mock.on(GetObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ operation: "get", key: "incoming/x" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.message).toContain("S3 denied s3:GetObject");
    expect(err.message).toContain("lacks s3:ListBucket");
  });

  it("S3 get of a version: names s3:GetObjectVersion, the action that authorizes it", async () => {
    s3Mock.on(GetObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ operation: "get", key: "incoming/x", versionId: "v7" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.message).toContain("S3 denied s3:GetObjectVersion on arn:aws:s3:::reporting-bucket/incoming/x");
    expect(err.message).toContain("it must allow s3:GetObjectVersion on arn:aws:s3:::reporting-bucket/incoming/*");
  });

  it("S3 put with TARGET_KMS_KEY_ARN given as an alias: says the SSE pin needs the key ARN", async () => {
    env({ TARGET_KMS_KEY_ARN: "alias/s3/reporting-bucket" });
    s3Mock.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ data: 1, key: "incoming/x.json" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.message).toContain("TARGET_KMS_KEY_ARN=alias/s3/reporting-bucket is not a key ARN");
    expect(err.message).toContain("name the key by its full ARN");
  });

  it("S3 put with the key ARN: still reminds that the pin compares the key id as sent", async () => {
    env({ TARGET_KMS_KEY_ARN: KMS });
    s3Mock.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ data: 1, key: "incoming/x.json" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.message).not.toContain("is not a key ARN");
    expect(err.message).toContain("must be named by its full key ARN");
  });

  it("KMS-caused AccessDenied: points at the key policy, with the key ARN", async () => {
    env({ TARGET_KMS_KEY_ARN: KMS });
    s3Mock
      .on(PutObjectCommand)
      .rejects(
        awsError(
          "AccessDenied",
          `User: arn:aws:sts::222222222222:assumed-role/xacct-writer/writer-fn is not authorized to perform: kms:GenerateDataKey on resource: ${KMS} because no resource-based policy allows the kms:GenerateDataKey action`,
        ),
      );
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.deniedBy).toBe("kms");
    expect(err.message).toContain(
      `Check the KMS key policy of ${KMS}: it must allow arn:aws:sts::222222222222:assumed-role/xacct-writer/writer-fn kms:GenerateDataKey`,
    );
    expect(err.arns.kmsKeyArn).toBe(KMS);
  });

  it("KMS.DisabledException: the key is disabled, not a policy denial; says how to enable it", async () => {
    env({ TARGET_KMS_KEY_ARN: KMS });
    s3Mock.on(PutObjectCommand).rejects(awsError("KMS.DisabledException", `${KMS} is disabled.`, 400));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as KmsKeyError;
    expect(err).toBeInstanceOf(KmsKeyError);
    expect(err.message).toContain(`KMS key ${KMS} is disabled`);
    expect(err.message).toContain(`aws kms enable-key --key-id ${KMS}`);
    expect(err.message).not.toContain("key policy");
    expect(err.arns.kmsKeyArn).toBe(KMS);
  });

  it("KMS.NotFoundException 'Invalid keyId aws/s3': the AWS managed key cannot be used across accounts", async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError("KMS.NotFoundException", "Invalid keyId aws/s3", 400));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as KmsKeyError;
    expect(err).toBeInstanceOf(KmsKeyError);
    expect(err.message).toContain("AWS managed key aws/s3, which cannot be used across accounts");
    expect(err.message).toContain("customer managed key in the bucket's account");
    expect(err.message).toContain("TARGET_KMS_KEY_ARN");
  });

  it("KMS.NotFoundException for another key: wrong ARN / alias resolved in the caller's account", async () => {
    env({ TARGET_KMS_KEY_ARN: KMS });
    s3Mock.on(PutObjectCommand).rejects(awsError("KMS.NotFoundException", `Key '${KMS}' does not exist`, 400));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as KmsKeyError;
    expect(err.message).toContain(`KMS key ${KMS} was not found`);
    expect(err.message).toContain("full key ARN");
  });

  it("'The ciphertext refers to a customer master key that does not exist...' on get is a KMS Decrypt denial, not a role/bucket policy one", async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(
        awsError(
          "AccessDenied",
          "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
        ),
      );
    const err = (await handler({ operation: "get", key: "incoming/x" }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.deniedBy).toBe("kms");
    expect(err.message).toContain("KMS denied arn:aws:sts::222222222222:assumed-role/xacct-writer/writer-fn");
    expect(err.message).toContain("kms:Decrypt");
    expect(err.message).toContain("names no key: it is the key the object was encrypted with");
    expect(err.message).not.toContain("Check the permission policy of the target role");
  });

  it("other errors pass through unchanged and are logged with their name", async () => {
    const slow = awsError("SlowDown", "Please reduce your request rate.", 503);
    s3Mock.on(PutObjectCommand).rejects(slow);
    const err = await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBe(slow);
    expect(logs.records()[0]).toMatchObject({ outcome: "error", errorName: "SlowDown" });
  });
});

describe("logging", () => {
  it("writes exactly one JSON line per invocation, without credentials or bodies", async () => {
    await handler({ data: { secretPayload: "do-not-log-me" } }, ctx("req-9"));
    await handler({ operation: "list" }, ctx("req-10")).catch(() => undefined);
    await handler({ operation: "nope" }, ctx("req-11")).catch(() => undefined);
    expect(logs.raw()).toHaveLength(3);
    for (const [arg] of logs.raw()) {
      expect(typeof arg).toBe("string");
      expect(arg as string).not.toContain("\n");
      expect(arg as string).not.toContain(FAKE_SECRET);
      expect(arg as string).not.toContain("ASIAFAKE");
      expect(arg as string).not.toContain("do-not-log-me");
    }
    const [put, list, bad] = logs.records();
    expect(put).toMatchObject({
      level: "info",
      handler: "writer",
      operation: "put",
      bucket: "reporting-bucket",
      key: "incoming/req-9.json",
      credentialsRefreshed: true,
      credentials: "assume-role",
      requestId: "req-9",
      outcome: "ok",
    });
    expect(typeof put.durationMs).toBe("number");
    expect(put).not.toHaveProperty("errorName");
    expect(list).toMatchObject({ operation: "list", prefix: "incoming/", requestId: "req-10" });
    expect(bad).toMatchObject({ level: "error", operation: "invalid", outcome: "error", errorName: "BadEventError", requestId: "req-11" });
    await handler(null, ctx("req-12")).catch(() => undefined);
    expect(logs.records()[3]).toMatchObject({ operation: "invalid", errorName: "BadEventError" });
  });

  it("is a Powertools Logger line: ERROR level for failures, with service and timestamp", async () => {
    await handler({ data: 1 }, ctx("j"));
    await handler({ operation: "nope" }, ctx("k")).catch(() => undefined);
    const [ok, bad] = logs.raw().map(([line]) => JSON.parse(line as string) as Record<string, unknown>);
    expect(ok).toMatchObject({ level: "INFO", service: "xacct-s3", message: "writer put: ok", timestamp: "2025-01-02T03:04:05.678Z", requestId: "j" });
    expect(bad).toMatchObject({ level: "ERROR", message: "writer invalid: error (BadEventError)", requestId: "k" });
  });

  it("sanitizes and truncates the function name into a 64-char RoleSessionName", async () => {
    env({ AWS_LAMBDA_FUNCTION_NAME: `fn:${"x".repeat(80)}` });
    await handler({ data: 1 }, ctx("r"));
    const name = stsMock.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleSessionName as string;
    expect(name).toBe(`fn-${"x".repeat(61)}`);
    expect(name).toHaveLength(64);
  });
});

describe("binary bodies (encoding)", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);

  it("put with encoding base64 sends the decoded bytes, application/octet-stream by default", async () => {
    await handler({ body: png.toString("base64"), encoding: "base64", key: "incoming/i.png" }, ctx("r"));
    const input = s3Mock.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(Buffer.from(input.Body as Uint8Array).equals(png)).toBe(true);
    expect(input).toMatchObject({ ContentLength: png.length, ContentType: "application/octet-stream" });
  });

  it("a generated key for binary gets .bin", async () => {
    const out = (await handler({ body: png.toString("base64"), encoding: "base64" }, ctx("bin-1"))) as PutResult;
    expect(out.key).toBe("incoming/bin-1.bin");
  });

  it.each([
    ["not base64", { body: "not base64!", encoding: "base64" }, "body", /canonical base64/],
    ["base64 with whitespace", { body: "iVBO Rw==", encoding: "base64" }, "body", /canonical base64/],
    ["unknown encoding", { body: "x", encoding: "latin1" }, "encoding", /"utf-8" .* or "base64"/],
    ["encoding with data", { data: 1, encoding: "base64" }, "encoding", /only applies with "body"/],
    ["decoded bytes over the limit", { body: Buffer.alloc(1025).toString("base64"), encoding: "base64" }, "body", /is 1025 bytes, over the limit of 1024/],
  ])("refuses %s", async (_n, event, field, message) => {
    const err = await handler(event, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadEventError);
    expect((err as BadEventError).field).toBe(field);
    expect((err as Error).message).toMatch(message);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("get with encoding base64 returns the exact bytes", async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: fakeBody(png) as never, ContentLength: png.length, ContentType: "image/png" });
    const out = (await handler({ operation: "get", key: "incoming/i.png", encoding: "base64" }, ctx("r"))) as GetResult;
    expect(out.encoding).toBe("base64");
    expect(Buffer.from(out.body, "base64").equals(png)).toBe(true);
  });

  it("get as text of non-UTF-8 bytes is refused with a clear error instead of lossy text", async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: fakeBody(png) as never, ContentLength: png.length, ContentType: "image/png" });
    const err = await handler({ operation: "get", key: "incoming/i.png" }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotUtf8Error);
    expect((err as Error).message).toContain('is not valid UTF-8 text, so it is not returned as text; ask again with "encoding": "base64"');
  });

  it("an empty body is sent as bytes with ContentLength 0 (the real-SDK test checks that no warning is printed)", async () => {
    await handler({ body: "", key: "incoming/empty.txt" }, ctx("r"));
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.ContentLength).toBe(0);
  });
});

describe("ExpectedBucketOwner (TARGET_BUCKET_OWNER)", () => {
  it("is sent on put, get and list to the target bucket", async () => {
    env({ TARGET_BUCKET_OWNER: "222222222222" });
    s3Mock.on(GetObjectCommand).resolves({ Body: fakeBody("x") as never, ContentLength: 1 });
    s3Mock.on(ListObjectsV2Command).resolves({});
    await handler({ data: 1 }, ctx("a"));
    await handler({ operation: "get", key: "incoming/a.json" }, ctx("b"));
    await handler({ operation: "list" }, ctx("c"));
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ ExpectedBucketOwner: "222222222222" });
    expect(s3Mock.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ ExpectedBucketOwner: "222222222222" });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({ ExpectedBucketOwner: "222222222222" });
  });

  it("a 403 with ExpectedBucketOwner set mentions that the bucket may belong to another account now", async () => {
    env({ TARGET_BUCKET_OWNER: "222222222222" });
    s3Mock.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e)) as AccessDeniedError;
    expect(err.message).toContain("ExpectedBucketOwner 222222222222 (TARGET_BUCKET_OWNER) was sent");
  });

  it("is validated as a 12-digit account id", async () => {
    env({ TARGET_BUCKET_OWNER: "not-an-account" });
    const err = await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerConfigError);
    expect((err as Error).message).toMatch(/^TARGET_BUCKET_OWNER: must be the 12-digit id/);
  });
});

describe("ExpiredToken from S3", () => {
  it("refreshes once and retries once when the cache held the session as fresh; later invocations are fine", async () => {
    await handler({ data: 0 }, ctx("warm")); // session cached
    let puts = 0;
    s3Mock.on(PutObjectCommand).callsFake(() => {
      if (++puts === 1) throw awsError("ExpiredToken", "The provided token has expired.", 400);
      return { ETag: '"e2"' };
    });
    stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + HOUR), 2));
    const out = (await handler({ data: 1 }, ctx("x"))) as PutResult;
    expect(out.etag).toBe('"e2"');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    await handler({ data: 2 }, ctx("y"));
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    // the retry was signed with the new session
    const lastPut = s3Mock.send
      .getCalls()
      .filter((c) => c.args[0] instanceof PutObjectCommand)
      .at(-1);
    const creds = await (lastPut?.thisValue as S3Client).config.credentials();
    expect(creds.accessKeyId).toBe("ASIAFAKE2");
    expect(logs.records()[1]).toMatchObject({ outcome: "ok", credentialsRefreshed: true });
  });

  it("never calls STS twice in one invocation: ExpiredToken right after a fresh AssumeRole is reported clearly", async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError("ExpiredToken", "The provided token has expired.", 400));
    const err = await handler({ data: 1 }, ctx("r")).catch((e: unknown) => e);
    expect((err as Error).name).toBe("ExpiredCredentialsError");
    expect((err as Error).message).toContain("not calling STS again (at most one AssumeRole per invocation)");
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it("20 invocations with credentials issued near expiry make 1 STS call, not 3 per invocation", async () => {
    stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + 4 * 60_000))); // 4 min < 5 min window
    for (let i = 0; i < 20; i++) await handler({ data: i }, ctx(`n${i}`));
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });
});

describe("log line of a failed call", () => {
  it("is at ERROR with the AWS request id of the failed S3 call", async () => {
    const e = new S3ServiceException({
      name: "SlowDown",
      message: "Please reduce your request rate.",
      $fault: "server",
      $metadata: { httpStatusCode: 503, requestId: "REQ123", extendedRequestId: "EXT456" },
    });
    s3Mock.on(PutObjectCommand).rejects(e);
    await handler({ data: 1 }, ctx("lambda-req")).catch(() => undefined);
    expect(logs.records()[0]).toMatchObject({ level: "error", requestId: "lambda-req", awsRequestId: "REQ123", awsExtendedRequestId: "EXT456" });
  });
});
