import { BUCKET_OWNER_CONTEXT, DOC_SSE_KMS, KMS_VIA_S3_CONTEXT, type CallContract, type CallNeed } from "../shared/call-contract";
import { ASSUME_TARGET_ROLE, DECRYPT_VIA_S3, GET_OBJECT_VIA_OWNER } from "../writer/calls.contract";

/**
 * Every AWS call of the metadata processor (./index.ts, ../shared/credentials.ts)
 * and every IAM action each needs; checked by metadata-processor.contract.test.ts
 * (no undeclared command) and by the access review (each call Allowed in the
 * stacks that deploy it).
 *
 * The HeadObject sends no ChecksumMode: with ChecksumMode ENABLED, an SSE-KMS
 * object that has a checksum needs kms:Decrypt
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, ChecksumMode),
 * which the processor's metadata-only grant must not have. A HeadObject with
 * ChecksumMode is therefore an undeclared call.
 */

const PUT_OBJECT = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html";
const HEAD_OBJECT = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html";

/** What every document write needs: s3:PutObject with the handler's headers, and the key's data key via S3. */
const WRITE_DOCUMENT: readonly CallNeed[] = [
  {
    // Conditional writes (If-None-Match / If-Match) need s3:PutObject only
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
    action: "s3:PutObject",
    resource: "target-object",
    context: {
      ...BUCKET_OWNER_CONTEXT,
      "s3:x-amz-server-side-encryption": "${sse}",
      "s3:x-amz-server-side-encryption-aws-kms-key-id": "${kmsKeyArn}",
      "s3:x-amz-acl": "${objectAcl}",
    },
    doc: PUT_OBJECT,
  },
  { action: "kms:GenerateDataKey", resource: "target-key", context: KMS_VIA_S3_CONTEXT, when: "kms", doc: DOC_SSE_KMS },
];

const PUT_PARAMS = { ExpectedBucketOwner: "optional", ServerSideEncryption: "optional", SSEKMSKeyId: "optional", ACL: "optional" } as const;

export const METADATA_PROCESSOR_CALLS: CallContract = [
  ASSUME_TARGET_ROLE,
  {
    id: "head-version",
    service: "S3",
    command: "HeadObjectCommand",
    when: "ObjectCreated record / batch task naming a version (versioned source bucket)",
    credentials: "execution",
    params: { VersionId: "required" },
    needs: [
      {
        // HEAD of a specific version is authorized as s3:GetObjectVersion; no kms:Decrypt without ChecksumMode.
        action: "s3:GetObjectVersion",
        resource: "source-object",
        doc: HEAD_OBJECT,
      },
    ],
    doc: HEAD_OBJECT,
  },
  {
    id: "head",
    service: "S3",
    command: "HeadObjectCommand",
    when: "ObjectCreated record without a version (If-Match on the event's ETag when it has one)",
    credentials: "execution",
    params: { IfMatch: "optional" },
    needs: [{ action: "s3:GetObject", resource: "source-object", doc: HEAD_OBJECT }],
    doc: HEAD_OBJECT,
  },
  {
    id: "put-create",
    service: "S3",
    command: "PutObjectCommand",
    when: "a metadata document or unversioned tombstone, create-only (If-None-Match: *)",
    credentials: "target",
    params: { ...PUT_PARAMS, IfNoneMatch: "*" },
    needs: WRITE_DOCUMENT,
    doc: PUT_OBJECT,
  },
  {
    id: "put-tombstone",
    service: "S3",
    command: "PutObjectCommand",
    when: "a version's tombstone (ObjectRemoved of a versioned object), unconditional",
    credentials: "target",
    params: PUT_PARAMS,
    needs: WRITE_DOCUMENT,
    doc: PUT_OBJECT,
  },
  {
    id: "put-replace",
    service: "S3",
    command: "PutObjectCommand",
    when: "unversioned source: replace the live document of a key if the event is later (If-Match: its ETag)",
    credentials: "target",
    params: { ...PUT_PARAMS, IfMatch: "required" },
    needs: WRITE_DOCUMENT,
    onlyIf: "unversioned-source",
    doc: PUT_OBJECT,
  },
  {
    id: "read-document",
    service: "S3",
    command: "GetObjectCommand",
    when: "unversioned source: read the live document's sequencer after a 412",
    credentials: "target",
    params: { ExpectedBucketOwner: "optional" },
    needs: [GET_OBJECT_VIA_OWNER, DECRYPT_VIA_S3],
    onlyIf: "unversioned-source",
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
  },
];
