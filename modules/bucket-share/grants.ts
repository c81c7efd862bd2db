import { ConfigError } from "../../lib/errors";
import type { TerraformResource } from "../../lib/framework";
import { GranteeLike, IGrantee, toGrantee } from "../../lib/grantee";
import { AccessLevel, ACCESS_LEVELS, AccessPointLocation, BucketGrantGroup, OrganizationGrant, S3Grant } from "../../lib/policy";
import * as v from "../../lib/validate";

/** Shared by the new-bucket (`BucketShare`) and existing-bucket (`BucketShare.fromExistingBucket`) paths. */

export type ObjectOwnership = "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter";
export const OBJECT_OWNERSHIPS: readonly ObjectOwnership[] = ["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"];

/** One consumer of the bucket: a principal of another account, or a whole AWS Organization. */
export interface BucketShareGrant {
  /**
   * Role or user ARN in another account (or a construct exposing one, such as
   * `LambdaWriter` or `ConsumerAccess`). Exactly one of `principal` and
   * `organizationId` is set. A principal of the owning account gets no
   * bucket-policy statement: its own IAM policy is enough (and is where it belongs).
   */
  readonly principal?: GranteeLike;
  /** Grant every principal of this AWS Organization (`aws:PrincipalOrgID`). */
  readonly organizationId?: string;
  /** `read` = GetObject + ListBucket, `write` = PutObject, `readwrite` = both. */
  readonly level: AccessLevel;
  /**
   * Restrict the grant to keys under this prefix (`incoming/`).
   * @default "" (the whole bucket)
   */
  readonly prefix?: string;
}

/**
 * A shared bucket, whether this app creates it (`new BucketShare`) or it
 * already exists (`BucketShare.fromExistingBucket`): the same grant API for both.
 */
export interface IBucketShare {
  readonly bucketName: string;
  /** `arn:<partition>:s3:::<name>` */
  readonly bucketArn: string;
  /** The bucket's customer managed key, if it is SSE-KMS encrypted with one. */
  readonly kmsKeyArn?: string;
  /** The owning account. */
  readonly accountId: string;
  readonly objectOwnership?: ObjectOwnership;
  /** Region of the bucket (kms:ViaService of the identity-side KMS statements). @default the key ARN's region */
  readonly region?: string;
  /** Set in access-point mode (`accessPoints: true`): where the grants' access points live. */
  readonly accessPointLocation?: AccessPointLocation;
  /** Grant a principal of another account (or an Organization) a level on a prefix; returns the identity-side grant. */
  addGrant(grant: BucketShareGrant): S3Grant;
  /** The identity-side half of a grant on this bucket (S3 + KMS actions), for the consumer's own policy. */
  s3Grant(level: AccessLevel, prefix?: string): S3Grant;
}

/** A validated grant: an Organization grant, a cross-account principal group, or nothing (a principal of the owning account). */
export interface ParsedGrant {
  readonly level: AccessLevel;
  readonly prefix: string;
  readonly organization?: OrganizationGrant;
  readonly group?: BucketGrantGroup;
  /** The cross-account grantee (for the policies' `Id`: unique ids of same-stack principals). */
  readonly grantee?: IGrantee;
  readonly dependable?: TerraformResource;
}

/** Validate one grant; `owner` names the construct in errors (`BucketShare(id)`). */
export function parseGrant(owner: string, field: string, grant: BucketShareGrant, accountId: string): ParsedGrant {
  const gf = (name: string): string => `${owner}.${field}.${name}`;
  const level = v.oneOf(gf("level"), grant.level, ACCESS_LEVELS);
  const prefix = v.keyPrefix(gf("prefix"), grant.prefix);
  if ((grant.principal === undefined) === (grant.organizationId === undefined)) {
    throw new ConfigError(`${owner}.${field}`, 'set exactly one of "principal" (a role ARN of another account) or "organizationId" ("o-...")');
  }
  if (grant.organizationId !== undefined) {
    return { level, prefix, organization: { organizationId: v.organizationId(gf("organizationId"), grant.organizationId), level, prefix } };
  }
  const grantee = toGrantee(grant.principal as GranteeLike);
  const { account } = v.principalArn(gf("principal"), grantee.principalArn);
  if (account === accountId) return { level, prefix };
  return { level, prefix, group: { principals: [grantee.principalArn], level, prefix }, grantee, dependable: grantee.dependable };
}

/** The identity-side half of a grant on a shared bucket, addressed to the bucket (the share's mode may readdress it). */
export function shareS3Grant(share: Pick<IBucketShare, "bucketArn" | "kmsKeyArn" | "objectOwnership" | "region">, level: AccessLevel, prefix = ""): S3Grant {
  return {
    ...(share.region !== undefined ? { region: share.region } : {}),
    bucketArn: share.bucketArn,
    prefix: v.keyPrefix("BucketShare.s3Grant.prefix", prefix),
    level: v.oneOf("BucketShare.s3Grant.level", level, ACCESS_LEVELS),
    kmsKeyArn: share.kmsKeyArn,
    objectWriterOwnership: share.objectOwnership === "ObjectWriter",
  };
}
