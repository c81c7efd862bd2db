import {
  BUCKET_OWNER_CONTEXT,
  DOC_BUCKET_KEY,
  DOC_KMS_CONDITIONS,
  DOC_RESOURCE_ACCOUNT,
  DOC_SSE_KMS,
  KMS_VIA_S3_CONTEXT,
  type CallContract,
  type DeclaredCall,
} from "../shared/call-contract";

/**
 * Every AWS call of the writer handler (./index.ts, ../shared/credentials.ts),
 * and every IAM action each needs. Checked both ways: writer.contract.test.ts
 * fails on a command the handler sends that is not here, and the access
 * review proves each call Allowed in every stack that deploys the writer.
 *
 * No multipart: a put body is at most MAX_BODY_BYTES (≤ 6 MiB, Lambda's
 * payload limit), sent as one PutObject. A multipart upload would need
 * s3:PutObject per part, s3:AbortMultipartUpload, and kms:Decrypt on SSE-KMS
 * (S3 reads the encrypted parts to complete it:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
 */

/** The STS call behind the assumed-role credentials (shared by both handlers). */
export const ASSUME_TARGET_ROLE: DeclaredCall = {
  id: "assume-role",
  service: "STS",
  command: "AssumeRoleCommand",
  when: "TARGET_ROLE_ARN is set: once per session (credentials cached per container)",
  credentials: "execution",
  params: { ExternalId: "optional" },
  needs: [
    {
      // Both sides: the execution role's identity policy and the target role's trust policy
      // (sts:ExternalId when the trust asks for it).
      action: "sts:AssumeRole",
      resource: "target-role",
      context: { "sts:ExternalId": "${externalId}" },
      doc: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
    },
  ],
  doc: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
};

/** KMS decrypt S3 makes for a read of an SSE-KMS object (shared by both handlers). */
export const DECRYPT_VIA_S3 = {
  action: "kms:Decrypt",
  resource: "target-key",
  context: KMS_VIA_S3_CONTEXT,
  when: "kms",
  // "To download an object encrypted with a KMS key you need kms:Decrypt" (Permissions); context keys: DOC_KMS_CONDITIONS, DOC_BUCKET_KEY.
  doc: DOC_SSE_KMS,
} as const;

/** s3:GetObject on the target object, of the bucket's owner (shared by both handlers' reads). */
export const GET_OBJECT_VIA_OWNER = {
  action: "s3:GetObject",
  resource: "target-object",
  context: BUCKET_OWNER_CONTEXT,
  doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
} as const;

export const WRITER_CALLS: CallContract = [
  ASSUME_TARGET_ROLE,
  {
    id: "put",
    operation: "put",
    service: "S3",
    command: "PutObjectCommand",
    when: 'operation "put"',
    credentials: "target",
    params: { ExpectedBucketOwner: "optional", ServerSideEncryption: "optional", SSEKMSKeyId: "optional", ACL: "optional" },
    needs: [
      {
        action: "s3:PutObject",
        resource: "target-object",
        context: {
          ...BUCKET_OWNER_CONTEXT,
          "s3:x-amz-server-side-encryption": "${sse}",
          "s3:x-amz-server-side-encryption-aws-kms-key-id": "${kmsKeyArn}",
          "s3:x-amz-acl": "${objectAcl}",
        },
        doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
      },
      {
        // "To upload an object encrypted with a KMS key you need kms:GenerateDataKey" (Permissions).
        action: "kms:GenerateDataKey",
        resource: "target-key",
        context: KMS_VIA_S3_CONTEXT,
        when: "kms",
        doc: DOC_SSE_KMS,
      },
    ],
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
  },
  {
    id: "get",
    operation: "get",
    service: "S3",
    command: "GetObjectCommand",
    when: 'operation "get" without versionId',
    credentials: "target",
    params: { ExpectedBucketOwner: "optional" },
    needs: [GET_OBJECT_VIA_OWNER, DECRYPT_VIA_S3],
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
  },
  {
    id: "get-version",
    operation: "get",
    service: "S3",
    command: "GetObjectCommand",
    when: 'operation "get" with versionId',
    credentials: "target",
    params: { ExpectedBucketOwner: "optional", VersionId: "required" },
    needs: [
      {
        // "To use GET with VersionId you need s3:GetObjectVersion" (Permissions / Versioning).
        action: "s3:GetObjectVersion",
        resource: "target-object",
        context: BUCKET_OWNER_CONTEXT,
        doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
      },
      DECRYPT_VIA_S3,
    ],
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
  },
  {
    id: "list",
    operation: "list",
    service: "S3",
    command: "ListObjectsV2Command",
    when: 'operation "list"',
    credentials: "target",
    params: { ExpectedBucketOwner: "optional" },
    needs: [
      {
        // ListObjectsV2 is authorized as s3:ListBucket on the bucket; the prefix is s3:prefix.
        action: "s3:ListBucket",
        resource: "target-bucket",
        context: { ...BUCKET_OWNER_CONTEXT, "s3:prefix": "${prefix}" },
        doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html",
      },
    ],
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html",
  },
];

/** Pages the context keys above rest on (kept here so the table names every source). */
export const WRITER_CONTEXT_DOCS = [DOC_KMS_CONDITIONS, DOC_BUCKET_KEY, DOC_RESOURCE_ACCOUNT] as const;
