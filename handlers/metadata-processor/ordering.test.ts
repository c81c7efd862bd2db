/** Issue 18: one document per version on every path, tombstones win, unversioned order by sequencer, SQS-wrapped events, metrics. */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import {
  AssumeRoleCommand,
  assumeRoleOutput,
  awsError,
  bodyText,
  captureLogs,
  ctx,
  fakeBody,
  restoreEnv,
  s3Mock,
  setEnv,
  stsMock,
  useFakeClock,
} from "../shared/testing";
import { __resetForTests, compareSequencers, handler, type BatchResponse, type SqsBatchResponse } from "./index";
import { checkEveryTestAgainst } from "../shared/contract-testing";
import { METADATA_PROCESSOR_CALLS } from "./calls.contract";

checkEveryTestAgainst("metadata-processor", METADATA_PROCESSOR_CALLS);

const T0 = "2025-03-04T05:06:07.000Z";
const ENV = {
  TARGET_BUCKET: "reporting-data",
  TARGET_PREFIX: "metadata/",
  TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
  TARGET_REGION: "eu-west-1",
  AWS_REGION: "eu-west-1",
  AWS_LAMBDA_FUNCTION_NAME: "metadata-processor",
  SOURCE_BUCKETS: "prod-data",
};
const rec = (eventName: string, object: Record<string, unknown>) => ({
  eventSource: "aws:s3",
  eventName,
  awsRegion: "eu-west-1",
  s3: { bucket: { name: "prod-data" }, object: { key: "k.csv", ...object } },
});
const puts = (): PutObjectCommandInput[] => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
const precondition = () => awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  setEnv(ENV);
  useFakeClock(T0);
  stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + 3600_000)));
  s3Mock.on(HeadObjectCommand).callsFake((input: { VersionId?: string }) => ({ ContentLength: 1, ETag: '"e1"', VersionId: input.VersionId ?? "v-from-head" }));
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"doc"' });
  logs = captureLogs();
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  restoreEnv();
});

describe("one document key per version on every path", () => {
  it("event with versionId, batch task with it, and batch task without it (HEAD's VersionId) all name @<versionId>.json", async () => {
    await handler({ Records: [rec("ObjectCreated:Put", { versionId: "v-from-head", eTag: "e1", sequencer: "01" })] }, ctx("a"));
    const batch = (v: string | null) => ({
      invocationSchemaVersion: "2.0",
      invocationId: "i",
      job: { id: "j" },
      tasks: [{ taskId: "t", s3Key: "k.csv", s3VersionId: v, s3Bucket: "prod-data" }],
    });
    await handler(batch("v-from-head"), ctx("b"));
    const r = (await handler(batch(null), ctx("c"))) as BatchResponse;
    expect(r.results[0].resultCode).toBe("Succeeded");
    expect(new Set(puts().map((p) => p.Key))).toEqual(new Set(["metadata/prod-data/k.csv@v-from-head.json"]));
  });
});

describe("tombstones win over older creates", () => {
  it("creates are conditional (If-None-Match: *), tombstones of a version are not", async () => {
    await handler(
      {
        Records: [
          rec("ObjectCreated:Put", { versionId: "v1", eTag: "e1", sequencer: "01" }),
          rec("ObjectRemoved:Delete", { versionId: "v2", sequencer: "02" }),
        ],
      },
      ctx("a"),
    );
    const byKey = Object.fromEntries(puts().map((p) => [p.Key, p]));
    expect(byKey["metadata/prod-data/k.csv@v1.json"].IfNoneMatch).toBe("*");
    expect(byKey["metadata/prod-data/k.csv@v2.json"].IfNoneMatch).toBeUndefined();
  });

  it("a late ObjectCreated(v1) landing after ObjectRemoved(v1)'s tombstone is kept out (412: skipped, not an error, not retried)", async () => {
    s3Mock.on(PutObjectCommand, { IfNoneMatch: "*" }).rejects(precondition());
    const out = (await handler({ Records: [rec("ObjectCreated:Put", { versionId: "v1", eTag: "e1", sequencer: "01" })] }, ctx("a"))) as {
      written: unknown[];
      skipped: { reason: string }[];
    };
    expect(out.written).toHaveLength(0);
    expect(out.skipped[0].reason).toContain("exists already (a retry, another path, or the version's tombstone): kept");
    expect(puts()).toHaveLength(1); // the one conditional attempt, no unconditional overwrite
  });
});

describe("batch backfill of a version already described", () => {
  it("a task whose document exists (412 on If-None-Match) Succeeds: the version is described, nothing is overwritten", async () => {
    s3Mock.on(PutObjectCommand, { IfNoneMatch: "*" }).rejects(precondition());
    const r = (await handler(
      {
        invocationSchemaVersion: "2.0",
        invocationId: "i",
        job: { id: "j" },
        tasks: [{ taskId: "t", s3Key: "k.csv", s3VersionId: "v1", s3Bucket: "prod-data" }],
      },
      ctx("b"),
    )) as BatchResponse;
    expect(r.results[0]).toMatchObject({ taskId: "t", resultCode: "Succeeded" });
    expect(r.results[0].resultString).toContain("exists already");
    expect(puts()).toHaveLength(1);
  });
});

describe("unversioned buckets: @null.json, ordered by sequencer", () => {
  const existing = (sequencer: string, deleted = false) => ({ Body: fakeBody(JSON.stringify({ sequencer, deleted })) as never, ETag: '"old"' });

  it("an unversioned delete tombstones the live document when its sequencer is later (If-Match on the read ETag)", async () => {
    s3Mock.on(PutObjectCommand, { IfNoneMatch: "*" }).rejects(precondition());
    s3Mock.on(GetObjectCommand).resolves(existing("0055AED6DCD90281E5"));
    const out = (await handler({ Records: [rec("ObjectRemoved:Delete", { sequencer: "0055AED6DCD90281E6" })] }, ctx("a"))) as {
      written: { key: string; tombstone: boolean }[];
    };
    expect(out.written).toEqual([expect.objectContaining({ key: "metadata/prod-data/k.csv@null.json", tombstone: true })]);
    expect(puts().at(-1)).toMatchObject({ Key: "metadata/prod-data/k.csv@null.json", IfMatch: '"old"' });
    expect(JSON.parse(bodyText(puts().at(-1)?.Body))).toMatchObject({ deleted: true });
  });

  it("an older create arriving after the delete does not resurrect the object", async () => {
    s3Mock.on(PutObjectCommand, { IfNoneMatch: "*" }).rejects(precondition());
    s3Mock.on(GetObjectCommand).resolves(existing("0055AED6DCD90281E6", true));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e1"' }); // (still readable in this race)
    const out = (await handler({ Records: [rec("ObjectCreated:Put", { eTag: "e1", sequencer: "0055AED6DCD90281E5" })] }, ctx("a"))) as {
      written: unknown[];
      skipped: unknown[];
    };
    expect(out.written).toHaveLength(0);
    expect(out.skipped).toHaveLength(1);
    expect(puts().filter((p) => p.IfMatch !== undefined)).toHaveLength(0);
  });

  it("sequencers compare as hex after right-padding the shorter with zeros", () => {
    expect(compareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6")).toBe(-1);
    expect(compareSequencers("0055AED6DCD9028", "0055AED6DCD90281")).toBe(-1);
    expect(compareSequencers("0056", "0055AED6DCD90281E6")).toBe(1);
    expect(compareSequencers("00A0", "00a0")).toBe(0);
  });
});

describe("S3 events wrapped in SQS messages", () => {
  const msg = (id: string, body: unknown) => ({
    messageId: id,
    receiptHandle: "h",
    body: typeof body === "string" ? body : JSON.stringify(body),
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:111111111111:q",
  });

  it("processes each message's records and reports only the transiently failed messages in batchItemFailures", async () => {
    s3Mock.on(PutObjectCommand, { Key: "metadata/prod-data/bad.csv@v9.json" }).rejects(awsError("InternalError", "We encountered an internal error", 500));
    const ok = { Records: [rec("ObjectCreated:Put", { versionId: "v1", eTag: "e1", sequencer: "01" })] };
    const failing = {
      Records: [
        {
          ...rec("ObjectCreated:Put", { versionId: "v9", eTag: "e1", sequencer: "01" }),
          s3: { bucket: { name: "prod-data" }, object: { key: "bad.csv", versionId: "v9", eTag: "e1" } },
        },
      ],
    };
    const out = (await handler(
      { Records: [msg("m1", ok), msg("m2", failing), msg("m3", { Event: "s3:TestEvent" }), msg("m4", "not json")] },
      ctx("s"),
    )) as SqsBatchResponse;
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(puts().map((p) => p.Key)).toContain("metadata/prod-data/k.csv@v1.json");
    const line = logs.records()[0];
    expect(line).toMatchObject({ operation: "sqs", messages: 4, written: 1, failedMessages: 1, permanent: 1, level: "warn" });
    // permanent outcomes are a metric (alarmable), transient ones too
    expect(logs.emf()[0]).toMatchObject({ RecordsWritten: 1, PermanentFailures: 1, TransientFailures: 1, handler: "metadata-processor" });
  });
});
