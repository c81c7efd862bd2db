import * as fs from "fs";
import * as path from "path";
import { AwsProvider, IamRole, IamRolePolicy, S3BucketReplicationConfigurationA } from "../../lib/framework/aws";
import { ConfigError } from "../../lib/errors";
import { Construct, onSynthesize, TerraformLocal, TerraformOutput, TerraformResource, TerraformStack, Token } from "../../lib/framework";
import { addDependency } from "../../lib/grantee";
import { ensurePolicyChecks } from "../../lib/checks";
import { EXISTING_BUCKET_MARKER, ExistingBucketMarker, REPLICATION_MARKER, type ReplicationMarker } from "../../lib/model/stack-model";
import {
  batchReplicationPolicy,
  batchReplicationTrustPolicy,
  kmsKeyRegion,
  PolicyDocument,
  renderPolicy,
  replicationDestinationKeyStatement,
  replicationDestinationStatements,
  replicationRolePolicy,
  ReplicationKey,
  ReplicationPolicyInput,
  replicationSourceKeyStatement,
  replicationTrustPolicy,
  REPLICATION_SID_PREFIX,
} from "../../lib/policy";
import * as v from "../../lib/validate";
import type { IBucketShare } from "../bucket-share/grants";

/**
 * Cross-account replication: a bucket of one account replicated into a
 * bucket of another (backup, DR, data lake), with every permission S3 needs
 * and nothing more. See README "Cross-account replication".
 *
 * Design: a construct of its own (not a method of the share) because it
 * creates resources in the SOURCE account (role, replication configuration)
 * and writes into the resource policies of BOTH shares, like `share.grant()`
 * does for one: the destination bucket policy gets the role's statements
 * through `addToResourcePolicy` (the one document of lib/policy/documents.ts,
 * counted by `policy-size`), each key through `addToKeyPolicy`; an existing
 * destination of another team gets them emitted as JSON for its owners.
 */

/** One replication rule (`aws_s3_bucket_replication_configuration` rule). */
export interface ReplicationRule {
  /**
   * Rule id (unique in the configuration).
   * @default `rule-<n>` (1-based)
   */
  readonly id?: string;
  /**
   * Replicate keys under this prefix only (`exports/`).
   * @default "" (every key)
   */
  readonly prefix?: string;
  /**
   * Replicate only objects carrying all these tags (with the prefix, if any).
   * @default `{}` (no tag filter)
   */
  readonly tags?: Record<string, string>;
  /**
   * Replicate delete markers: an explicit choice, never defaulted. `true`: a
   * delete in the source hides the replica too (a mirror). `false`: replicas
   * survive deletes in the source (a backup). Deletes of a version id are
   * never replicated either way
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html).
   */
  readonly deleteMarkers: boolean;
  /**
   * Priority when rules overlap (higher wins).
   * @default rules.length - index (the first rule wins)
   */
  readonly priority?: number;
  /**
   * Storage class of the replicas (`STANDARD_IA`, `GLACIER_IR`, ...).
   * @default the source object's storage class
   */
  readonly storageClass?: string;
}

/** A destination bucket this stack does not manage (another team's): its statements are emitted for its owners. */
export interface ExistingReplicationDestination {
  /** `arn:aws:s3:::<name>` */
  readonly bucketArn: string;
  /** The owning account. */
  readonly accountId: string;
  /** Its customer managed key, when it is SSE-KMS. @default none (SSE-S3) */
  readonly kmsKeyArn?: string;
  /** Region of the bucket. @default the key ARN's region, else the source's */
  readonly region?: string;
  /** The bucket uses an S3 Bucket Key. @default unknown (both encryption-context forms) */
  readonly bucketKeyEnabled?: boolean;
}

export interface ReplicationProps {
  /** AWS provider of the SOURCE account: the role and the replication configuration live there. */
  readonly provider: AwsProvider;
  /** The source bucket: a `BucketShare` or `BucketShare.fromExistingBucket` of the source account. */
  readonly source: IBucketShare;
  /** The destination: a share of another account, or an existing bucket of another team ({@link ExistingReplicationDestination}). */
  readonly destination: IBucketShare | ExistingReplicationDestination;
  /** At least one rule; 1,000 at most (S3's limit). */
  readonly rules: readonly ReplicationRule[];
  /** Name of the replication role created in the source account. */
  readonly roleName: string;
  /**
   * Owner override: replicas are owned by the destination account
   * (`access_control_translation` Owner=Destination, plus
   * s3:ObjectOwnerOverrideToBucketOwner in the role's and the destination's
   * policies). Without it and without BucketOwnerEnforced on the destination,
   * the destination account cannot read the replicas it stores.
   * @default true
   */
  readonly ownerOverride?: boolean;
  /**
   * S3 Replication Time Control: 99.99% of objects replicated within 15
   * minutes, billed per GB; turns replication metrics on too (RTC requires them).
   * @default false
   */
  readonly replicationTime?: boolean;
  /**
   * Replication metrics (pending bytes/operations, latency) in CloudWatch, with
   * the 15-minute event threshold.
   * @default the value of replicationTime
   */
  readonly metrics?: boolean;
  /**
   * Versioning of buckets this stack does not create cannot be seen at synth:
   * state it here once `aws s3api get-bucket-versioning` says `Enabled` (the
   * `replication-versioning` check fails otherwise). A bucket this stack
   * creates is read from its versioning resource.
   * @default `{}` (nothing confirmed)
   */
  readonly versioningConfirmed?: { readonly source?: boolean; readonly destination?: boolean };
  /**
   * Also create the role of an S3 Batch Replication job, which replicates the
   * objects that existed before the rules (live replication only copies new
   * writes). The job itself is run once, by hand, with an S3-generated manifest
   * (README "Cross-account replication"); the manifest and the completion
   * report go under `reportPrefix` of the source bucket.
   * @default none
   */
  readonly batchReplication?: BatchReplicationOptions;
  /** @default "aws" */
  readonly partition?: string;
}

/** The Batch Replication job role ({@link ReplicationProps.batchReplication}). */
export interface BatchReplicationOptions {
  /** Name of the job role created in the source account (trusted by batchoperations.s3.amazonaws.com). */
  readonly roleName: string;
  /**
   * Where in the source bucket the generated manifest and the completion report go.
   * @default "batch-replication/"
   */
  readonly reportPrefix?: string;
}

/** The directory, inside the stack's output directory, of the emitted statements (as for existing bucket shares). */
const EMIT_DIR = "xacct";

const isShare = (d: IBucketShare | ExistingReplicationDestination): d is IBucketShare => typeof (d as Partial<IBucketShare>).addToResourcePolicy === "function";

/** Terraform resources a share exposes that replication must wait for (versioning, bucket policy, key). */
const resourceOf = (x: unknown): TerraformResource | undefined => (TerraformResource.isTerraformResource(x) ? x : undefined);

/**
 * Live replication of a bucket (a `BucketShare`, new or existing) into a bucket
 * of ANOTHER account: the replication role in the source account with exactly
 * the documented permissions and a trust limited to S3 for that bucket, the
 * destination's bucket- and key-policy statements (through the destination
 * share's `addToResourcePolicy` / `addToKeyPolicy`, or emitted for the owners of
 * an existing destination), and the `aws_s3_bucket_replication_configuration`.
 * The `replication-*` synth checks stop what would make S3 fail every replica.
 * Live replication copies objects written after the rule exists; for existing
 * objects run S3 Batch Replication (README "Cross-account replication").
 */
export class Replication extends Construct {
  /** The replication role (source account), assumed by S3 only. */
  public readonly role: IamRole;
  /** Literal `arn:<partition>:iam::<source account>:role/<roleName>`. */
  public readonly roleArn: string;
  /** The replication configuration on the source bucket. */
  public readonly configuration: S3BucketReplicationConfigurationA;
  /** `arn:<partition>:s3:::<source bucket>` */
  public readonly sourceBucketArn: string;
  /** `arn:<partition>:s3:::<destination bucket>` */
  public readonly destinationBucketArn: string;
  /** The destination's account. */
  public readonly destinationAccountId: string;
  /** The Batch Replication job role, when `batchReplication` is set. */
  public readonly batchRole?: IamRole;
  /** For an existing destination: the statements its owners must add (bucket policy, key policy). */
  public readonly emittedFiles: { readonly bucketPolicy?: string; readonly keyPolicy?: string } = {};

  constructor(scope: Construct, id: string, props: ReplicationProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `Replication(${id}).${name}`;
    const partition = props.partition ?? "aws";
    const source = props.source;
    const sourceAccount = v.accountId(f("source.accountId"), source.accountId);
    v.providerAccount(f("provider"), props.provider, f("source.accountId"), sourceAccount);
    const roleName = v.iamName(f("roleName"), props.roleName);
    this.roleArn = `arn:${partition}:iam::${sourceAccount}:role/${roleName}`;
    this.sourceBucketArn = source.bucketArn;

    const dest = props.destination;
    let destBucketArn: string;
    let destAccount: string;
    let destKeyArn: string | undefined;
    let destRegion: string | undefined;
    let destBucketKey: boolean | undefined;
    if (isShare(dest)) {
      destBucketArn = dest.bucketArn;
      destAccount = dest.accountId;
      destKeyArn = dest.kmsKeyArn;
      destRegion = dest.region ?? (destKeyArn ? kmsKeyRegion(destKeyArn) : undefined);
      destBucketKey = dest.bucketKeyEnabled;
    } else {
      const m = /^arn:aws[\w-]*:s3:::([^/]+)$/.exec(typeof dest?.bucketArn === "string" ? dest.bucketArn : "");
      if (!m) throw new ConfigError(f("destination.bucketArn"), `must be a bucket ARN "arn:aws:s3:::<name>" (got ${JSON.stringify(dest?.bucketArn)})`);
      v.bucketName(f("destination.bucketArn"), m[1]);
      destBucketArn = dest.bucketArn;
      destAccount = v.accountId(f("destination.accountId"), dest.accountId);
      destKeyArn = dest.kmsKeyArn === undefined ? undefined : v.customerManagedKeyArn(f("destination.kmsKeyArn"), dest.kmsKeyArn, destAccount);
      destRegion = dest.region !== undefined ? v.region(f("destination.region"), dest.region) : destKeyArn ? kmsKeyRegion(destKeyArn) : source.region;
      destBucketKey = dest.bucketKeyEnabled;
    }
    this.destinationBucketArn = destBucketArn;
    this.destinationAccountId = destAccount;
    if (destBucketArn === source.bucketArn) throw new ConfigError(f("destination"), "is the source bucket itself: replicate into another bucket");

    const srcRegion = source.region ?? (source.kmsKeyArn ? kmsKeyRegion(source.kmsKeyArn) : undefined);
    const sourceKey = this.key(f("source"), source.kmsKeyArn, srcRegion, source.bucketKeyEnabled);
    const destinationKey = this.key(f("destination"), destKeyArn, destRegion, destBucketKey);

    if (!Array.isArray(props.rules) || props.rules.length === 0) {
      throw new ConfigError(f("rules"), 'must list at least one rule, e.g. [{ prefix: "", deleteMarkers: false }]');
    }
    if (props.rules.length > 1000) throw new ConfigError(f("rules"), `has ${props.rules.length} rules; S3 allows 1,000 per replication configuration`);
    const ids = new Set<string>();
    const rules = props.rules.map((r: ReplicationRule, i) => {
      const rf = (name: string): string => f(`rules[${i}].${name}`);
      // A rule from plain JavaScript (or JSON) may lack the choice: refuse, never default.
      const given = r as Partial<ReplicationRule> | undefined;
      if (typeof given?.deleteMarkers !== "boolean") {
        throw new ConfigError(
          rf("deleteMarkers"),
          "is required (true or false): true mirrors deletes into the destination (a delete hides the replica too), false keeps replicas when the source is deleted (a backup)",
        );
      }
      const ruleId = r.id ?? `rule-${i + 1}`;
      if (typeof ruleId !== "string" || ruleId.length === 0 || ruleId.length > 255) throw new ConfigError(rf("id"), "must be 1-255 characters");
      if (ids.has(ruleId)) throw new ConfigError(rf("id"), `"${ruleId}" is used by another rule: rule ids must be unique`);
      ids.add(ruleId);
      const prefix = v.keyPrefix(rf("prefix"), r.prefix ?? "");
      const tags: [string, string][] = Object.entries(r.tags ?? {});
      for (const [k, val] of tags) {
        if (typeof k !== "string" || k.length === 0 || k.length > 128 || typeof val !== "string" || val.length > 256) {
          throw new ConfigError(rf(`tags.${k}`), "tag keys are 1-128 characters and values at most 256");
        }
      }
      const priority = v.integerInRange(rf("priority"), r.priority ?? props.rules.length - i, 0, 2147483647);
      return { id: ruleId, prefix, tags, priority, deleteMarkers: r.deleteMarkers, storageClass: r.storageClass };
    });
    const ownerOverride = v.flag(f("ownerOverride"), props.ownerOverride ?? true);
    const rtc = v.flag(f("replicationTime"), props.replicationTime ?? false);
    const metrics = v.flag(f("metrics"), props.metrics ?? rtc);
    if (rtc && !metrics) throw new ConfigError(f("metrics"), "cannot be false with replicationTime: S3 Replication Time Control requires replication metrics");

    const input: ReplicationPolicyInput = {
      sourceBucketArn: source.bucketArn,
      sourceAccountId: sourceAccount,
      destinationBucketArn: destBucketArn,
      // A tag-only rule replicates any key with the tags: the whole bucket, as far as resources go.
      prefixes: rules.map((r) => r.prefix),
      ownerOverride,
      sourceKey,
      destinationKey,
    };

    // ---- the role, in the source account
    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: roleName,
      description: `S3 replication of ${source.bucketName} into ${destBucketArn} (account ${destAccount})`,
      assumeRolePolicy: renderPolicy(replicationTrustPolicy(sourceAccount, source.bucketArn)),
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      provider: props.provider,
      role: this.role.name,
      name: "replication",
      policy: renderPolicy(replicationRolePolicy(input)),
    });

    // ---- the resource side: destination bucket policy and keys
    const sid = `${REPLICATION_SID_PREFIX}${id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase()).replace(/^./, (c) => c.toUpperCase())}`;
    const destStatements = replicationDestinationStatements(this.roleArn, input, sid);
    const destKeyStatement = destinationKey && replicationDestinationKeyStatement(this.roleArn, destBucketArn, destinationKey, `${sid}Encrypt`);
    // The source key: the role is of the key's own account, so its identity policy would do while the key
    // policy delegates to the account; the statement makes the key side explicit (and visible to the review).
    if (sourceKey) source.addToKeyPolicy(replicationSourceKeyStatement(this.roleArn, source.bucketArn, sourceKey, `${sid}Decrypt`));
    const waitFor: TerraformResource[] = [rolePolicy];
    if (isShare(dest)) {
      destStatements.forEach((s) => dest.addToResourcePolicy(s));
      if (destKeyStatement) dest.addToKeyPolicy(destKeyStatement);
      // AWS rejects a bucket or key policy naming a principal that does not exist yet.
      const d = dest as unknown as { bucketPolicy?: unknown; kmsKey?: unknown; versioning?: unknown };
      for (const r of [d.bucketPolicy, d.kmsKey].map(resourceOf)) if (r) addDependency(r, this.role);
      for (const r of [d.bucketPolicy, d.kmsKey, d.versioning].map(resourceOf)) if (r) waitFor.push(r);
    } else {
      this.emitForOwners(id, destBucketArn, destAccount, destKeyArn, destStatements, destKeyStatement ? [destKeyStatement] : []);
    }
    const s = source as unknown as { versioning?: unknown; kmsKey?: unknown };
    for (const r of [s.versioning, s.kmsKey].map(resourceOf)) if (r) waitFor.push(r);

    // ---- the replication configuration, on the source bucket
    this.configuration = new S3BucketReplicationConfigurationA(this, "configuration", {
      provider: props.provider,
      bucket: source.bucketName,
      role: this.role.arn,
      rule: rules.map((r) => ({
        id: r.id,
        priority: r.priority,
        status: "Enabled",
        // The V2 schema (filter) is what delete-marker replication and several rules need.
        filter: filterOf(r.prefix, r.tags),
        deleteMarkerReplication: { status: r.deleteMarkers ? "Enabled" : "Disabled" },
        ...(sourceKey ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
        destination: {
          bucket: destBucketArn,
          account: destAccount,
          ...(r.storageClass !== undefined ? { storageClass: r.storageClass } : {}),
          ...(ownerOverride ? { accessControlTranslation: { owner: "Destination" } } : {}),
          ...(destinationKey ? { encryptionConfiguration: { replicaKmsKeyId: destinationKey.keyArn } } : {}),
          ...(rtc ? { replicationTime: { status: "Enabled", time: { minutes: 15 } } } : {}),
          ...(metrics ? { metrics: { status: "Enabled", eventThreshold: { minutes: 15 } } } : {}),
        },
      })),
      // Versioning first (S3 refuses a configuration on an unversioned bucket), and the role's policy and the
      // destination's policies before S3 first replicates.
      dependsOn: waitFor,
    });

    if (props.batchReplication !== undefined) {
      const b = props.batchReplication;
      const reportPrefix = v.keyPrefix(f("batchReplication.reportPrefix"), b.reportPrefix ?? "batch-replication/");
      if (reportPrefix === "")
        throw new ConfigError(
          f("batchReplication.reportPrefix"),
          'must name a prefix (e.g. "batch-replication/"): the job writes its manifest and report there',
        );
      const batchRole = new IamRole(this, "batch-role", {
        provider: props.provider,
        name: v.iamName(f("batchReplication.roleName"), b.roleName),
        description: `S3 Batch Replication of the existing objects of ${source.bucketName}`,
        assumeRolePolicy: renderPolicy(batchReplicationTrustPolicy(sourceAccount)),
      });
      new IamRolePolicy(this, "batch-role-policy", {
        provider: props.provider,
        role: batchRole.name,
        name: "batch-replication",
        policy: renderPolicy(
          batchReplicationPolicy({ sourceBucketArn: source.bucketArn, reportBucketArn: source.bucketArn, reportPrefix, reportKey: sourceKey }),
        ),
      });
      (this as { batchRole?: IamRole }).batchRole = batchRole;
    }

    const confirmed = props.versioningConfirmed ?? {};
    new TerraformLocal(this, "xacct-replication", {
      [EXISTING_BUCKET_MARKER]: REPLICATION_MARKER,
      source_bucket: source.bucketName,
      destination_bucket_arn: destBucketArn,
      versioning_confirmed: [
        ...(v.flag(f("versioningConfirmed.source"), confirmed.source ?? false) ? [source.bucketName] : []),
        ...(v.flag(f("versioningConfirmed.destination"), confirmed.destination ?? false) ? [destBucketArn.replace(/^arn:[^:]+:s3:::/, "")] : []),
      ].join(","),
      destination_kms_key_arn: !isShare(dest) && destKeyArn ? destKeyArn : "",
      emitted_destination_key_policy: !isShare(dest) && destKeyStatement ? renderPolicy({ Version: "2012-10-17", Statement: [destKeyStatement] }) : "",
    } satisfies Record<keyof ReplicationMarker, unknown>);
  }

  /** The key of one side, with the region its kms:ViaService condition needs. */
  private key(field: string, keyArn: string | undefined, region: string | undefined, bucketKey: boolean | undefined): ReplicationKey | undefined {
    if (keyArn === undefined) return undefined;
    if (region === undefined || Token.isUnresolved(region)) {
      throw new ConfigError(
        `${field}.region`,
        "is required for an SSE-KMS bucket: the key is granted only as S3 in the bucket's region uses it (kms:ViaService)",
      );
    }
    return { keyArn, region, ...(bucketKey !== undefined ? { bucketKey } : {}) };
  }

  /** An existing destination: its owners add the statements; the model sees them as that bucket's (policy-size, access review). */
  private emitForOwners(
    id: string,
    bucketArn: string,
    account: string,
    keyArn: string | undefined,
    bucket: PolicyDocument["Statement"],
    key: PolicyDocument["Statement"],
  ): void {
    const stack = TerraformStack.of(this);
    const bucketDoc: PolicyDocument = { Version: "2012-10-17", Statement: bucket };
    const keyDoc: PolicyDocument = { Version: "2012-10-17", Statement: key };
    const files = this.emittedFiles as { bucketPolicy?: string; keyPolicy?: string };
    files.bucketPolicy = `${EMIT_DIR}/${id}.destination-bucket-policy.json`;
    new TerraformOutput(this, "destination-bucket-policy-statements", {
      description: `Statements for the owners of ${bucketArn} to add to its bucket policy (replication from ${this.sourceBucketArn})`,
      value: renderPolicy(bucketDoc),
    });
    if (key.length) {
      files.keyPolicy = `${EMIT_DIR}/${id}.destination-key-policy.json`;
      new TerraformOutput(this, "destination-key-policy-statements", {
        description: `Statements for the owners of ${keyArn} to add to its key policy (replication from ${this.sourceBucketArn})`,
        value: renderPolicy(keyDoc),
      });
    }
    // The bucket as the model sees it: only the added statements are known (its owners' own policy, with
    // whatever encryption pins it has, is not), so it is not modelled as SSE-KMS here; its key is, from the
    // replication marker (emitted_destination_key_policy).
    new TerraformLocal(this, "xacct-destination", {
      [EXISTING_BUCKET_MARKER]: "existing-bucket",
      bucket: bucketArn.replace(/^arn:[^:]+:s3:::/, ""),
      account,
      kms_key_arn: "",
      object_ownership: "BucketOwnerEnforced",
      policy_mode: "emit",
      emitted_bucket_policy: renderPolicy(bucketDoc),
      emitted_key_policy: "",
    } satisfies Record<keyof ExistingBucketMarker, unknown>);
    onSynthesize(this, (session) => {
      if (stack.node.findAll().some((c) => c.node.metadata.some((m) => m.type === "@cdktf/error"))) return;
      const dir = path.dirname(path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath));
      fs.mkdirSync(path.join(dir, EMIT_DIR), { recursive: true });
      fs.writeFileSync(path.join(dir, files.bucketPolicy as string), `${JSON.stringify(bucketDoc, null, 2)}\n`);
      if (files.keyPolicy) fs.writeFileSync(path.join(dir, files.keyPolicy), `${JSON.stringify(keyDoc, null, 2)}\n`);
    });
  }
}

/** The V2 filter: prefix alone, one tag alone, or `and` for several conditions. */
function filterOf(
  prefix: string,
  tags: [string, string][],
): { prefix?: string; tag?: { key: string; value: string }; and?: { prefix?: string; tags: Record<string, string> } } {
  if (tags.length === 0) return { prefix };
  if (tags.length === 1 && prefix === "") return { tag: { key: tags[0][0], value: tags[0][1] } };
  return { and: { ...(prefix ? { prefix } : {}), tags: Object.fromEntries(tags) } };
}
