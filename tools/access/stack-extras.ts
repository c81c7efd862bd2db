import { type AcknowledgementRecord, readAcknowledgements } from "../../lib/checks/acknowledge";
import { asList, EXISTING_BUCKET_MARKER, statementsOf, type StackModel, type TfJson } from "../../lib/model/stack-model";

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
  /**
   * The data perimeters of the stack's shares and roles (`perimeter` prop), as
   * Organization membership: their member accounts' requests carry
   * `aws:PrincipalOrgID`, requests to their resources `aws:ResourceOrgID`.
   * @default none
   */
  readonly perimeter?: StackPerimeter;
}

/** The Organization of a stack's perimeters and what the stack knows of its accounts. */
export interface StackPerimeter {
  readonly organizationId: string;
  /** Accounts of the Organization (the shares' and roles' own, their granted principals'). */
  readonly memberAccounts: readonly string[];
  /** Accounts outside it that the perimeter lets through (`trustedOutsideAccounts`). */
  readonly trustedAccounts: readonly string[];
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

const jsonList = (x: unknown): string[] => {
  try {
    const v: unknown = JSON.parse(str(x) || "[]");
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
};

/**
 * The perimeter markers (`locals`, `xacct_resource` = "perimeter", written by
 * lib/perimeter.ts). Every perimeter of one stack names one Organization
 * (the review models one): a second one is an error, not a silent pick.
 */
function perimeterOf(tf: TfJson, model: StackModel): StackPerimeter | undefined {
  const markers = Object.values(tf.locals ?? {}).filter(
    (m): m is Record<string, unknown> => typeof m === "object" && m !== null && (m as Record<string, unknown>)[EXISTING_BUCKET_MARKER] === "perimeter",
  );
  if (markers.length === 0) return perimeterOfPolicies(model);
  const ids = [...new Set(markers.map((m) => str(m.organization_id)))];
  if (ids.length > 1) throw new Error(`the stack's perimeters name ${ids.length} Organizations (${ids.join(", ")}): the access review models one`);
  const all = (key: string): string[] => [...new Set(markers.flatMap((m) => jsonList(m[key])))].sort();
  const trusted = all("trusted_accounts");
  return { organizationId: ids[0], memberAccounts: all("member_accounts").filter((a) => !trusted.includes(a)), trustedAccounts: trusted };
}

/**
 * A plan (`xacct-access plan`) holds no `locals`: there the perimeter is read
 * from the resource policies themselves. A Deny whose condition is
 * `StringNotEqualsIfExists aws:PrincipalOrgID` (what lib/policy writes, and
 * AWS's examples) names the Organization; the stack's own accounts are taken
 * as its members (what the perimeter asserts), the `aws:PrincipalAccount`
 * values beside it as trusted outsiders.
 */
function perimeterOfPolicies(model: StackModel): StackPerimeter | undefined {
  const ids = new Set<string>();
  const trusted = new Set<string>();
  for (const p of model.policies) {
    for (const st of statementsOf(p.document)) {
      const c = st.Effect === "Deny" ? st.Condition?.StringNotEqualsIfExists : undefined;
      const org = c?.["aws:PrincipalOrgID"];
      if (typeof org !== "string") continue;
      ids.add(org);
      asList(c?.["aws:PrincipalAccount"] as string | string[] | undefined).forEach((a) => trusted.add(String(a)));
    }
  }
  if (ids.size !== 1) return undefined;
  const members = [...new Set(Object.values(model.accounts))].filter((a) => !trusted.has(a)).sort();
  return { organizationId: [...ids][0], memberAccounts: members, trustedAccounts: [...trusted].sort() };
}

export function readStackExtras(tf: TfJson, model: StackModel): StackExtras {
  const perimeter = perimeterOf(tf, model);
  return {
    restrictPublicBuckets: restrictPublicBuckets(tf, model),
    notifications: notifications(tf, model),
    aliasOfAccount: aliasOfAccount(model),
    acknowledgements: readAcknowledgements(tf),
    versionedBuckets: versionedBuckets(tf, model),
    bucketKeyBuckets: bucketKeyBuckets(tf, model),
    ...(perimeter ? { perimeter } : {}),
  };
}
