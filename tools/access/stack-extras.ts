import { type AcknowledgementRecord, readAcknowledgements } from "../../lib/checks/acknowledge";
import type { StackModel, TfJson } from "../../lib/model/stack-model";

/**
 * What the access matrix and the diagram need from a synthesized stack that
 * `buildStackModel` does not (yet) carry. Candidates to move into lib/model.
 */

export interface BucketNotificationModel {
  readonly address: string;
  /** Bucket name. */
  readonly bucket: string;
  /** Function name the events go to. */
  readonly functionName: string;
  readonly events: readonly string[];
}

export interface StackExtras {
  /** Buckets (by name) whose public access block has `restrict_public_buckets`. */
  readonly restrictPublicBuckets: ReadonlySet<string>;
  readonly notifications: readonly BucketNotificationModel[];
  /** Account id → provider alias (the first alias naming it). */
  readonly aliasOfAccount: Readonly<Record<string, string>>;
  /** Warnings of the synth-time checks acknowledged in the stack, with their reasons. */
  readonly acknowledgements: readonly AcknowledgementRecord[];
  /** Buckets (by name) whose versioning is Enabled (aws_s3_bucket_versioning): the call proof's `unversioned-source` calls. */
  readonly versionedBuckets?: ReadonlySet<string>;
  /** Buckets (by name) with S3 Bucket Keys on: S3's KMS encryption context is then the bucket ARN, not the object's. */
  readonly bucketKeyBuckets?: ReadonlySet<string>;
}

type Attrs = Record<string, unknown>;
const str = (x: unknown): string => (typeof x === "string" ? x : "");
const list = (x: unknown): Attrs[] => (Array.isArray(x) ? (x as Attrs[]) : x && typeof x === "object" ? [x as Attrs] : []);

function restrictPublicBuckets(tf: TfJson, model: StackModel): Set<string> {
  const out = new Set<string>();
  for (const a of Object.values(tf.resource?.aws_s3_bucket_public_access_block ?? {})) {
    if (a.restrict_public_buckets === true) out.add(model.resolve(str(a.bucket)));
  }
  return out;
}

function functionArns(model: StackModel): Map<string, string> {
  return new Map(model.functions.map((f) => [`arn:aws:lambda:${model.region}:${f.account}:function:${f.name}`, f.name]));
}

function notifications(tf: TfJson, model: StackModel): BucketNotificationModel[] {
  const byArn = functionArns(model);
  const out: BucketNotificationModel[] = [];
  for (const [name, a] of Object.entries(tf.resource?.aws_s3_bucket_notification ?? {})) {
    for (const target of list(a.lambda_function)) {
      const fn = byArn.get(model.resolve(str(target.lambda_function_arn)));
      if (fn === undefined) continue;
      const events = Array.isArray(target.events) ? target.events.map(String) : [];
      out.push({ address: `aws_s3_bucket_notification.${name}`, bucket: model.resolve(str(a.bucket)), functionName: fn, events });
    }
  }
  return out;
}

function aliasOfAccount(model: StackModel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alias, account] of Object.entries(model.accounts)) out[account] ??= alias;
  return out;
}

function versionedBuckets(tf: TfJson, model: StackModel): Set<string> {
  const out = new Set<string>();
  for (const a of Object.values(tf.resource?.aws_s3_bucket_versioning ?? {})) {
    if (list(a.versioning_configuration).some((v) => v.status === "Enabled")) out.add(model.resolve(str(a.bucket)));
  }
  return out;
}

function bucketKeyBuckets(tf: TfJson, model: StackModel): Set<string> {
  const out = new Set<string>();
  for (const a of Object.values(tf.resource?.aws_s3_bucket_server_side_encryption_configuration ?? {})) {
    if (list(a.rule).some((r) => r.bucket_key_enabled === true)) out.add(model.resolve(str(a.bucket)));
  }
  return out;
}

export function readStackExtras(tf: TfJson, model: StackModel): StackExtras {
  return {
    restrictPublicBuckets: restrictPublicBuckets(tf, model),
    notifications: notifications(tf, model),
    aliasOfAccount: aliasOfAccount(model),
    acknowledgements: readAcknowledgements(tf),
    versionedBuckets: versionedBuckets(tf, model),
    bucketKeyBuckets: bucketKeyBuckets(tf, model),
  };
}
