/**
 * The intended access of each stack, written by hand from the design (README,
 * stacks/*.ts), as the Allowed cells of the access matrix over its probe set.
 * Everything not listed must be Denied: other principals of the same accounts,
 * a third account, anonymous, requests without TLS, the wrong prefix, listing
 * without a prefix, DeleteObject/DeleteBucket/PutBucketPolicy, AssumeRole
 * without MFA or ExternalId where one is required.
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

/** The role in B holds readwrite on `incoming/` (+ its key); the Lambda in A gets it by assuming the role, and only so. */
export const ASSUME_ROLE_EXPECTED: readonly string[] = [
  `${WRITER_TARGET} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/]`,
  `${WRITER_TARGET} s3:GetObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} kms:Decrypt key(${SHARED_BUCKET})`,
  `${WRITER_TARGET} kms:GenerateDataKey key(${SHARED_BUCKET})`,
  `${WRITER_EXEC} sts:AssumeRole ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/] via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:GetObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}`,
  `${WRITER_EXEC} kms:Decrypt key(${SHARED_BUCKET}) via ${WRITER_TARGET}`,
  `${WRITER_EXEC} kms:GenerateDataKey key(${SHARED_BUCKET}) via ${WRITER_TARGET}`,
];

/** With an ExternalId configured, the Lambda assumes the role only when it sends that ExternalId. */
export const ASSUME_ROLE_WITH_EXTERNAL_ID_EXPECTED: readonly string[] = [
  `${WRITER_TARGET} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/]`,
  `${WRITER_TARGET} s3:GetObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} s3:PutObject ${SHARED_BUCKET}/incoming/x.json`,
  `${WRITER_TARGET} kms:Decrypt key(${SHARED_BUCKET})`,
  `${WRITER_TARGET} kms:GenerateDataKey key(${SHARED_BUCKET})`,
  `${WRITER_EXEC} sts:AssumeRole ${WRITER_TARGET} [externalId=correct]`,
  `${WRITER_EXEC} s3:ListBucket ${SHARED_BUCKET} [prefix=incoming/] via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:GetObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} kms:Decrypt key(${SHARED_BUCKET}) via ${WRITER_TARGET}[externalId=correct]`,
  `${WRITER_EXEC} kms:GenerateDataKey key(${SHARED_BUCKET}) via ${WRITER_TARGET}[externalId=correct]`,
];

// ------------------------------------------------------------------ bucket-policy

export const DIRECT_BUCKET = `xacct-direct-${ACCOUNT_B}-us-east-1`;
export const DIRECT_EXEC = "role/xacct-direct-writer-exec";

/** B's bucket and key policies name A's Lambda role directly: readwrite on `incoming/`, no hop. */
export const BUCKET_POLICY_EXPECTED: readonly string[] = [
  `${DIRECT_EXEC} s3:ListBucket ${DIRECT_BUCKET} [prefix=incoming/]`,
  `${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/incoming/x.json`,
  `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/incoming/x.json`,
  `${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET})`,
  `${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET})`,
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
  `${UPLOAD_ROLE} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${UPLOAD_ROLE} s3:PutObject ${PROD_BUCKET}/other/x.json`,
  `${UPLOAD_ROLE} kms:Decrypt key(${PROD_BUCKET})`,
  `${UPLOAD_ROLE} kms:GenerateDataKey key(${PROD_BUCKET})`,

  // View-only role (Production): list and read the whole data bucket; Decrypt only.
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/]`,
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [prefix=other/]`,
  `${VIEW_ROLE} s3:ListBucket ${PROD_BUCKET} [no-prefix]`,
  `${VIEW_ROLE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${VIEW_ROLE} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  `${VIEW_ROLE} kms:Decrypt key(${PROD_BUCKET})`,

  // Reporting writer role: PutObject under metadata/ only, and the key to encrypt it.
  `${REPORTING_WRITER} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json`,
  `${REPORTING_WRITER} kms:GenerateDataKey key(${REPORTING_BUCKET})`,

  // Metadata processor (Production): reads the data bucket it is triggered by (HeadObject) ...
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/]`,
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [prefix=other/]`,
  `${PROCESSOR} s3:ListBucket ${PROD_BUCKET} [no-prefix]`,
  `${PROCESSOR} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${PROCESSOR} s3:GetObject ${PROD_BUCKET}/other/x.json`,
  // ... of the version its event names (the bucket is versioned; HeadObject with VersionId needs it)
  `${PROCESSOR} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${PROCESSOR} s3:GetObjectVersion ${PROD_BUCKET}/other/x.json`,
  `${PROCESSOR} kms:Decrypt key(${PROD_BUCKET})`,
  // ... and writes to Reporting only through the reporting writer role.
  `${PROCESSOR} sts:AssumeRole ${REPORTING_WRITER}`,
  `${PROCESSOR} s3:PutObject ${REPORTING_BUCKET}/metadata/x.json via ${REPORTING_WRITER}`,
  `${PROCESSOR} kms:GenerateDataKey key(${REPORTING_BUCKET}) via ${REPORTING_WRITER}`,

  // S3 Batch Operations role (backfill jobs): reads manifests and writes reports under batch-operations/ only, with the key.
  `${BATCH_ROLE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} s3:GetObjectVersion ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json`,
  `${BATCH_ROLE} kms:Decrypt key(${PROD_BUCKET})`,
  `${BATCH_ROLE} kms:GenerateDataKey key(${PROD_BUCKET})`,

  // Developers: the upload role, with MFA, and through it the role's access.
  `${DEVELOPERS} sts:AssumeRole ${UPLOAD_ROLE} [mfa]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:GetObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} s3:PutObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} kms:Decrypt key(${PROD_BUCKET}) via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPERS} kms:GenerateDataKey key(${PROD_BUCKET}) via ${UPLOAD_ROLE}[mfa]`,

  // Testers: the view-only role, with MFA.
  `${TESTERS} sts:AssumeRole ${VIEW_ROLE} [mfa]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${VIEW_ROLE}[mfa]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${VIEW_ROLE}[mfa]`,
  `${TESTERS} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${VIEW_ROLE}[mfa]`,
  `${TESTERS} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${VIEW_ROLE}[mfa]`,
  `${TESTERS} s3:GetObject ${PROD_BUCKET}/other/x.json via ${VIEW_ROLE}[mfa]`,
  `${TESTERS} kms:Decrypt key(${PROD_BUCKET}) via ${VIEW_ROLE}[mfa]`,

  // By design (acknowledged "account-root-principal"): both roles trust Development's
  // root, so Development's own IAM decides who may assume them. Any Development
  // principal its admins give sts:AssumeRole (here the broad probe) gets in, with MFA.
  `${DEVELOPMENT_PROBE} sts:AssumeRole ${UPLOAD_ROLE} [mfa]`,
  `${DEVELOPMENT_PROBE} sts:AssumeRole ${VIEW_ROLE} [mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:GetObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:PutObject ${PROD_BUCKET}/batch-operations/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:PutObject ${PROD_BUCKET}/other/x.json via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} kms:Decrypt key(${PROD_BUCKET}) via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} kms:GenerateDataKey key(${PROD_BUCKET}) via ${UPLOAD_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [prefix=batch-operations/] via ${VIEW_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [prefix=other/] via ${VIEW_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:ListBucket ${PROD_BUCKET} [no-prefix] via ${VIEW_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:GetObject ${PROD_BUCKET}/batch-operations/x.json via ${VIEW_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} s3:GetObject ${PROD_BUCKET}/other/x.json via ${VIEW_ROLE}[mfa]`,
  `${DEVELOPMENT_PROBE} kms:Decrypt key(${PROD_BUCKET}) via ${VIEW_ROLE}[mfa]`,
];
