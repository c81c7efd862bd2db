import { LEVEL_ACTIONS, objectActions } from "./s3-access";
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
