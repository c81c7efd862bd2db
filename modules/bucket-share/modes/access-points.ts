import { AwsProvider, S3AccessPoint } from "../../../lib/framework/aws";
import { ConfigError } from "../../../lib/errors";
import { Construct, TerraformResource, Token } from "../../../lib/framework";
import { addDependency, principalsPolicyId } from "../../../lib/grantee";
import {
  accessPointArn,
  accessPointBucketPolicy,
  AccessPointLocation,
  accessPointName,
  accessPointPolicy,
  BucketPolicyInput,
  KeyPolicyInput,
  PerimeterInput,
  PolicyDocument,
  renderPolicy,
  S3Grant,
  scalableKeyPolicy,
} from "../../../lib/policy";
import * as v from "../../../lib/validate";
import type { ParsedGrant } from "../grants";
import type { ShareMode, ShareModeFactory, ShareModeHost } from "./mode";

/**
 * Access-point mode: each grant gets its own S3 Access Point whose policy
 * holds exactly that grant, and the bucket policy only delegates to the
 * owning account's access points (plus the denies). Consumers of other
 * accounts address their ACCESS POINT (its ARN as the `Bucket` parameter),
 * not the bucket name. See lib/policy/access-points.ts for the policies and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
 * ("Delegating access control to access points").
 */
class AccessPointMode implements ShareMode {
  public readonly name = "access-points";
  /** The bucket policy only delegates: it names no consumer. */
  public readonly bucketPolicyNamesPrincipals = false;
  public readonly accessPointLocation: AccessPointLocation;
  /** The access points, one per grant (once the share activated the mode). */
  public accessPoints?: AccessPointSet;
  private readonly pending: ParsedGrant[] = [];

  constructor(private readonly host: ShareModeHost) {
    const region = host.region ?? accessPointRegion(`${host.label}.region`, undefined, host.provider);
    this.accessPointLocation = { partition: host.partition, region, accountId: host.accountId, bucketName: host.bucketName };
  }

  public activate(dependsOn: readonly TerraformResource[]): void {
    const h = this.host;
    this.accessPoints = new AccessPointSet(
      h.scope,
      h.label,
      this.accessPointLocation,
      h.provider,
      h.bucketName,
      h.objectWriterOwnership,
      [...dependsOn],
      h.perimeter,
    );
    this.pending.forEach((g) => this.accessPoints?.add(g));
    this.pending.length = 0;
  }

  public addGrant(grant: ParsedGrant): void {
    if (this.accessPoints) this.accessPoints.add(grant);
    else this.pending.push(grant);
  }

  public bucketPolicy(input: BucketPolicyInput): PolicyDocument {
    const { grants: _grants, organizationGrants: _orgs, ...rest } = input;
    return accessPointBucketPolicy({
      ...rest,
      ownerAccountId: this.host.accountId,
      objectWriterOwnership: this.host.objectWriterOwnership,
      // Delegate to this share's access points only (s3:DataAccessPointArn), not every access point of the account.
      accessPointArns: this.accessPoints?.arns ?? [],
      location: this.accessPointLocation,
    });
  }

  public keyPolicy(input: KeyPolicyInput): PolicyDocument {
    // Thousands of consumers: per-principal statements while they fit in 32 KB, consumer accounts via S3 past that.
    return scalableKeyPolicy(input).document;
  }

  public address(grant: ParsedGrant): string {
    return accessPointOf(this.accessPointLocation, grant) ?? this.host.bucketName;
  }

  public identityGrant(base: S3Grant, grant?: ParsedGrant): S3Grant {
    const withLocation: S3Grant = { ...base, accessPoint: this.accessPointLocation };
    const arn = grant && accessPointOf(this.accessPointLocation, grant);
    return arn === undefined ? withLocation : { ...withLocation, accessPointArn: arn };
  }
}

/**
 * Access-point mode (`mode: accessPointMode`, or `accessPoints: true`): one
 * S3 Access Point per grant, the bucket policy delegating to the owning
 * account's access points; consumers of other accounts address their access
 * point (`share.grant(...).address`). Needs a literal region.
 */
export const accessPointMode: ShareModeFactory = {
  name: "access-points",
  create: (host) => new AccessPointMode(host),
};

/** The mode's access points, when `mode` is access-point mode (for the shares' `accessPoints` property). */
export function accessPointsOf(mode: ShareMode): AccessPointSet | undefined {
  return mode instanceof AccessPointMode ? mode.accessPoints : undefined;
}

/** The access point ARN of a parsed grant; undefined for a principal of the owning account (it uses the bucket). */
function accessPointOf(loc: AccessPointLocation, g: ParsedGrant): string | undefined {
  const who = g.organization?.organizationId ?? g.group?.principals[0];
  return who === undefined ? undefined : accessPointArn(loc, accessPointName(loc.bucketName, who, g.level, g.prefix));
}

/**
 * The access-point mode of a shared bucket (new or existing): one
 * `aws_s3_access_point` per grant (principal or Organization, level, prefix),
 * its policy holding exactly that grant.
 *
 * The policy is set with the access point's own `policy` argument, not a
 * separate `aws_s3control_access_point_policy`: one resource per consumer
 * instead of two (10,000 instead of 20,000 at the scale this mode exists
 * for), and the provider documents that using both on one access point
 * makes them overwrite each other (perpetual diff). The policy names the
 * access point by its literal ARN (built from region, account and name), so
 * it does not reference the resource it is part of.
 */
export class AccessPointSet {
  public readonly location: AccessPointLocation;
  /** Every access point, by name. */
  public readonly byName = new Map<string, S3AccessPoint>();
  private readonly byKey = new Map<string, string>();

  constructor(
    private readonly scope: Construct,
    private readonly owner: string,
    location: AccessPointLocation,
    private readonly provider: AwsProvider,
    /** The bucket's literal name. */
    private readonly bucket: string,
    private readonly objectWriterOwnership: boolean,
    dependsOn: TerraformResource[] = [],
    /** The share's data perimeter: each access point policy denies principals outside the Organization. */
    private readonly perimeter?: PerimeterInput,
  ) {
    this.location = location;
    // Terraform addresses, computed once: at thousands of access points, a token per
    // reference (cdktf captures a stack trace for each) is most of the synth time.
    this.dependsOn = dependsOn.map((d) => `${d.terraformResourceType}.${d.friendlyUniqueId}`);
  }

  private readonly dependsOn: string[];

  /** The ARNs of the access points created so far, sorted. */
  public get arns(): string[] {
    return [...this.byKey.keys()].map((name) => accessPointArn(this.location, name)).sort();
  }

  /**
   * The access point of one grant, created on first use (the same principal,
   * level and prefix granted twice share one). Returns its ARN.
   */
  public add(g: ParsedGrant): string | undefined {
    const who = g.organization?.organizationId ?? g.group?.principals[0];
    if (who === undefined) return undefined;
    const name = accessPointName(this.location.bucketName, who, g.level, g.prefix);
    const key = `${who}|${g.level}|${g.prefix}`;
    const arn = accessPointArn(this.location, name);
    const taken = this.byKey.get(name);
    if (taken === key) return arn;
    if (taken !== undefined) {
      throw new ConfigError(`${this.owner}.grants`, `two grants hash to the same access point name "${name}" (${taken} and ${key}); change one prefix`);
    }
    this.byKey.set(name, key);
    const ap = new S3AccessPoint(this.scope, `ap-${name}`, {
      provider: this.provider,
      bucket: this.bucket,
      name,
      policy: renderPolicy(
        accessPointPolicy({
          accessPointArn: arn,
          principal: g.group?.principals[0],
          organizationId: g.organization?.organizationId,
          level: g.level,
          prefix: g.prefix,
          objectWriterOwnership: this.objectWriterOwnership,
          // A same-stack principal's unique id: replacing the role re-applies this policy too.
          id: g.grantee ? principalsPolicyId([g.grantee]) : undefined,
          perimeter: this.perimeter,
        }),
      ),
      // Block Public Access on every access point (S3's default, stated so a plan shows it).
      publicAccessBlockConfiguration: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    });
    if (this.dependsOn.length) ap.dependsOn = [...this.dependsOn];
    // S3 rejects an access point policy naming a principal that does not exist yet.
    if (g.dependable) addDependency(ap, g.dependable);
    this.byName.set(name, ap);
    return arn;
  }
}

/** Region of access-point mode: given, or the provider's literal region. */
export function accessPointRegion(field: string, region: string | undefined, provider: AwsProvider): string {
  const r = region ?? provider.region;
  if (r === undefined || Token.isUnresolved(r)) {
    throw new ConfigError(
      field,
      'is required with accessPoints: true when the provider has no literal region (access point ARNs in the policies name the region), e.g. "eu-west-1"',
    );
  }
  return v.region(field, r);
}
