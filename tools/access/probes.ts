import { AccessPointModel, asList, BucketModel, KeyModel, RoleModel, StackModel, statementsOf } from "../../lib/model/stack-model";
import { grantAsStatement, kmsKeyRegion, S3_ARN_CONTEXT_KEY } from "../../lib/policy";
import type { PolicyDocument } from "../../lib/policy";
import { conditionValues } from "./conditions";
import { probePrefixes, WHOLE_BUCKET_SAMPLE_PREFIX, WRONG_PREFIX } from "./prefixes";
import type { Seeds } from "./seeds";
import type { StackExtras } from "./stack-extras";
import type { NamedPolicy, Probe } from "./types";

/**
 * What is asked: for each bucket, listing (right prefix, wrong prefix, no
 * prefix), reading and writing under the right and a wrong prefix, deleting an
 * object, deleting the bucket, replacing its policy — each with and without
 * TLS; KMS Decrypt/GenerateDataKey on each key (directly, via S3 for its
 * bucket and for another bucket); sts:AssumeRole on each role, with and
 * without the ExternalId and MFA its trust asks for. And what #17 added: the
 * same bucket name owned by another account (`owner=other-account`), and an
 * access point someone else created on a shared bucket (`ap/someone-elses-ap`).
 */

export const OBJECT_NAME = "x.json";
export const WRONG_EXTERNAL_ID = "wrong-external-id";
const NO_TLS = { key: "aws:SecureTransport", value: "false", label: "no-tls" };

type ProbeDraft = Omit<Probe, "contextLabel"> & { readonly labels: readonly string[] };
/** The request half of a bucket probe; the bucket half (account, policy, BPA) is shared. */
type S3Request = Pick<ProbeDraft, "action" | "resource" | "resourceLabel" | "context" | "labels">;

const finish = ({ labels, ...p }: ProbeDraft): Probe => ({ ...p, contextLabel: labels.join(",") });

// ------------------------------------------------------------------ S3

function bucketBase(bucket: BucketModel, extras: StackExtras): Pick<Probe, "resourceAccount" | "resourcePolicy" | "blockPublicAccess"> {
  const resourcePolicy: NamedPolicy | undefined = bucket.policy && { name: bucket.policy.address, source: "bucket", document: bucket.policy.document };
  return { resourceAccount: bucket.account, resourcePolicy, blockPublicAccess: extras.restrictPublicBuckets.has(bucket.name) };
}

function listProbes(bucket: BucketModel, prefixes: string[]): S3Request[] {
  const list = (context: Record<string, string>, labels: string[]): S3Request => ({
    action: "s3:ListBucket",
    resource: bucket.arn,
    resourceLabel: bucket.name,
    context,
    labels,
  });
  return [
    ...prefixes.map((p) => list({ "s3:prefix": p }, [`prefix=${p}`])),
    list({ "s3:prefix": WRONG_PREFIX }, [`prefix=${WRONG_PREFIX}`]),
    list({}, ["no-prefix"]),
  ];
}

function objectProbes(bucket: BucketModel, prefixes: string[]): S3Request[] {
  const putContext: Record<string, string> = bucket.objectOwnership === "ObjectWriter" ? { "s3:x-amz-acl": "bucket-owner-full-control" } : {};
  const obj = (action: string, prefix: string): S3Request => ({
    action,
    resource: `${bucket.arn}/${prefix}${OBJECT_NAME}`,
    resourceLabel: `${bucket.name}/${prefix}${OBJECT_NAME}`,
    context: action === "s3:PutObject" ? putContext : {},
    labels: [],
  });
  const onBucket = (action: string): S3Request => ({ action, resource: bucket.arn, resourceLabel: bucket.name, context: {}, labels: [] });
  return [
    ...["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"].flatMap((a) => [...prefixes.map((p) => obj(a, p)), obj(a, WRONG_PREFIX)]),
    ...prefixes.map((p) => obj("s3:DeleteObject", p)),
    onBucket("s3:DeleteBucket"),
    onBucket("s3:PutBucketPolicy"),
  ];
}

/** A bucket of another account whose SSE-KMS requests name the probed key: the key must refuse it. */
export const OTHER_BUCKET_ARN = "arn:aws:s3:::another-accounts-bucket";

/** A KMS key of the third account: what a writer could name instead of the bucket's key. */
export const FOREIGN_KMS_KEY = "arn:aws:kms:us-east-1:999999999999:key/foreign";

/**
 * PutObject with each encryption header a writer could send to an SSE-KMS
 * bucket: only `sse=aws:kms,kms-key=bucket` (what the handlers send) and no
 * header at all (the bucket default) may pass its pinning denies.
 */
function encryptionProbes(bucket: BucketModel, prefixes: string[]): S3Request[] {
  const keyArn = bucket.kmsKeyArn;
  if (!keyArn) return [];
  const SSE = "s3:x-amz-server-side-encryption";
  const KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id";
  const variants: { context: Record<string, string>; label: string }[] = [
    { context: { [SSE]: "aws:kms", [KEY_ID]: keyArn }, label: "sse=aws:kms,kms-key=bucket" },
    { context: { [SSE]: "aws:kms", [KEY_ID]: FOREIGN_KMS_KEY }, label: "sse=aws:kms,kms-key=foreign" },
    { context: { [SSE]: "aws:kms" }, label: "sse=aws:kms,kms-key=aws/s3" },
    { context: { [SSE]: "AES256" }, label: "sse=AES256" },
    { context: { "s3:x-amz-server-side-encryption-customer-algorithm": "AES256" }, label: "sse-c" },
  ];
  const acl: Record<string, string> = bucket.objectOwnership === "ObjectWriter" ? { "s3:x-amz-acl": "bucket-owner-full-control" } : {};
  // Outside the granted prefixes only the handlers' headers: the prefix, not the header, must decide there.
  const asked = [...prefixes.map((p) => ({ prefix: p, variants })), { prefix: WRONG_PREFIX, variants: variants.slice(0, 1) }];
  return asked.flatMap(({ prefix, variants }) =>
    variants.map((v) => ({
      action: "s3:PutObject",
      resource: `${bucket.arn}/${prefix}${OBJECT_NAME}`,
      resourceLabel: `${bucket.name}/${prefix}${OBJECT_NAME}`,
      context: { ...acl, ...v.context },
      labels: [v.label],
    })),
  );
}

/** The account of a same-named bucket another account registered (the third account). */
export const OTHER_OWNER_ACCOUNT = "999999999999";
export const OTHER_OWNER_LABEL = "owner=other-account";

/**
 * The bucket's name owned by another account (the bucket deleted and its name
 * registered again elsewhere): that owner's policy lets everyone in, so only
 * the stack's principals' own identity statements can refuse, by
 * `aws:ResourceAccount` (the writer also sends ExpectedBucketOwner, which S3
 * checks outside IAM: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
 * Asked of the stack's own principals only (their identity policies are known).
 */
function otherOwnerProbes(bucket: BucketModel, prefixes: string[]): Probe[] {
  const policy: NamedPolicy = {
    name: `${bucket.arn} (same name, account ${OTHER_OWNER_ACCOUNT})`,
    source: "not-in-stack",
    document: { Version: "2012-10-17", Statement: [{ Sid: "OwnedByAnotherAccount", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] },
  };
  return ["s3:PutObject", "s3:GetObject"].flatMap((action) =>
    prefixes
      .filter((p) => p !== WRONG_PREFIX)
      .map((p) => ({
        action,
        resource: `${bucket.arn}/${p}${OBJECT_NAME}`,
        resourceLabel: `${bucket.name}/${p}${OBJECT_NAME}`,
        resourceAccount: OTHER_OWNER_ACCOUNT,
        context: {},
        contextLabel: OTHER_OWNER_LABEL,
        resourcePolicy: policy,
        blockPublicAccess: false,
        outside: true,
      })),
  );
}

const withoutTls = (p: ProbeDraft): ProbeDraft => ({
  ...p,
  context: { ...p.context, [NO_TLS.key]: NO_TLS.value },
  labels: [...p.labels, NO_TLS.label],
});

/**
 * A bucket on either side of a replication: the requests the replication role
 * makes (S3 User Guide, "Setting up permissions for live replication":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html),
 * under each rule's prefix and a wrong one. As a source: the configuration and
 * the object versions to replicate; as a destination: writing replicas (with
 * the owner override) and reading its versioning. Only buckets of a
 * replication are asked (the other stacks' matrices are unchanged).
 */
export const REPLICATION_SOURCE_PROBE_ACTIONS = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"];
export const REPLICATION_DESTINATION_PROBE_ACTIONS = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"];

function replicationProbes(model: StackModel, bucket: BucketModel): S3Request[] {
  const asSource = model.replications.filter((r) => r.sourceBucket === bucket.name);
  const asDestination = model.replications.flatMap((r) => r.rules).filter((r) => r.destinationBucketArn === bucket.arn);
  if (asSource.length === 0 && asDestination.length === 0) return [];
  const obj = (action: string, prefix: string): S3Request => ({
    action,
    resource: `${bucket.arn}/${prefix}${OBJECT_NAME}`,
    resourceLabel: `${bucket.name}/${prefix}${OBJECT_NAME}`,
    context: {},
    labels: [],
  });
  const onBucket = (action: string): S3Request => ({ action, resource: bucket.arn, resourceLabel: bucket.name, context: {}, labels: [] });
  const prefixesOf = (ps: string[]): string[] => [...new Set([...ps.map((p) => (p === "" ? WHOLE_BUCKET_SAMPLE_PREFIX : p)), WRONG_PREFIX])].sort();
  const sourcePrefixes = prefixesOf(asSource.flatMap((r) => r.rules.map((x) => x.prefix)));
  const destPrefixes = prefixesOf(asDestination.map((x) => x.prefix));
  return [
    ...(asSource.length
      ? [onBucket("s3:GetReplicationConfiguration"), ...REPLICATION_SOURCE_PROBE_ACTIONS.flatMap((a) => sourcePrefixes.map((p) => obj(a, p)))]
      : []),
    ...(asDestination.length
      ? [onBucket("s3:GetBucketVersioning"), ...REPLICATION_DESTINATION_PROBE_ACTIONS.flatMap((a) => destPrefixes.map((p) => obj(a, p)))]
      : []),
  ];
}

export function bucketProbes(model: StackModel, extras: StackExtras, bucket: BucketModel, seeds?: Seeds): Probe[] {
  const prefixes = probePrefixes(model, bucket, seeds?.prefixes[bucket.name]);
  const base = bucketBase(bucket, extras);
  const overTls: ProbeDraft[] = [
    ...listProbes(bucket, prefixes),
    ...objectProbes(bucket, prefixes),
    ...encryptionProbes(bucket, prefixes),
    ...replicationProbes(model, bucket),
  ].map((p) => ({
    ...p,
    ...base,
  }));
  return [...[...overTls, ...overTls.map(withoutTls)].map(finish), ...otherOwnerProbes(bucket, prefixes)];
}

// ------------------------------------------------------------------ KMS

/** AWS's default key policy, for a key synthesized without one. */
export const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Sid: "EnableIAMUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
});

export function keyLabel(model: StackModel, key: KeyModel): string {
  const bucket = model.buckets.find((b) => b.kmsKeyArn === key.arn);
  return bucket ? `key(${bucket.name})` : `key/${key.address.replace(/^aws_kms_key\./, "")}`;
}

export function keyProbes(model: StackModel, key: KeyModel): Probe[] {
  const base: NamedPolicy = key.policy
    ? { name: key.policy.address, source: "key", document: key.policy.document }
    : { name: `${key.address} (default key policy)`, source: "default-key", document: defaultKeyPolicy(key.account) };
  // KMS grants on the key (an existing key shared with BucketShare.fromExistingBucket) allow like key-policy
  // statements, narrowed by their encryption-context constraints (see grantAsStatement).
  const resourcePolicy: NamedPolicy = key.grants.length
    ? {
        ...base,
        document: {
          ...base.document,
          Statement: [
            ...statementsOf(base.document),
            ...key.grants.map((g, i) => grantAsStatement(g.grantee, g.operations, `KmsGrant${i + 1}`, g.constraints)),
          ],
        },
      }
    : base;
  const grantOps = key.grants.flatMap((g) => g.operations.map((o) => `kms:${o}`));
  // Each action called directly, and as S3 calls it on the principal's behalf
  // (kms:ViaService, which the grants require).
  const region = kmsKeyRegion(key.arn);
  const direct = { context: {}, contextLabel: "" };
  // S3 names the bucket (S3 Bucket Key) or object in the encryption context of every KMS call it makes
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html): the key's own bucket,
  // and another bucket (a consumer using the owner's key for a bucket of its own: must be Denied).
  const bucket = model.buckets.find((b) => b.kmsKeyArn === key.arn);
  const via = { "kms:ViaService": `s3.${region}.amazonaws.com` };
  const viaS3 = { context: bucket ? { ...via, [S3_ARN_CONTEXT_KEY]: bucket.arn } : via, contextLabel: "via-s3" };
  const viaS3Other = { context: { ...via, [S3_ARN_CONTEXT_KEY]: OTHER_BUCKET_ARN }, contextLabel: "via-s3,other-bucket" };
  // A replica key: S3 encrypts replicas with kms:Encrypt (the one S3 path that calls it; replication-config-for-kms-objects.html).
  const replica = model.replications.some((r) => r.rules.some((x) => x.replicaKmsKeyId === key.arn)) ? ["kms:Encrypt"] : [];
  return [...new Set(["kms:Decrypt", "kms:GenerateDataKey", ...replica, ...grantOps])].flatMap((action) =>
    [direct, viaS3, ...(bucket ? [viaS3Other] : [])].map((c) => ({
      action,
      resource: key.arn,
      resourceLabel: keyLabel(model, key),
      resourceAccount: key.account,
      ...c,
      resourcePolicy,
      blockPublicAccess: false,
    })),
  );
}

// ------------------------------------------------------------------ S3 access points

/** The KMS call S3 makes with an SSE-KMS bucket's key for an object request. */
const KMS_ACTION_FOR_OBJECT: Readonly<Record<string, string>> = { "s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey" };

/**
 * Reading, writing and listing through an access point: the access point's
 * ARN as the resource (identity and access point policy), the same request as
 * the bucket policy sees it (s3:DataAccessPointArn/Account), and for objects
 * of an SSE-KMS bucket the KMS call S3 makes with its key for the caller.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
 */
export function accessPointProbes(model: StackModel, extras: StackExtras, ap: AccessPointModel, seeds?: Seeds): Probe[] {
  const bucket = model.buckets.find((b) => b.name === ap.bucket);
  const bucketArn = `arn:aws:s3:::${ap.bucket}`;
  const head = `${ap.arn}/object/`;
  const apPrefixes = (ap.policy ? statementsOf(ap.policy.document) : [])
    .flatMap((st) => asList(st.Resource))
    .filter((r) => r.startsWith(head) && r.endsWith("*") && r.length > head.length + 1)
    .map((r) => r.slice(head.length, -1));
  const bucketPrefixes = bucket ? probePrefixes(model, bucket, seeds?.prefixes[bucket.name]) : [WHOLE_BUCKET_SAMPLE_PREFIX];
  const prefixes = [...new Set([...apPrefixes, ...bucketPrefixes])].filter((p) => p !== WRONG_PREFIX).sort();
  const resourcePolicy: NamedPolicy | undefined = ap.policy && { name: ap.policy.address, source: "access-point", document: ap.policy.document };
  const apContext = { "s3:DataAccessPointArn": ap.arn, "s3:DataAccessPointAccount": ap.account, "s3:AccessPointNetworkOrigin": "Internet" };
  /*
   * The bucket policy as it applies to a request through the access point. The
   * engine only accepts s3:DataAccessPoint* context keys on access point
   * resources, so the bucket's ARNs in the policy are rewritten to the access
   * point's (bucket → access point, bucket/key → access point/object/key): the
   * same statements match the same requests, and delegation conditions
   * (s3:DataAccessPointAccount/Arn) are evaluated.
   */
  const bucketPolicyViaAp: NamedPolicy | undefined = bucket?.policy && {
    name: bucket.policy.address,
    source: "bucket",
    document: JSON.parse(
      JSON.stringify(bucket.policy.document).split(`${bucketArn}/`).join(head).split(`"${bucketArn}"`).join(`"${ap.arn}"`),
    ) as PolicyDocument,
  };
  const viaBucket = (resource: string, context: Record<string, string>): NonNullable<Probe["viaBucket"]> => ({
    resource,
    resourceAccount: bucket?.account ?? ap.account,
    context: { ...apContext, ...context },
    resourcePolicy: bucketPolicyViaAp,
    blockPublicAccess: extras.restrictPublicBuckets.has(ap.bucket),
  });
  /*
   * Objects of an SSE-KMS bucket: S3 decrypts (GetObject) or generates a data
   * key (PutObject) with the bucket's key on the caller's behalf, so the key
   * policy and the caller's identity policy must allow that KMS call via S3
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
   * "Permissions"). A key the stack does not hold is not known: no key hop.
   */
  const key = bucket?.kmsKeyArn ? model.keys.find((k) => k.arn === bucket.kmsKeyArn) : undefined;
  const viaS3KeyProbes = key ? keyProbes(model, key).filter((p) => p.contextLabel === "via-s3") : [];
  const probe = (action: string, resource: string, label: string, context: Record<string, string>, contextLabel: string): Probe => {
    const keyHop = viaS3KeyProbes.find((p) => p.action === KMS_ACTION_FOR_OBJECT[action]);
    return {
      action,
      resource,
      resourceLabel: label,
      resourceAccount: ap.account,
      context: { ...apContext, ...context },
      contextLabel,
      resourcePolicy,
      blockPublicAccess: false,
      viaBucket: viaBucket(resource, context),
      ...(keyHop ? { viaKey: keyHop } : {}),
    };
  };
  const all = [WRONG_PREFIX, ...prefixes];
  return [
    ...all.map((p) => probe("s3:ListBucket", ap.arn, `ap/${ap.name}`, { "s3:prefix": p }, `prefix=${p}`)),
    ...["s3:GetObject", "s3:PutObject"].flatMap((action) =>
      all.map((p) => probe(action, `${head}${p}${OBJECT_NAME}`, `ap/${ap.name}/${p}${OBJECT_NAME}`, {}, "")),
    ),
  ];
}

/** Name of an access point someone else in the owner account created on a shared bucket. */
export const FOREIGN_ACCESS_POINT = "someone-elses-ap";

/**
 * An access point on the bucket that the share did not create, made by anyone
 * in the owner account allowed s3:CreateAccessPoint, with a policy that lets
 * every account of the stack and the third account in (account roots: not
 * public, so Block Public Access would not stop it): the bucket's delegation must not extend to it
 * (s3:DataAccessPointArn names this share's access points only, #17 item 7;
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-delegating-control).
 * Probed for each bucket the stack shares through access points.
 */
export function foreignAccessPointProbes(model: StackModel, extras: StackExtras, seeds?: Seeds): Probe[] {
  const out: Probe[] = [];
  for (const bucket of model.buckets) {
    const mine = model.accessPoints.filter((ap) => ap.bucket === bucket.name);
    if (mine.length === 0) continue;
    const arn = mine[0].arn.replace(/accesspoint\/[^/]+$/, `accesspoint/${FOREIGN_ACCESS_POINT}`);
    const head = `${arn}/object/`;
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EveryAccount",
          Effect: "Allow",
          Principal: { AWS: [...new Set([...Object.values(model.accounts), OTHER_OWNER_ACCOUNT])].sort().map((a) => `arn:aws:iam::${a}:root`) },
          Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
          Resource: [arn, `${head}*`],
        },
      ],
    };
    const ap: AccessPointModel = {
      address: `${arn} (not this share's)`,
      name: FOREIGN_ACCESS_POINT,
      arn,
      account: mine[0].account,
      bucket: bucket.name,
      policy: {
        address: `${arn} (not this share's)`,
        kind: "access-point",
        attachedTo: arn,
        account: mine[0].account,
        document,
        json: JSON.stringify(document),
      },
    };
    out.push(...accessPointProbes(model, extras, ap, seeds));
  }
  return out;
}

// ------------------------------------------------------------------ STS

/** Policies that can take part in assuming the role: its trust, and identity statements naming it (or `*`). */
function policiesAboutAssuming(model: StackModel, role: RoleModel): PolicyDocument[] {
  const identity = model.policies
    .filter((p) => p.kind === "role-inline" || p.kind === "group-inline" || p.kind === "user-inline" || p.kind === "managed")
    .map((p) => p.document)
    .filter((d) => statementsOf(d).some((s) => asList(s.Resource).some((r) => r === role.arn || r === "*")));
  return [role.trust.document, ...identity];
}

interface Variant {
  readonly context: Record<string, string>;
  readonly labels: string[];
}

function externalIdVariants(role: RoleModel): Variant[] {
  const ids = [...new Set(conditionValues(role.trust.document, "sts:ExternalId"))];
  if (ids.length === 0) return [{ context: {}, labels: [] }];
  return [
    { context: {}, labels: [] },
    { context: { "sts:ExternalId": WRONG_EXTERNAL_ID }, labels: ["externalId=wrong"] },
    ...ids.map((id) => ({ context: { "sts:ExternalId": id }, labels: [ids.length > 1 ? `externalId=${id}` : "externalId=correct"] })),
  ];
}

/** MFA signed in 5 minutes ago ("mfa"), and 12 h ago ("mfa-12h-old") when a trust limits aws:MultiFactorAuthAge. */
export const FRESH_MFA_AGE = "300";
export const OLD_MFA_AGE = "43200";

function mfaVariants(model: StackModel, role: RoleModel): Variant[] {
  const policies = policiesAboutAssuming(model, role);
  const asked = policies.some((d) => conditionValues(d, "aws:MultiFactorAuthPresent").length > 0);
  const none: Variant = { context: {}, labels: [] };
  if (!asked) return [none];
  const mfa = (age: string, label: string): Variant => ({ context: { "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": age }, labels: [label] });
  const ageLimited = policies.some((d) => conditionValues(d, "aws:MultiFactorAuthAge").length > 0);
  return [none, mfa(FRESH_MFA_AGE, "mfa"), ...(ageLimited ? [mfa(OLD_MFA_AGE, "mfa-12h-old")] : [])];
}

/**
 * Placeholder of `sts:RoleSessionName` that the evaluation replaces with the
 * caller's own name (an IAM user's name, or the matrix's role session name):
 * "session=own-name" asks as a person who names the session after themself.
 */
export const OWN_SESSION_NAME = "<own-name>";

function sessionNameVariants(role: RoleModel): Variant[] {
  if (conditionValues(role.trust.document, "sts:RoleSessionName").length === 0) return [{ context: {}, labels: [] }];
  return [
    { context: { "sts:RoleSessionName": "someone-else" }, labels: ["session=other-name"] },
    { context: { "sts:RoleSessionName": OWN_SESSION_NAME }, labels: ["session=own-name"] },
  ];
}

/** The action a web identity (OIDC) token is exchanged with for a role's credentials. */
export const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";
/** An audience no trust pins: a token requested for another service. */
export const WRONG_AUDIENCE = "wrong-audience";
/** The subject asked of a trust that pins none: any workflow of anyone's repository. */
export const FOREIGN_SUBJECT = "repo:someone-else/their-repo:ref:refs/heads/main";

/** The issuers (`token.actions.githubusercontent.com`) of the OIDC providers a trust names for web identity. */
function webIdentityIssuers(trust: PolicyDocument): string[] {
  const issuers = statementsOf(trust)
    .filter((s) => s.Effect === "Allow" && asList(s.Action).some((a) => a === WEB_IDENTITY_ACTION || a === "sts:*" || a === "*"))
    .flatMap((s) => (s.Principal !== undefined && s.Principal !== "*" ? asList(s.Principal.Federated) : []))
    .map((arn) => /^arn:[\w-]+:iam::\d{12}:oidc-provider\/(.+)$/.exec(arn)?.[1])
    .filter((x): x is string => x !== undefined);
  return [...new Set(issuers)].sort();
}

/** A concrete `sub` a `StringLike` pattern matches (`*` → "sample", `?` → "x"). */
const sampleOf = (pattern: string): string => pattern.replace(/\*/g, "sample").replace(/\?/g, "x");

/**
 * The same subject from another repository / project of the same owner:
 * `repo:<owner>/<other-repo>:...` (GitHub), `project_path:<group>/<other-project>:...` (GitLab),
 * else a subject the trust does not name.
 */
function otherRepositorySubject(sub: string): string {
  const gh = /^repo:([^/:]+)\/[^:]+(:.*)$/.exec(sub);
  if (gh) return `repo:${gh[1]}/other-repo${gh[2]}`;
  const gl = /^project_path:(.+)\/[^/:]+(:.*)$/.exec(sub);
  if (gl) return `project_path:${gl[1]}/other-project${gl[2]}`;
  return `${sub}-other`;
}

/**
 * `sts:AssumeRoleWithWebIdentity` of a role whose trust names an IAM OIDC
 * provider, with the token's claims as IAM sees them (`<issuer>:aud`,
 * `<issuer>:sub`: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif):
 * every subject the trust names (a sample of each pattern) with its audience —
 * what must be Allowed — then, for the first subject, the same token from
 * another repository, from a pull request (GitHub's `repo:<o>/<r>:pull_request`),
 * with another audience, and without `aud` — what must be Denied. A trust that pins no
 * subject is asked with someone else's repository ({@link FOREIGN_SUBJECT}).
 * (https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims).
 * Labels carry the claims: `aud=<aud>,sub=<sub>`, `no-aud,sub=<sub>`.
 */
function webIdentityProbes(role: RoleModel): Probe[] {
  const out: Probe[] = [];
  for (const issuer of webIdentityIssuers(role.trust.document)) {
    const audKey = `${issuer}:aud`;
    const subKey = `${issuer}:sub`;
    const aud = conditionValues(role.trust.document, audKey)[0] ?? "sts.amazonaws.com";
    const subs = [...new Set(conditionValues(role.trust.document, subKey).map(sampleOf))];
    const first = subs[0] ?? FOREIGN_SUBJECT;
    const variants: { aud?: string; sub: string }[] = [
      ...(subs.length ? subs : [first]).map((sub) => ({ aud, sub })),
      { aud, sub: otherRepositorySubject(first) },
      ...(/^repo:[^:]+:/.test(first) ? [{ aud, sub: first.replace(/^(repo:[^:]+):.*$/, "$1:pull_request") }] : []),
      { aud: WRONG_AUDIENCE, sub: first },
      { sub: first },
    ];
    const seen = new Set<string>();
    for (const v of variants) {
      const labels = [v.aud === undefined ? "no-aud" : `aud=${v.aud}`, `sub=${v.sub}`];
      if (seen.has(labels.join(","))) continue;
      seen.add(labels.join(","));
      out.push(
        finish({
          action: WEB_IDENTITY_ACTION,
          resource: role.arn,
          resourceLabel: `role/${role.name}`,
          resourceAccount: role.account,
          context: { ...(v.aud === undefined ? {} : { [audKey]: v.aud }), [subKey]: v.sub },
          labels,
          resourcePolicy: { name: role.address, source: "trust", document: role.trust.document },
          blockPublicAccess: false,
          assumesRole: role.arn,
        }),
      );
    }
  }
  return out;
}

/** A bucket of another account, for the confused-deputy probe of a service role. */
export const OTHER_SOURCE_BUCKET_ARN = "arn:aws:s3:::someone-elses-bucket";

/**
 * A service role trusted for one source (aws:SourceAccount / aws:SourceArn,
 * the confused-deputy guard: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html):
 * the service acts for that source ("source=own": the trust's own values), and
 * for someone else's bucket in another account ("source=other": must be Denied).
 */
function sourceVariants(role: RoleModel): Variant[] {
  const accounts = [...new Set(conditionValues(role.trust.document, "aws:SourceAccount"))];
  const arns = [...new Set(conditionValues(role.trust.document, "aws:SourceArn"))];
  if (accounts.length === 0 && arns.length === 0) return [{ context: {}, labels: [] }];
  const own: Record<string, string> = {
    ...(accounts.length ? { "aws:SourceAccount": accounts[0] } : {}),
    ...(arns.length ? { "aws:SourceArn": arns[0].replace(/\*/g, "x") } : {}),
  };
  return [
    { context: own, labels: ["source=own"] },
    { context: { "aws:SourceAccount": "999999999999", "aws:SourceArn": OTHER_SOURCE_BUCKET_ARN }, labels: ["source=other"] },
  ];
}

export function roleProbes(model: StackModel, role: RoleModel): Probe[] {
  const out: Probe[] = [];
  for (const mfa of mfaVariants(model, role)) {
    for (const ext of externalIdVariants(role)) {
      for (const session of [...sessionNameVariants(role)].flatMap((sv) =>
        sourceVariants(role).map((src) => ({ context: { ...sv.context, ...src.context }, labels: [...sv.labels, ...src.labels] })),
      )) {
        out.push(
          finish({
            action: "sts:AssumeRole",
            resource: role.arn,
            resourceLabel: `role/${role.name}`,
            resourceAccount: role.account,
            context: { ...ext.context, ...mfa.context, ...session.context },
            labels: [...ext.labels, ...mfa.labels, ...session.labels],
            resourcePolicy: { name: role.address, source: "trust", document: role.trust.document },
            blockPublicAccess: false,
            assumesRole: role.arn,
          }),
        );
      }
    }
  }
  return [...out, ...webIdentityProbes(role)];
}

export function probesOf(model: StackModel, extras: StackExtras, seeds?: Seeds): Probe[] {
  return [
    ...model.buckets.flatMap((b) => bucketProbes(model, extras, b, seeds)),
    ...model.accessPoints.flatMap((ap) => accessPointProbes(model, extras, ap, seeds)),
    ...foreignAccessPointProbes(model, extras, seeds),
    ...model.keys.flatMap((k) => keyProbes(model, k)),
    ...model.roles.flatMap((r) => roleProbes(model, r)),
    ...outsideProbes(model),
  ];
}

// ------------------------------------------------------------------ resources outside the stack

/** Stands for the unknown account of a bucket the stack does not create (S3 ARNs carry none). */
export const UNKNOWN_OWNER_ACCOUNT = "000000000000";

const NOT_IN_STACK = (arn: string): NamedPolicy => ({
  name: `${arn} (not in the stack)`,
  source: "not-in-stack",
  document: { Version: "2012-10-17", Statement: [{ Sid: "AssumedByOwner", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] },
});

/**
 * Buckets, KMS keys and roles that the stack's identity policies grant access
 * to but the stack does not create: their own policies are not known, so they
 * are probed with a resource policy that allows — the cells show what the
 * stack's principals are given on their side (an upper bound; the owner's
 * policy decides).
 */
export function outsideProbes(model: StackModel): Probe[] {
  const own = new Set([...model.buckets.map((b) => b.name), ...model.keys.map((k) => k.arn), ...model.roles.map((r) => r.arn)]);
  const identity = model.policies.filter((p) => p.kind === "role-inline" || p.kind === "group-inline" || p.kind === "user-inline" || p.kind === "managed");
  const buckets = new Map<string, Set<string>>();
  const keys = new Set<string>();
  const roles = new Set<string>();
  for (const p of identity) {
    for (const s of statementsOf(p.document).filter((x) => x.Effect === "Allow")) {
      for (const r of asList(s.Resource)) {
        const s3 = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(r);
        if (s3 && !own.has(s3[1])) {
          const prefixes = buckets.get(s3[1]) ?? new Set<string>();
          if (s3[2] !== undefined && s3[2].endsWith("*") && !s3[2].slice(0, -1).includes("*") && s3[2] !== "*") prefixes.add(s3[2].slice(0, -1));
          buckets.set(s3[1], prefixes);
        }
        if (/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(r) && !own.has(r)) keys.add(r);
        if (/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(r) && !own.has(r) && asList(s.Action).some((a) => /^sts:(AssumeRole|\*)$|^\*$/i.test(a)))
          roles.add(r);
      }
    }
  }
  const out: Probe[] = [];
  for (const [name, set] of [...buckets].sort()) {
    const arn = `arn:aws:s3:::${name}`;
    const prefixes = set.size ? [...set].sort() : [WHOLE_BUCKET_SAMPLE_PREFIX];
    const base = { resourceAccount: UNKNOWN_OWNER_ACCOUNT, resourcePolicy: NOT_IN_STACK(arn), blockPublicAccess: false, outside: true };
    const req = (action: string, resource: string, label: string, context: Record<string, string>, contextLabel: string): Probe => ({
      action,
      resource,
      resourceLabel: label,
      context,
      contextLabel,
      ...base,
    });
    out.push(...[...prefixes, WRONG_PREFIX].map((p) => req("s3:ListBucket", arn, name, { "s3:prefix": p }, `prefix=${p}`)));
    for (const action of ["s3:GetObject", "s3:PutObject"])
      out.push(...[...prefixes, WRONG_PREFIX].map((p) => req(action, `${arn}/${p}${OBJECT_NAME}`, `${name}/${p}${OBJECT_NAME}`, {}, "")));
  }
  for (const arn of [...keys].sort()) {
    for (const action of ["kms:Decrypt", "kms:GenerateDataKey"]) {
      out.push({
        action,
        resource: arn,
        resourceLabel: arn,
        resourceAccount: /:(\d{12}):/.exec(arn)?.[1] ?? UNKNOWN_OWNER_ACCOUNT,
        context: {},
        contextLabel: "",
        resourcePolicy: NOT_IN_STACK(arn),
        blockPublicAccess: false,
        outside: true,
      });
    }
  }
  for (const arn of [...roles].sort()) {
    out.push({
      action: "sts:AssumeRole",
      resource: arn,
      resourceLabel: arn,
      resourceAccount: /::(\d{12}):/.exec(arn)?.[1] ?? UNKNOWN_OWNER_ACCOUNT,
      context: {},
      contextLabel: "",
      resourcePolicy: NOT_IN_STACK(arn),
      blockPublicAccess: false,
      outside: true,
    });
  }
  return out;
}
