import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct, Lazy, TerraformResource } from "../../lib/framework";
import { addDependency } from "../../lib/grantee";
import { acknowledge, Acknowledgement, ACKNOWLEDGEMENTS } from "../../lib/checks/acknowledge";
import {
  AccessLevel,
  bucketPolicy,
  BucketGrantGroup,
  keyPolicy,
  OrganizationGrant,
  renderPolicy,
  S3Grant,
} from "../../lib/policy";
import * as v from "../../lib/validate";
import { ExistingBucketShare, ExistingBucketShareProps } from "./existing";
import { BucketShareGrant, IBucketShare, OBJECT_OWNERSHIPS, ObjectOwnership, parseGrant, shareS3Grant } from "./grants";

export type { BucketShareGrant, IBucketShare, ObjectOwnership } from "./grants";
export type { ExistingBucketShareProps, ExistingPolicyMode } from "./existing";
export { ExistingBucketShare } from "./existing";

export interface BucketShareProps {
  /** AWS provider of the owning account (account B). */
  readonly provider: AwsProvider;
  /** Id of the owning account: tells same-account principals from cross-account ones. */
  readonly accountId: string;
  /** Globally unique S3 bucket name. */
  readonly bucketName: string;
  /**
   * `kms`: SSE-KMS with a customer managed key created here (rotation on, S3
   * bucket key on), whose key policy grants each consumer exactly what it needs.
   * `s3`: SSE-S3 (AES256), no key to share.
   * @default "kms"
   */
  readonly encryption?: "kms" | "s3";
  /**
   * S3 Object Ownership. `BucketOwnerEnforced` disables ACLs, so the owning
   * account owns every object whoever wrote it.
   * @default "BucketOwnerEnforced"
   */
  readonly objectOwnership?: ObjectOwnership;
  /**
   * With `ObjectWriter` ownership, deny PutObject unless the writer sends
   * `x-amz-acl: bucket-owner-full-control` (seed 003's "files upload but the
   * owner can't read them"). Turning it off with ObjectWriter fails synth.
   * @default true when objectOwnership is "ObjectWriter", otherwise false
   */
  readonly requireBucketOwnerFullControl?: boolean;
  /** @default true */
  readonly versioning?: boolean;
  /**
   * Days after which noncurrent object versions expire (incomplete multipart
   * uploads are always aborted after 7 days).
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /** Consumers in other accounts. @default [] */
  readonly grants?: readonly BucketShareGrant[];
  /**
   * Let `terraform destroy` delete a bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /** @default 30 */
  readonly kmsDeletionWindowDays?: number;
  /** Findings of the synth-time policy checks that are deliberate here. @default [] */
  readonly acknowledge?: readonly Acknowledgement[];
  /** @default "aws" */
  readonly partition?: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An S3 bucket in the owning account, shared with principals of other accounts:
 * Block Public Access on, object ownership enforced, TLS-only, versioned,
 * SSE-KMS with a key whose policy matches the bucket policy grant for grant.
 */
export class BucketShare extends Construct implements IBucketShare {
  /**
   * Share an EXISTING bucket of the owning account (and its existing customer
   * managed key) without managing the bucket: see {@link ExistingBucketShare}.
   * Same grant API as a new bucket.
   */
  public static fromExistingBucket(scope: Construct, id: string, props: ExistingBucketShareProps): ExistingBucketShare {
    return new ExistingBucketShare(scope, id, props);
  }

  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  /** Literal `arn:<partition>:s3:::<name>`, so policies that name it read as plain text in the plan. */
  public readonly bucketArn: string;
  public readonly kmsKey?: KmsKey;
  /** The key's ARN (a Terraform reference), when `encryption` is `kms`. */
  public readonly kmsKeyArn?: string;
  public readonly bucketPolicy: S3BucketPolicy;
  public readonly objectOwnership: ObjectOwnership;
  public readonly accountId: string;
  private readonly principalGroups: BucketGrantGroup[] = [];
  private readonly orgGrants: OrganizationGrant[] = [];
  private readonly pendingDependables: TerraformResource[] = [];
  private readonly acknowledgements: Acknowledgement[];

  constructor(scope: Construct, id: string, props: BucketShareProps) {
    super(scope, id);
    const f = (name: string): string => `BucketShare(${id}).${name}`;
    const partition = props.partition ?? "aws";
    this.accountId = v.accountId(f("accountId"), props.accountId);
    this.bucketName = v.bucketName(f("bucketName"), props.bucketName);
    this.bucketArn = `arn:${partition}:s3:::${this.bucketName}`;
    const encryption = v.oneOf(f("encryption"), props.encryption ?? "kms", ["kms", "s3"] as const);
    this.objectOwnership = v.oneOf(f("objectOwnership"), props.objectOwnership ?? "BucketOwnerEnforced", OBJECT_OWNERSHIPS);
    const requireBofc = props.requireBucketOwnerFullControl ?? this.objectOwnership === "ObjectWriter";
    const noncurrentDays = v.integerInRange(f("noncurrentVersionExpirationDays"), props.noncurrentVersionExpirationDays ?? 90, 1, 36500);
    const deletionWindow = v.integerInRange(f("kmsDeletionWindowDays"), props.kmsDeletionWindowDays ?? 30, 7, 30);

    (props.grants ?? []).forEach((g, i) => this.addGrant(g, `grants[${i}]`));
    this.acknowledgements = (props.acknowledge ?? []).map((a, i) => v.oneOf(f(`acknowledge[${i}]`), a, ACKNOWLEDGEMENTS));

    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;
    const provider = props.provider;

    this.bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: this.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      tags,
    });

    const pab = new S3BucketPublicAccessBlock(this, "public-access-block", {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, "ownership", {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: this.objectOwnership },
    });

    if (props.versioning ?? true) {
      new S3BucketVersioningA(this, "versioning", {
        provider,
        bucket: this.bucket.id,
        versioningConfiguration: { status: "Enabled" },
      });
    }

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
        },
      ],
    });

    if (encryption === "kms") {
      this.kmsKey = new KmsKey(this, "key", {
        provider,
        description: `Encrypts s3://${this.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: deletionWindow,
        // Rendered at synth time, so grants added later with addGrant() are included.
        policy: Lazy.stringValue({
          produce: () =>
            renderPolicy(
              keyPolicy({
                partition,
                ownerAccountId: this.accountId,
                grants: this.principalGroups.map((g) => ({ principals: g.principals, level: g.level })),
                organizationGrants: this.orgGrants.map((o) => ({ organizationId: o.organizationId, level: o.level })),
              }),
            ),
        }),
        tags,
      });
      this.kmsKeyArn = this.kmsKey.arn;
      new KmsAlias(this, "key-alias", {
        provider,
        name: `alias/s3/${this.bucketName}`,
        targetKeyId: this.kmsKey.keyId,
      });
    }

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        this.kmsKey
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    this.bucketPolicy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      policy: Lazy.stringValue({
        produce: () =>
          renderPolicy(
            bucketPolicy({
              bucketArn: this.bucketArn,
              grants: this.principalGroups,
              organizationGrants: this.orgGrants,
              requireBucketOwnerFullControl: requireBofc,
            }),
          ),
      }),
      // Block Public Access first: AWS evaluates a new policy against it.
      dependsOn: [pab],
    });
    acknowledge(this.bucketPolicy, this.acknowledgements);
    if (this.kmsKey) acknowledge(this.kmsKey, this.acknowledgements);
    // Grants passed as props were recorded before the resources existed.
    this.pendingDependables.forEach((d) => this.dependOnGrantee(d));
    this.pendingDependables.length = 0;
  }

  /**
   * Grant a principal of another account (or an Organization) an access level
   * on the bucket, in both the bucket policy and the key policy. A principal
   * of the owning account is ignored here: give it the matching identity
   * policy instead (e.g. `AssumableRole`). Returns the identity-side grant
   * the principal's own policy needs.
   */
  public addGrant(grant: BucketShareGrant, field = `grants[${this.principalGroups.length + this.orgGrants.length}]`): S3Grant {
    const g = parseGrant(`BucketShare(${this.node.id})`, field, grant, this.accountId);
    if (g.organization) this.orgGrants.push(g.organization);
    if (g.group) this.principalGroups.push(g.group);
    if (g.dependable) this.dependOnGrantee(g.dependable);
    return this.s3Grant(g.level, g.prefix);
  }

  /** AWS rejects a bucket or key policy naming a principal that does not exist yet. */
  private dependOnGrantee(d: TerraformResource): void {
    if (!this.bucketPolicy) {
      this.pendingDependables.push(d);
      return;
    }
    addDependency(this.bucketPolicy, d);
    if (this.kmsKey) addDependency(this.kmsKey, d);
  }

  /**
   * The identity-side half of a grant on this bucket: feed it to an
   * `AssumableRole` or `LambdaWriter` so that the consumer's IAM policy and
   * the KMS actions match what the bucket and key policies allow.
   */
  public s3Grant(level: AccessLevel, prefix = ""): S3Grant {
    return shareS3Grant(this, level, prefix);
  }
}
