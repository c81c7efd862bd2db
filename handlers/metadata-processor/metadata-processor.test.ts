import { HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { AccessDeniedError, BadEventError, RecordsFailedError } from "../shared/errors";
import { sha256Hex, utf8Bytes } from "../shared/keys";
import { AssumeRoleCommand, assumeRoleOutput, awsError, captureLogs, ctx, restoreEnv, s3Mock, setEnv, stsMock, useFakeClock } from "../shared/testing";
import { __resetForTests, handler, type MetadataDocument, type ProcessSummary } from "./index";

const ROLE = "arn:aws:iam::333333333333:role/reporting-writer";
const T0 = "2025-03-04T05:06:07.000Z";
const PROD = "prod-data";

const BASE = {
  TARGET_BUCKET: "reporting-data",
  TARGET_PREFIX: "metadata/",
  TARGET_ROLE_ARN: ROLE,
  TARGET_REGION: "eu-west-1",
  AWS_REGION: "eu-west-1",
  AWS_LAMBDA_FUNCTION_NAME: "metadata-processor",
  MAX_BODY_BYTES: "65536",
};

interface RecOpts {
  key: string;
  versionId?: string;
  eTag?: string;
  eventName?: string;
  bucket?: string;
}

function record(o: RecOpts) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventTime: "2025-03-04T05:00:00.000Z",
    eventName: o.eventName ?? "ObjectCreated:Put",
    s3: {
      s3SchemaVersion: "1.0",
      bucket: { name: o.bucket ?? PROD, arn: `arn:aws:s3:::${o.bucket ?? PROD}` },
      object: { key: o.key, size: 11, ...(o.eTag ? { eTag: o.eTag } : {}), ...(o.versionId ? { versionId: o.versionId } : {}), sequencer: "0055AED6DCD90281E5" },
    },
  };
}

const event = (...records: unknown[]) => ({ Records: records });

function puts(): PutObjectCommandInput[] {
  return s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
}

function doc(input: PutObjectCommandInput): MetadataDocument {
  return JSON.parse(input.Body as string) as MetadataDocument;
}

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  setEnv(BASE);
  useFakeClock(T0);
  stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + 3600_000)));
  s3Mock.on(HeadObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => ({
    ContentLength: 11,
    ContentType: "text/csv",
    ETag: `"etag-of-${input.Key}"`,
    VersionId: input.VersionId,
    LastModified: new Date("2025-03-04T05:00:00Z"),
    Metadata: { owner: "team-a" },
    ServerSideEncryption: "aws:kms",
  }));
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"doc-etag"' });
  logs = captureLogs();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  restoreEnv();
});

describe("metadata documents", () => {
  it("reads each object's metadata and writes one document per object under a deterministic key", async () => {
    const out = (await handler(
      event(record({ key: "reports/Q1+summary%281%29.csv", versionId: "3HL4kqtJlcpXroDTDmJ", eTag: "abc" }), record({ key: "b.txt", eTag: "e-b" })),
      ctx("req-1"),
    )) as ProcessSummary;

    // URL-decoded keys reach HeadObject
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: PROD, Key: "reports/Q1 summary(1).csv", VersionId: "3HL4kqtJlcpXroDTDmJ" },
      { Bucket: PROD, Key: "b.txt" },
    ]);
    // version id when versioned, the event's ETag otherwise
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/reports/Q1 summary(1).csv@3HL4kqtJlcpXroDTDmJ.json", "metadata/prod-data/b.txt@e-b.json"]);
    expect(puts()[0]).toMatchObject({ Bucket: "reporting-data", ContentType: "application/json" });
    expect(doc(puts()[0])).toEqual({
      sourceBucket: PROD,
      sourceKey: "reports/Q1 summary(1).csv",
      size: 11,
      etag: "etag-of-reports/Q1 summary(1).csv",
      versionId: "3HL4kqtJlcpXroDTDmJ",
      contentType: "text/csv",
      lastModified: "2025-03-04T05:00:00.000Z",
      storageClass: null,
      serverSideEncryption: "aws:kms",
      eventName: "ObjectCreated:Put",
      eventTime: "2025-03-04T05:00:00.000Z",
      region: "eu-west-1",
      sequencer: "0055AED6DCD90281E5",
      changedSinceEvent: true,
      userMetadata: { owner: "team-a" },
    });
    expect(out.records).toBe(2);
    expect(out.written.map((w) => [w.index, w.sourceKey, w.key])).toEqual([
      [0, "reports/Q1 summary(1).csv", "metadata/prod-data/reports/Q1 summary(1).csv@3HL4kqtJlcpXroDTDmJ.json"],
      [1, "b.txt", "metadata/prod-data/b.txt@e-b.json"],
    ]);
    expect(out.skipped).toEqual([]);
  });

  it("a retried event overwrites the same document (same key, same body)", async () => {
    const e = event(record({ key: "a/b.csv", eTag: "etag-of-a/b.csv" }), record({ key: "c.csv", versionId: "v9" }));
    await handler(e, ctx("first"));
    await handler(e, ctx("retry"));
    const [a1, c1, a2, c2] = puts();
    expect(a2.Key).toBe(a1.Key);
    expect(c2.Key).toBe(c1.Key);
    expect(a2.Body).toBe(a1.Body);
    expect(c2.Body).toBe(c1.Body);
    expect(new Set(puts().map((p) => p.Key)).size).toBe(2);
    expect(doc(a1).changedSinceEvent).toBe(false);
  });

  it("hashes source keys that would make the document key exceed 1024 bytes or contain '..'", async () => {
    const long = `deep/${"é".repeat(600)}.csv`; // > 1024 bytes once prefixed
    await handler(event(record({ key: encodeURIComponent(long), eTag: "e1" }), record({ key: "x/../y.csv", eTag: "e2" })), ctx("r"));
    const [k1, k2] = puts().map((p) => p.Key as string);
    expect(k1).toBe(`metadata/prod-data/_sha256/${sha256Hex(long)}@e1.json`);
    expect(utf8Bytes(k1)).toBeLessThanOrEqual(1024);
    expect(k2).toBe(`metadata/prod-data/_sha256/${sha256Hex("x/../y.csv")}@e2.json`);
    expect(doc(puts()[0]).sourceKey).toBe(long);
  });

  it("sends SSE-KMS and the ACL configured for the reporting bucket", async () => {
    const kms = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    setEnv({ ...BASE, TARGET_KMS_KEY_ARN: kms, TARGET_OBJECT_ACL: "bucket-owner-full-control" });
    await handler(event(record({ key: "a.csv", eTag: "e" })), ctx("r"));
    expect(puts()[0]).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: kms, ACL: "bucket-owner-full-control" });
  });
});

describe("failures", () => {
  it("one failing record does not lose the others; the error names the failed one", async () => {
    s3Mock.on(HeadObjectCommand, { Key: "bad.csv" }).rejects(awsError("Forbidden", "", 403));
    const err = (await handler(
      event(record({ key: "ok-1.csv", eTag: "e1" }), record({ key: "bad.csv", eTag: "e2" }), record({ key: "ok-2.csv", eTag: "e3" })),
      ctx("r"),
    ).catch((e: unknown) => e)) as RecordsFailedError;
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/ok-1.csv@e1.json", "metadata/prod-data/ok-2.csv@e3.json"]);
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.message).toMatch(/^1 of 3 records failed \(2 written\): \[1\] s3:\/\/prod-data\/bad\.csv: AccessDeniedError: S3 denied s3:GetObject on arn:aws:s3:::prod-data\/bad\.csv/);
    expect(err.message).toContain("Check the execution role's identity policy: it must allow s3:GetObject on arn:aws:s3:::prod-data/*");
    expect(err.failures).toEqual([expect.objectContaining({ index: 1, bucket: PROD, key: "bad.csv", errorName: "AccessDeniedError" })]);
    const [line] = logs.records();
    expect(line).toMatchObject({ outcome: "error", errorName: "RecordsFailedError", records: 3, written: 2, failed: 1, failedRecords: ["[1] s3://prod-data/bad.csv"] });
  });

  it("a failed write is diagnosed against the reporting role and bucket", async () => {
    s3Mock.on(PutObjectCommand, { Key: "metadata/prod-data/b.csv@e2.json" }).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler(event(record({ key: "a.csv", eTag: "e1" }), record({ key: "b.csv", eTag: "e2" })), ctx("r")).catch((e: unknown) => e)) as RecordsFailedError;
    expect(err.message).toContain("[1] s3://prod-data/b.csv: AccessDeniedError: S3 denied s3:PutObject on arn:aws:s3:::reporting-data/metadata/prod-data/b.csv@e2.json");
    expect(err.message).toContain(`Check the permission policy of the target role ${ROLE}`);
    expect(puts()).toHaveLength(2); // both attempted
  });

  it("a malformed record fails alone; the valid ones are still written", async () => {
    const broken = { eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: PROD }, object: {} } };
    const err = (await handler(event(record({ key: "a.csv", eTag: "e1" }), broken, record({ key: "bad%ZZ", eTag: "e3" })), ctx("r")).catch((e: unknown) => e)) as RecordsFailedError;
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/a.csv@e1.json"]);
    expect(err.message).toContain("2 of 3 records failed (1 written)");
    expect(err.message).toContain("[1]: BadEventError: Records[1].s3.object.key: must be the URL-encoded object key string");
    expect(err.message).toContain("[2]: BadEventError: Records[2].s3.object.key: must be URL-encoded as S3 sends it");
  });

  it("an object deleted before processing fails with a clear message", async () => {
    s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", "", 404));
    const err = (await handler(event(record({ key: "gone.csv", eTag: "e" })), ctx("r")).catch((e: unknown) => e)) as RecordsFailedError;
    expect(err.message).toContain("[0] s3://prod-data/gone.csv: ObjectNotFoundError: s3://prod-data/gone.csv no longer exists (NotFound)");
  });

  it("when STS refuses, every record fails with the trust-policy diagnosis and nothing is read", async () => {
    stsMock.on(AssumeRoleCommand).rejects(awsError("AccessDenied", `User: arn:aws:sts::111111111111:assumed-role/proc-exec/metadata-processor is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`));
    const err = (await handler(event(record({ key: "a.csv", eTag: "e1" }), record({ key: "b.csv", eTag: "e2" })), ctx("r")).catch((e: unknown) => e)) as RecordsFailedError;
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.message).toMatch(/^2 of 2 records failed \(0 written\): AccessDeniedError: STS denied AssumeRole of arn:aws:iam::333333333333:role\/reporting-writer/);
    expect(err.message).toContain(`the trust policy of the target role ${ROLE}`);
    expect(err.message).toContain("Failed records: [0] s3://prod-data/a.csv, [1] s3://prod-data/b.csv");
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe("event shape", () => {
  it.each([
    ["null", null, "event", /must be an S3 event notification object/],
    ["no Records", { foo: 1 }, "Records", /must be a non-empty array .* got no Records field/],
    ["empty Records", { Records: [] }, "Records", /got an empty array/],
    ["Records not an array", { Records: "x" }, "Records", /got string/],
  ])("%s -> BadEventError", async (_n, e, field, message) => {
    const err = await handler(e, ctx("r")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(BadEventError);
    expect((err as BadEventError).field).toBe(field);
    expect((err as Error).message).toMatch(message);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it("a record from another source fails with a clear message", async () => {
    const err = (await handler(event({ eventSource: "aws:sqs", eventName: "x" }), ctx("r")).catch((x: unknown) => x)) as RecordsFailedError;
    expect(err.message).toContain('Records[0].eventSource: must be "aws:s3"');
  });

  it("acknowledges S3's s3:TestEvent without doing anything", async () => {
    const out = (await handler({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: PROD }, ctx("r"))) as ProcessSummary;
    expect(out).toEqual({ records: 0, written: [], skipped: [{ index: -1, reason: "s3:TestEvent" }] });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("skips non-ObjectCreated records and objects under its own output prefix", async () => {
    const out = (await handler(
      event(record({ key: "a.csv", eventName: "ObjectRemoved:Delete" }), record({ key: "metadata/x.json", bucket: "reporting-data", eTag: "e" }), record({ key: "c.csv", eTag: "e" })),
      ctx("r"),
    )) as ProcessSummary;
    expect(out.skipped).toEqual([
      { index: 0, reason: "eventName ObjectRemoved:Delete is not ObjectCreated:*" },
      { index: 1, reason: "s3://reporting-data/metadata/x.json is under this processor's own output prefix" },
    ]);
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/c.csv@e.json"]);
  });
});

describe("clients and credentials", () => {
  it("assumes the reporting role once across invocations and records; HeadObject uses a separate execution-role client", async () => {
    for (let i = 0; i < 10; i++) {
      await handler(event(record({ key: `a${i}.csv`, eTag: "e" }), record({ key: `b${i}.csv`, eTag: "e" })), ctx(`r${i}`));
    }
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE, RoleSessionName: "metadata-processor", DurationSeconds: 3600 });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 20);
    const headClients = new Set(s3Mock.send.getCalls().filter((c) => c.args[0] instanceof HeadObjectCommand).map((c) => c.thisValue));
    const putClients = new Set(s3Mock.send.getCalls().filter((c) => c.args[0] instanceof PutObjectCommand).map((c) => c.thisValue));
    expect(headClients.size).toBe(1);
    expect(putClients.size).toBe(1);
    expect([...headClients][0]).not.toBe([...putClients][0]);
    expect(logs.records().map((l) => l.credentialsRefreshed)).toEqual([true, ...Array(9).fill(false)]);
  });

  it("logs one line per invocation with counts and written keys", async () => {
    await handler(event(record({ key: "a.csv", eTag: "e" })), ctx("req-7"));
    expect(logs.raw()).toHaveLength(1);
    expect(logs.records()[0]).toMatchObject({
      level: "info",
      handler: "metadata-processor",
      operation: "process",
      bucket: "reporting-data",
      prefix: "metadata/",
      records: 1,
      written: 1,
      skipped: 0,
      failed: 0,
      keys: ["metadata/prod-data/a.csv@e.json"],
      requestId: "req-7",
      outcome: "ok",
      credentials: "assume-role",
    });
  });

  it("surfaces STS errors that are not AccessDenied unchanged in the record failures", async () => {
    stsMock.on(AssumeRoleCommand).rejects(awsError("RegionDisabledException", "STS is not activated in this region", 403));
    const err = (await handler(event(record({ key: "a.csv", eTag: "e" })), ctx("r")).catch((x: unknown) => x)) as RecordsFailedError;
    expect(err.message).toContain("RegionDisabledException: STS is not activated in this region");
    expect(err).not.toBeInstanceOf(AccessDeniedError);
  });
});
