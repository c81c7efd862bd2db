import type { ModelPolicy, PolicyKind, StackModel } from "../../model/stack-model";
import type { Finding, Rule } from "./rule";

/** Policy kinds with a size limit checked here. */
export type SizedKind = Exclude<PolicyKind, "user-inline" | "managed">;

/** AWS limits, in characters of the policy JSON as stored (compact). */
export const POLICY_SIZE_LIMITS: Record<SizedKind, { limit: number; what: string; remedy: string }> = {
  bucket: {
    limit: 20 * 1024,
    what: "S3 bucket policy (20 KB)",
    remedy:
      "share the bucket in access-point mode (BucketShare accessPoints: true: one S3 Access Point per grant, each with its own 20 KB policy, up to 10,000 per account and region), or grant an AWS Organization (organizationId, aws:PrincipalOrgID) or a role per consumer account instead of listing every role",
  },
  "access-point": {
    limit: 20 * 1024,
    what: "S3 access point policy (20 KB)",
    remedy: "an access point holds one grant in access-point mode; a hand-written access point policy must name fewer principals",
  },
  trust: {
    limit: 2048,
    what: "IAM role trust policy (2,048 characters by default)",
    remedy: "trust fewer, broader principals (one role per consumer account) or request a higher 'Role trust policy length' quota",
  },
  "role-inline": {
    limit: 10240,
    what: "IAM inline role policies (10,240 characters for all of a role's inline policies together)",
    remedy: "scope the role to fewer buckets/prefixes, or split the access across roles",
  },
  "group-inline": {
    limit: 5120,
    what: "IAM inline group policies (5,120 characters for all of a group's inline policies together)",
    remedy: "split the access across groups",
  },
  key: {
    limit: 32768,
    what: "KMS key policy (32 KB)",
    remedy:
      "grant an AWS Organization (organizationId) instead of listing principals; past the per-principal form BucketShare's key policy names consumer ACCOUNTS (kms:CallerAccount via S3), so this means too many consumer accounts",
  },
};

/** True for a policy kind with a size limit in {@link POLICY_SIZE_LIMITS}. */
export const hasSizeLimit = (kind: PolicyKind): kind is SizedKind => kind in POLICY_SIZE_LIMITS;

/** IAM counts characters without whitespace; our JSON is compact, so its length is what AWS counts. */
export const policySize = (p: ModelPolicy): number => p.json.replace(/\s+/g, "").length;

export const policySizeRule: Rule = {
  id: "policy-size",
  severity: "error",
  explanation: "A bucket, access point, trust, inline or key policy over its AWS size limit is rejected at apply.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
    "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
  ],
  check(model: StackModel): Finding[] {
    const out: Finding[] = [];
    const check = (kind: SizedKind, address: string, attachedTo: string, size: number): void => {
      const { limit, what, remedy } = POLICY_SIZE_LIMITS[kind];
      if (size > limit) {
        out.push({
          level: "error",
          address,
          check: "policy-size",
          message: `${what} of ${attachedTo} is ${size} characters, over the limit of ${limit}: AWS would reject it at apply. Remedy: ${remedy}.`,
        });
      }
    };
    for (const p of model.policies) {
      if (p.kind === "bucket" || p.kind === "trust" || p.kind === "key" || p.kind === "access-point") check(p.kind, p.address, p.attachedTo, policySize(p));
    }
    for (const r of model.roles) {
      const inline = r.inline.filter((p) => p.kind === "role-inline");
      if (inline.length)
        check(
          "role-inline",
          inline[0].address,
          r.arn,
          inline.reduce((n, p) => n + policySize(p), 0),
        );
    }
    for (const g of model.groups)
      if (g.inline.length)
        check(
          "group-inline",
          g.inline[0].address,
          g.arn,
          g.inline.reduce((n, p) => n + policySize(p), 0),
        );
    return out;
  },
};
