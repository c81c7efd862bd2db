/**
 * The intended access of each stack, written by hand from the design (README,
 * app/stacks/*.ts), as the Allowed cells of the access matrix over its probe set.
 * Everything not listed must be Denied: other principals of the same accounts,
 * a third account, anonymous, requests without TLS, the wrong prefix, listing
 * without a prefix, DeleteObject/DeleteBucket/PutBucketPolicy, AssumeRole
 * without MFA or ExternalId where one is required.
 *
 * PutObject is Allowed twice for a writer of an SSE-KMS bucket: without encryption headers (the
 * bucket default, this key; also what every multipart UploadPart sends) and with the handlers'
 * `sse=aws:kms,kms-key=bucket`; AES256, another KMS key, aws:kms without a key id (aws/s3) and
 * SSE-C are Denied by the bucket policy. KMS actions are Allowed only `via-s3` (kms:ViaService).
 *
 * Every reader has s3:GetObjectVersion beside s3:GetObject (a GET with a versionId: the read level, #17).
 *
 * Cell format: `<principal> <action> <resource> [<context>] via <role>[<hop context>]`
 * (see tools/access/cell-key.ts). Whole-bucket grants are probed under the
 * sample prefix `data/`; the wrong prefix is always `other/`.
 */

const ACCOUNT_B = "222222222222";
const PRODUCTION = "222222222222";
const REPORTING = "333333333333";

// ------------------------------------------------------------------ assume-role

export const SHARED_BUCKET = `xacct-shared-${ACCOUNT_B}-us-east-1`;
export const WRITER_EXEC = "role/xacct-writer-exec";
export const WRITER_TARGET = "role/xacct-writer-target";
export const EXTERNAL_ID = "partner-7-external";
/** Named by every Lambda execution role's trust policy: it may assume the role (the function running). */
export const LAMBDA_SERVICE = "service/lambda.amazonaws.com";

/** The role in B holds readwrite on `incoming/` (+ its key); the Lambda in A gets it by assuming the role, and only so. */
export const ASSUME_ROLE_EXPECTED: readonly string[] = [
  `${WRITER_TARGET} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/]`,
  `${WRITER_TARGET} s3:GetObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:GetObjectVersion ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket]`,
  `${WRITER_TARGET} kms:Decrypt key(${SHARED_BUCKET}) [via-s3]`,
  `${WRITER_TARGET} kms:GenerateDataKey key(${SHARED_BUCKET}) [via-s3]`,
  `${WRITER_EXEC} sts:AssumeRole ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/] via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:GetObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:GetObjectVersion ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket] via ${WRITER_TARGET}`,
  `${WRITER_EXEC} kms:Decrypt key(${SHARED_BUCKET}) [via-s3] via ${WRITER_TARGET}`,
  `${WRITER_EXEC} kms:GenerateDataKey key(${SHARED_BUCKET}) [via-s3] via ${WRITER_TARGET}`,
  `${LAMBDA_SERVICE} sts:AssumeRole ${WRITER_EXEC}`,
];

/** With an ExternalId configured, the Lambda assumes the role only when it sends that ExternalId. */
export const ASSUME_ROLE_WITH_EXTERNAL_ID_EXPECTED: readonly string[] = [
  `${WRITER_TARGET} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/]`,
  `${WRITER_TARGET} s3:GetObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:GetObjectVersion ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket]`,
  `${WRITER_TARGET} kms:Decrypt key(${SHARED_BUCKET}) [via-s3]`,
  `${WRITER_TARGET} kms:GenerateDataKey key(${SHARED_BUCKET}) [via-s3]`,
  `${WRITER_EXEC} sts:AssumeRole ${WRITER_TARGET} [externalId=correct]`,
  `${WRITER_EXEC} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/] via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:GetObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:GetObjectVersion ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket] via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} kms:Decrypt key(${SHARED_BUCKET}) [via-s3] via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} kms:GenerateDataKey key(${SHARED_BUCKET}) [via-s3] via ${WRITER_TARGET}[externalId=correct]`,
  `${LAMBDA_SERVICE} sts:AssumeRole ${WRITER_EXEC}`,
];

// ------------------------------------------------------------------ bucket-policy

export const DIRECT_BUCKET = `xacct-direct-${ACCOUNT_B}-us-east-1`;
export const DIRECT_EXEC = "role/xacct-direct-writer-exec";

/** B's bucket and key policies name A's Lambda role directly: readwrite on `incoming/`, no hop. */
export const BUCKET_POLICY_EXPECTED: readonly string[] = [
  `${DIRECT_EXEC} s3:ListBucket ${DIRECT_BUCKET} [prefix=incoming/]`,
  `${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/incoming/x.json`,
  `${DIRECT_EXEC} s3:GetObjectVersion ${DIRECT_BUCKET}/incoming/x.json`,
  `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/incoming/x.json`,
  `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket]`,
  `${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET}) [via-s3]`,
  `${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3]`,
  `${LAMBDA_SERVICE} sts:AssumeRole ${DIRECT_EXEC}`,
];

// ------------------------------------------------------------------ three-account

export const PROD_BUCKET = `xacct-prod-data-${PRODUCTION}-us-east-1`;
export const REPORTING_BUCKET = `xacct-reporting-${REPORTING}-us-east-1`;
export const UPLOAD_ROLE = "role/xacct-developer-upload-download";
export const VIEW_ROLE = "role/xacct-tester-view-only";
export const REPORTING_WRITER = "role/xacct-reporting-metadata-writer";
export const PROCESSOR = "role/xacct-metadata-processor-exec";
export const BATCH_ROLE = "role/xacct-metadata-processor-batch";
export const DEVELOPERS = "member/xacct-Developers";
export const TESTERS = "member/xacct-Testers";
export const DEVELOPMENT_PROBE = "probe/development";
export const REPORTING_PROBE = "probe/reporting";

export const THREE_ACCOUNT_EXPECTED: readonly string[] = [
  // (Whole-bucket grants are probed under batch-operations/, the one specific prefix the stack grants on the data bucket.)
  // Upload/download role (Production): readwrite on the whole data bucket, and its key.
  `${UPLOAD_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/]`,
  `${UPLOAD_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=other/]`,
  `${UPLOAD_ROLE} s3:ListBucket ${PROD_BUCKET} [no-prefix]`,
  `${UPLOAD_ROLE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${UPLOAD_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${UPLOAD_ROLE} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  `${UPLOAD_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json [sse=aws:kms,kms-key=bucket]`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/other/x.json`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/other/x.json [sse=aws:kms,kms-key=bucket]`,
  `${UPLOAD_ROLE} kms:Decrypt key(${PROD_BUCKET}) [via-s3]`,
  `${UPLOAD_ROLE} kms:GenerateDataKey key(${PROD_BUCKET}) [via-s3]`,

  // View-only role (Production): list and read the whole data bucket; Decrypt only.
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/]`,
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=other/]`,
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [no-prefix]`,
  `${VIEW_ROLE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${VIEW_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${VIEW_ROLE} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  `${VIEW_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json`,
  `${VIEW_ROLE} kms:Decrypt key(${PROD_BUCKET}) [via-s3]`,

  // Reporting writer role: PutObject under metadata/ only, SSE-KMS with the bucket's key (the
  // bucket policy denies any other encryption header), and the key through S3 only:
  // GenerateDataKey to encrypt, Decrypt for multipart uploads.
  `${REPORTING_WRITER} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json`,
  `${REPORTING_WRITER} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json [sse=aws:kms,kms-key=bucket]`,
  `${REPORTING_WRITER} kms:Decrypt key(${REPORTING_BUCKET}) [via-s3]`,
  `${REPORTING_WRITER} kms:GenerateDataKey key(${REPORTING_BUCKET}) [via-s3]`,

  // Metadata processor (Production): reads the data bucket it is triggered by (HeadObject) ...
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/]`,
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [prefix=other/]`,
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [no-prefix]`,
  `${PROCESSOR} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${PROCESSOR} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  // ... of the version its event names (the bucket is versioned; HeadObject with VersionId needs it)
  `${PROCESSOR} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${PROCESSOR} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json`,
  // (no kms:Decrypt on the data key: HeadObject returns metadata without decrypting)
  // ... and writes to Reporting only through the reporting writer role.
  `${PROCESSOR} sts:AssumeRole ${REPORTING_WRITER}`,
  `${PROCESSOR} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json via ${REPORTING_WRITER}`,
  `${PROCESSOR} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json [sse=aws:kms,kms-key=bucket] via ${REPORTING_WRITER}`,
  `${PROCESSOR} kms:Decrypt key(${REPORTING_BUCKET}) [via-s3] via ${REPORTING_WRITER}`,
  `${PROCESSOR} kms:GenerateDataKey key(${REPORTING_BUCKET}) [via-s3] via ${REPORTING_WRITER}`,

  // S3 Batch Operations role (backfill jobs): reads manifests and writes reports under batch-operations/ only, with the key.
  `${BATCH_ROLE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json [sse=aws:kms,kms-key=bucket]`,
  `${BATCH_ROLE} kms:Decrypt key(${PROD_BUCKET}) [via-s3]`,
  `${BATCH_ROLE} kms:GenerateDataKey key(${PROD_BUCKET}) [via-s3]`,
  // ... and only S3 Batch Operations may assume it.
  `service/batchoperations.s3.amazonaws.com sts:AssumeRole ${BATCH_ROLE}`,

  // Developers: the upload role, with MFA (not older than the role's maximum session) and the
  // session named after the user, and through it the role's access.
  `${DEVELOPERS} sts:AssumeRole ${UPLOAD_ROLE} [mfa,session=own-name]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:GetObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json [sse=aws:kms,kms-key=bucket] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/other/x.json [sse=aws:kms,kms-key=bucket] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} kms:Decrypt key(${PROD_BUCKET}) [via-s3] via ${UPLOAD_ROLE}[mfa,session=own-name]`,
  `${DEVELOPERS} kms:GenerateDataKey key(${PROD_BUCKET}) [via-s3] via ${UPLOAD_ROLE}[mfa,session=own-name]`,

  // Testers: the view-only role, with MFA.
  `${TESTERS} sts:AssumeRole ${VIEW_ROLE} [mfa,session=own-name]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:GetObject ${PROD_BUCKET}/other/x.json via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json via ${VIEW_ROLE}[mfa,session=own-name]`,
  `${TESTERS} kms:Decrypt key(${PROD_BUCKET}) [via-s3] via ${VIEW_ROLE}[mfa,session=own-name]`,

  // Nobody else of Development: the roles trust Development's IAM users only (aws:PrincipalArn
  // user/*), with fresh MFA and the session named after the user. A Development role with
  // sts:AssumeRole on * and MFA (the broad probe) is Denied, as is a user with a foreign session name.
  `${LAMBDA_SERVICE} sts:AssumeRole ${PROCESSOR}`,
];
