import * as fs from "fs";
import * as path from "path";
import type { TfJson } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import { diffPlan } from "../../tools/access";
import type { PlanJson } from "../../tools/access/plan";
import type { AccessDiff } from "../../tools/access/review";
import { fromRun, type StepOutcome } from "../lib/context";
import type { Terraform } from "../lib/terraform";

/**
 * `xacct-access plan` against real state (issue 12): on the deployed
 * bucket-policy stack, one grant to a principal the stack never named is added
 * to the bucket policy in the stack's configuration (cdk.tf.json); the saved
 * plan's diff must report exactly that principal's new cell and nothing else.
 * After applying it, the next plan's diff must be empty. The original
 * configuration is restored (and destroyed by the stack flow).
 */

export const NEW_PRINCIPAL_ACCOUNT = "444455556666";
const SID = "E2eAccessReviewGrant";

/** The bucket policy of cdk.tf.json with one more statement: GetObject under the writer's prefix for a new account. */
function withNewGrant(tf: TfJson): { tf: TfJson; bucketName: string; prefix: string } {
  const policies = Object.values(tf.resource?.aws_s3_bucket_policy ?? {});
  if (policies.length !== 1) throw new Error(`expected one aws_s3_bucket_policy, found ${policies.length}`);
  const doc = JSON.parse(String(policies[0].policy)) as PolicyDocument;
  const objects = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : s.Resource ? [s.Resource] : [])).find(
    (r) => /\/[^*]+\*$/.test(r) && s3Object(r),
  );
  if (!objects) throw new Error("no prefix-scoped object resource in the bucket policy to copy");
  doc.Statement.push({
    Sid: SID,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${NEW_PRINCIPAL_ACCOUNT}:root` },
    Action: "s3:GetObject",
    Resource: objects,
  });
  policies[0].policy = JSON.stringify(doc);
  const bucket: unknown = Object.values(tf.resource?.aws_s3_bucket ?? {})[0]?.bucket;
  const bucketName = typeof bucket === "string" ? bucket : "";
  const prefix = /\/([^/]+\/)\*$/.exec(objects)?.[1] ?? "";
  return { tf, bucketName, prefix };
}

const s3Object = (r: string): boolean => r.includes(":s3:::") || r.includes("aws_s3_bucket.");

async function planDiff(tf: Terraform, name: string): Promise<{ diff?: AccessDiff; outcome?: StepOutcome }> {
  const r = await tf.plan(`${name}.tfplan`);
  if (r.code !== 0) return { outcome: fromRun(r) };
  const json = await tf.showJson<PlanJson>(`${name}.tfplan`);
  return { diff: await diffPlan(json, { file: `${name}.tfplan`, stack: "bucket-policy" }) };
}

const keys = (d: AccessDiff, side: "added" | "removed"): string[] => d.stacks.flatMap((s) => s[side].map((c) => c.key));
const problems = (d: AccessDiff): string[] =>
  d.stacks.flatMap((s) => [...s.unknown.map((u) => `unknown ${u.address}.${u.attribute}`), ...s.undecided.map((c) => `undecided ${c.key}`)]);

export async function accessPlanCheck(tf: Terraform): Promise<StepOutcome> {
  const file = path.join(tf.dir, "cdk.tf.json");
  const original = fs.readFileSync(file, "utf8");
  try {
    const grant = withNewGrant(JSON.parse(original) as TfJson);
    fs.writeFileSync(file, JSON.stringify(grant.tf, null, 2));
    const first = await planDiff(tf, "access-grant");
    if (!first.diff) return first.outcome as StepOutcome;
    const want = [`probe/${NEW_PRINCIPAL_ACCOUNT} s3:GetObject ${grant.bucketName}/${grant.prefix}x.json`];
    const added = keys(first.diff, "added");
    const removed = keys(first.diff, "removed");
    const odd = problems(first.diff);
    if (JSON.stringify(added) !== JSON.stringify(want) || removed.length || odd.length) {
      return {
        ok: false,
        detail: `plan with the new grant: NEW ${JSON.stringify(added)} (want ${JSON.stringify(want)}), REMOVED ${JSON.stringify(removed)}, ${odd.join("; ") || "no unknowns"}`,
      };
    }
    const applied = await tf.apply("access-grant.tfplan");
    if (applied.code !== 0) return fromRun(applied);
    const next = await planDiff(tf, "access-after");
    if (!next.diff) return next.outcome as StepOutcome;
    const again = [...keys(next.diff, "added"), ...keys(next.diff, "removed"), ...problems(next.diff)];
    if (again.length) return { ok: false, detail: `plan after applying the grant is not empty: ${again.join("; ")}` };
    const unchanged = next.diff.stacks[0]?.unchanged ?? 0;
    return { ok: true, detail: `NEW exactly ${want[0]}; after apply: 0 NEW, 0 REMOVED, ${unchanged} UNCHANGED` };
  } finally {
    fs.writeFileSync(file, original);
  }
}
