/**
 * The metadata processor against the local fake STS/S3 endpoint with the real
 * SDK stack (no aws-sdk-client-mock): HeadObject really sends If-Match /
 * versionId, and the real SDK's HEAD errors (412, 404: no body, named by
 * status) are mapped to the right outcomes.
 */
import { useFakeEndpoint } from "../shared/fake-endpoint-suite";
import { __resetForTests, handler, type ProcessSummary } from "./index";

const suite = useFakeEndpoint({
  endpoint: { assumedRoleArn: "arn:aws:sts::333333333333:assumed-role/reporting-writer/proc", headEtag: "current-etag" },
  reset: __resetForTests,
  env: {
    TARGET_BUCKET: "reporting-data",
    TARGET_PREFIX: "metadata/",
    TARGET_ROLE_ARN: "arn:aws:iam::333333333333:role/reporting-writer",
    TARGET_REGION: "eu-west-1",
    TARGET_BUCKET_OWNER: "333333333333",
    SOURCE_BUCKETS: "prod-data",
    AWS_LAMBDA_FUNCTION_NAME: "proc",
    AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
    AWS_SECRET_ACCESS_KEY: "execution-secret",
    AWS_MAX_ATTEMPTS: "1",
  },
});

const event = (key: string, eTag: string) => ({
  Records: [
    {
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      awsRegion: "eu-west-1",
      s3: { bucket: { name: "prod-data" }, object: { key, eTag, size: 11, sequencer: "01" } },
    },
  ],
});

it("HEAD sends If-Match with the event's ETag; a match writes the document with ExpectedBucketOwner", async () => {
  const out = (await handler(event("a.csv", "current-etag"), { awsRequestId: "r1" })) as ProcessSummary;
  const head = suite.fake.seen.find((r) => r.method === "HEAD");
  expect(head?.headers["if-match"]).toBe('"current-etag"');
  // No ChecksumMode on the wire: with SSE-KMS it would need kms:Decrypt, which the metadata-only processor lacks (API_HeadObject.html, ChecksumMode).
  expect(head?.headers["x-amz-checksum-mode"]).toBeUndefined();
  expect(out.written.map((w) => w.key)).toEqual(["metadata/prod-data/a.csv@null.json"]);
  expect(suite.fake.puts[0].headers["x-amz-expected-bucket-owner"]).toBe("333333333333");
});

it("the real SDK's 412 on HEAD (object overwritten since the event) makes the record superseded: nothing written, no failure", async () => {
  const out = (await handler(event("a.csv", "old-etag"), { awsRequestId: "r2" })) as ProcessSummary;
  expect(suite.fake.puts).toHaveLength(0);
  expect(out.permanent).toEqual([]);
  expect(out.skipped[0].reason).toContain("no longer has the event's ETag old-etag");
});
