import { bucketPolicy, BucketPolicyInput, KeyPolicyInput, PolicyDocument, S3Grant, scalableKeyPolicy } from "../../../lib/policy";
import type { ParsedGrant } from "../grants";
import type { ShareMode, ShareModeFactory, ShareModeHost } from "./mode";

/**
 * Bucket-policy mode (the default): every grant is a statement of the one
 * bucket policy (principals sharing a level and prefix grouped into one
 * statement, which is what fits ~300 whole-bucket consumers in its 20 KB),
 * and consumers address the bucket by name.
 */
class BucketPolicyMode implements ShareMode {
  public readonly name = "bucket-policy";
  public readonly bucketPolicyNamesPrincipals = true;

  constructor(private readonly host: ShareModeHost) {}

  public activate(): void {}

  public addGrant(): void {}

  public bucketPolicy(input: BucketPolicyInput): PolicyDocument {
    return bucketPolicy(input);
  }

  public keyPolicy(input: KeyPolicyInput): PolicyDocument {
    // Per-principal statements while they fit in 32 KB, consumer accounts via S3 past that.
    return scalableKeyPolicy(input).document;
  }

  public address(_grant: ParsedGrant): string {
    return this.host.bucketName;
  }

  public identityGrant(base: S3Grant): S3Grant {
    return base;
  }
}

/**
 * Bucket-policy mode (the default of `BucketShare` and
 * `BucketShare.fromExistingBucket`): grants are statements of the bucket
 * policy, consumers address the bucket by name.
 */
export const bucketPolicyMode: ShareModeFactory = {
  name: "bucket-policy",
  create: (host) => new BucketPolicyMode(host),
};
