import { scalableKeyPolicy } from "./access-points";
import { kmsKeyStatements, LEVEL_ACTIONS, objectActions } from "./s3-access";
import type { AccessLevel } from "./types";

/**
 * What each access level means, against the AWS calls it must allow (S3 User Guide,
 * "Multipart upload and permissions": https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
 */
describe("LEVEL_ACTIONS", () => {
  const cases: { level: AccessLevel; call: string; needs: string[] }[] = [
    // The SDK's Upload manager aborts a multipart upload whose part failed.
    { level: "write", call: "AbortMultipartUpload", needs: ["s3:AbortMultipartUpload"] },
    { level: "readwrite", call: "AbortMultipartUpload", needs: ["s3:AbortMultipartUpload"] },
    // CreateMultipartUpload, UploadPart, CompleteMultipartUpload are authorized as s3:PutObject.
    { level: "write", call: "UploadPart", needs: ["s3:PutObject"] },
    // Multipart to SSE-KMS: GenerateDataKey for the data key, Decrypt to assemble the parts.
    { level: "write", call: "CreateMultipartUpload (SSE-KMS)", needs: ["kms:GenerateDataKey", "kms:Decrypt"] },
    { level: "readwrite", call: "CompleteMultipartUpload (SSE-KMS)", needs: ["kms:GenerateDataKey", "kms:Decrypt"] },
    // GetObject with a versionId (the writer's `get` with versionId) is authorized as s3:GetObjectVersion
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html); SSE-KMS: kms:Decrypt.
    { level: "read", call: "GetObject?versionId", needs: ["s3:GetObjectVersion", "kms:Decrypt"] },
    { level: "readwrite", call: "GetObject?versionId", needs: ["s3:GetObjectVersion", "kms:Decrypt"] },
  ];
  it.each(cases)("$level allows $call ($needs)", ({ level, needs }) => {
    const granted = [...LEVEL_ACTIONS[level].object, ...LEVEL_ACTIONS[level].kms];
    expect(granted).toEqual(expect.arrayContaining(needs));
  });

  it("read cannot abort uploads; ObjectWriter writers also get PutObjectAcl", () => {
    expect(objectActions("read")).not.toContain("s3:AbortMultipartUpload");
    expect(objectActions("write")).not.toContain("s3:GetObjectVersion");
    expect(objectActions("write", true)).toEqual(["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"]);
  });
});

describe("KMS statements are pinned to their bucket (kms:EncryptionContext:aws:s3:arn, #17 item 3)", () => {
  const BUCKET = "arn:aws:s3:::data-b";
  const KEY = "arn:aws:kms:us-east-1:222222222222:key/k";
  // With a Bucket Key the context is the bucket ARN; without, the object ARN
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
  it.each([
    { bucketKey: true, expected: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": BUCKET } } },
    {
      bucketKey: undefined,
      expected: {
        StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [BUCKET, `${BUCKET}/*`] },
      },
    },
  ])("identity side, bucketKey=$bucketKey", ({ bucketKey, expected }) => {
    const [s] = kmsKeyStatements(
      { bucketArn: BUCKET, prefix: "in/", level: "read", kmsKeyArn: KEY, region: "us-east-1", ...(bucketKey !== undefined ? { bucketKey } : {}) },
      "G",
    );
    expect(s.Condition).toEqual(expected);
  });

  it.each([
    { form: "per-principal", principals: ["arn:aws:iam::111111111111:role/r"] },
    { form: "per-account", principals: Array.from({ length: 1000 }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:role/consumer-with-a-long-name-${i}`) },
  ])("key policy, $form form: every consumer statement names the bucket", ({ form, principals }) => {
    const r = scalableKeyPolicy({
      partition: "aws",
      ownerAccountId: "222222222222",
      region: "us-east-1",
      grants: [{ principals, level: "read" }],
      organizationGrants: [{ organizationId: "o-abcdefghij", level: "read" }],
      bucketArn: BUCKET,
      bucketKey: true,
    });
    expect(r.form).toBe(form);
    const consumers = r.document.Statement.slice(1);
    expect(consumers.length).toBeGreaterThan(1);
    for (const s of consumers) expect(s.Condition?.StringEquals?.["kms:EncryptionContext:aws:s3:arn"]).toBe(BUCKET);
  });
});
