import { asList, BucketModel, KeyModel, RoleModel, StackModel, statementsOf } from "../../lib/model/stack-model";
import { grantAsStatement } from "../../lib/policy";
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

const withoutTls = (p: ProbeDraft): ProbeDraft => ({
  ...p,
  context: { ...p.context, [NO_TLS.key]: NO_TLS.value },
  labels: [...p.labels, NO_TLS.label],
});

export function bucketProbes(model: StackModel, extras: StackExtras, bucket: BucketModel): Probe[] {
  const prefixes = probePrefixes(model, bucket);
  const base = bucketBase(bucket, extras);
  const overTls: ProbeDraft[] = [...listProbes(bucket, prefixes), ...objectProbes(bucket, prefixes)].map((p) => ({ ...p, ...base }));
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
  const base: NamedPolicy = key.policy
    ? { name: key.policy.address, source: "key", document: key.policy.document }
    : { name: `${key.address} (default key policy)`, source: "default-key", document: defaultKeyPolicy(key.account) };
  // KMS grants on the key (an existing key shared with BucketShare.fromExistingBucket) allow like key-policy statements.
  const resourcePolicy: NamedPolicy = key.grants.length
    ? {
        ...base,
        document: {
          ...base.document,
          Statement: [...statementsOf(base.document), ...key.grants.map((g, i) => grantAsStatement(g.grantee, g.operations, `KmsGrant${i + 1}`))],
        },
      }
    : base;
  return ["kms:Decrypt", "kms:GenerateDataKey"].map((action) => ({
    action,
    resource: key.arn,
    resourceLabel: keyLabel(model, key),
    resourceAccount: key.account,
    context: {},
    contextLabel: "",
    resourcePolicy,
    blockPublicAccess: false,
  }));
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

function mfaVariants(model: StackModel, role: RoleModel): Variant[] {
  const asked = policiesAboutAssuming(model, role).some((d) => conditionValues(d, "aws:MultiFactorAuthPresent").length > 0);
  const none: Variant = { context: {}, labels: [] };
  return asked ? [none, { context: { "aws:MultiFactorAuthPresent": "true" }, labels: ["mfa"] }] : [none];
}

export function roleProbes(model: StackModel, role: RoleModel): Probe[] {
  const out: Probe[] = [];
  for (const mfa of mfaVariants(model, role)) {
    for (const ext of externalIdVariants(role)) {
      out.push(
        finish({
          action: "sts:AssumeRole",
          resource: role.arn,
          resourceLabel: `role/${role.name}`,
          resourceAccount: role.account,
          context: { ...ext.context, ...mfa.context },
          labels: [...ext.labels, ...mfa.labels],
          resourcePolicy: { name: role.address, source: "trust", document: role.trust.document },
          blockPublicAccess: false,
          assumesRole: role.arn,
        }),
      );
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
