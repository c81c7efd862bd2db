import { AccessLevel, AccessPointLocation, Condition, Statement } from "./types";

/**
 * The access-level model, in one place: which S3 and KMS actions each level
 * means, and on which resource ARN each action is granted.
 *
 * - `s3:ListBucket` is a *bucket* action: it is granted on the bucket ARN, and
 *   narrowed to the prefix with an `s3:prefix` condition.
 * - Object actions are granted on `bucket/prefix*` only.
 * - KMS: reading an SSE-KMS object needs `kms:Decrypt`; writing one needs
 *   `kms:GenerateDataKey` (PutObject / CreateMultipartUpload) *and*
 *   `kms:Decrypt` (UploadPart / CompleteMultipartUpload: S3 decrypts the
 *   parts it assembles; the AWS CLI and SDK upload managers switch to
 *   multipart above 8 MiB). S3 never calls `kms:Encrypt`. See
 *   https://www.repost.aws/knowledge-center/s3-large-file-encryption-kms-key
 *   and https://aws.amazon.com/premiumsupport/knowledge-center/s3-multipart-kms-decrypt/
 * - Writers get `s3:AbortMultipartUpload`: the SDK's upload manager
 *   (`@aws-sdk/lib-storage` Upload, the CLI's `s3 cp`) aborts a multipart upload
 *   whose part failed, so the parts do not linger (and bill) until a lifecycle
 *   rule removes them. CreateMultipartUpload / UploadPart / CompleteMultipartUpload
 *   are authorized by s3:PutObject; AbortMultipartUpload is its own action
 *   (S3 User Guide, "Multipart upload and permissions":
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
 *   On the key side a multipart upload to an SSE-KMS bucket needs
 *   kms:GenerateDataKey and kms:Decrypt (same page): the write level has both.
 * - Readers get `s3:GetObjectVersion`: a GetObject/HeadObject that names a
 *   `versionId` (the writer's `get` with `versionId`) is authorized by
 *   s3:GetObjectVersion, not s3:GetObject (S3 API reference, GetObject,
 *   Permissions / Versioning: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 *   The key side is the same kms:Decrypt as any SSE-KMS read.
 */
export const LEVEL_ACTIONS: Record<AccessLevel, { bucket: string[]; object: string[]; kms: string[] }> = {
  read: { bucket: ["s3:ListBucket"], object: ["s3:GetObject", "s3:GetObjectVersion"], kms: ["kms:Decrypt"] },
  write: { bucket: [], object: ["s3:PutObject", "s3:AbortMultipartUpload"], kms: ["kms:Decrypt", "kms:GenerateDataKey"] },
  readwrite: {
    bucket: ["s3:ListBucket"],
    object: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload"],
    kms: ["kms:Decrypt", "kms:GenerateDataKey"],
  },
};

/**
 * `kms:ViaService` value that limits a KMS grant to requests S3 makes on the
 * principal's behalf in `region` (the key's and the bucket's region: SSE-KMS
 * needs a key in the bucket's region). Without it a principal allowed
 * kms:Decrypt for S3 could also call Decrypt/GenerateDataKey on the key
 * directly. See https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 * (kms:ViaService, e.g. "ec2.us-west-2.amazonaws.com").
 *
 * The key is also pinned to its bucket with `kms:EncryptionContext:aws:s3:arn`
 * (see {@link s3ArnContextCondition}), never to a prefix: with an S3 Bucket Key
 * the context is the *bucket* ARN, not the object's.
 */
export const s3ViaService = (region: string): string => `s3.${region}.amazonaws.com`;

/** The region of a literal KMS key ARN (`arn:<partition>:kms:<region>:...`); undefined for a Terraform reference. */
export const kmsKeyRegion = (arn: string): string | undefined => /^arn:[^:]+:kms:([a-z0-9-]+):/.exec(arn)?.[1];

/** The encryption-context key S3 sets on every KMS call for SSE-KMS. */
export const S3_ARN_CONTEXT_KEY = "kms:EncryptionContext:aws:s3:arn";

/**
 * Pins a KMS statement to one bucket: S3 passes `aws:s3:arn` as encryption
 * context on every KMS call it makes for SSE-KMS; with S3 Bucket Keys on it is
 * the bucket ARN, otherwise the object ARN (S3 User Guide, "Reducing the cost
 * of SSE-KMS with Amazon S3 Bucket Keys", encryption context:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html, and
 * "Encryption context": https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
 * `bucketKey` true (our new buckets): StringEquals the bucket ARN. Unknown
 * (an existing bucket): StringLike both forms, the bucket ARN and `bucket/*`.
 * Without it a consumer allowed the key via S3 could use it for a bucket of its own.
 */
export function s3ArnContextCondition(bucketArn: string, bucketKey: boolean | undefined): Condition {
  return bucketKey === true ? { StringEquals: { [S3_ARN_CONTEXT_KEY]: bucketArn } } : { StringLike: { [S3_ARN_CONTEXT_KEY]: [bucketArn, `${bucketArn}/*`] } };
}

/** Merge condition blocks (operators merged key by key). */
export function mergeConditions(...cs: (Condition | undefined)[]): Condition {
  const out: Condition = {};
  for (const c of cs) for (const [op, kv] of Object.entries(c ?? {})) out[op] = { ...(out[op] ?? {}), ...kv };
  return out;
}

/** The condition block that ties a KMS statement to S3 in one region. */
export const viaS3Condition = (region: string): Condition => ({ StringEquals: { "kms:ViaService": s3ViaService(region) } });

/** Writers must also be allowed to set the object ACL when the bucket keeps ObjectWriter ownership. */
export const OBJECT_WRITER_EXTRA_ACTIONS = ["s3:PutObjectAcl"];

export const BUCKET_OWNER_FULL_CONTROL = "bucket-owner-full-control";

/** One grant of an access level on a bucket (and optional key prefix and KMS key). */
export interface S3Grant {
  /** `arn:aws:s3:::bucket` */
  readonly bucketArn: string;
  /** `""` for the whole bucket, otherwise a normalised prefix ending in `/`. */
  readonly prefix: string;
  readonly level: AccessLevel;
  /** The bucket's customer managed key, when it is SSE-KMS encrypted. */
  readonly kmsKeyArn?: string;
  /**
   * Region of the bucket and its key: the KMS statement only holds for
   * requests S3 makes there (`kms:ViaService`). Required with `kmsKeyArn`.
   */
  readonly region?: string;
  /**
   * HeadObject only: s3:GetObject authorizes HeadObject, which returns the
   * object's metadata and no body, so there is nothing to decrypt and no KMS
   * action is granted even when the bucket is SSE-KMS (AWS documents
   * kms:Decrypt for *downloading* SSE-KMS objects: S3 User Guide, "Using
   * SSE-KMS", Permissions). A GetObject with this grant fails on the key,
   * which is the point. The Sid ends in {@link METADATA_ONLY_SID_SUFFIX} so the
   * `kms-identity-grant` check knows the missing kms:Decrypt is meant.
   */
  readonly metadataOnly?: boolean;
  /** ObjectWriter ownership: writers must send `x-amz-acl: bucket-owner-full-control`. */
  readonly objectWriterOwnership?: boolean;
  /**
   * Access-point mode (`BucketShareProps.accessPoints`): cross-account
   * principals use the access point of their grant, named from principal,
   * level and prefix (see lib/policy/access-points.ts).
   */
  readonly accessPoint?: AccessPointLocation;
  /** The exact access point of this grant (from `addGrant()` in access-point mode). */
  readonly accessPointArn?: string;
  /**
   * The bucket owner's account id: the identity statements on the bucket and
   * its objects (or the access point, owned by the same account) hold only
   * while `aws:ResourceAccount` is this account, so a same-named bucket
   * re-created by another account gets nothing. See {@link resourceAccountCondition}.
   * @default none (no condition)
   */
  readonly resourceAccount?: string;
  /**
   * The bucket uses an S3 Bucket Key (KMS encryption context = bucket ARN).
   * @default unknown: both the bucket and the object ARN form are allowed
   */
  readonly bucketKey?: boolean;
  /**
   * Data perimeter: the Organization of the bucket's (and key's) account. The
   * identity statements then also hold only while `aws:ResourceOrgID` is this
   * Organization (see {@link resourceAccountCondition}).
   * @default none (no condition)
   */
  readonly resourceOrgId?: string;
}

/**
 * `aws:ResourceAccount` = the bucket owner, for the S3 statements of an
 * identity policy. S3 sets it to the account owning the bucket, or, for a
 * request through an access point, the account owning the access point
 * (here always the bucket owner: our access points live in the bucket's
 * account). IAM User Guide, global condition keys, aws:ResourceAccount:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount
 * and S3 User Guide, "Verifying bucket ownership with bucket owner condition":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
 * (the request-side half: ExpectedBucketOwner, which the handlers send).
 */
export function resourceAccountCondition(grant: S3Grant, base?: Condition): Condition | undefined {
  if (grant.resourceAccount === undefined && grant.resourceOrgId === undefined) return base;
  const b = base ?? {};
  return {
    ...b,
    StringEquals: {
      ...(b.StringEquals ?? {}),
      ...(grant.resourceAccount !== undefined ? { "aws:ResourceAccount": grant.resourceAccount } : {}),
      ...resourceOrgEquals(grant),
    },
  };
}

/**
 * `aws:ResourceOrgID` = the perimeter's Organization, when the grant has one:
 * "the identifier of the organization in AWS Organizations to which the
 * requested resource belongs", present only when the resource's account is a
 * member (IAM User Guide, global condition keys:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid).
 * On the KMS statement too: KMS supports every global condition key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-aws.html).
 */
const resourceOrgEquals = (grant: S3Grant): Record<string, string> => (grant.resourceOrgId !== undefined ? { "aws:ResourceOrgID": grant.resourceOrgId } : {});

export const objectArn = (bucketArn: string, prefix: string): string => `${bucketArn}/${prefix}*`;

export function objectActions(level: AccessLevel, objectWriterOwnership = false): string[] {
  const actions = [...LEVEL_ACTIONS[level].object];
  if (objectWriterOwnership && actions.includes("s3:PutObject")) actions.push(...OBJECT_WRITER_EXTRA_ACTIONS);
  return actions;
}

/**
 * The `s3:prefix` condition that narrows ListBucket to one prefix. One value:
 * `incoming/*` already matches `incoming/` itself (`*` matches the empty string).
 */
export function listPrefixCondition(prefix: string): Condition | undefined {
  if (prefix === "") return undefined;
  return { StringLike: { "s3:prefix": `${prefix}*` } };
}

/** Sid suffix of a HeadObject-only object statement (see {@link S3Grant.metadataOnly}). */
export const METADATA_ONLY_SID_SUFFIX = "MetadataOnly";

/**
 * The identity-side KMS statement of a grant (none for metadata-only grants or
 * buckets without a customer managed key): the level's KMS actions on the key,
 * only as S3 calls them on the principal's behalf in the key's region
 * (`kms:ViaService`), whether the bucket is reached directly or through an access point.
 */
export function kmsKeyStatements(grant: S3Grant, sidPrefix: string): Statement[] {
  if (grant.kmsKeyArn === undefined || grant.metadataOnly) return [];
  const region = grant.region ?? kmsKeyRegion(grant.kmsKeyArn);
  if (region === undefined) {
    throw new Error(`S3Grant for ${grant.bucketArn} names KMS key ${grant.kmsKeyArn} but no region: set region (kms:ViaService needs it)`);
  }
  const org = resourceOrgEquals(grant);
  const condition = mergeConditions(
    viaS3Condition(region),
    s3ArnContextCondition(grant.bucketArn, grant.bucketKey),
    Object.keys(org).length ? { StringEquals: org } : undefined,
  );
  return [{ Sid: `${sidPrefix}KmsKey`, Effect: "Allow", Action: LEVEL_ACTIONS[grant.level].kms, Resource: grant.kmsKeyArn, Condition: condition }];
}
