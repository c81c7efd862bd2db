import { AwsProvider, KmsGrant, S3BucketPolicy } from "../../lib/framework/aws";
import { acknowledge, Acknowledgement, validateAcknowledgements } from "../../lib/checks/acknowledge";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, TerraformLocal, TerraformOutput, TerraformResource, Token } from "../../lib/framework";
import { checkPerimeterGrant, DataPerimeter, emitHandOffFiles, emitPerimeter, HANDOFF_DIR, ResolvedPerimeter, resolvePerimeter } from "../../lib/perimeter";
import { addDependency } from "../../lib/grantee";
import { EXISTING_BUCKET_MARKER, ExistingBucketMarker } from "../../lib/model/stack-model";
import {
  AccessLevel,
  AccessPointLocation,
  BucketGrantGroup,
  isPatternPrincipal,
  keyUseStatements,
  kmsGrantOperations,
  mergePolicy,
  OrganizationGrant,
  parseStatements,
  PolicyDocument,
  renderPolicy,
  S3Grant,
  Statement,
  kmsKeyRegion,
} from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import {
  BucketShareGrant,
  buildShareGrant,
  grantOnShare,
  duplicateSids,
  IBucketShare,
  keyStatement,
  OBJECT_OWNERSHIPS,
  ObjectOwnership,
  ParsedGrant,
  parseGrant,
  resourceStatement,
  ShareConsumer,
  ShareGrant,
  ShareGrantOptions,
  shareS3Grant,
} from "./grants";
import { AccessPointSet, accessPointsOf, resolveShareMode, ShareMode, ShareModeFactory } from "./modes";
import { PublishContractOptions, PublishedContract, publishShareContract } from "./contract";

/**
 * How the grant statements reach the existing bucket's policy:
 * - `merge`: this stack manages the bucket policy (`aws_s3_bucket_policy`),
 *   written as the statements you pass in `existingPolicy` (kept unchanged)
 *   plus the grant statements. Trade-off: the stack now OWNS the whole bucket
 *   policy. A statement the owning team adds later outside this stack is
 *   removed at the next apply, and `terraform destroy` deletes the whole policy
 *   (kept statements included). Choose it when your team owns the bucket.
 * - `emit`: nothing is written to the bucket. The grant statements are emitted
 *   as a Terraform output and a file in the stack's output directory
 *   (`xacct/<id>.bucket-policy.json`) for the owning team to add to their
 *   policy. Trade-off: access only works once they did; nothing here can
 *   drift their policy. Choose it when another team owns the bucket.
 */
export type ExistingPolicyMode = "merge" | "emit";

export interface ExistingBucketShareProps {
  /** AWS provider of the owning account (where the bucket, and any KMS grants, live). */
  readonly provider: AwsProvider;
  /** Id of the owning account. */
  readonly accountId: string;
  /** Name of the existing bucket. */
  readonly bucketName: string;
  /** See {@link ExistingPolicyMode}. */
  readonly policy: ExistingPolicyMode;
  /**
   * With `policy: "merge"`: the statements of the bucket's current policy to
   * keep (a policy JSON string as `aws s3api get-bucket-policy` prints it, a
   * document, or a statement list); `[]` states the bucket has no policy.
   * A Sid used both here and by the grant statements fails synth.
   * @default none (required with "merge", refused with "emit")
   */
  readonly existingPolicy?: string | PolicyDocument | readonly Statement[];
  /**
   * The bucket's existing customer managed key (key ARN), when its default
   * encryption is SSE-KMS with one. Each cross-account principal gets an
   * `aws_kms_grant` for exactly its level's operations: grants are additive
   * and leave the key policy (which this stack does not own) unchanged;
   * KMS allows grants to principals of other accounts (CreateGrant
   * GranteePrincipal; https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html,
   * https://docs.aws.amazon.com/kms/latest/developerguide/grants.html). The
   * deploying principal needs `kms:CreateGrant` on the key. An Organization
   * cannot be a grantee, so Organization grants (and principals given by
   * pattern, `Principals.*`) are emitted as key-policy statements
   * (`xacct/<id>.key-policy.json` and an output) for the key's owners.
   * The AWS managed `aws/s3` key is refused: it cannot be used across accounts.
   * @default none (SSE-S3, or no encryption)
   */
  readonly kmsKeyArn?: string;
  /**
   * The bucket's default encryption uses an S3 Bucket Key (`"BucketKeyEnabled": true` in
   * `aws s3api get-bucket-encryption`). S3 then passes the bucket ARN, not the object ARN,
   * as the KMS encryption context `aws:s3:arn`
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html), so:
   * each KMS grant is constrained to this bucket (a `constraints` block whose
   * `encryption_context_subset` maps `aws:s3:arn` to the bucket ARN: the grantee can no longer use
   * the key outside S3 or for other data; https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html),
   * and the identity-side and emitted key-policy statements pin the bucket ARN exactly.
   * Objects written before the Bucket Key was enabled, or with
   * `x-amz-server-side-encryption-bucket-key-enabled: false`, keep the object ARN as context and
   * cannot be read through a constrained grant: copy them in place (CopyObject, or S3 Batch
   * Operations) first. Without a Bucket Key a grant cannot be pinned to the bucket (a constraint
   * matches exact values; the object ARN differs per object): the grants stay unconstrained
   * and the `kms-grant-unconstrained` check warns; `keyAccess: "emit"` is the pinned
   * alternative (key-policy statements with kms:ViaService and the bucket or object ARN).
   * @default false (not known: grants unconstrained; statements pin the bucket or object ARN)
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * How cross-account principals get the existing key: `grant` creates one
   * `aws_kms_grant` per principal (additive, applied by this stack; needs
   * `kms:CreateGrant` on the key in the owning account); `emit` only emits
   * the key-policy statements (output + `xacct/<id>.key-policy.json`) for the
   * key's owners to add, when this stack may not touch their key.
   * @default "grant"
   */
  readonly keyAccess?: "grant" | "emit";
  /**
   * The bucket's S3 Object Ownership setting (not changed here).
   * @default "BucketOwnerEnforced" (S3's default for buckets created since April 2023)
   */
  readonly objectOwnership?: ObjectOwnership;
  /**
   * With `ObjectWriter` ownership, add a statement denying PutObject without
   * `x-amz-acl: bucket-owner-full-control`. Turning it off with ObjectWriter fails synth.
   * @default true when objectOwnership is "ObjectWriter", otherwise false
   */
  readonly requireBucketOwnerFullControl?: boolean;
  /** Consumers in other accounts. @default [] */
  readonly grants?: readonly BucketShareGrant[];
  /** Findings of the synth-time policy checks that are deliberate here. @default [] */
  readonly acknowledge?: readonly Acknowledgement[];
  /** @default "aws" */
  readonly partition?: string;
  /**
   * Access-point mode, as for a new bucket (`BucketShareProps.accessPoints`):
   * one access point per grant on the existing bucket, and the merged or
   * emitted bucket-policy statements only delegate to the owning account's
   * access points. Consumers then address their access point, not the bucket.
   * Shorthand for `mode: accessPointMode`.
   * @default false
   */
  readonly accessPoints?: boolean;
  /**
   * How grants reach AWS, as for a new bucket (`BucketShareProps.mode`).
   * @default bucketPolicyMode (accessPointMode with `accessPoints: true`)
   */
  readonly mode?: ShareModeFactory;
  /** Region of the bucket (access point ARNs, kms:ViaService). @default the key ARN's region, else the provider's region */
  readonly region?: string;
  /**
   * Opt-in data perimeter, as for a new bucket (`BucketShareProps.perimeter`):
   * the merged or emitted bucket-policy statements, the access point policies
   * and the emitted key-policy statements deny principals outside the
   * Organization (the key's owners add that Deny to its key policy:
   * `xacct/<id>.key-policy.json`), and the RCP is emitted (`xacct/<id>.rcp.json`).
   * @default none
   */
  readonly perimeter?: DataPerimeter;
}

/** The encryption-context key S3 sets on its KMS calls for SSE-KMS (the condition key is `kms:EncryptionContext:aws:s3:arn`). */
const S3_ARN_CONTEXT = "aws:s3:arn";

/** The directory, inside the stack's output directory, holding the emitted statements. */
export const EMIT_DIR = HANDOFF_DIR;

/**
 * An existing bucket of the owning account, shared with principals of other
 * accounts without managing the bucket (no bucket, key, versioning,
 * lifecycle, ownership or encryption resources). Never drops the bucket's
 * existing policy statements: see {@link ExistingPolicyMode}. Create it with
 * `BucketShare.fromExistingBucket(scope, id, props)`.
 */
export class ExistingBucketShare extends Construct implements IBucketShare {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly kmsKeyArn?: string;
  public readonly accountId: string;
  public readonly objectOwnership: ObjectOwnership;
  /** See {@link ExistingBucketShareProps.bucketKeyEnabled}: undefined when not stated. */
  public readonly bucketKeyEnabled?: boolean;
  public readonly policyMode: ExistingPolicyMode;
  /** The managed bucket policy (`policy: "merge"` only). */
  public readonly bucketPolicy?: S3BucketPolicy;
  /** The grant statements as JSON (`policy: "emit"` only). */
  public readonly statementsOutput?: TerraformOutput;
  /** KMS grants, one per cross-account principal and level. */
  public readonly kmsGrants: KmsGrant[] = [];
  /** Files written next to the stack JSON (relative to the stack's output directory) when they have statements to add. */
  public readonly emittedFiles: { readonly bucketPolicy?: string; readonly keyPolicy?: string };
  private readonly principalGroups: BucketGrantGroup[] = [];
  private readonly orgGrants: OrganizationGrant[] = [];
  private readonly keep: Statement[];
  private readonly requireBofc: boolean;
  private readonly partition: string;
  private readonly provider: AwsProvider;
  private readonly pendingDependables: TerraformResource[] = [];
  private readonly keyAccess: "grant" | "emit";
  private readonly acks: readonly Acknowledgement[];
  /** Region of the bucket: the key ARN's region, else `region`, else the provider's literal region. */
  public readonly region?: string;
  /** Where the access points live (access-point mode only). */
  public readonly accessPointLocation?: AccessPointLocation;
  /** How the grants reach AWS (see {@link ExistingBucketShareProps.mode}). */
  private readonly mode: ShareMode;
  /** Statements of `addToResourcePolicy()`. */
  private readonly extraStatements: Statement[] = [];
  /** The data perimeter, when on. */
  public readonly perimeter?: ResolvedPerimeter;
  /** Accounts of the granted principals (for the perimeter's member accounts). */
  private readonly grantAccounts: string[] = [];
  /** Every grant recorded (`grants`, `addGrant()`, `grant()`): what `publishContract()` publishes. */
  private readonly shareGrants: ShareGrant[] = [];
  /** Statements of `addToKeyPolicy()`: always emitted for the key's owners (this stack does not own the key policy). */
  private readonly extraKeyStatements: Statement[] = [];

  constructor(scope: Construct, id: string, props: ExistingBucketShareProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `${this.label}.${name}`;
    this.partition = props.partition ?? "aws";
    this.provider = props.provider;
    this.accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), this.accountId);
    this.bucketName = v.bucketName(f("bucketName"), props.bucketName);
    this.bucketArn = `arn:${this.partition}:s3:::${this.bucketName}`;
    this.policyMode = v.oneOf(f("policy"), props.policy, ["merge", "emit"] as const);
    this.objectOwnership = v.oneOf(f("objectOwnership"), props.objectOwnership ?? "BucketOwnerEnforced", OBJECT_OWNERSHIPS);
    this.requireBofc = props.requireBucketOwnerFullControl ?? this.objectOwnership === "ObjectWriter";
    this.kmsKeyArn = props.kmsKeyArn === undefined ? undefined : v.customerManagedKeyArn(f("kmsKeyArn"), props.kmsKeyArn, this.accountId);
    this.keyAccess = v.oneOf(f("keyAccess"), props.keyAccess ?? "grant", ["grant", "emit"] as const);
    if (props.bucketKeyEnabled !== undefined) {
      if (typeof props.bucketKeyEnabled !== "boolean")
        throw new ConfigError(f("bucketKeyEnabled"), `must be true or false (got ${JSON.stringify(props.bucketKeyEnabled)})`);
      if (props.kmsKeyArn === undefined) {
        throw new ConfigError(f("bucketKeyEnabled"), "only applies to an SSE-KMS bucket: set kmsKeyArn to the bucket's key, or drop bucketKeyEnabled");
      }
      this.bucketKeyEnabled = props.bucketKeyEnabled;
    }
    const literalRegion =
      props.region ?? (props.provider.region !== undefined && !Token.isUnresolved(props.region ?? props.provider.region) ? props.provider.region : undefined);
    this.region = this.kmsKeyArn !== undefined ? kmsKeyRegion(this.kmsKeyArn) : literalRegion === undefined ? undefined : v.region(f("region"), literalRegion);
    const acks = validateAcknowledgements(f("acknowledge"), props.acknowledge);
    this.perimeter = resolvePerimeter(f("perimeter"), props.perimeter, this.accountId);
    this.acks = acks;

    if (this.policyMode === "merge") {
      if (props.existingPolicy === undefined) {
        throw new ConfigError(
          f("existingPolicy"),
          'is required with policy "merge": pass the statements of the bucket\'s current policy to keep (e.g. the output of `aws s3api get-bucket-policy`), or [] if it has none; otherwise they would be replaced. Use policy "emit" to leave the bucket policy to its owners',
        );
      }
      try {
        this.keep = parseStatements(props.existingPolicy);
      } catch (e) {
        throw new ConfigError(f("existingPolicy"), `is not a policy JSON document or statement list: ${(e as Error).message}`);
      }
    } else {
      if (props.existingPolicy !== undefined) {
        throw new ConfigError(f("existingPolicy"), 'is only used with policy "merge"; with "emit" the bucket policy is left to its owners');
      }
      this.keep = [];
    }

    this.mode = resolveShareMode(this.label, props).create({
      scope: this,
      label: this.label,
      provider: props.provider,
      partition: this.partition,
      accountId: this.accountId,
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      region: this.region,
      objectWriterOwnership: this.objectOwnership === "ObjectWriter",
      perimeter: this.perimeter,
    });
    this.accessPointLocation = this.mode.accessPointLocation;
    // Nothing of the bucket is created here: per-grant resources need not wait.
    this.mode.activate([]);

    (props.grants ?? []).forEach((g, i) => this.addGrant(g, `grants[${i}]`));

    const files: { bucketPolicy?: string; keyPolicy?: string } = {};
    const emitted: { file: string; output: TerraformOutput }[] = [];
    if (this.policyMode === "merge") {
      this.bucketPolicy = new S3BucketPolicy(this, "policy", {
        provider: props.provider,
        bucket: this.bucketName,
        policy: Lazy.stringValue({ produce: () => renderPolicy(this.mergedPolicy()) }),
      });
      acknowledge(this.bucketPolicy, acks);
      // AWS rejects a bucket policy naming a principal that does not exist yet.
      this.pendingDependables.forEach((d) => addDependency(this.bucketPolicy as S3BucketPolicy, d));
    } else {
      files.bucketPolicy = `${EMIT_DIR}/${id}.bucket-policy.json`;
      this.statementsOutput = new TerraformOutput(this, "bucket-policy-statements", {
        description: `Statements for the owners of s3://${this.bucketName} to add to its bucket policy`,
        value: Lazy.stringValue({ produce: () => renderPolicy(this.grantPolicy()) }),
      });
      emitted.push({ file: files.bucketPolicy, output: this.statementsOutput });
    }
    if (this.kmsKeyArn) {
      files.keyPolicy = `${EMIT_DIR}/${id}.key-policy.json`;
      const output = new TerraformOutput(this, "key-policy-statements", {
        description: `Statements for the owners of ${this.kmsKeyArn} to add to its key policy`,
        value: Lazy.stringValue({ produce: () => renderPolicy(this.keyPolicyAdditions()) }),
      });
      emitted.push({ file: files.keyPolicy, output });
    }
    this.emittedFiles = files;

    // What the synth-time checks and the access model read back: the bucket,
    // its key, and the statements that only exist as emitted text.
    const marker = new TerraformLocal(this, "xacct-existing-bucket", {
      [EXISTING_BUCKET_MARKER]: "existing-bucket",
      bucket: this.bucketName,
      account: this.accountId,
      kms_key_arn: this.kmsKeyArn ?? "",
      object_ownership: this.objectOwnership,
      policy_mode: this.policyMode,
      emitted_bucket_policy: this.policyMode === "emit" ? Lazy.stringValue({ produce: () => renderPolicy(this.grantPolicy()) }) : "",
      emitted_key_policy: this.kmsKeyArn ? Lazy.stringValue({ produce: () => renderPolicy(this.keyPolicyAdditions()) }) : "",
    } satisfies Record<keyof ExistingBucketMarker, unknown>);
    acknowledge(marker, acks);

    // Write the emitted statements next to the stack JSON, unless the checks
    // failed the synth (then nothing of the stack should be left behind).
    // Nothing to add (e.g. no Organization grant on a key whose principals got KMS grants): no file.
    if (this.perimeter) {
      const { rcpFile, rcpOutput } = emitPerimeter(this, id, this.label, this.perimeter, () => [this.accountId, ...this.grantAccounts], { writeFile: false });
      if (rcpFile && rcpOutput) emitted.push({ file: rcpFile, output: rcpOutput });
    }
    emitHandOffFiles(this, emitted);
  }

  private get label(): string {
    return `BucketShare.fromExistingBucket(${this.node.id})`;
  }

  /**
   * Grant a principal of another account (or an Organization) an access level
   * on the bucket: bucket-policy statements (merged or emitted), and a KMS
   * grant on the bucket's key. A principal of the owning account is ignored
   * (its own IAM policy is enough). Returns the identity-side grant.
   */
  public addGrant(grant: BucketShareGrant, field = `grants[${this.principalGroups.length + this.orgGrants.length}]`): S3Grant {
    const g = this.record(grant, field);
    const shareGrant = buildShareGrant(this, this.mode, grant, g);
    this.shareGrants.push(shareGrant);
    return shareGrant.s3Grant;
  }

  /**
   * Grant `consumer` a level on a prefix, both sides at once: the
   * bucket-policy statements (merged or emitted) and the KMS grant or
   * emitted key-policy statements, and the identity side when the consumer
   * is a construct of this app ({@link IShareConsumer}). Returns the grant,
   * whose `address` is what the consumer passes as `Bucket`.
   */
  public grant(consumer: ShareConsumer, options: ShareGrantOptions): ShareGrant {
    const grant = grantOnShare(this, this.mode, (g, field) => this.record(g, field), consumer, options);
    this.shareGrants.push(grant);
    return grant;
  }

  /**
   * Publish the grants of this share as a grant contract for consuming
   * teams with apps of their own: a Terraform output (`terraform output -raw`
   * prints the contract, every value known) and the same JSON written at
   * synth next to the stack JSON (`xacct/<id>.contract.json`). The consuming
   * app reads it with `GrantContract.fromFile`; `xacct-access contract verify`
   * checks that both apps grant the same access.
   */
  public publishContract(options: PublishContractOptions = {}): PublishedContract {
    return publishShareContract(this, () => this.shareGrants, options);
  }

  /**
   * Add a statement the modules do not make to the bucket-policy statements
   * (merged into the managed policy with `policy: "merge"`, emitted with
   * `"emit"`), counted by the `policy-size` check and read by the access
   * review. It must name a Principal and only this bucket's ARNs.
   */
  public addToResourcePolicy(statement: Statement): void {
    this.extraStatements.push(resourceStatement(`${this.label}.addToResourcePolicy(statement ${this.extraStatements.length + 1})`, statement, this.bucketArn));
  }

  /**
   * Add a statement the modules do not make to the existing key's policy: it
   * is emitted with the key-policy statements (output and
   * `xacct/<id>.key-policy.json`) for the key's owners, whatever `keyAccess`
   * says (a KMS grant cannot carry the statement's conditions).
   */
  public addToKeyPolicy(statement: Statement): void {
    const field = `${this.label}.addToKeyPolicy(statement ${this.extraKeyStatements.length + 1})`;
    if (this.kmsKeyArn === undefined) throw new ConfigError(field, "needs kmsKeyArn (the bucket's customer managed key): without it there is no key policy");
    this.extraKeyStatements.push(keyStatement(field, statement));
  }

  /** Record the resource side of one grant (bucket-policy statements, KMS grant, mode resources). */
  private record(grant: BucketShareGrant, field: string): ParsedGrant {
    const g = parseGrant(this.label, field, grant, this.accountId);
    checkPerimeterGrant(this.perimeter, `${this.label}.${field}`, { account: g.account, organizationId: g.organization?.organizationId });
    if (g.account !== undefined) this.grantAccounts.push(g.account);
    if (g.organization) this.orgGrants.push(g.organization);
    if (g.group) {
      this.principalGroups.push(g.group);
      // A KMS grant names one existing principal (GranteePrincipal): a principal given by pattern
      // cannot be a grantee, so (like an Organization) it gets emitted key-policy statements instead.
      if (this.kmsKeyArn && this.keyAccess === "grant" && !g.grantee?.principalPattern) this.addKmsGrant(g.group.principals[0], g.level, g.dependable);
      if (g.dependable && this.mode.bucketPolicyNamesPrincipals) {
        if (this.bucketPolicy) addDependency(this.bucketPolicy, g.dependable);
        else this.pendingDependables.push(g.dependable);
      }
    }
    this.mode.addGrant(g);
    return g;
  }

  /** The identity-side half of a grant on this bucket (carries the key ARN). */
  public s3Grant(level: AccessLevel, prefix = ""): S3Grant {
    return this.mode.identityGrant(shareS3Grant(this, level, prefix));
  }

  /** The access points, one per grant (access-point mode only). */
  public get accessPoints(): AccessPointSet | undefined {
    return accessPointsOf(this.mode);
  }

  /** The grant statements (TLS-only deny, BOFC deny, grants) as one document: what is merged or emitted. */
  public grantPolicy(): PolicyDocument {
    // With the bucket's key known, uploads are pinned to it (deny AES256, a foreign key, aws/s3, SSE-C;
    // requests without encryption headers still get the bucket default), as for a new bucket.
    const ours = this.mode.bucketPolicy({
      bucketArn: this.bucketArn,
      grants: this.principalGroups,
      organizationGrants: this.orgGrants,
      requireBucketOwnerFullControl: this.requireBofc,
      kmsKeyArn: this.kmsKeyArn,
      additionalStatements: this.extraStatements,
      perimeter: this.perimeter,
    });
    const dup = duplicateSids(ours);
    if (dup.length) {
      throw new ConfigError(
        `${this.label}.addToResourcePolicy`,
        `Sid(s) ${dup.map((s) => `"${s}"`).join(", ")} used twice in the bucket policy (AWS rejects duplicate Sids): rename the added statement`,
      );
    }
    return ours;
  }

  /** Key-policy statements the key's owners must add: Organization grants, and the principals too with `keyAccess: "emit"`. */
  public keyPolicyAdditions(): PolicyDocument {
    // With KMS grants, only the principals given by pattern (no KMS grant can name them) need key-policy statements.
    const groups = this.keyAccess === "emit" ? this.principalGroups : this.principalGroups.filter((g) => g.principals.every(isPatternPrincipal));
    const grants = groups.map((g) => ({ principals: g.principals, level: g.level }));
    return {
      Version: "2012-10-17",
      // The key's own region: grants hold only for requests S3 makes there (kms:ViaService).
      // ... and for this bucket only (kms:EncryptionContext:aws:s3:arn: the bucket ARN with a Bucket Key, else bucket or object ARN).
      Statement: [
        ...keyUseStatements({
          partition: this.partition,
          region: this.region ?? "",
          grants,
          organizationGrants: this.orgGrants,
          perimeter: this.perimeter,
          bucketArn: this.bucketArn,
          ...(this.bucketKeyEnabled !== undefined ? { bucketKey: this.bucketKeyEnabled } : {}),
        }),
        ...this.extraKeyStatements,
      ],
    };
  }

  private mergedPolicy(): PolicyDocument {
    const ours = this.grantPolicy();
    const merged = mergePolicy(this.keep, ours);
    if (merged.collisions.length) {
      throw new ConfigError(
        `${this.label}.existingPolicy`,
        `statement Sid(s) ${merged.collisions.map((s) => `"${s}"`).join(", ")} of the kept policy are also used by the grant statements; AWS rejects duplicate Sids. Rename them in the kept statements (or drop a kept statement the grants replace)`,
      );
    }
    return merged.document;
  }

  private addKmsGrant(principal: string, level: AccessLevel, dependable: TerraformResource | undefined): void {
    const operations = kmsGrantOperations(level);
    const n = this.kmsGrants.length + 1;
    this.kmsGrants.push(
      new KmsGrant(this, `kms-grant-${n}`, {
        provider: this.provider,
        // Grant names allow [a-zA-Z0-9:/_-] only (no dots, which bucket names may have).
        name: `xacct-${this.bucketName.replace(/[^a-zA-Z0-9:/_-]/g, "-")}-${n}`.slice(0, 256),
        keyId: this.kmsKeyArn as string,
        granteePrincipal: principal,
        operations,
        // A grant carries no kms:ViaService; with an S3 Bucket Key, S3's encryption context is the
        // bucket ARN, so the grant holds only for this bucket's data (see bucketKeyEnabled). Without one
        // it stays unconstrained and the kms-grant-unconstrained check warns.
        ...(this.bucketKeyEnabled === true ? { constraints: [{ encryptionContextSubset: { [S3_ARN_CONTEXT]: this.bucketArn } }] } : {}),
        // KMS validates the grantee principal when the grant is created.
        dependsOn: dependable ? [dependable] : undefined,
      }),
    );
    acknowledge(this.kmsGrants[this.kmsGrants.length - 1], this.acks);
  }
}
