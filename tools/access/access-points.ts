import type { AccessPointModel, StackModel } from "../../lib/model/stack-model";
import { statementsOf } from "../../lib/model/stack-model";
import { asList } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import { evaluate } from "./evaluate";
import { BROAD_PROBE_POLICY, principalsOf } from "./principals";
import { keyProbes } from "./probes";
import type { DecidingStatement, Decision, MatrixPrincipal, NamedPolicy, Probe } from "./types";

/**
 * Requests through an S3 access point (access-point mode), evaluated as S3
 * does: a request through an access point is allowed only when
 *   1. the caller's identity policy allows it on the ACCESS POINT ARN
 *      (`<ap>` for ListBucket, `<ap>/object/<key>` for objects) and the
 *      access point policy allows it (cross-account: both are needed);
 *   2. the underlying bucket's policy allows it — for requests through an
 *      access point of the owning account, the delegation statement
 *      (`s3:DataAccessPointAccount`); explicit denies (TLS) still apply;
 *   3. for object reads/writes of an SSE-KMS bucket, the key allows the
 *      caller kms:Decrypt / kms:GenerateDataKey via S3 (key policy + the
 *      caller's identity policy).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
 *
 * Each hop is one evaluation of the same engine as the matrix
 * (tools/access/evaluate.ts). New file so the matrix rewrite (i12-access)
 * can call {@link accessPointCells} from its probe set after the merge.
 */

export interface AccessPointCell {
  readonly principal: string;
  readonly action: string;
  /** `ap/<name>` or `ap/<name>/object/<key>`. */
  readonly resource: string;
  readonly decision: Decision;
  /** Which hop refused it first ("identity+access-point", "bucket", "key"), or "" when allowed. */
  readonly deniedAt: "" | "identity+access-point" | "bucket" | "key";
  readonly deciding: readonly DecidingStatement[];
  /** `principal action resource`: what tests compare. */
  readonly key: string;
}

/**
 * @cloud-copilot/iam-simulate 0.1.173 drops `s3:DataAccessPointAccount` and
 * `s3:DataAccessPointArn` from requests on bucket/object ARNs (it lists them
 * in `ignoredContextKeys`), so a delegation statement would never match. The
 * bucket hop therefore evaluates the bucket policy with those two keys
 * renamed to principal-tag keys the engine keeps (the probe principals have
 * no tags, so nothing else can match them), and passes the values under the
 * same names. Same operators, same values: only the key's name changes.
 */
const ENGINE_KEYS = {
  "s3:DataAccessPointAccount": "aws:PrincipalTag/xacct-s3-DataAccessPointAccount",
  "s3:DataAccessPointArn": "aws:PrincipalTag/xacct-s3-DataAccessPointArn",
} as const;

function withEngineKeys(doc: PolicyDocument): PolicyDocument {
  let json = JSON.stringify(doc);
  for (const [from, to] of Object.entries(ENGINE_KEYS)) json = json.split(`"${from}"`).join(`"${to}"`);
  return JSON.parse(json) as PolicyDocument;
}

/** The prefix an access point's policy grants objects under (`<ap>/object/<prefix>*`). */
export function accessPointPrefix(ap: AccessPointModel): string {
  for (const s of ap.policy ? statementsOf(ap.policy.document) : []) {
    for (const r of asList(s.Resource)) if (r.startsWith(`${ap.arn}/object/`) && r.endsWith("*")) return r.slice(`${ap.arn}/object/`.length, -1);
  }
  return "";
}

const OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject"] as const;
const KMS_FOR: Record<string, string> = { "s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey" };

/** The probes of one access point: ListBucket (with its prefix) and object reads/writes under its prefix. */
function requests(ap: AccessPointModel): { action: string; resource: string; label: string; key?: string; context: Record<string, string> }[] {
  const prefix = accessPointPrefix(ap);
  const key = `${prefix}access-matrix-probe.txt`;
  return [
    { action: "s3:ListBucket", resource: ap.arn, label: `ap/${ap.name}`, context: prefix ? { "s3:prefix": prefix } : {} },
    ...OBJECT_ACTIONS.map((action) => ({ action, resource: `${ap.arn}/object/${key}`, label: `ap/${ap.name}/object/${key}`, key, context: {} })),
  ];
}

async function throughAccessPoint(model: StackModel, principal: MatrixPrincipal, ap: AccessPointModel, r: ReturnType<typeof requests>[number]): Promise<AccessPointCell> {
  const cell = (decision: Decision, deniedAt: AccessPointCell["deniedAt"], deciding: readonly DecidingStatement[]): AccessPointCell => ({
    principal: principal.label,
    action: r.action,
    resource: r.label,
    decision,
    deniedAt,
    deciding,
    key: `${principal.label} ${r.action} ${r.label}`,
  });
  const apPolicy: NamedPolicy | undefined = ap.policy ? { name: ap.policy.address, source: "access-point", document: ap.policy.document } : undefined;
  const bpa = true; // BucketShare sets Block Public Access on every access point
  // 1. identity policy on the access point ARN + access point policy
  const first = await evaluate(principal, {
    action: r.action,
    resource: r.resource,
    resourceLabel: r.label,
    resourceAccount: ap.account,
    context: r.context,
    contextLabel: "",
    resourcePolicy: apPolicy,
    blockPublicAccess: bpa,
  });
  if (first.decision === "Denied") return cell("Denied", "identity+access-point", first.deciding);

  // 2. the bucket policy, for a request that came through one of the owning account's access points
  const bucket = model.buckets.find((b) => b.name === ap.bucket || `arn:aws:s3:::${ap.bucket}` === b.arn);
  const bucketArn = bucket?.arn ?? `arn:aws:s3:::${ap.bucket}`;
  const bucketPolicy = bucket?.policy ? withEngineKeys(bucket.policy.document) : undefined;
  const viaBucket: MatrixPrincipal = { ...principal, identityPolicies: [{ name: "identity-allowed-at-hop-1", source: "probe-identity", document: BROAD_PROBE_POLICY }] };
  const second = await evaluate(viaBucket, {
    action: r.action,
    resource: r.key !== undefined ? `${bucketArn}/${r.key}` : bucketArn,
    resourceLabel: r.label,
    resourceAccount: bucket?.account ?? ap.account,
    context: { ...r.context, [ENGINE_KEYS["s3:DataAccessPointAccount"]]: ap.account, [ENGINE_KEYS["s3:DataAccessPointArn"]]: ap.arn },
    contextLabel: "",
    resourcePolicy: bucket?.policy && bucketPolicy ? { name: bucket.policy.address, source: "bucket", document: bucketPolicy } : undefined,
    // Block Public Access off for this hop only: S3 counts a statement restricted to fixed values of
    // s3:DataAccessPointAccount / s3:DataAccessPointArn as non-public ("The meaning of public",
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html),
    // which the renamed keys would lose; the access point hop above evaluates with it on.
    blockPublicAccess: false,
  });
  if (second.decision === "Denied") return cell("Denied", "bucket", second.deciding);

  // 3. the bucket's key, used by S3 on the caller's behalf
  const keyModel = bucket?.kmsKeyArn ? model.keys.find((k) => k.arn === bucket.kmsKeyArn) : undefined;
  const kmsAction = KMS_FOR[r.action];
  if (keyModel && kmsAction) {
    const probe = keyProbes(model, keyModel).find((p) => p.action === kmsAction) as Probe;
    const region = ap.arn.split(":")[3];
    const third = await evaluate(principal, { ...probe, context: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:CallerAccount": principal.account ?? "" } });
    if (third.decision === "Denied") return cell("Denied", "key", third.deciding);
    return cell("Allowed", "", [...first.deciding, ...second.deciding, ...third.deciding]);
  }
  return cell("Allowed", "", [...first.deciding, ...second.deciding]);
}

/**
 * Every principal of the matrix (the stack's roles, the account probes, a
 * third account, anonymous) against every access point of the stack.
 */
export async function accessPointCells(model: StackModel, principals: readonly MatrixPrincipal[] = principalsOf(model)): Promise<AccessPointCell[]> {
  const out: AccessPointCell[] = [];
  for (const ap of model.accessPoints) {
    for (const r of requests(ap)) {
      for (const p of principals) {
        // An account's own admins are its own IAM's business: probes of the stack's accounts ask cross-account only.
        if (p.crossAccountOnly && p.account === ap.account) continue;
        out.push(await throughAccessPoint(model, p, ap, r));
      }
    }
  }
  return out;
}
