import { PolicyDocument, Statement } from "../policy";

/**
 * A synthesized stack (`cdk.tf.json`), read back as the IAM world it will
 * create: which account each resource lands in (from its provider alias and
 * that provider's `allowed_account_ids`), and every policy with Terraform
 * references replaced by the ARNs they will have. A KMS key's ARN is only
 * known after apply, so it is a stable placeholder in its account:
 * `arn:aws:kms:<region>:<account>:key/<logical id>`.
 *
 * Both the synth-time policy checks and the access matrix read this model.
 */

/** JSON as cdktf writes it. */
export type TfJson = {
  provider?: Record<string, Record<string, unknown>[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  locals?: Record<string, unknown>;
};

/**
 * Key of the `locals` entries (written by modules) that describe what a stack
 * uses but does not create: an existing bucket (with the statements emitted for
 * its owners) and an existing role of the consuming account. The model reads
 * them so the checks and the access matrix see those resources too.
 */
export const EXISTING_BUCKET_MARKER = "xacct_resource";

/** A `locals` entry describing an existing bucket (`BucketShare.fromExistingBucket`). */
export interface ExistingBucketMarker {
  readonly xacct_resource: "existing-bucket";
  readonly bucket: string;
  readonly account: string;
  /** "" when the bucket has no customer managed key. */
  readonly kms_key_arn: string;
  readonly object_ownership: string;
  readonly policy_mode: string;
  /** Policy JSON of the statements emitted for the owners ("" when merged into a managed bucket policy). */
  readonly emitted_bucket_policy: string;
  /** Policy JSON of the key-policy statements emitted for the key's owners ("" without a key). */
  readonly emitted_key_policy: string;
}

/** Marker kind of a `locals` entry written by `Replication` (what the model cannot read from the resources). */
export const REPLICATION_MARKER = "replication";

/** A `locals` entry of a replication (`Replication`): buckets whose versioning the author confirmed (existing buckets). */
export interface ReplicationMarker {
  readonly xacct_resource: "replication";
  readonly source_bucket: string;
  readonly destination_bucket_arn: string;
  /** Comma-separated bucket names whose versioning was confirmed Enabled (`versioningConfirmed`). */
  readonly versioning_confirmed: string;
  /** Key of an existing destination ("" for a share of the stack or an SSE-S3 destination). */
  readonly destination_kms_key_arn: string;
  /** Policy JSON of the key-policy statements emitted for that key's owners ("" without). */
  readonly emitted_destination_key_policy: string;
}

/** A `locals` entry describing an existing role of the consuming account (`ConsumerAccess`). */
export interface ExistingRoleMarker {
  readonly xacct_resource: "existing-role";
  readonly arn: string;
  readonly name: string;
  readonly account: string;
}

/**
 * A `locals` entry describing a principal given by pattern whose identity
 * side this stack emits but does not create (`PermissionSetPolicy`: the
 * inline policy of an Identity Center permission set).
 */
export interface PatternPrincipalMarker {
  readonly xacct_resource: "pattern-principal";
  /** `sso:DataReaders@111111111111` */
  readonly label: string;
  readonly account: string;
  /** The `aws:PrincipalArn` pattern of its roles. */
  readonly arn_like: string;
  /** Policy JSON of its identity side. */
  readonly policy: string;
}

/** A principal given by pattern and its emitted identity policy (see {@link PatternPrincipalMarker}). */
export interface PatternPrincipalModel {
  readonly address: string;
  readonly label: string;
  readonly account: string;
  readonly arnLike: string;
  readonly inline: ModelPolicy[];
}

export type PolicyKind = "bucket" | "key" | "trust" | "role-inline" | "group-inline" | "user-inline" | "managed" | "access-point";

export interface ModelPolicy {
  /** Terraform address of the resource holding it, e.g. `aws_s3_bucket_policy.x`. */
  readonly address: string;
  readonly kind: PolicyKind;
  /** The ARN of what the policy is attached to (role, group, bucket, key). */
  readonly attachedTo: string;
  readonly account: string;
  readonly document: PolicyDocument;
  /** Compact JSON with references resolved: what AWS counts against size limits. */
  readonly json: string;
}

export interface RoleModel {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly trust: ModelPolicy;
  readonly inline: ModelPolicy[];
  readonly maxSessionDurationSeconds: number;
  /** An existing role this stack does not create (only its inline policies here are known). */
  readonly existing?: boolean;
}

export interface GroupModel {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly inline: ModelPolicy[];
}

export interface UserModel {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  /** Inline and attached policies of the user and of the groups it is a member of. */
  readonly inline: ModelPolicy[];
}

/** An S3 access point and its policy (requests through it need the access point's and the bucket's consent). */
export interface AccessPointModel {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  /** Name of the bucket behind it. */
  readonly bucket: string;
  policy?: ModelPolicy;
}

export interface BucketModel {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  policy?: ModelPolicy;
  kmsKeyArn?: string;
  objectOwnership?: string;
  /** Versioning Enabled (an `aws_s3_bucket_versioning` of the stack, or confirmed for an existing bucket by a replication). */
  versioned?: boolean;
}

/** One rule of an `aws_s3_bucket_replication_configuration`. */
export interface ReplicationRuleModel {
  readonly id: string;
  readonly enabled: boolean;
  /** `""` for the whole bucket (a tag-only filter included). */
  readonly prefix: string;
  readonly tags: Record<string, string>;
  readonly destinationBucketArn: string;
  /** The destination account the rule names (`destination.account`). @default none */
  readonly destinationAccount?: string;
  /** `access_control_translation.owner = "Destination"`. */
  readonly ownerOverride: boolean;
  /** `encryption_configuration.replica_kms_key_id`. @default none */
  readonly replicaKmsKeyId?: string;
  /** `source_selection_criteria.sse_kms_encrypted_objects` Enabled. */
  readonly sseKmsEncryptedObjects: boolean;
  readonly deleteMarkers: boolean;
}

/** A replication configuration on a source bucket. */
export interface ReplicationModel {
  readonly address: string;
  /** Name of the source bucket. */
  readonly sourceBucket: string;
  /** The source account (the configuration's provider). */
  readonly account: string;
  readonly roleArn: string;
  readonly rules: ReplicationRuleModel[];
}

export interface KeyModel {
  readonly address: string;
  readonly arn: string;
  readonly account: string;
  policy?: ModelPolicy;
  /** `aws_kms_grant`s on the key: each allows its grantee the listed operations (`Decrypt`, ...). */
  readonly grants: KmsGrantModel[];
  /** An existing key this stack does not create (its full key policy is unknown). */
  readonly existing?: boolean;
}

export interface KmsGrantModel {
  readonly address: string;
  readonly grantee: string;
  readonly operations: string[];
  /**
   * The grant's encryption-context constraints (`constraints` block): the
   * operations are allowed only when the request's encryption context
   * includes (`subset`) or is exactly (`equals`) these pairs. Absent: none.
   * https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html
   */
  readonly constraints?: KmsGrantConstraintsModel;
}

/** Encryption-context constraints of a KMS grant (key → value; keys compare case-insensitively, values exactly). */
export interface KmsGrantConstraintsModel {
  readonly encryptionContextSubset?: Readonly<Record<string, string>>;
  readonly encryptionContextEquals?: Readonly<Record<string, string>>;
}

export interface FunctionModel {
  readonly address: string;
  readonly name: string;
  readonly account: string;
  readonly roleArn: string;
  readonly environment: Record<string, string>;
}

export interface StackModel {
  /** Provider alias (`account_a`) → account id. */
  readonly accounts: Record<string, string>;
  readonly region: string;
  readonly roles: RoleModel[];
  readonly groups: GroupModel[];
  readonly buckets: BucketModel[];
  readonly keys: KeyModel[];
  readonly users: UserModel[];
  readonly accessPoints: AccessPointModel[];
  readonly functions: FunctionModel[];
  /** Principals given by pattern whose identity side the stack emits (PermissionSetPolicy). @default [] */
  readonly patternPrincipals?: PatternPrincipalModel[];
  /** Replication configurations (source bucket → destination buckets). */
  readonly replications: ReplicationModel[];
  /** Every policy of the stack, in one list. */
  readonly policies: ModelPolicy[];
  /** Attached managed policies whose document is not in the stack (AWS managed, or created elsewhere): not evaluated. */
  readonly unreadAttachments: { readonly address: string; readonly policyArn: string; readonly attachedTo: string }[];
  /** Resolve `${type.name.attr}` references inside any string. */
  resolve(value: string): string;
}

type Attrs = Record<string, unknown>;
const str = (x: unknown): string => (typeof x === "string" ? x : "");
/** A nested block: an object in synthesized JSON, a one-element list in plan values. */
const block = (x: unknown): Attrs | undefined => ((Array.isArray(x) ? x[0] : x) ?? undefined) as Attrs | undefined;
const blocks = (x: unknown): Attrs[] => (Array.isArray(x) ? (x as Attrs[]) : x && typeof x === "object" ? [x as Attrs] : []);
const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === "string") : typeof x === "string" ? [x] : []);
/** An ARN attribute Terraform already knows (plan values); synthesized JSON has none, or a reference. */
const knownArn = (a: Attrs): string | undefined => (typeof a.arn === "string" && a.arn.startsWith("arn:") ? a.arn : undefined);

/** A grant's `constraints` blocks (synthesized JSON: a list of objects; plan values: the same with nulls) as one model, or undefined when none constrains. */
function grantConstraints(list: Attrs[], resolve: (v: string) => string): KmsGrantConstraintsModel | undefined {
  const pairs = (field: "encryption_context_subset" | "encryption_context_equals"): Record<string, string> | undefined => {
    const out: Record<string, string> = {};
    for (const c of list) {
      const m = c[field];
      if (m && typeof m === "object" && !Array.isArray(m)) for (const [k, v] of Object.entries(m as Attrs)) if (typeof v === "string") out[k] = resolve(v);
    }
    return Object.keys(out).length ? out : undefined;
  };
  const subset = pairs("encryption_context_subset");
  const equals = pairs("encryption_context_equals");
  if (!subset && !equals) return undefined;
  return { ...(subset ? { encryptionContextSubset: subset } : {}), ...(equals ? { encryptionContextEquals: equals } : {}) };
}

function providerAccounts(tf: TfJson): { accounts: Record<string, string>; regions: Record<string, string> } {
  const accounts: Record<string, string> = {};
  const regions: Record<string, string> = {};
  for (const p of tf.provider?.aws ?? []) {
    const alias = typeof p.alias === "string" ? p.alias : "default";
    const ids = p.allowed_account_ids;
    if (Array.isArray(ids) && typeof ids[0] === "string") accounts[alias] = ids[0];
    if (typeof p.region === "string") regions[alias] = p.region;
  }
  return { accounts, regions };
}

const aliasOf = (attrs: Attrs): string => {
  const p = str(attrs.provider);
  return p.startsWith("aws.") ? p.slice(4) : "default";
};

export function buildStackModel(tf: TfJson): StackModel {
  const { accounts, regions } = providerAccounts(tf);
  const resources = tf.resource ?? {};
  const each = (type: string): [string, Attrs][] => Object.entries(resources[type] ?? {});
  const accountOf = (attrs: Attrs): string => accounts[aliasOf(attrs)] ?? "000000000000";
  const regionOf = (attrs: Attrs): string => regions[aliasOf(attrs)] ?? Object.values(regions)[0] ?? "us-east-1";
  const defaultRegion = Object.values(regions)[0] ?? "us-east-1";

  // ---- what each reference resolves to
  const values = new Map<string, string>();
  const set = (type: string, name: string, attr: string, value: string): void => {
    values.set(`${type}.${name}.${attr}`, value);
  };
  for (const [name, a] of each("aws_iam_role")) {
    set("aws_iam_role", name, "name", str(a.name));
    set("aws_iam_role", name, "id", str(a.name));
    set("aws_iam_role", name, "arn", knownArn(a) ?? `arn:aws:iam::${accountOf(a)}:role/${str(a.name)}`);
    // A stable stand-in for the id AWS assigns (AROA + 17 characters), so policies that carry it read and size as deployed.
    set("aws_iam_role", name, "unique_id", `AROA${Buffer.from(name).toString("hex").toUpperCase().padEnd(17, "0").slice(0, 17)}`);
  }
  for (const [name, a] of each("aws_iam_group")) {
    set("aws_iam_group", name, "name", str(a.name));
    set("aws_iam_group", name, "id", str(a.name));
    set("aws_iam_group", name, "arn", knownArn(a) ?? `arn:aws:iam::${accountOf(a)}:group/${str(a.name)}`);
  }
  for (const [name, a] of each("aws_iam_user")) {
    set("aws_iam_user", name, "name", str(a.name));
    set("aws_iam_user", name, "id", str(a.name));
    set("aws_iam_user", name, "arn", knownArn(a) ?? `arn:aws:iam::${accountOf(a)}:user/${str(a.name)}`);
  }
  for (const [name, a] of each("aws_iam_policy")) {
    const arn = knownArn(a) ?? `arn:aws:iam::${accountOf(a)}:policy${str(a.path) || "/"}${str(a.name)}`;
    set("aws_iam_policy", name, "arn", arn);
    set("aws_iam_policy", name, "id", arn);
  }
  for (const [name, a] of each("aws_s3_bucket")) {
    set("aws_s3_bucket", name, "id", str(a.bucket));
    set("aws_s3_bucket", name, "bucket", str(a.bucket));
    set("aws_s3_bucket", name, "arn", `arn:aws:s3:::${str(a.bucket)}`);
  }
  for (const [name, a] of each("aws_kms_key")) {
    const arn = knownArn(a) ?? `arn:aws:kms:${regionOf(a)}:${accountOf(a)}:key/${name}`;
    const keyId = str(a.key_id) || name;
    set("aws_kms_key", name, "arn", arn);
    set("aws_kms_key", name, "key_id", keyId);
    set("aws_kms_key", name, "id", keyId);
  }
  for (const [name, a] of each("aws_sqs_queue")) {
    set("aws_sqs_queue", name, "arn", `arn:aws:sqs:${regionOf(a)}:${accountOf(a)}:${str(a.name)}`);
  }
  for (const [name, a] of each("aws_cloudwatch_log_group")) {
    set("aws_cloudwatch_log_group", name, "name", str(a.name));
    set("aws_cloudwatch_log_group", name, "arn", `arn:aws:logs:${regionOf(a)}:${accountOf(a)}:log-group:${str(a.name)}`);
  }
  for (const [name, a] of each("aws_lambda_function")) {
    set("aws_lambda_function", name, "function_name", str(a.function_name));
    set("aws_lambda_function", name, "arn", `arn:aws:lambda:${regionOf(a)}:${accountOf(a)}:function:${str(a.function_name)}`);
  }
  for (const [name, a] of each("aws_s3_access_point")) {
    const account = str(a.account_id) || accountOf(a);
    const arn = knownArn(a) ?? `arn:aws:s3:${regionOf(a)}:${account}:accesspoint/${str(a.name)}`;
    set("aws_s3_access_point", name, "arn", arn);
    set("aws_s3_access_point", name, "name", str(a.name));
  }
  const resolve = (value: string): string => value.replace(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+)\}/g, (whole, ref: string) => values.get(ref) ?? whole);

  const markers = Object.entries(tf.locals ?? {}).filter(
    ([, val]) => typeof val === "object" && val !== null && typeof (val as Attrs)[EXISTING_BUCKET_MARKER] === "string",
  ) as [string, Attrs][];
  const markersOf = <T>(kind: string): [string, T][] => markers.filter(([, m]) => m[EXISTING_BUCKET_MARKER] === kind) as unknown as [string, T][];

  const policies: ModelPolicy[] = [];
  const policy = (address: string, kind: PolicyKind, attachedTo: string, account: string, raw: unknown): ModelPolicy => {
    // `$${` is Terraform's escape of a literal `${` (IAM policy variables, see renderPolicy): AWS receives `${`.
    const json = resolve(str(raw)).replace(/\$\$\{/g, "${");
    let document: PolicyDocument;
    try {
      document = JSON.parse(json) as PolicyDocument;
    } catch {
      document = { Version: "2012-10-17", Statement: [] };
    }
    const p: ModelPolicy = { address, kind, attachedTo, account, document, json };
    policies.push(p);
    return p;
  };

  // ---- roles and their inline policies
  const roles: RoleModel[] = each("aws_iam_role").map(([name, a]) => ({
    address: `aws_iam_role.${name}`,
    name: str(a.name),
    arn: values.get(`aws_iam_role.${name}.arn`) as string,
    account: accountOf(a),
    trust: policy(`aws_iam_role.${name}`, "trust", values.get(`aws_iam_role.${name}.arn`) as string, accountOf(a), a.assume_role_policy),
    inline: [],
    maxSessionDurationSeconds: typeof a.max_session_duration === "number" ? a.max_session_duration : 3600,
  }));
  for (const [name, a] of each("aws_iam_role")) {
    const role = roles.find((r) => r.address === `aws_iam_role.${name}`);
    for (const [i, b] of blocks(a.inline_policy).entries()) {
      if (role && typeof b.policy === "string" && b.policy)
        role.inline.push(policy(`aws_iam_role.${name}.inline_policy[${i}]`, "role-inline", role.arn, role.account, b.policy));
    }
  }
  // Existing roles (ConsumerAccess): known by ARN; their trust policy is not ours to see.
  for (const [name, m] of markersOf<ExistingRoleMarker>("existing-role")) {
    if (roles.some((r) => r.name === m.name && r.account === m.account)) continue;
    const empty: ModelPolicy = {
      address: `local.${name}`,
      kind: "trust",
      attachedTo: m.arn,
      account: m.account,
      document: { Version: "2012-10-17", Statement: [] },
      json: "",
    };
    roles.push({
      address: `local.${name}`,
      name: m.name,
      arn: m.arn,
      account: m.account,
      trust: empty,
      inline: [],
      maxSessionDurationSeconds: 3600,
      existing: true,
    });
  }
  for (const [name, a] of each("aws_iam_role_policy")) {
    const roleName = resolve(str(a.role));
    const role = roles.find((r) => r.name === roleName && r.account === accountOf(a));
    if (role) role.inline.push(policy(`aws_iam_role_policy.${name}`, "role-inline", role.arn, role.account, a.policy));
    // A policy on a role the stack does not create (an existing role, e.g. a consumer's task role):
    // not a modelled role, but its statements are still checked.
    else policy(`aws_iam_role_policy.${name}`, "role-inline", `arn:aws:iam::${accountOf(a)}:role/${roleName}`, accountOf(a), a.policy);
  }
  // managed policies of the stack, by ARN (attached below to roles, groups and users)
  const managed = new Map<string, { address: string; raw: unknown }>();
  for (const [name, a] of each("aws_iam_policy"))
    managed.set(values.get(`aws_iam_policy.${name}.arn`) as string, { address: `aws_iam_policy.${name}`, raw: a.policy });
  const unreadAttachments: StackModel["unreadAttachments"] = [];
  const attach = (arnRaw: unknown, via: string, target: { arn: string; account: string; inline: ModelPolicy[] } | undefined): void => {
    const arn = resolve(str(arnRaw));
    const m = managed.get(arn);
    if (m && target) target.inline.push(policy(`${m.address} (${via})`, "managed", target.arn, target.account, m.raw));
    else if (target && arn) unreadAttachments.push({ address: via, policyArn: arn, attachedTo: target.arn });
  };
  const roleByName = (raw: unknown): RoleModel | undefined => roles.find((r) => r.name === resolve(str(raw)) || r.arn === resolve(str(raw)));
  for (const [name, a] of each("aws_iam_role")) for (const arn of strings(a.managed_policy_arns)) attach(arn, `aws_iam_role.${name}`, roleByName(a.name));
  for (const [name, a] of each("aws_iam_role_policy_attachment")) attach(a.policy_arn, `aws_iam_role_policy_attachment.${name}`, roleByName(a.role));

  const groups: GroupModel[] = each("aws_iam_group").map(([name, a]) => ({
    address: `aws_iam_group.${name}`,
    name: str(a.name),
    arn: values.get(`aws_iam_group.${name}.arn`) as string,
    account: accountOf(a),
    inline: [],
  }));
  for (const [name, a] of each("aws_iam_group_policy")) {
    const groupName = resolve(str(a.group));
    const group = groups.find((g) => g.name === groupName && g.account === accountOf(a));
    if (group) group.inline.push(policy(`aws_iam_group_policy.${name}`, "group-inline", group.arn, group.account, a.policy));
  }
  const groupByName = (raw: unknown): GroupModel | undefined => groups.find((g) => g.name === resolve(str(raw)));
  for (const [name, a] of each("aws_iam_group_policy_attachment")) attach(a.policy_arn, `aws_iam_group_policy_attachment.${name}`, groupByName(a.group));

  // ---- users: their own policies, attached policies, and their groups' policies
  const users: UserModel[] = each("aws_iam_user").map(([name, a]) => ({
    address: `aws_iam_user.${name}`,
    name: str(a.name),
    arn: values.get(`aws_iam_user.${name}.arn`) as string,
    account: accountOf(a),
    inline: [],
  }));
  const userByName = (raw: unknown): UserModel | undefined => users.find((u) => u.name === resolve(str(raw)));
  for (const [name, a] of each("aws_iam_user_policy")) {
    const user = userByName(a.user);
    if (user) user.inline.push(policy(`aws_iam_user_policy.${name}`, "user-inline", user.arn, user.account, a.policy));
  }
  for (const [name, a] of each("aws_iam_user_policy_attachment")) attach(a.policy_arn, `aws_iam_user_policy_attachment.${name}`, userByName(a.user));
  for (const [name, a] of each("aws_iam_policy_attachment")) {
    const via = `aws_iam_policy_attachment.${name}`;
    for (const r of strings(a.roles)) attach(a.policy_arn, via, roleByName(r));
    for (const g of strings(a.groups)) attach(a.policy_arn, via, groupByName(g));
    for (const u of strings(a.users)) attach(a.policy_arn, via, userByName(u));
  }
  const memberships: [UserModel | undefined, GroupModel | undefined][] = [
    ...each("aws_iam_user_group_membership").flatMap(([, a]) =>
      strings(a.groups).map((g): [UserModel | undefined, GroupModel | undefined] => [userByName(a.user), groupByName(g)]),
    ),
    ...each("aws_iam_group_membership").flatMap(([, a]) =>
      strings(a.users).map((u): [UserModel | undefined, GroupModel | undefined] => [userByName(u), groupByName(a.group)]),
    ),
  ];

  // ---- buckets, their policies, encryption and ownership
  const buckets: BucketModel[] = each("aws_s3_bucket").map(([name, a]) => ({
    address: `aws_s3_bucket.${name}`,
    name: str(a.bucket),
    arn: `arn:aws:s3:::${str(a.bucket)}`,
    account: accountOf(a),
  }));
  // Existing buckets: no aws_s3_bucket here; statements emitted for the owners count as their policy.
  for (const [name, m] of markersOf<ExistingBucketMarker>("existing-bucket")) {
    const b: BucketModel = {
      address: `local.${name}`,
      name: m.bucket,
      arn: `arn:aws:s3:::${m.bucket}`,
      account: m.account,
      objectOwnership: m.object_ownership,
    };
    if (m.kms_key_arn) b.kmsKeyArn = m.kms_key_arn;
    if (m.emitted_bucket_policy) b.policy = policy(`local.${name}`, "bucket", b.arn, b.account, m.emitted_bucket_policy);
    buckets.push(b);
  }
  const bucketByName = (raw: unknown): BucketModel | undefined => buckets.find((b) => b.name === resolve(str(raw)));
  for (const [name, a] of each("aws_s3_bucket_policy")) {
    const b = bucketByName(a.bucket);
    if (b) b.policy = policy(`aws_s3_bucket_policy.${name}`, "bucket", b.arn, b.account, a.policy);
  }
  for (const [, a] of each("aws_s3_bucket_server_side_encryption_configuration")) {
    const b = bucketByName(a.bucket);
    const rules = Array.isArray(a.rule) ? (a.rule as Attrs[]) : [];
    for (const r of rules) {
      const d = block(r.apply_server_side_encryption_by_default);
      if (b && d && str(d.sse_algorithm).startsWith("aws:kms") && d.kms_master_key_id) b.kmsKeyArn = resolve(str(d.kms_master_key_id));
    }
  }
  for (const [, a] of each("aws_s3_bucket_ownership_controls")) {
    const b = bucketByName(a.bucket);
    const rule = block(a.rule);
    if (b && rule) b.objectOwnership = str(rule.object_ownership);
  }

  const keys: KeyModel[] = each("aws_kms_key").map(([name, a]) => {
    const arn = values.get(`aws_kms_key.${name}.arn`) as string;
    return {
      address: `aws_kms_key.${name}`,
      arn,
      account: accountOf(a),
      policy: a.policy === undefined || a.policy === null ? undefined : policy(`aws_kms_key.${name}`, "key", arn, accountOf(a), a.policy),
      grants: [],
    };
  });
  const keyById = (raw: unknown): KeyModel | undefined => {
    const id = resolve(str(raw));
    return keys.find((k) => k.arn === id || values.get(`${k.address}.key_id`) === id);
  };
  for (const [name, a] of each("aws_kms_key_policy")) {
    const k = keyById(a.key_id);
    if (k) k.policy = policy(`aws_kms_key_policy.${name}`, "key", k.arn, k.account, a.policy);
  }
  // Existing keys: only the statements emitted for their owners, and the grants made here, are known.
  for (const [name, m] of markersOf<ExistingBucketMarker>("existing-bucket")) {
    if (!m.kms_key_arn || keys.some((k) => k.arn === m.kms_key_arn)) continue;
    const account = accountOfArn(m.kms_key_arn) ?? m.account;
    keys.push({
      address: `local.${name}`,
      arn: m.kms_key_arn,
      account,
      policy: m.emitted_key_policy ? policy(`local.${name}`, "key", m.kms_key_arn, account, m.emitted_key_policy) : undefined,
      grants: [],
      existing: true,
    });
  }
  // The key of an existing replication destination: only the statements emitted for its owners are known.
  for (const [name, m] of markersOf<ReplicationMarker>(REPLICATION_MARKER)) {
    if (!m.destination_kms_key_arn || keys.some((k) => k.arn === m.destination_kms_key_arn)) continue;
    const account = accountOfArn(m.destination_kms_key_arn) ?? "000000000000";
    keys.push({
      address: `local.${name}`,
      arn: m.destination_kms_key_arn,
      account,
      policy: m.emitted_destination_key_policy
        ? policy(`local.${name}`, "key", m.destination_kms_key_arn, account, m.emitted_destination_key_policy)
        : undefined,
      grants: [],
      existing: true,
    });
  }
  for (const [name, a] of each("aws_kms_grant")) {
    const keyArn = resolve(str(a.key_id));
    let key = keyById(a.key_id);
    if (!key) {
      key = { address: `aws_kms_grant.${name}`, arn: keyArn, account: accountOfArn(keyArn) ?? accountOf(a), grants: [], existing: true };
      keys.push(key);
    }
    const operations = Array.isArray(a.operations) ? a.operations.map(String) : [];
    const constraints = grantConstraints(blocks(a.constraints), resolve);
    key.grants.push({ address: `aws_kms_grant.${name}`, grantee: resolve(str(a.grantee_principal)), operations, ...(constraints ? { constraints } : {}) });
  }

  // ---- access points and their policies
  const accessPoints: AccessPointModel[] = each("aws_s3_access_point").map(([name, a]) => {
    const ap: AccessPointModel = {
      address: `aws_s3_access_point.${name}`,
      name: str(a.name),
      arn: values.get(`aws_s3_access_point.${name}.arn`) as string,
      account: str(a.account_id) || accountOf(a),
      bucket: resolve(str(a.bucket)),
    };
    if (typeof a.policy === "string" && a.policy) ap.policy = policy(`aws_s3_access_point.${name}`, "access-point", ap.arn, ap.account, a.policy);
    return ap;
  });
  for (const [name, a] of each("aws_s3control_access_point_policy")) {
    const ap = accessPoints.find((x) => x.arn === resolve(str(a.access_point_arn)));
    if (ap) ap.policy = policy(`aws_s3control_access_point_policy.${name}`, "access-point", ap.arn, ap.account, a.policy);
  }

  const functions: FunctionModel[] = each("aws_lambda_function").map(([name, a]) => {
    const env = (block(a.environment)?.variables ?? {}) as Record<string, unknown>;
    return {
      address: `aws_lambda_function.${name}`,
      name: str(a.function_name),
      account: accountOf(a),
      roleArn: resolve(str(a.role)),
      environment: Object.fromEntries(Object.entries(env).map(([k, val]) => [k, resolve(String(val))])),
    };
  });

  for (const [user, group] of memberships) if (user && group) user.inline.push(...group.inline);

  // Identity sides emitted for principals given by pattern (their roles are created elsewhere: Identity Center).
  const patternPrincipals: PatternPrincipalModel[] = markersOf<PatternPrincipalMarker>("pattern-principal").map(([name, m]) => ({
    address: `local.${name}`,
    label: m.label,
    account: m.account,
    arnLike: m.arn_like,
    inline: [policy(`local.${name}`, "role-inline", m.arn_like, m.account, m.policy)],
  }));

  // ---- versioning and replication
  for (const [, a] of each("aws_s3_bucket_versioning")) {
    const b = bucketByName(a.bucket);
    if (b && str(block(a.versioning_configuration)?.status) === "Enabled") b.versioned = true;
  }
  for (const [, m] of markersOf<ReplicationMarker>(REPLICATION_MARKER)) {
    for (const name of m.versioning_confirmed.split(",").filter(Boolean)) {
      const b = buckets.find((x) => x.name === name);
      if (b) b.versioned = true;
    }
  }
  const replications: ReplicationModel[] = each("aws_s3_bucket_replication_configuration").map(([name, a]) => ({
    address: `aws_s3_bucket_replication_configuration.${name}`,
    sourceBucket: resolve(str(a.bucket)),
    account: accountOf(a),
    roleArn: resolve(str(a.role)),
    rules: blocks(a.rule).map((r, i): ReplicationRuleModel => {
      const filter = block(r.filter);
      const and = block(filter?.and);
      const tag = block(filter?.tag);
      const d = block(r.destination) ?? {};
      const tags: Record<string, string> = { ...((and?.tags ?? {}) as Record<string, string>), ...(tag ? { [str(tag.key)]: str(tag.value) } : {}) };
      return {
        id: str(r.id) || `rule[${i}]`,
        enabled: str(r.status) === "Enabled",
        prefix: str(and?.prefix ?? filter?.prefix ?? r.prefix),
        tags,
        destinationBucketArn: resolve(str(d.bucket)),
        ...(str(d.account) ? { destinationAccount: resolve(str(d.account)) } : {}),
        ownerOverride: str(block(d.access_control_translation)?.owner) === "Destination",
        ...(block(d.encryption_configuration)?.replica_kms_key_id
          ? { replicaKmsKeyId: resolve(str(block(d.encryption_configuration)?.replica_kms_key_id)) }
          : {}),
        sseKmsEncryptedObjects: str(block(block(r.source_selection_criteria)?.sse_kms_encrypted_objects)?.status) === "Enabled",
        deleteMarkers: str(block(r.delete_marker_replication)?.status) === "Enabled",
      };
    }),
  }));

  return {
    accounts,
    region: defaultRegion,
    roles,
    groups,
    buckets,
    keys,
    users,
    accessPoints,
    functions,
    patternPrincipals,
    replications,
    policies,
    unreadAttachments,
    resolve,
  };
}

/** Statements of a document as a list (`Statement` may be one object in hand-written JSON). */
export function statementsOf(doc: PolicyDocument): Statement[] {
  const s = (doc as { Statement: Statement | Statement[] }).Statement;
  return Array.isArray(s) ? s : [s];
}

export const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The AWS principal ARNs a statement names. */
export function principalArns(s: Statement): string[] {
  if (s.Principal === undefined || s.Principal === "*") return [];
  return asList(s.Principal.AWS);
}

/** The account of an IAM ARN (`arn:aws:iam::<account>:...`), if it is one. */
export function accountOfArn(arn: string): string | undefined {
  return /^arn:[\w-]+:(iam|sts|kms|sqs|logs|lambda)::?(?:[a-z0-9-]*:)?(\d{12}):/.exec(arn)?.[2];
}
