import { asList, BucketModel, KeyModel, RoleModel, StackModel, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import { conditionValues } from "./conditions";
import { probePrefixes, WRONG_PREFIX } from "./prefixes";
import type { StackExtras } from "./stack-extras";
import type { NamedPolicy, Probe } from "./types";

/**
 * What is asked: for each bucket, listing (right prefix, wrong prefix, no
 * prefix), reading and writing under the right and a wrong prefix, deleting an
 * object, deleting the bucket, replacing its policy — each with and without
 * TLS; KMS Decrypt/GenerateDataKey on each key; sts:AssumeRole on each role,
 * with and without the ExternalId and MFA its trust asks for.
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
  const putContext: Record<string, string> =
    bucket.objectOwnership === "ObjectWriter" ? { "s3:x-amz-acl": "bucket-owner-full-control" } : {};
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

const withoutTls = (p: ProbeDraft): ProbeDraft => ({
  ...p,
  context: { ...p.context, [NO_TLS.key]: NO_TLS.value },
  labels: [...p.labels, NO_TLS.label],
});

export function bucketProbes(model: StackModel, extras: StackExtras, bucket: BucketModel): Probe[] {
  const prefixes = probePrefixes(model, bucket);
  const base = bucketBase(bucket, extras);
  const overTls: ProbeDraft[] = [...listProbes(bucket, prefixes), ...objectProbes(bucket, prefixes), ...encryptionProbes(bucket, prefixes)].map((p) => ({
    ...p,
    ...base,
  }));
  return [...overTls, ...overTls.map(withoutTls)].map(finish);
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
  const resourcePolicy: NamedPolicy = key.policy
    ? { name: key.policy.address, source: "key", document: key.policy.document }
    : { name: `${key.address} (default key policy)`, source: "default-key", document: defaultKeyPolicy(key.account) };
  // Each action called directly, and as S3 calls it on the principal's behalf
  // (kms:ViaService, which the grants require).
  const region = key.arn.split(":")[3];
  const direct = { context: {}, contextLabel: "" };
  const viaS3 = { context: { "kms:ViaService": `s3.${region}.amazonaws.com` }, contextLabel: "via-s3" };
  return ["kms:Decrypt", "kms:GenerateDataKey"].flatMap((action) =>
    [direct, viaS3].map((c) => ({
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

// ------------------------------------------------------------------ STS

/** Policies that can take part in assuming the role: its trust, and identity statements naming it (or `*`). */
function policiesAboutAssuming(model: StackModel, role: RoleModel): PolicyDocument[] {
  const identity = model.policies
    .filter((p) => p.kind === "role-inline" || p.kind === "group-inline")
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

export function roleProbes(model: StackModel, role: RoleModel): Probe[] {
  const out: Probe[] = [];
  for (const mfa of mfaVariants(model, role)) {
    for (const ext of externalIdVariants(role)) {
      for (const session of sessionNameVariants(role)) {
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
  return out;
}

export function probesOf(model: StackModel, extras: StackExtras): Probe[] {
  return [
    ...model.buckets.flatMap((b) => bucketProbes(model, extras, b)),
    ...model.keys.flatMap((k) => keyProbes(model, k)),
    ...model.roles.flatMap((r) => roleProbes(model, r)),
  ];
}
