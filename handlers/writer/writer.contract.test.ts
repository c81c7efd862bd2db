import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { declaredCallOf, MULTIPART_COMMANDS, undeclaredCalls, validateContract, type SentCommand } from "../shared/call-contract";
import { assertCallsDeclared, sentCommands } from "../shared/contract-testing";
import { AssumeRoleCommand, assumeRoleOutput, captureLogs, ctx, fakeBody, restoreEnv, s3Mock, setEnv, stsMock } from "../shared/testing";
import { WRITER_CALLS } from "./calls.contract";
import { __resetForTests, handler } from "./index";

/**
 * The writer's call contract is complete: its main paths (put, put of a large
 * body, get, get of a version, list; with the assume-role and the bucket-policy
 * credentials; with SSE-KMS, ACL and ExpectedBucketOwner) send only declared
 * commands, and every declared call is sent by one of them.
 */

const KMS = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ASSUME = {
  TARGET_BUCKET: "reporting-bucket",
  TARGET_PREFIX: "incoming/",
  TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
  TARGET_EXTERNAL_ID: "ext-123",
  TARGET_KMS_KEY_ARN: KMS,
  TARGET_BUCKET_OWNER: "222222222222",
  TARGET_OBJECT_ACL: "bucket-owner-full-control",
  TARGET_REGION: "eu-west-1",
  MAX_BODY_BYTES: "6291456",
  AWS_REGION: "eu-west-1",
  AWS_LAMBDA_FUNCTION_NAME: "writer-fn",
};
const DIRECT = { ...ASSUME, TARGET_ROLE_ARN: undefined, TARGET_EXTERNAL_ID: undefined, TARGET_OBJECT_ACL: undefined };

const EVENTS: Record<string, unknown> = {
  put: { operation: "put", key: "incoming/a.json", body: '{"a":1}' },
  "put (6 MiB body: still one PutObject, no multipart)": { operation: "put", key: "incoming/big.bin", body: "x".repeat(6 * 1024 * 1024 - 16) },
  get: { operation: "get", key: "incoming/a.json" },
  "get with versionId": { operation: "get", key: "incoming/a.json", versionId: "v1" },
  list: { operation: "list", prefix: "incoming/2025/" },
};

const sentAll: SentCommand[] = [];

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.now() + 3600_000)));
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"', VersionId: "v1" });
  s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: fakeBody('{"a":1}') as never, ContentLength: 7 }));
  s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
  captureLogs();
});

afterEach(() => {
  sentAll.push(...sentCommands());
  restoreEnv();
});

describe.each([
  ["assume-role", ASSUME],
  ["bucket-policy", DIRECT],
])("writer (%s credentials)", (_mode, vars) => {
  it.each(Object.keys(EVENTS))("%s sends only declared calls", async (name) => {
    setEnv(vars);
    await handler(EVENTS[name], ctx(`req-${name}`));
    const sent = sentCommands();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.map((s) => s.command).filter((c) => MULTIPART_COMMANDS.includes(c))).toEqual([]);
    assertCallsDeclared("writer", WRITER_CALLS, sent);
  });
});

describe("the writer's call contract", () => {
  it("is well formed: unique ids, an AWS doc URL on every call and need", () => {
    expect(() => validateContract("WRITER_CALLS", WRITER_CALLS)).not.toThrow();
  });

  it("declares nothing the handler never sends (every entry exercised by the paths above)", () => {
    const used = new Set(sentAll.map((s) => declaredCallOf(WRITER_CALLS, s)?.id));
    expect(WRITER_CALLS.map((c) => c.id).filter((id) => !used.has(id))).toEqual([]);
  });

  it("refuses an undeclared command or parameter, naming it", () => {
    const bad = undeclaredCalls(WRITER_CALLS, [
      { service: "S3", command: "DeleteObjectCommand", input: { Bucket: "b", Key: "k" } },
      { service: "S3", command: "GetObjectCommand", input: { Bucket: "b", Key: "k", ChecksumMode: "ENABLED" } },
    ]);
    expect(bad).toEqual([
      "undeclared call S3 DeleteObjectCommand: no entry for this command",
      expect.stringContaining('undeclared call S3 GetObjectCommand (ChecksumMode="ENABLED"): get: sends ChecksumMode'),
    ]);
  });
});
