import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { AccessDeniedError, BadEventError, RecordsFailedError } from "../shared/errors";
import { sha256Hex, utf8Bytes } from "../shared/keys";
import {
  AssumeRoleCommand,
  assumeRoleOutput,
  awsError,
  bodyText,
  captureLogs,
  ctx,
  restoreEnv,
  s3Mock,
  setEnv,
  stsMock,
  useFakeClock,
} from "../shared/testing";
import { HandlerConfigError } from "../shared/errors";
import { __resetForTests, handler, type BatchResponse, type MetadataDocument, type ProcessSummary, type TombstoneDocument } from "./index";
import { checkEveryTestAgainst } from "../shared/contract-testing";
import { METADATA_PROCESSOR_CALLS } from "./calls.contract";

// Every scenario below is a call-contract check too: no command outside METADATA_PROCESSOR_CALLS.
checkEveryTestAgainst("metadata-processor", METADATA_PROCESSOR_CALLS);

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
  SOURCE_BUCKETS: PROD,
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
      object: {
        key: o.key,
        size: 11,
        ...(o.eTag ? { eTag: o.eTag } : {}),
        ...(o.versionId ? { versionId: o.versionId } : {}),
        sequencer: "0055AED6DCD90281E5",
      },
    },
  };
}

const event = (...records: unknown[]) => ({ Records: records });

function puts(): PutObjectCommandInput[] {
  return s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
}

function doc(input: PutObjectCommandInput): MetadataDocument {
  return JSON.parse(bodyText(input.Body)) as MetadataDocument;
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
      { Bucket: PROD, Key: "b.txt", IfMatch: '"e-b"' },
    ]);
    // version id when versioned, the event's ETag otherwise
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/reports/Q1 summary(1).csv@3HL4kqtJlcpXroDTDmJ.json", "metadata/prod-data/b.txt@null.json"]);
    expect(puts()[0]).toMatchObject({ Bucket: "reporting-data", ContentType: "application/json" });
    expect(doc(puts()[0])).toEqual({
      sourceBucket: PROD,
      sourceKey: "reports/Q1 summary(1).csv",
      deleted: false,
      size: 11,
      etag: "etag-of-reports/Q1 summary(1).csv",
      versionId: "3HL4kqtJlcpXroDTDmJ",
      contentType: "text/csv",
      lastModified: "2025-03-04T05:00:00.000Z",
      storageClass: null,
      serverSideEncryption: "aws:kms",
      sseKmsKeyId: null,
      checksum: null,
      checksumType: null,
      objectLock: null,
      tagCount: null,
      eventName: "ObjectCreated:Put",
      eventTime: "2025-03-04T05:00:00.000Z",
      region: "eu-west-1",
      sequencer: "0055AED6DCD90281E5",
      s3RequestId: null,
      sourceIp: null,
      userMetadata: { owner: "team-a" },
    });
    expect(out.records).toBe(2);
    expect(out.written.map((w) => [w.index, w.sourceKey, w.key])).toEqual([
      [0, "reports/Q1 summary(1).csv", "metadata/prod-data/reports/Q1 summary(1).csv@3HL4kqtJlcpXroDTDmJ.json"],
      [1, "b.txt", "metadata/prod-data/b.txt@null.json"],
    ]);
    expect(out.skipped).toEqual([]);
    expect(out.permanent).toEqual([]);
  });

  it("a retried event overwrites the same document (same key, same body)", async () => {
    const e = event(record({ key: "a/b.csv", eTag: "etag-of-a/b.csv" }), record({ key: "c.csv", versionId: "v9" }));
    await handler(e, ctx("first"));
    await handler(e, ctx("retry"));
    const [a1, c1, a2, c2] = puts();
    expect(a2.Key).toBe(a1.Key);
    expect(c2.Key).toBe(c1.Key);
    expect(bodyText(a2.Body)).toBe(bodyText(a1.Body));
    expect(bodyText(c2.Body)).toBe(bodyText(c1.Body));
    expect(new Set(puts().map((p) => p.Key)).size).toBe(2);
  });

  it("hashes source keys that would make the document key exceed 1024 bytes or contain '..'", async () => {
    const long = `deep/${"é".repeat(600)}.csv`; // > 1024 bytes once prefixed
    await handler(event(record({ key: encodeURIComponent(long), eTag: "e1" }), record({ key: "x/../y.csv", eTag: "e2" })), ctx("r"));
    const [k1, k2] = puts().map((p) => p.Key as string);
    expect(k1).toBe(`metadata/prod-data/_sha256/${sha256Hex(long)}@null.json`);
    expect(utf8Bytes(k1)).toBeLessThanOrEqual(1024);
    expect(k2).toBe(`metadata/prod-data/_sha256/${sha256Hex("x/../y.csv")}@null.json`);
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
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/ok-1.csv@null.json", "metadata/prod-data/ok-2.csv@null.json"]);
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.message).toMatch(
      /^1 of 3 records failed transiently \(2 written\): \[1\] s3:\/\/prod-data\/bad\.csv: AccessDeniedError: S3 denied s3:GetObject on arn:aws:s3:::prod-data\/bad\.csv/,
    );
    expect(err.message).toContain("Check the execution role's identity policy: it must allow s3:GetObject on arn:aws:s3:::prod-data/*");
    expect(err.failures).toEqual([expect.objectContaining({ index: 1, bucket: PROD, key: "bad.csv", errorName: "AccessDeniedError" })]);
    const [line] = logs.records();
    expect(line).toMatchObject({
      outcome: "error",
      errorName: "RecordsFailedError",
      records: 3,
      written: 2,
      failed: 1,
      failedRecords: ["[1] s3://prod-data/bad.csv"],
    });
  });

  it("a failed write is diagnosed against the reporting role and bucket", async () => {
    s3Mock.on(PutObjectCommand, { Key: "metadata/prod-data/b.csv@null.json" }).rejects(awsError("AccessDenied", "Access Denied"));
    const err = (await handler(event(record({ key: "a.csv", eTag: "e1" }), record({ key: "b.csv", eTag: "e2" })), ctx("r")).catch(
      (e: unknown) => e,
    )) as RecordsFailedError;
    expect(err.message).toContain(
      "[1] s3://prod-data/b.csv: AccessDeniedError: S3 denied s3:PutObject on arn:aws:s3:::reporting-data/metadata/prod-data/b.csv@null.json",
    );
    expect(err.message).toContain(`Check the permission policy of the target role ${ROLE}`);
    expect(puts()).toHaveLength(2); // both attempted
  });

  it("a malformed record is a permanent outcome: recorded, the valid ones written, the invocation does not fail", async () => {
    const broken = { eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: PROD }, object: {} } };
    const out = (await handler(event(record({ key: "a.csv", eTag: "e1" }), broken, record({ key: "bad%ZZ", eTag: "e3" })), ctx("r"))) as ProcessSummary;
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/a.csv@null.json"]);
    expect(out.permanent.map((p) => [p.index, p.errorName])).toEqual([
      [1, "BadEventError"],
      [2, "BadEventError"],
    ]);
    expect(out.permanent[0].message).toContain("Records[1].s3.object.key: must be the URL-encoded object key string");
    expect(out.permanent[1].message).toContain("Records[2].s3.object.key: must be URL-encoded as S3 sends it");
    const [line] = logs.records();
    expect(line).toMatchObject({ level: "warn", outcome: "ok", written: 1, permanent: 2, failed: 0 });
    expect((line.permanentRecords as string[])[0]).toContain("[1] s3://?/?: BadEventError");
  });

  it("an object deleted before processing (HEAD 404) is permanent: recorded, not retried", async () => {
    s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", "", 404));
    const out = (await handler(event(record({ key: "gone.csv", eTag: "e" })), ctx("r"))) as ProcessSummary;
    expect(out.permanent).toEqual([expect.objectContaining({ index: 0, key: "gone.csv", errorName: "ObjectGone" })]);
    expect(out.permanent[0].message).toContain("s3://prod-data/gone.csv no longer exists (NotFound)");
    expect(puts()).toHaveLength(0);
  });

  it.each([
    ["a throttle", awsError("SlowDown", "Please reduce your request rate.", 503)],
    ["a 500", awsError("InternalError", "We encountered an internal error.", 500)],
  ])("%s is transient: the invocation fails so Lambda retries", async (_n, e) => {
    s3Mock.on(HeadObjectCommand, { Key: "t.csv" }).rejects(e);
    const err = (await handler(event(record({ key: "ok.csv", eTag: "e1" }), record({ key: "t.csv", eTag: "e2" })), ctx("r")).catch(
      (x: unknown) => x,
    )) as RecordsFailedError;
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.failures).toEqual([expect.objectContaining({ index: 1, errorName: e.name })]);
    expect(logs.records()[0]).toMatchObject({ level: "error", failed: 1, written: 1 });
  });

  it("when STS refuses, every record fails with the trust-policy diagnosis and nothing is read", async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejects(
        awsError(
          "AccessDenied",
          `User: arn:aws:sts::111111111111:assumed-role/proc-exec/metadata-processor is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
        ),
      );
    const err = (await handler(event(record({ key: "a.csv", eTag: "e1" }), record({ key: "b.csv", eTag: "e2" })), ctx("r")).catch(
      (e: unknown) => e,
    )) as RecordsFailedError;
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.message).toMatch(
      /^2 of 2 records failed transiently \(0 written\): AccessDeniedError: STS denied AssumeRole of arn:aws:iam::333333333333:role\/reporting-writer/,
    );
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
  ])("%s -> a permanent outcome (BadEventError recorded, nothing read, the invocation does not fail)", async (_n, e, field, message) => {
    const out = (await handler(e, ctx("r"))) as ProcessSummary;
    expect(out.written).toEqual([]);
    expect(out.permanent).toHaveLength(1);
    expect(out.permanent[0]).toMatchObject({ index: -1, errorName: "BadEventError" });
    expect(out.permanent[0].message.startsWith(`${field}: `)).toBe(true);
    expect(out.permanent[0].message).toMatch(message);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(stsMock.calls()).toHaveLength(0);
    expect(logs.records()[0]).toMatchObject({ level: "warn", outcome: "ok", permanent: 1 });
  });

  it("a record from another source is a permanent failure with a clear message", async () => {
    const out = (await handler(event({ eventSource: "aws:sns", eventName: "x" }), ctx("r"))) as ProcessSummary;
    expect(out.permanent[0].message).toContain('Records[0].eventSource: must be "aws:s3"');
  });

  it("acknowledges S3's s3:TestEvent without doing anything", async () => {
    const out = (await handler({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: PROD }, ctx("r"))) as ProcessSummary;
    expect(out).toEqual({ records: 0, written: [], skipped: [{ index: -1, reason: "s3:TestEvent" }], permanent: [] });
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("skips other event types and objects under its own output prefix", async () => {
    const out = (await handler(
      event(
        record({ key: "a.csv", eventName: "ObjectTagging:Put" }),
        record({ key: "metadata/x.json", bucket: "reporting-data", eTag: "e" }),
        record({ key: "c.csv", eTag: "e" }),
      ),
      ctx("r"),
    )) as ProcessSummary;
    expect(out.skipped).toEqual([
      { index: 0, reason: "eventName ObjectTagging:Put is neither ObjectCreated:* nor ObjectRemoved:*" },
      { index: 1, reason: "s3://reporting-data/metadata/x.json is under this processor's own output prefix" },
    ]);
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/c.csv@null.json"]);
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
    const headClients = new Set(
      s3Mock.send
        .getCalls()
        .filter((c) => c.args[0] instanceof HeadObjectCommand)
        .map((c) => c.thisValue),
    );
    const putClients = new Set(
      s3Mock.send
        .getCalls()
        .filter((c) => c.args[0] instanceof PutObjectCommand)
        .map((c) => c.thisValue),
    );
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
      permanent: 0,
      keys: ["metadata/prod-data/a.csv@null.json"],
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

describe("ExpiredToken with records in parallel", () => {
  it("one refresh serves every record of the invocation: one STS call, every record written", async () => {
    await handler(event(record({ key: "warm.csv", eTag: "e" })), ctx("warm"));
    // Every PutObject signed by the container's first client is refused as expired.
    let oldClient: unknown;
    s3Mock.on(PutObjectCommand).callsFake(async (_input: unknown, getClient: () => unknown) => {
      const client = getClient();
      oldClient ??= client;
      if (client === oldClient) {
        await new Promise((r) => setTimeout(r, 5));
        throw awsError("ExpiredToken", "The provided token has expired.", 400);
      }
      return { ETag: '"d"' };
    });
    stsMock.on(AssumeRoleCommand).resolves(assumeRoleOutput(new Date(Date.parse(T0) + 3600_000), 2));
    const out = (await handler(
      event(record({ key: "a.csv", eTag: "e" }), record({ key: "b.csv", eTag: "e" }), record({ key: "c.csv", eTag: "e" })),
      ctx("x"),
    )) as ProcessSummary;
    expect(out.written).toHaveLength(3);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2); // warm-up + one refresh
  });
});

describe("deadline", () => {
  it("a HeadObject that never answers fails the record transiently before the function's timeout, naming the call", async () => {
    s3Mock.on(HeadObjectCommand, { Key: "hung.csv" }).callsFake(() => new Promise(() => undefined));
    const end = Date.now() + 1000;
    const lambdaCtx = { awsRequestId: "h", getRemainingTimeInMillis: () => end - Date.now() };
    const err = (await handler(event(record({ key: "ok.csv", eTag: "e" }), record({ key: "hung.csv", eTag: "e" })), lambdaCtx).catch(
      (x: unknown) => x,
    )) as RecordsFailedError;
    expect(Date.now()).toBeLessThan(end);
    expect(err).toBeInstanceOf(RecordsFailedError);
    expect(err.failures).toEqual([expect.objectContaining({ index: 1, errorName: "DeadlineExceededError" })]);
    expect(err.message).toContain("S3 HeadObject on s3://prod-data/hung.csv did not answer");
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/ok.csv@null.json"]);
  });
});

describe("exact version (unversioned buckets)", () => {
  it("HEADs with IfMatch of the event's ETag; an object overwritten since the event is superseded: no document, not a failure", async () => {
    s3Mock.on(HeadObjectCommand, { Key: "k.csv" }).rejects(awsError("PreconditionFailed", "", 412));
    const out = (await handler(event(record({ key: "k.csv", eTag: "etag1" })), ctx("r"))) as ProcessSummary;
    expect(s3Mock.commandCalls(HeadObjectCommand)[0].args[0].input).toMatchObject({ IfMatch: '"etag1"' });
    expect(puts()).toHaveLength(0);
    expect(out.permanent).toEqual([]);
    expect(out.skipped[0].reason).toContain("no longer has the event's ETag etag1: it was overwritten after this event");
  });

  it("the document named after an ETag holds that ETag's HEAD (never another version's size)", async () => {
    s3Mock.on(HeadObjectCommand).callsFake((input: { IfMatch?: string }) => ({ ETag: input.IfMatch, ContentLength: 42 }));
    await handler(event(record({ key: "k.csv", eTag: "etag1" })), ctx("r"));
    expect(puts()[0].Key).toBe("metadata/prod-data/k.csv@null.json");
    expect(doc(puts()[0])).toMatchObject({ etag: "etag1", size: 42 });
  });
});

describe("deletions (s3:ObjectRemoved:*)", () => {
  const removed = (o: RecOpts) => {
    const r = record(o);
    // ObjectRemoved records carry no eTag/size (notification-content-structure)
    return { ...r, s3: { ...r.s3, object: { key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}), sequencer: "0055AED6DCD90281E6" } } };
  };

  it("ObjectRemoved:Delete of a version overwrites that version's document with a tombstone; no HEAD, PutObject only", async () => {
    const out = (await handler(event(removed({ key: "a.csv", versionId: "v1", eventName: "ObjectRemoved:Delete" })), ctx("r"))) as ProcessSummary;
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    expect(puts()[0].Key).toBe("metadata/prod-data/a.csv@v1.json");
    expect(JSON.parse(bodyText(puts()[0].Body)) as TombstoneDocument).toEqual({
      sourceBucket: PROD,
      sourceKey: "a.csv",
      deleted: true,
      deleteMarker: false,
      versionId: "v1",
      eventName: "ObjectRemoved:Delete",
      eventTime: "2025-03-04T05:00:00.000Z",
      region: "eu-west-1",
      sequencer: "0055AED6DCD90281E6",
      s3RequestId: null,
      sourceIp: null,
    });
    expect(out.written[0]).toMatchObject({ tombstone: true });
    expect(logs.records()[0]).toMatchObject({ tombstones: 1, written: 1 });
  });

  it("ObjectRemoved:DeleteMarkerCreated writes the delete marker's own document", async () => {
    await handler(event(removed({ key: "a.csv", versionId: "marker-1", eventName: "ObjectRemoved:DeleteMarkerCreated" })), ctx("r"));
    expect(puts()[0].Key).toBe("metadata/prod-data/a.csv@marker-1.json");
    expect(JSON.parse(bodyText(puts()[0].Body))).toMatchObject({ deleted: true, deleteMarker: true, versionId: "marker-1" });
  });

  it("an unversioned delete is keyed by its sequencer; a retry overwrites it", async () => {
    const e = event(removed({ key: "u.csv", eventName: "ObjectRemoved:Delete" }));
    await handler(e, ctx("r1"));
    await handler(e, ctx("r2"));
    expect(puts().map((p) => p.Key)).toEqual(["metadata/prod-data/u.csv@null.json", "metadata/prod-data/u.csv@null.json"]);
  });
});

describe("source bucket allowlist (SOURCE_BUCKETS)", () => {
  it("refuses records of any other bucket (permanent, nothing read or written) and processes the allowed ones", async () => {
    const out = (await handler(
      event(record({ key: "x.csv", eTag: "e", bucket: "someone-elses-bucket" }), record({ key: "ok.csv", eTag: "e" })),
      ctx("r"),
    )) as ProcessSummary;
    expect(out.permanent).toEqual([expect.objectContaining({ index: 0, bucket: "someone-elses-bucket", errorName: "SourceBucketNotAllowed" })]);
    expect(out.permanent[0].message).toContain("bucket someone-elses-bucket is not a source of this processor (SOURCE_BUCKETS=prod-data)");
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Bucket)).toEqual([PROD]);
    expect(puts()).toHaveLength(1);
  });

  it("accepts several buckets", async () => {
    setEnv({ ...BASE, SOURCE_BUCKETS: `${PROD}, prod-archive` });
    await handler(event(record({ key: "x.csv", eTag: "e", bucket: "prod-archive" })), ctx("r"));
    expect(puts()[0].Key).toBe("metadata/prod-archive/x.csv@null.json");
  });

  it("without SOURCE_BUCKETS the processor refuses to run (ConfigError naming the variable)", async () => {
    setEnv({ ...BASE, SOURCE_BUCKETS: undefined });
    const err = await handler(event(record({ key: "x.csv", eTag: "e" })), ctx("r")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HandlerConfigError);
    expect((err as Error).message).toMatch(/^SOURCE_BUCKETS: is not set/);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe("document contents", () => {
  it("records the SSE-KMS key id, checksums, object-lock state, tag count, and the event's request id and source IP", async () => {
    s3Mock.on(HeadObjectCommand).resolves({
      ETag: '"e"',
      ContentLength: 3,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:aws:kms:eu-west-1:111111111111:key/abc",
      ChecksumSHA256: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
      ChecksumType: "FULL_OBJECT",
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: new Date("2030-01-01T00:00:00Z"),
      ObjectLockLegalHoldStatus: "OFF",
      TagCount: 3,
    });
    const r = {
      ...record({ key: "a.csv", eTag: "e" }),
      requestParameters: { sourceIPAddress: "203.0.113.7" },
      responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "x" },
    };
    await handler(event(r), ctx("r"));
    expect(doc(puts()[0])).toMatchObject({
      sseKmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/abc",
      checksum: { SHA256: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" },
      checksumType: "FULL_OBJECT",
      objectLock: { mode: "GOVERNANCE", retainUntil: "2030-01-01T00:00:00.000Z", legalHold: "OFF" },
      tagCount: 3,
      s3RequestId: "C3D13FE58DE4C810",
      sourceIp: "203.0.113.7",
    });
  });
});

describe("S3 Batch Operations (LambdaInvoke, schema 2.0)", () => {
  // The documented request shape (batch-ops-invoke-lambda.html, schema 2.0: bucket NAME, URL-encoded key, userArguments).
  const batchEvent = (tasks: unknown[], schema = "2.0") => ({
    invocationSchemaVersion: schema,
    invocationId: "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
    job: { id: "f3cc4f60-61f6-4a2b-8a21-d07600c373ce", userArguments: { note: "backfill" } },
    tasks,
  });
  const task = (taskId: string, s3Key: string, s3VersionId: string | null = null, s3Bucket = PROD) => ({ taskId, s3Key, s3VersionId, s3Bucket });

  it("writes the document of the task's object and answers in the documented response shape", async () => {
    const out = (await handler(batchEvent([task("dGFza2lkZ29lc2hlcmUK", "reports/Q1+summary.csv", "v5")]), ctx("b"))) as BatchResponse;
    expect(out).toEqual({
      invocationSchemaVersion: "2.0",
      treatMissingKeysAs: "PermanentFailure",
      invocationId: "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
      results: [
        { taskId: "dGFza2lkZ29lc2hlcmUK", resultCode: "Succeeded", resultString: "s3://reporting-data/metadata/prod-data/reports/Q1 summary.csv@v5.json" },
      ],
    });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0].args[0].input).toMatchObject({ Bucket: PROD, Key: "reports/Q1 summary.csv", VersionId: "v5" });
    expect(doc(puts()[0])).toMatchObject({ eventName: "BatchOperations:LambdaInvoke", versionId: "v5" });
    expect(logs.records()[0]).toMatchObject({ operation: "batch", batchJobId: "f3cc4f60-61f6-4a2b-8a21-d07600c373ce", succeeded: 1, level: "info" });
  });

  it("unversioned task (s3VersionId null): HEAD without a version id, keyed `@null` (the one live document of an unversioned key)", async () => {
    await handler(batchEvent([task("t1", "b.txt")]), ctx("b"));
    expect(s3Mock.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: PROD, Key: "b.txt" });
    expect(puts()[0].Key).toBe("metadata/prod-data/b.txt@null.json");
  });

  it("per-task results: gone object and other buckets PermanentFailure, throttling TemporaryFailure; the invocation itself succeeds", async () => {
    s3Mock.on(HeadObjectCommand, { Key: "gone.csv" }).rejects(awsError("NotFound", "", 404));
    s3Mock.on(HeadObjectCommand, { Key: "slow.csv" }).rejects(awsError("SlowDown", "Please reduce your request rate.", 503));
    const out = (await handler(
      batchEvent([task("t-gone", "gone.csv"), task("t-slow", "slow.csv"), task("t-other", "x.csv", null, "other-bucket"), task("t-ok", "ok.csv")]),
      ctx("b"),
    )) as BatchResponse;
    expect(out.results.map((r) => [r.taskId, r.resultCode])).toEqual([
      ["t-gone", "PermanentFailure"],
      ["t-slow", "TemporaryFailure"],
      ["t-other", "PermanentFailure"],
      ["t-ok", "Succeeded"],
    ]);
    expect(out.results[0].resultString).toContain("ObjectGone");
    expect(out.results[1].resultString).toContain("SlowDown");
    expect(out.results[2].resultString).toContain("SourceBucketNotAllowed");
    expect(logs.records()[0]).toMatchObject({ level: "warn", outcome: "ok", succeeded: 1, temporaryFailures: 1, permanentFailures: 2 });
  });

  it("a malformed task fails alone (PermanentFailure); schema 1.0 (bucket ARN) is accepted too", async () => {
    const out = (await handler(batchEvent([{ taskId: "t-bad", s3Key: "", s3Bucket: PROD }]), ctx("b"))) as BatchResponse;
    expect(out.results[0]).toMatchObject({ taskId: "t-bad", resultCode: "PermanentFailure" });
    expect(out.results[0].resultString).toContain("tasks[0].s3Key");
    const v1 = (await handler(
      {
        invocationSchemaVersion: "1.0",
        invocationId: "i",
        job: { id: "j" },
        tasks: [{ taskId: "t", s3Key: "a.csv", s3VersionId: null, s3BucketArn: `arn:aws:s3:::${PROD}` }],
      },
      ctx("b1"),
    )) as BatchResponse;
    expect(v1).toMatchObject({ invocationSchemaVersion: "1.0", results: [{ taskId: "t", resultCode: "Succeeded" }] });
  });

  it.each([
    ["unknown schema", { invocationSchemaVersion: "3.0", invocationId: "i", job: { id: "j" }, tasks: [] }, "invocationSchemaVersion"],
    ["no invocationId", { invocationSchemaVersion: "2.0", job: { id: "j" }, tasks: [{}] }, "invocationId"],
    ["no tasks", { invocationSchemaVersion: "2.0", invocationId: "i", job: { id: "j" }, tasks: [] }, "tasks"],
    ["task without taskId", { invocationSchemaVersion: "2.0", invocationId: "i", job: { id: "j" }, tasks: [{ s3Key: "a" }] }, "tasks[0].taskId"],
  ])("a malformed invocation (%s) is a BadEventError", async (_n, e, field) => {
    const err = await handler(e, ctx("b")).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(BadEventError);
    expect((err as BadEventError).field).toBe(field);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});
