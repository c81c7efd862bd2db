import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, onSynthesize, TerraformLocal, TerraformOutput, TerraformStack } from "../../lib/framework";
import type { IGrantee } from "../../lib/grantee";
import { EXISTING_BUCKET_MARKER } from "../../lib/model/stack-model";
import { ACCESS_LEVELS, AccessLevel, AccessPointLocation, S3Grant } from "../../lib/policy";
import * as v from "../../lib/validate";
import type { IShareConsumer, ShareGrant } from "./grants";

/**
 * A grant contract: what the owning team's app publishes about its grants
 * (bucket, access point, key, principal, level, prefix, owning account and
 * region) so that a consuming team's separate app can build the identity
 * side from it, with no ARN typed by hand. One JSON schema, versioned by
 * `"xacctContract": 1`; the same text is a Terraform output of the owner's
 * stack (`terraform output -raw <name>`, every value known after apply) and,
 * at synth, a file next to the stack JSON (`xacct/<id>.contract.json`).
 * `xacct-access contract verify` checks that both apps grant the same access.
 */

/** The schema version this library writes and reads. */
export const GRANT_CONTRACT_VERSION = 1;

/** `locals` marker kind of a contract a consuming stack was built from (read by `xacct-access contract verify`). */
export const CONTRACT_MARKER = "grant-contract";

/** One grant of a contract (JSON). */
export interface GrantContractGrantJson {
  /** Role or user ARN granted (absent for an Organization grant). */
  readonly principal?: string;
  /** Organization granted (`aws:PrincipalOrgID`), instead of a principal. */
  readonly organizationId?: string;
  readonly level: AccessLevel;
  /** `""` for the whole bucket, else a prefix ending in `/`. */
  readonly prefix: string;
  /** What the consumer passes as the S3 `Bucket` parameter (bucket name or access point ARN). */
  readonly address: string;
  /** The grant's own access point (access-point mode). */
  readonly accessPointArn?: string;
}

/** The contract document (`"xacctContract": 1`). */
export interface GrantContractJson {
  readonly xacctContract: 1;
  /** The share's mode: `bucket-policy` or `access-points`. */
  readonly mode: string;
  readonly owner: {
    readonly accountId: string;
    /** Region of the bucket (kms:ViaService of the identity-side KMS statements); absent when not known. */
    readonly region?: string;
  };
  readonly bucket: {
    readonly name: string;
    readonly arn: string;
    /** The bucket's customer managed key; absent for SSE-S3. */
    readonly kmsKeyArn?: string;
    /** The bucket uses an S3 Bucket Key; absent when not known (an existing bucket). */
    readonly bucketKey?: boolean;
    /** ObjectWriter ownership: writers send `bucket-owner-full-control`. */
    readonly objectWriterOwnership: boolean;
  };
  /** Where the access points live (access-point mode). */
  readonly accessPoints?: AccessPointLocation;
  readonly grants: readonly GrantContractGrantJson[];
  /** Where it was published (stack, construct path, Terraform output): for messages only. */
  readonly source?: { readonly stack?: string; readonly construct?: string; readonly output?: string };
}

/** The contract document of grants made on one share (all of them on the same bucket). */
export function contractJson(grants: readonly ShareGrant[], source?: GrantContractJson["source"]): GrantContractJson {
  const first = grants[0];
  if (first === undefined) throw new ConfigError("contract.grants", "is empty: a contract publishes at least one grant");
  const other = grants.find((g) => g.bucketArn !== first.bucketArn);
  if (other) throw new ConfigError("contract.grants", `mix buckets ${first.bucketArn} and ${other.bucketArn}: publish one contract per share`);
  const s = first.s3Grant;
  return {
    xacctContract: GRANT_CONTRACT_VERSION,
    mode: first.mode,
    owner: { accountId: first.accountId, ...(first.region !== undefined ? { region: first.region } : {}) },
    bucket: {
      name: first.bucketName,
      arn: first.bucketArn,
      ...(first.kmsKeyArn !== undefined ? { kmsKeyArn: first.kmsKeyArn } : {}),
      ...(s.bucketKey !== undefined ? { bucketKey: s.bucketKey } : {}),
      objectWriterOwnership: first.objectWriterOwnership,
    },
    ...(s.accessPoint !== undefined ? { accessPoints: { ...s.accessPoint } } : {}),
    grants: grants.map((g) => {
      return {
        ...(g.principalArn !== undefined ? { principal: g.principalArn } : {}),
        ...(g.organizationId !== undefined ? { organizationId: g.organizationId } : {}),
        level: g.level,
        prefix: g.prefix,
        address: g.address,
        ...(g.accessPointArn !== undefined ? { accessPointArn: g.accessPointArn } : {}),
      };
    }),
    ...(source ? { source } : {}),
  };
}

/** A Terraform reference left in a contract read back: known only after the owner's apply. */
const TERRAFORM_REFERENCE = /\$\{[^}]*\}/;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Validate a contract document: every field checked, errors name it
 * (`GrantContract(contract.json).grants[1].level`). `label` names the source.
 */
export function parseContract(label: string, value: unknown): GrantContractJson {
  const f = (name: string): string => `GrantContract(${label}).${name}`;
  if (!isObject(value))
    throw new ConfigError(`GrantContract(${label})`, 'is not a JSON object: expected the contract of share.publishContract() ({"xacctContract": 1, ...})');
  const output = isObject(value.source) && typeof value.source.output === "string" ? value.source.output : undefined;
  // Unknown until the owner applies (a key created by the owner's stack): the synth-time file cannot be used.
  const unresolved = (field: string, x: unknown): void => {
    if (typeof x === "string" && TERRAFORM_REFERENCE.test(x)) {
      throw new ConfigError(
        f(field),
        `is ${JSON.stringify(x)}, a Terraform reference of the owner's stack that is known only after their apply: use the applied contract, ` +
          `terraform output -raw ${output ?? "<contract output>"} > contract.json in the owner's stack`,
      );
    }
  };
  if (value.xacctContract !== GRANT_CONTRACT_VERSION) {
    throw new ConfigError(
      f("xacctContract"),
      value.xacctContract === undefined
        ? "is missing: not a grant contract (expected the file or output of share.publishContract())"
        : `is ${JSON.stringify(value.xacctContract)}; this version of xacct-s3 reads version ${GRANT_CONTRACT_VERSION}: publish the contract with the same major version`,
    );
  }
  const mode = v.oneOf(f("mode"), value.mode, ["bucket-policy", "access-points"] as const);
  if (!isObject(value.owner)) throw new ConfigError(f("owner"), 'is required: { "accountId": "<12 digits>", "region": "<region>" }');
  const accountId = v.accountId(f("owner.accountId"), value.owner.accountId);
  unresolved("owner.region", value.owner.region);
  const region = value.owner.region === undefined ? undefined : v.region(f("owner.region"), value.owner.region);
  if (!isObject(value.bucket)) throw new ConfigError(f("bucket"), 'is required: { "name", "arn", "kmsKeyArn"?, "objectWriterOwnership" }');
  const b = value.bucket;
  const name = v.bucketName(f("bucket.name"), b.name);
  const partition = typeof b.arn === "string" ? /^arn:(aws[\w-]*):s3:::/.exec(b.arn)?.[1] : undefined;
  if (partition === undefined || b.arn !== `arn:${partition}:s3:::${name}`) {
    throw new ConfigError(f("bucket.arn"), `is ${JSON.stringify(b.arn)}; expected "arn:aws:s3:::${name}" (the ARN of bucket.name)`);
  }
  unresolved("bucket.kmsKeyArn", b.kmsKeyArn);
  const kmsKeyArn = b.kmsKeyArn === undefined ? undefined : v.customerManagedKeyArn(f("bucket.kmsKeyArn"), b.kmsKeyArn, accountId);
  const bucketKey = b.bucketKey === undefined ? undefined : v.flag(f("bucket.bucketKey"), b.bucketKey);
  const objectWriterOwnership = v.flag(f("bucket.objectWriterOwnership"), b.objectWriterOwnership);
  if (kmsKeyArn !== undefined && region === undefined) {
    throw new ConfigError(
      f("owner.region"),
      "is required with bucket.kmsKeyArn: the identity-side KMS statements hold only via S3 in the bucket's region (kms:ViaService)",
    );
  }
  let accessPoints: AccessPointLocation | undefined;
  if (mode === "access-points") {
    const ap = value.accessPoints;
    if (!isObject(ap)) throw new ConfigError(f("accessPoints"), 'is required in access-points mode: { "partition", "region", "accountId", "bucketName" }');
    accessPoints = {
      partition: v.oneOf(f("accessPoints.partition"), ap.partition, [partition]),
      region: v.region(f("accessPoints.region"), ap.region),
      accountId: v.oneOf(f("accessPoints.accountId"), ap.accountId, [accountId]),
      bucketName: v.oneOf(f("accessPoints.bucketName"), ap.bucketName, [name]),
    };
  } else if (value.accessPoints !== undefined) {
    throw new ConfigError(f("accessPoints"), `belongs to mode "access-points", not "${mode}"`);
  }
  if (!Array.isArray(value.grants) || value.grants.length === 0) throw new ConfigError(f("grants"), "must be a non-empty list of grants");
  const grants = value.grants.map((g: unknown, i): GrantContractGrantJson => {
    const gf = (n: string): string => f(`grants[${i}]${n ? `.${n}` : ""}`);
    if (!isObject(g)) throw new ConfigError(gf(""), 'is not an object: { "principal", "level", "prefix", "address" }');
    if ((g.principal === undefined) === (g.organizationId === undefined)) throw new ConfigError(gf(""), 'set exactly one of "principal" and "organizationId"');
    const principal = g.principal === undefined ? undefined : v.principalArn(gf("principal"), g.principal).arn;
    unresolved(`grants[${i}].principal`, g.principal);
    const organizationId = g.organizationId === undefined ? undefined : v.organizationId(gf("organizationId"), g.organizationId);
    const level = v.oneOf(gf("level"), g.level, ACCESS_LEVELS);
    if (typeof g.prefix !== "string") throw new ConfigError(gf("prefix"), 'must be a string ("" for the whole bucket, else ending in "/")');
    const prefix = v.keyPrefix(gf("prefix"), g.prefix);
    if (prefix !== g.prefix)
      throw new ConfigError(gf("prefix"), `is ${JSON.stringify(g.prefix)}; a contract holds normalised prefixes: ${JSON.stringify(prefix)}`);
    unresolved(`grants[${i}].accessPointArn`, g.accessPointArn);
    const accessPointArn = g.accessPointArn === undefined ? undefined : v.bucketOrAccessPoint(gf("accessPointArn"), g.accessPointArn);
    if (accessPointArn !== undefined && (accessPoints === undefined || !v.ACCESS_POINT_ARN_RE.test(accessPointArn))) {
      throw new ConfigError(gf("accessPointArn"), "must be an access point ARN, and only in access-points mode");
    }
    const address = v.bucketOrAccessPoint(gf("address"), g.address);
    if (address !== (accessPointArn ?? name)) {
      throw new ConfigError(
        gf("address"),
        `is ${JSON.stringify(address)}; expected ${JSON.stringify(accessPointArn ?? name)} (${accessPointArn ? "the grant's access point" : "bucket.name"})`,
      );
    }
    return {
      ...(principal !== undefined ? { principal } : {}),
      ...(organizationId !== undefined ? { organizationId } : {}),
      level,
      prefix,
      address,
      ...(accessPointArn !== undefined ? { accessPointArn } : {}),
    };
  });
  return {
    xacctContract: GRANT_CONTRACT_VERSION,
    mode,
    owner: { accountId, ...(region !== undefined ? { region } : {}) },
    bucket: {
      name,
      arn: b.arn,
      ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
      ...(bucketKey !== undefined ? { bucketKey } : {}),
      objectWriterOwnership,
    },
    ...(accessPoints ? { accessPoints } : {}),
    grants,
    ...(isObject(value.source) ? { source: value.source } : {}),
  };
}

/** The ShareGrant a contract grant stands for: the same fields, and the same identity side, as the owner's in-app grant. */
export function shareGrantOfContract(c: GrantContractJson, g: GrantContractGrantJson): ShareGrant {
  const base: S3Grant = {
    ...(c.bucket.bucketKey !== undefined ? { bucketKey: c.bucket.bucketKey } : {}),
    resourceAccount: c.owner.accountId,
    ...(c.owner.region !== undefined ? { region: c.owner.region } : {}),
    bucketArn: c.bucket.arn,
    prefix: g.prefix,
    level: g.level,
    kmsKeyArn: c.bucket.kmsKeyArn,
    objectWriterOwnership: c.bucket.objectWriterOwnership,
  };
  const s3Grant: S3Grant = c.accessPoints
    ? { ...base, accessPoint: c.accessPoints, ...(g.accessPointArn !== undefined ? { accessPointArn: g.accessPointArn } : {}) }
    : base;
  return {
    level: g.level,
    prefix: g.prefix,
    address: g.address,
    ...(g.accessPointArn !== undefined ? { accessPointArn: g.accessPointArn } : {}),
    bucketName: c.bucket.name,
    bucketArn: c.bucket.arn,
    ...(c.bucket.kmsKeyArn !== undefined ? { kmsKeyArn: c.bucket.kmsKeyArn } : {}),
    ...(c.owner.region !== undefined ? { region: c.owner.region } : {}),
    accountId: c.owner.accountId,
    ...(g.principal !== undefined ? { principalArn: g.principal } : {}),
    ...(g.organizationId !== undefined ? { organizationId: g.organizationId } : {}),
    objectWriterOwnership: c.bucket.objectWriterOwnership,
    mode: c.mode,
    s3Grant,
  };
}

/**
 * The consuming side of a grant contract, in the consumer's own app: read
 * the owner's contract (`GrantContract.fromFile(this, "reports", "contract.json")`)
 * and hand its grants to the consumer constructs (`contract.bind(writer)`,
 * or `access: contract.grantsFor(roleArn)` of a `LambdaWriter`). The
 * identity statements are the ones the owner's in-app grant would give. The
 * stack records the contract (a `locals` entry) so that
 * `xacct-access contract verify` can match both sides.
 */
export class GrantContract extends Construct {
  /** Read a contract file (the owner's `terraform output -raw <name>`, or the synth-time file when every value is literal). */
  public static fromFile(scope: Construct, id: string, file: string): GrantContract {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`GrantContract(${id}).file`, `cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`GrantContract(${path.basename(file)})`, `is not JSON (${(e as Error).message}): expected the contract of share.publishContract()`);
    }
    return new GrantContract(scope, id, json, path.basename(file));
  }

  /** A contract from its JSON (text or parsed), e.g. read from a Terraform remote state. */
  public static fromJson(scope: Construct, id: string, json: string | object): GrantContract {
    let value: unknown = json;
    if (typeof json === "string") {
      try {
        value = JSON.parse(json);
      } catch (e) {
        throw new ConfigError(`GrantContract(${id})`, `is not JSON (${(e as Error).message}): expected the contract of share.publishContract()`);
      }
    }
    return new GrantContract(scope, id, value, id);
  }

  /** The validated contract document. */
  public readonly contract: GrantContractJson;
  /** Every grant of the contract, as the owner's `share.grant(...)` returned it. */
  public readonly grants: readonly ShareGrant[];

  private constructor(scope: Construct, id: string, json: unknown, label: string) {
    super(scope, id);
    this.contract = parseContract(label, json);
    this.grants = this.contract.grants.map((g) => shareGrantOfContract(this.contract, g));
    new TerraformLocal(this, "xacct-contract", {
      [EXISTING_BUCKET_MARKER]: CONTRACT_MARKER,
      bucket: this.contract.bucket.name,
      kms_key_arn: this.contract.bucket.kmsKeyArn ?? "",
      contract: JSON.stringify(this.contract),
    });
  }

  /** The grants of the contract for this principal (role or user ARN, or a construct exposing one); [] when none. */
  public grantsFor(principal: string | IGrantee): ShareGrant[] {
    const arn = typeof principal === "string" ? principal : principal.principalArn;
    return this.grants.filter((g) => g.principalArn === arn);
  }

  /**
   * Bind every grant of the contract for `consumer`'s principal to it (its
   * identity side, and for a `LambdaWriter` its target). Synth fails when
   * the contract grants it nothing.
   */
  public bind(consumer: IShareConsumer): ShareGrant[] {
    const mine = this.grantsFor(consumer);
    if (mine.length === 0) {
      const named = [...new Set(this.grants.map((g) => g.principalArn ?? `organization ${g.organizationId ?? "?"}`))].join(", ");
      throw new ConfigError(
        `GrantContract(${this.node.id}).bind`,
        `the contract grants nothing to ${consumer.principalArn} (it grants ${named}): ask the owning team to grant this principal, or bind the consumer it was made for`,
      );
    }
    mine.forEach((g) => consumer.bindGrant(g));
    return mine;
  }
}

/** Options of `share.publishContract()`. */
export interface PublishContractOptions {
  /**
   * The file written at synth, relative to the stack's output directory.
   * @default `xacct/<share id>.contract.json`
   */
  readonly file?: string;
  /**
   * Only the grants of these principals (role or user ARNs).
   * @default every grant of the share (Organization grants included)
   */
  readonly principals?: readonly string[];
}

/**
 * `share.publishContract(options)` of both share kinds: the contract of the
 * share's recorded grants, at `xacct/<share id>.contract.json` unless `file` says otherwise.
 * @internal
 */
export function publishShareContract(share: Construct, grants: () => readonly ShareGrant[], options: PublishContractOptions = {}): PublishedContract {
  return new PublishedContract(share, "contract", { grants, file: options.file ?? `xacct/${share.node.id}.contract.json`, principals: options.principals });
}

/**
 * The owner's side of a grant contract: a Terraform output holding the
 * contract JSON (values known after apply, such as a new key's ARN,
 * included) and the same JSON written at synth next to the stack JSON.
 * Made by `share.publishContract()`.
 */
export class PublishedContract extends Construct {
  /** The output: `terraform output -raw <name>` prints the contract. */
  public readonly output: TerraformOutput;
  /** The file written at synth, relative to the stack's output directory. */
  public readonly file: string;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly grants: () => readonly ShareGrant[]; readonly file: string; readonly principals?: readonly string[] },
  ) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    this.file = props.file;
    const wanted = props.principals?.map((p, i) => v.principalArn(`${scope.node.id}.publishContract.principals[${i}]`, p).arn);
    const grants = (): readonly ShareGrant[] => {
      const all = props.grants().filter((g) => wanted === undefined || (g.principalArn !== undefined && wanted.includes(g.principalArn)));
      if (all.length === 0) {
        throw new ConfigError(
          `${scope.node.id}.publishContract`,
          wanted ? `no grant of the share names ${wanted.join(", ")}` : "the share has no grant to publish: call share.grant(...) first",
        );
      }
      return all;
    };
    this.output = new TerraformOutput(this, "json", {
      description: `Grant contract of ${scope.node.path} (xacctContract ${GRANT_CONTRACT_VERSION}): the consuming app reads it with GrantContract.fromFile / fromJson`,
      value: Lazy.stringValue({
        produce: () => JSON.stringify(contractJson(grants(), { stack: stack.node.id, construct: scope.node.path, output: stack.getLogicalId(this.output) })),
      }),
    });
    // The same JSON next to the stack JSON, unless the checks failed the synth.
    onSynthesize(this, (session) => {
      if (stack.node.findAll().some((c) => c.node.metadata.some((m) => m.type === "@cdktf/error"))) return;
      const dir = path.dirname(path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath));
      const outputs = (stack.toTerraform() as { output?: Record<string, { value: string }> }).output ?? {};
      const json = outputs[stack.getLogicalId(this.output)]?.value;
      if (json === undefined) return;
      const target = path.join(dir, this.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
    });
  }
}
