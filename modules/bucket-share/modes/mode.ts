import type { AwsProvider } from "../../../lib/framework/aws";
import type { Construct, TerraformResource } from "../../../lib/framework";
import type { AccessPointLocation, BucketPolicyInput, KeyPolicyInput, PerimeterInput, PolicyDocument, S3Grant } from "../../../lib/policy";
import type { ParsedGrant } from "../grants";

/**
 * A share mode: how the grants of a shared bucket (new or existing) reach
 * AWS. One file per mode (`bucket-policy.ts`, `access-points.ts`), each
 * exporting a {@link ShareModeFactory}; `BucketShare` and
 * `BucketShare.fromExistingBucket` only talk to this interface. A new mode
 * is one new file implementing it, plus its tests (and one line in
 * `modes/index.ts` to export it).
 */

/** What a mode knows about the share it serves. */
export interface ShareModeHost {
  /** Where the mode creates its per-grant resources (the share construct). */
  readonly scope: Construct;
  /** The share in error messages: `BucketShare(id)`, `BucketShare.fromExistingBucket(id)`. */
  readonly label: string;
  /** Provider of the owning account. */
  readonly provider: AwsProvider;
  readonly partition: string;
  /** The owning account. */
  readonly accountId: string;
  /** The bucket's literal name. */
  readonly bucketName: string;
  readonly bucketArn: string;
  /**
   * Region of the bucket, when literal.
   * @default none (a mode that needs it validates the provider's region)
   */
  readonly region?: string;
  /** The bucket keeps ObjectWriter ownership. */
  readonly objectWriterOwnership: boolean;
  /**
   * The share's data perimeter: a mode that writes resource policies of its own
   * (access point policies) adds the perimeter Deny to each.
   * @default none
   */
  readonly perimeter?: PerimeterInput;
}

/** One mode bound to one share. */
export interface ShareMode {
  /** The factory's name (`bucket-policy`, `access-points`). */
  readonly name: string;
  /**
   * The bucket policy names the grants' principals: it must then depend on
   * the same-stack principals it names (AWS rejects a policy naming a
   * principal that does not exist yet).
   */
  readonly bucketPolicyNamesPrincipals: boolean;
  /**
   * Set when consumers address access points of this location (the shares' `accessPointLocation`).
   * @default none (consumers address the bucket)
   */
  readonly accessPointLocation?: AccessPointLocation;
  /**
   * The share's resources exist: create the per-grant resources of the
   * grants added so far, and of later ones as they come, ordered after `dependsOn`.
   */
  activate(dependsOn: readonly TerraformResource[]): void;
  /** The resource side of one validated grant beyond the bucket and key policies (e.g. its access point). */
  addGrant(grant: ParsedGrant): void;
  /** The bucket-policy document (or, for an existing bucket, the statements merged or emitted) for every grant. */
  bucketPolicy(input: BucketPolicyInput): PolicyDocument;
  /** The key policy of a key created with the bucket. */
  keyPolicy(input: KeyPolicyInput): PolicyDocument;
  /** What the grant's principal passes as the S3 `Bucket` parameter: the bucket name or an access point ARN. */
  address(grant: ParsedGrant): string;
  /**
   * The identity-side grant in this mode: `base` is the bucket's grant
   * (bucket ARN, prefix, level, key); `grant` the validated resource-side
   * grant when the principal is known (undefined for `share.s3Grant()`).
   */
  identityGrant(base: S3Grant, grant?: ParsedGrant): S3Grant;
}

/** Creates a mode for one share (validating what the mode needs of it). */
export interface ShareModeFactory {
  readonly name: string;
  create(host: ShareModeHost): ShareMode;
}
