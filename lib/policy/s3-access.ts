import { AccessLevel, Condition, Statement } from "./types";
import type { AccessPointLocation } from "./access-points";
import { accessPointIdentityStatements, grantAccessPointArn } from "./access-points";

/**
 * The access-level model, in one place: which S3 and KMS actions each level
 * means, and on which resource ARN each action is granted.
 *
 * - `s3:ListBucket` is a *bucket* action: it is granted on the bucket ARN, and
 *   narrowed to the prefix with an `s3:prefix` condition.
 * - Object actions are granted on `bucket/prefix*` only.
 * - KMS: reading an SSE-KMS object needs `kms:Decrypt`; writing one needs
 *   `kms:GenerateDataKey` (and `kms:Encrypt` for clients that encrypt directly).
 */
export const LEVEL_ACTIONS: Record<AccessLevel, { bucket: string[]; object: string[]; kms: string[] }> = {
  read: { bucket: ["s3:ListBucket"], object: ["s3:GetObject"], kms: ["kms:Decrypt"] },
  write: { bucket: [], object: ["s3:PutObject"], kms: ["kms:Encrypt", "kms:GenerateDataKey"] },
  readwrite: {
    bucket: ["s3:ListBucket"],
    object: ["s3:GetObject", "s3:PutObject"],
    kms: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
  },
};

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
}

export const objectArn = (bucketArn: string, prefix: string): string => `${bucketArn}/${prefix}*`;

export function objectActions(level: AccessLevel, objectWriterOwnership = false): string[] {
  const actions = [...LEVEL_ACTIONS[level].object];
  if (objectWriterOwnership && actions.includes("s3:PutObject")) actions.push(...OBJECT_WRITER_EXTRA_ACTIONS);
  return actions;
}

/** The `s3:prefix` condition that narrows ListBucket to one prefix. */
export function listPrefixCondition(prefix: string): Condition | undefined {
  if (prefix === "") return undefined;
  return { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } };
}

const sidPart = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "");

/**
 * Identity-policy statements (no Principal) for one grant: ListBucket on the
 * bucket ARN, object actions on the prefix, KMS actions on the key.
 */
export function identityStatements(grant: S3Grant, sidPrefix = "", principalArn?: string): Statement[] {
  const a = LEVEL_ACTIONS[grant.level];
  const base = sidPart(sidPrefix);
  // Access-point mode: a cross-account principal reaches the bucket through its access point.
  const apArn = grantAccessPointArn(grant, principalArn);
  if (apArn !== undefined) return accessPointIdentityStatements(grant, apArn, base);
  const out: Statement[] = [];
  if (a.bucket.length > 0) {
    const condition = listPrefixCondition(grant.prefix);
    out.push({
      Sid: `${base}ListBucket`,
      Effect: "Allow",
      Action: a.bucket,
      Resource: grant.bucketArn,
      ...(condition ? { Condition: condition } : {}),
    });
  }
  out.push({
    Sid: `${base}Objects`,
    Effect: "Allow",
    Action: objectActions(grant.level, grant.objectWriterOwnership),
    Resource: objectArn(grant.bucketArn, grant.prefix),
  });
  if (grant.kmsKeyArn !== undefined) {
    out.push({ Sid: `${base}KmsKey`, Effect: "Allow", Action: a.kms, Resource: grant.kmsKeyArn });
  }
  return out;
}
