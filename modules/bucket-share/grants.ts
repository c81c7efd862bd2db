import { ConfigError } from "../../lib/errors";
import type { TerraformResource } from "../../lib/framework";
import { GranteeLike, IGrantee, toGrantee } from "../../lib/grantee";
import {
  AccessLevel,
  ACCESS_LEVELS,
  AccessPointLocation,
  BucketGrantGroup,
  OrganizationGrant,
  patternPrincipal,
  PerimeterInput,
  PolicyDocument,
  S3Grant,
  Statement,
} from "../../lib/policy";
import * as v from "../../lib/validate";
import type { ShareMode } from "./modes/mode";
import type { PublishContractOptions, PublishedContract } from "./contract";

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
  /** The bucket uses an S3 Bucket Key (KMS encryption context = bucket ARN). @default unknown (an existing bucket) */
  readonly bucketKeyEnabled?: boolean;
  /** Set in access-point mode (`accessPoints: true`): where the grants' access points live. */
  readonly accessPointLocation?: AccessPointLocation;
  /**
   * The share's data perimeter (`perimeter` prop): its grants' identity
   * statements carry `aws:ResourceOrgID` = the Organization.
   * @default none
   */
  readonly perimeter?: PerimeterInput;
  /** Grant a principal of another account (or an Organization) a level on a prefix; returns the identity-side grant. */
  addGrant(grant: BucketShareGrant): S3Grant;
  /** The identity-side half of a grant on this bucket (S3 + KMS actions), for the consumer's own policy. */
  s3Grant(level: AccessLevel, prefix?: string): S3Grant;
  /**
   * Grant `consumer` a level on a prefix, both sides at once: the resource
   * side (bucket / access point / key policy, or the emitted statements and
   * KMS grants of an existing bucket) and, when the consumer is a construct
   * of this app that takes it ({@link IShareConsumer}: `LambdaWriter`,
   * `ConsumerAccess`), the identity side. Returns the grant, which knows the
   * address the consumer must use (bucket name or access point ARN).
   */
  grant(consumer: ShareConsumer, options: ShareGrantOptions): ShareGrant;
  /**
   * Add a statement the modules do not make to the bucket policy (merged
   * into the one document: a new bucket's policy, or the merged / emitted
   * statements of an existing one). Counted by the policy-size check and
   * seen by the access review like every other statement.
   */
  addToResourcePolicy(statement: Statement): void;
  /**
   * Publish this share's grants as a grant contract (a Terraform output and
   * a file written at synth) for consuming teams with apps of their own:
   * they build their identity side from it with `GrantContract.fromFile`.
   */
  publishContract(options?: PublishContractOptions): PublishedContract;
  /**
   * Add a statement the modules do not make to the bucket key's policy (a new
   * bucket's key policy; for an existing key, the emitted key-policy
   * statements for its owners). Refused without a customer managed key.
   */
  addToKeyPolicy(statement: Statement): void;
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
  /** The cross-account principal's account, when its ARN names one. */
  readonly account?: string;
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
  const pattern = v.principalPattern(gf("principal"), grantee);
  if (pattern) {
    // The owning account's own roles need no resource-side statement (their IAM policy is enough).
    if (pattern.accountId === accountId) return { level, prefix };
    return { level, prefix, group: { principals: [patternPrincipal(pattern.arnLike)], level, prefix }, grantee, account: pattern.accountId };
  }
  const { account } = v.principalArn(gf("principal"), grantee.principalArn);
  if (account === accountId) return { level, prefix };
  return {
    level,
    prefix,
    group: { principals: [grantee.principalArn], level, prefix },
    grantee,
    dependable: grantee.dependable,
    ...(account !== undefined ? { account } : {}),
  };
}

/** The identity-side half of a grant on a shared bucket, addressed to the bucket (the share's mode may readdress it). */
export function shareS3Grant(
  share: Pick<IBucketShare, "bucketArn" | "kmsKeyArn" | "objectOwnership" | "region" | "accountId" | "bucketKeyEnabled" | "perimeter">,
  level: AccessLevel,
  prefix = "",
): S3Grant {
  return {
    ...(share.bucketKeyEnabled !== undefined ? { bucketKey: share.bucketKeyEnabled } : {}),
    // The consumer's statements hold only on the owner's bucket (aws:ResourceAccount, see resourceAccountCondition).
    resourceAccount: share.accountId,
    // Data perimeter: and only while the bucket is of the Organization (aws:ResourceOrgID).
    ...(share.perimeter !== undefined ? { resourceOrgId: share.perimeter.organizationId } : {}),
    ...(share.region !== undefined ? { region: share.region } : {}),
    bucketArn: share.bucketArn,
    prefix: v.keyPrefix("BucketShare.s3Grant.prefix", prefix),
    level: v.oneOf("BucketShare.s3Grant.level", level, ACCESS_LEVELS),
    kmsKeyArn: share.kmsKeyArn,
    objectWriterOwnership: share.objectOwnership === "ObjectWriter",
  };
}

/** The level and prefix of {@link IBucketShare.grant}. */
export interface ShareGrantOptions {
  /** `read` = GetObject + ListBucket, `write` = PutObject, `readwrite` = both. */
  readonly level: AccessLevel;
  /**
   * Restrict the grant to keys under this prefix (`incoming/`).
   * @default "" (the whole bucket)
   */
  readonly prefix?: string;
}

/**
 * The result of {@link IBucketShare.grant}: both sides of one grant, and
 * where the consumer must send its requests. Pass it to a consumer of
 * another app (`new LambdaWriter(..., { access: grant })`,
 * `consumerAccess.addS3Grant(grant.s3Grant)`) when `grant()` could not bind it.
 */
export interface ShareGrant {
  readonly level: AccessLevel;
  /** `""` for the whole bucket, otherwise a normalised prefix ending in `/`. */
  readonly prefix: string;
  /**
   * What the consumer passes as the S3 `Bucket` parameter: the bucket name,
   * or in access-point mode (for a consumer of another account) its access
   * point's ARN, which AWS SDK v3 accepts as `Bucket`
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-access-points.html).
   */
  readonly address: string;
  /** The access point of this grant (access-point mode, consumer of another account). @default none */
  readonly accessPointArn?: string;
  readonly bucketName: string;
  /** `arn:<partition>:s3:::<name>` */
  readonly bucketArn: string;
  /** The bucket's customer managed key. @default none (SSE-S3) */
  readonly kmsKeyArn?: string;
  /** Region of the bucket. @default none (not literal: an existing bucket without key, region or literal provider region) */
  readonly region?: string;
  /** The owning account. */
  readonly accountId: string;
  /**
   * The principal granted (role or user ARN; for a principal given by
   * pattern, its `ArnLike` pattern). @default none (an Organization grant)
   */
  readonly principalArn?: string;
  /** The Organization granted (`aws:PrincipalOrgID`). @default none (a principal grant) */
  readonly organizationId?: string;
  /** The bucket keeps ObjectWriter ownership: writers send `bucket-owner-full-control`. */
  readonly objectWriterOwnership: boolean;
  /** The share's mode (`bucket-policy`, `access-points`). */
  readonly mode: string;
  /** The identity side: S3 + KMS statements for the consumer's own policy (`identityStatements`). */
  readonly s3Grant: S3Grant;
}

/**
 * A construct of this app that can take the identity side of a grant:
 * `share.grant(consumer, ...)` names its principal on the resource side and
 * hands it the {@link ShareGrant} (`LambdaWriter`, `ConsumerAccess`).
 */
export interface IShareConsumer extends IGrantee {
  bindGrant(grant: ShareGrant): void;
}

/** Who {@link IBucketShare.grant} grants: a consumer construct, a principal (ARN or IGrantee), or every principal of an Organization. */
export type ShareConsumer = IShareConsumer | GranteeLike | { readonly organizationId: string };

export const isShareConsumer = (c: ShareConsumer): c is IShareConsumer =>
  typeof c === "object" && c !== null && typeof (c as Partial<IShareConsumer>).bindGrant === "function";

/** The consumer as a `BucketShareGrant` (what `parseGrant` validates). */
export function consumerGrant(consumer: ShareConsumer, options: ShareGrantOptions): BucketShareGrant {
  const base = { level: options.level, prefix: options.prefix };
  if (typeof consumer === "object" && consumer !== null && "organizationId" in consumer && !("principalArn" in consumer)) {
    return { ...base, organizationId: consumer.organizationId };
  }
  return { ...base, principal: consumer as GranteeLike };
}

/** The ShareGrant of a validated grant; `address` and `s3Grant` come from the share's mode. */
export function shareGrantOf(
  share: Pick<IBucketShare, "bucketName" | "bucketArn" | "kmsKeyArn" | "region" | "accountId" | "objectOwnership">,
  mode: string,
  granted: BucketShareGrant,
  g: ParsedGrant,
  address: string,
  s3Grant: S3Grant,
): ShareGrant {
  return {
    level: g.level,
    prefix: g.prefix,
    address,
    ...(s3Grant.accessPointArn !== undefined ? { accessPointArn: s3Grant.accessPointArn } : {}),
    bucketName: share.bucketName,
    bucketArn: share.bucketArn,
    ...(share.kmsKeyArn !== undefined ? { kmsKeyArn: share.kmsKeyArn } : {}),
    ...(share.region !== undefined ? { region: share.region } : {}),
    accountId: share.accountId,
    ...(granted.principal !== undefined ? { principalArn: toGrantee(granted.principal).principalArn } : {}),
    ...(granted.organizationId !== undefined ? { organizationId: granted.organizationId } : {}),
    objectWriterOwnership: share.objectOwnership === "ObjectWriter",
    mode,
    s3Grant,
  };
}

/**
 * Validate a statement for {@link IBucketShare.addToResourcePolicy}: a
 * bucket policy statement names a Principal and only this bucket's ARNs
 * (S3 rejects a policy with another resource: "Policy has invalid resource").
 */
export function resourceStatement(field: string, statement: Statement, bucketArn: string): Statement {
  if (typeof statement !== "object" || statement === null || (statement.Effect !== "Allow" && statement.Effect !== "Deny") || statement.Action === undefined) {
    throw new ConfigError(field, 'is not a policy statement: give Effect ("Allow" | "Deny"), Principal, Action and Resource');
  }
  if (statement.Principal === undefined) {
    throw new ConfigError(`${field}.Principal`, 'is required in a bucket policy statement (e.g. { AWS: "arn:aws:iam::111111111111:role/reader" })');
  }
  const resources = statement.Resource === undefined ? [] : Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  const foreign = resources.filter((r) => r !== bucketArn && !r.startsWith(`${bucketArn}/`));
  if (resources.length === 0 || foreign.length > 0) {
    throw new ConfigError(
      `${field}.Resource`,
      `must name this bucket only (${bucketArn} or ${bucketArn}/<key pattern>)${foreign.length ? `; got ${foreign.join(", ")}` : ""}: S3 rejects a bucket policy naming other resources`,
    );
  }
  return { ...statement };
}

/** Validate a statement for {@link IBucketShare.addToKeyPolicy}: a key policy statement names a Principal and `Resource: "*"`. */
export function keyStatement(field: string, statement: Statement): Statement {
  if (typeof statement !== "object" || statement === null || (statement.Effect !== "Allow" && statement.Effect !== "Deny") || statement.Action === undefined) {
    throw new ConfigError(field, 'is not a policy statement: give Effect ("Allow" | "Deny"), Principal, Action and Resource "*"');
  }
  if (statement.Principal === undefined) throw new ConfigError(`${field}.Principal`, "is required in a key policy statement");
  if (statement.Resource !== "*") throw new ConfigError(`${field}.Resource`, 'must be "*" in a key policy (the key itself)');
  return { ...statement };
}

/** Sids used twice in a document (AWS rejects the policy). */
export function duplicateSids(doc: PolicyDocument): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const s of doc.Statement) {
    if (typeof s.Sid !== "string" || s.Sid === "") continue;
    if (seen.has(s.Sid)) dup.add(s.Sid);
    seen.add(s.Sid);
  }
  return [...dup];
}

/**
 * The grant call of both share kinds: record the resource side (`record`:
 * the share's own bucket-policy/key bookkeeping), build the grant with the
 * mode's address and identity side, and bind it to a consumer construct.
 */
export function grantOnShare(
  share: Parameters<typeof shareS3Grant>[0] & Parameters<typeof shareGrantOf>[0],
  mode: Pick<ShareMode, "name" | "address" | "identityGrant">,
  record: (grant: BucketShareGrant, field: string) => ParsedGrant,
  consumer: ShareConsumer,
  options: ShareGrantOptions,
): ShareGrant {
  const granted = consumerGrant(consumer, options);
  const g = record(granted, "grant()");
  const grant = buildShareGrant(share, mode, granted, g);
  if (isShareConsumer(consumer)) consumer.bindGrant(grant);
  return grant;
}

/** The ShareGrant of a recorded grant, with the mode's address and identity side (`grant()`, and `addGrant()` for contracts). */
export function buildShareGrant(
  share: Parameters<typeof shareS3Grant>[0] & Parameters<typeof shareGrantOf>[0],
  mode: Pick<ShareMode, "name" | "address" | "identityGrant">,
  granted: BucketShareGrant,
  g: ParsedGrant,
): ShareGrant {
  return shareGrantOf(share, mode.name, granted, g, mode.address(g), mode.identityGrant(shareS3Grant(share, g.level, g.prefix), g));
}
