/**
 * The metadata processor against the local fake STS/S3 endpoint with the real
 * SDK stack (no aws-sdk-client-mock): HeadObject really sends If-Match /
 * versionId, and the real SDK's HEAD errors (412, 404: no body, named by
 * status) are mapped to the right outcomes.
 */
import { captureLogs } from "../shared/capture-logs";
import { FakeAwsEndpoint } from "../shared/fake-endpoint";
import { __resetForTests, handler, type ProcessSummary } from "./index";

let fake: FakeAwsEndpoint;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await FakeAwsEndpoint.start({ assumedRoleArn: "arn:aws:sts::333333333333:assumed-role/reporting-writer/proc", headEtag: "current-etag" });
});

afterAll(() => fake.close());

beforeEach(() => {
  __resetForTests();
  fake.seen.length = 0;
  for (const k of Object.keys(process.env)) if (/^(AWS_|TARGET_|MAX_BODY_BYTES$|SOURCE_BUCKETS$)/.test(k)) delete process.env[k];
  Object.assign(process.env, {
    TARGET_BUCKET: "reporting-data",
    TARGET_PREFIX: "metadata/",
    TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
    TARGET_REGION: "eu-west-1",
    TARGET_BUCKET_OWNER: "333333333333",
    SOURCE_BUCKETS: "prod-data",
    AWS_LAMBDA_FUNCTION_NAME: "proc",
    AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
    AWS_SECRET_ACCESS_KEY: "execution-secret",
    AWS_ENDPOINT_URL: fake.url,
    AWS_MAX_ATTEMPTS: "1",
  });
  captureLogs();
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

const event = (key: string, eTag: string) => ({
  Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", awsRegion: "eu-west-1", s3: { bucket: { name: "prod-data" }, object: { key, eTag, size: 11, sequencer: "01" } } }],
});

it("HEAD sends If-Match with the event's ETag; a match writes the document with ExpectedBucketOwner", async () => {
  const out = (await handler(event("a.csv", "current-etag"), { awsRequestId: "r1" })) as ProcessSummary;
  const head = fake.seen.find((r) => r.method === "HEAD");
  expect(head?.headers["if-match"]).toBe('"current-etag"');
  // No ChecksumMode on the wire: with SSE-KMS it would need kms:Decrypt, which the metadata-only processor lacks (API_HeadObject.html, ChecksumMode).
  expect(head?.headers["x-amz-checksum-mode"]).toBeUndefined();
  expect(out.written.map((w) => w.key)).toEqual(["metadata/prod-data/a.csv@null.json"]);
  expect(fake.puts[0].headers["x-amz-expected-bucket-owner"]).toBe("333333333333");
});

it("the real SDK's 412 on HEAD (object overwritten since the event) makes the record superseded: nothing written, no failure", async () => {
  const out = (await handler(event("a.csv", "old-etag"), { awsRequestId: "r2" })) as ProcessSummary;
  expect(fake.puts).toHaveLength(0);
  expect(out.permanent).toEqual([]);
  expect(out.skipped[0].reason).toContain("no longer has the event's ETag old-etag");
});
