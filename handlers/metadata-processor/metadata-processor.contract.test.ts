import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { declaredCallOf, undeclaredCalls, validateContract, type SentCommand } from "../shared/call-contract";
import { assertCallsDeclared, sentCommands } from "../shared/contract-testing";
import { AssumeRoleCommand, assumeRoleOutput, awsError, captureLogs, ctx, fakeBody, restoreEnv, s3Mock, setEnv, stsMock } from "../shared/testing";
import { METADATA_PROCESSOR_CALLS } from "./calls.contract";
import { __resetForTests, handler } from "./index";

/**
 * The processor's call contract is complete: its main paths (a versioned
 * create, an unversioned create, a version's tombstone, a batch task, an
 * unversioned replace after 412) send only declared commands, and every
 * declared call is sent by one of them.
 */

const PROD = "prod-data";
const ENV = {
  TARGET_BUCKET: "reporting-data",
  TARGET_PREFIX: "metadata/",
  TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
  TARGET_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  TARGET_BUCKET_OWNER: "333333333333",
  TARGET_REGION: "eu-west-1",
  AWS_REGION: "eu-west-1",
  AWS_LAMBDA_FUNCTION_NAME: "metadata-processor",
  SOURCE_BUCKETS: PROD,
};

const rec = (key: string, o: { versionId?: string; eTag?: string; eventName?: string; sequencer?: string } = {}) => ({
  eventVersion: "2.1",
  eventSource: "aws:s3",
  awsRegion: "eu-west-1",
  eventTime: "2025-03-04T05:00:00.000Z",
  eventName: o.eventName ?? "ObjectCreated:Put",
  s3: {
    s3SchemaVersion: "1.0",
    bucket: { name: PROD, arn: `arn:aws:s3:::${PROD}` },
    object: {
      key,
      size: 11,
      ...(o.eTag ? { eTag: o.eTag } : {}),
      ...(o.versionId ? { versionId: o.versionId } : {}),
      sequencer: o.sequencer ?? "0055AED6DCD90281E5",
    },
  },
});

const EVENTS: Record<string, unknown> = {
  "versioned create": { Records: [rec("a.csv", { versionId: "v1", eTag: "e1" })] },
  "unversioned create": { Records: [rec("b.csv", { eTag: "e2" })] },
  "version's tombstone": { Records: [rec("a.csv", { versionId: "v2", eventName: "ObjectRemoved:Delete" })] },
  "batch task": {
    invocationSchemaVersion: "2.0",
    invocationId: "inv-1",
    job: { id: "job-1", userArguments: {} },
    tasks: [{ taskId: "t1", s3Bucket: PROD, s3Key: "c.csv", s3VersionId: "v3" }],
  },
};

const sentAll: SentCommand[] = [];

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  setEnv(ENV);
  stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.now() + 3600_000)));
  s3Mock.on(HeadObjectCommand).callsFake((input: { VersionId?: string }) => ({ ContentLength: 11, ETag: '"e"', VersionId: input.VersionId ?? "null" }));
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"doc"' });
  captureLogs();
});

afterEach(() => {
  sentAll.push(...sentCommands());
  restoreEnv();
});

describe("metadata processor", () => {
  it.each(Object.keys(EVENTS))("%s sends only declared calls", async (name) => {
    await handler(EVENTS[name], ctx(`req-${name}`));
    const sent = sentCommands();
    expect(sent.length).toBeGreaterThan(0);
    assertCallsDeclared("metadata-processor", METADATA_PROCESSOR_CALLS, sent);
  });

  it("an unversioned document replaced after a 412 (GetObject, then PutObject If-Match) sends only declared calls", async () => {
    s3Mock
      .on(PutObjectCommand, { IfNoneMatch: "*" })
      .rejects(awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412));
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: fakeBody(JSON.stringify({ sequencer: "0000000000000000001" })) as never, ETag: '"old"' }));
    await handler({ Records: [rec("d.csv", { eTag: "e4", sequencer: "0055AED6DCD90281E5" })] }, ctx("req-replace"));
    const sent = sentCommands();
    expect(sent.map((s) => s.command)).toEqual(expect.arrayContaining(["GetObjectCommand", "PutObjectCommand"]));
    expect(sent.some((s) => s.command === "PutObjectCommand" && s.input.IfMatch === '"old"')).toBe(true);
    assertCallsDeclared("metadata-processor", METADATA_PROCESSOR_CALLS, sent);
  });
});

describe("the processor's call contract", () => {
  it("is well formed: unique ids, an AWS doc URL on every call and need", () => {
    expect(() => validateContract("METADATA_PROCESSOR_CALLS", METADATA_PROCESSOR_CALLS)).not.toThrow();
  });

  it("declares nothing the handler never sends (every entry exercised by the paths above)", () => {
    const used = new Set(sentAll.map((s) => declaredCallOf(METADATA_PROCESSOR_CALLS, s)?.id));
    expect(METADATA_PROCESSOR_CALLS.map((c) => c.id).filter((id) => !used.has(id))).toEqual([]);
  });

  it("a HeadObject with ChecksumMode is undeclared (it would need kms:Decrypt on SSE-KMS objects)", () => {
    expect(
      undeclaredCalls(METADATA_PROCESSOR_CALLS, [
        { service: "S3", command: "HeadObjectCommand", input: { Bucket: PROD, Key: "a", VersionId: "v1", ChecksumMode: "ENABLED" } },
      ]),
    ).toEqual([expect.stringContaining("head-version: sends ChecksumMode")]);
  });
});
