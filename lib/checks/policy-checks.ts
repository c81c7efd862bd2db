import { grantAsStatement, LEVEL_ACTIONS, Statement } from "../policy";
import { KEY_ADMIN_SID } from "../policy/documents";
import { accountOfArn, asList, ModelPolicy, PolicyKind, principalArns, StackModel, statementsOf } from "../model/stack-model";
import type { Acknowledgement } from "./acknowledge";

/**
 * The classic cross-account pitfalls, found in the synthesized policies
 * before anything is deployed. Errors fail synth; warnings print unless the
 * resource acknowledges them.
 */
export interface Finding {
  readonly level: "error" | "warning";
  /** Terraform address of the resource to fix. */
  readonly address: string;
  readonly check: string;
  readonly message: string;
  /** A warning that this acknowledgement silences. */
  readonly acknowledgement?: Acknowledgement;
}

/** AWS limits, in characters of the policy JSON as stored (compact). */
export const POLICY_SIZE_LIMITS: Record<PolicyKind, { limit: number; what: string; remedy: string }> = {
  bucket: {
    limit: 20 * 1024,
    what: "S3 bucket policy (20 KB)",
    remedy: "grant an AWS Organization (organizationId, aws:PrincipalOrgID) or a role per consumer account instead of listing every role, or split the data across buckets",
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
    remedy: "grant an AWS Organization in the key policy instead of listing every principal",
  },
};

/** IAM counts characters without whitespace; our JSON is compact, so its length is what AWS counts. */
export const policySize = (p: ModelPolicy): number => p.json.replace(/\s+/g, "").length;

const lower = (xs: string[]): string[] => xs.map((x) => x.toLowerCase());
const isS3Resource = (r: string): boolean => r.startsWith("arn:aws:s3:::");
const isObjectArn = (r: string): boolean => isS3Resource(r) && r.slice("arn:aws:s3:::".length).includes("/");
const BUCKET_LEVEL_ACTIONS = ["s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads", "s3:getbucketlocation"];
const OBJECT_ACTIONS = ["s3:getobject", "s3:putobject", "s3:deleteobject", "s3:getobjectversion", "s3:putobjectacl", "s3:getobjectacl"];

function sizeFindings(model: StackModel): Finding[] {
  const out: Finding[] = [];
  const check = (kind: PolicyKind, address: string, attachedTo: string, size: number): void => {
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
  for (const p of model.policies) if (p.kind === "bucket" || p.kind === "trust" || p.kind === "key") check(p.kind, p.address, p.attachedTo, policySize(p));
  for (const r of model.roles) if (r.inline.length) check("role-inline", r.inline[0].address, r.arn, r.inline.reduce((n, p) => n + policySize(p), 0));
  for (const g of model.groups) if (g.inline.length) check("group-inline", g.inline[0].address, g.arn, g.inline.reduce((n, p) => n + policySize(p), 0));
  return out;
}

function resourceShapeFindings(p: ModelPolicy, s: Statement): Finding[] {
  if (s.Effect !== "Allow") return [];
  const actions = lower(asList(s.Action));
  const resources = asList(s.Resource).filter(isS3Resource);
  if (resources.length === 0) return [];
  const out: Finding[] = [];
  const bucketActions = actions.filter((a) => BUCKET_LEVEL_ACTIONS.includes(a));
  if (bucketActions.length && resources.every(isObjectArn)) {
    out.push({
      level: "error",
      address: p.address,
      check: "list-bucket-on-object-arn",
      message: `statement ${s.Sid ?? "(no Sid)"} of ${p.attachedTo} grants ${bucketActions.join(", ")} only on object ARNs (${resources.join(", ")}); ListBucket applies to the bucket ARN (arn:aws:s3:::bucket) and would be denied. Grant it on the bucket ARN, narrowed with an s3:prefix condition.`,
    });
  }
  const objectActions = actions.filter((a) => OBJECT_ACTIONS.includes(a));
  if (objectActions.length && resources.every((r) => !isObjectArn(r))) {
    out.push({
      level: "error",
      address: p.address,
      check: "object-action-on-bucket-arn",
      message: `statement ${s.Sid ?? "(no Sid)"} of ${p.attachedTo} grants ${objectActions.join(", ")} only on the bucket ARN (${resources.join(", ")}); object actions apply to arn:aws:s3:::bucket/key and would be denied. Grant them on "arn:aws:s3:::bucket/prefix*".`,
    });
  }
  return out;
}

/**
 * Condition keys that narrow who (or from where) the caller is. Other keys —
 * aws:SecureTransport, s3:prefix, s3:x-amz-acl, ... — leave Principal "*" open to everyone.
 */
export const CALLER_CONDITION_KEYS = [
  "aws:PrincipalOrgID",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:SourceAccount",
  "aws:PrincipalOrgPaths",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:SourceVpce",
  "aws:SourceVpc",
  "aws:SourceIp",
  "aws:VpcSourceIp",
  "aws:userid",
  "aws:username",
];
const CALLER_KEYS = new Set(lower(CALLER_CONDITION_KEYS));

/** True when some condition (other than a Null test) constrains one of the caller keys. */
function restrictsCaller(condition: Statement["Condition"]): boolean {
  return Object.entries(condition ?? {}).some(
    ([operator, keys]) => !/^(ForAnyValue:|ForAllValues:)?Null$/i.test(operator) && Object.keys(keys ?? {}).some((k) => CALLER_KEYS.has(k.toLowerCase())),
  );
}

function wildcardFindings(p: ModelPolicy, s: Statement): Finding[] {
  if (s.Effect !== "Allow") return [];
  const out: Finding[] = [];
  const isKeyAdmin = p.kind === "key" && s.Sid === KEY_ADMIN_SID;
  const wild = asList(s.Action).filter((a) => a === "*" || a.endsWith(":*"));
  if (wild.length && !isKeyAdmin) {
    out.push({
      level: "warning",
      address: p.address,
      check: "wildcard-action",
      acknowledgement: "wildcard-action",
      message: `statement ${s.Sid ?? "(no Sid)"} of ${p.attachedTo} allows ${wild.join(", ")}: list the actions needed (read = s3:GetObject + s3:ListBucket, write = s3:PutObject).`,
    });
  }
  if (s.Principal === "*" || asList(s.Principal?.AWS).includes("*")) {
    if (!restrictsCaller(s.Condition)) {
      out.push({
        level: "warning",
        address: p.address,
        check: "wildcard-principal",
        acknowledgement: "wildcard-principal",
        message: `statement ${s.Sid ?? "(no Sid)"} of ${p.attachedTo} allows Principal "*" with no condition on who calls (${CALLER_CONDITION_KEYS.slice(0, 4).join(", ")}, ...): anyone with the ARN. Name principals, or restrict with aws:PrincipalOrgID.`,
      });
    }
  }
  const roots = principalArns(s).filter((a) => a.endsWith(":root"));
  if (roots.length && !isKeyAdmin) {
    out.push({
      level: "warning",
      address: p.address,
      check: "account-root-principal",
      acknowledgement: "account-root-principal",
      message: `statement ${s.Sid ?? "(no Sid)"} of ${p.attachedTo} names ${roots.join(", ")}: every principal of that account its admins allow. Name the role ARN that needs access.`,
    });
  }
  return out;
}

/** Actions a statement list allows on a resource (exact ARN or `*`), optionally only for one principal. */
function allowedKmsActions(statements: Statement[], keyArn: string, principal?: string): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== "Allow") continue;
    const resources = asList(s.Resource);
    if (!resources.includes("*") && !resources.includes(keyArn)) continue;
    if (principal !== undefined) {
      const ps = principalArns(s);
      const acct = accountOfArn(principal);
      if (!ps.includes(principal) && !(acct && ps.includes(`arn:aws:iam::${acct}:root`)) && s.Principal !== "*") continue;
    }
    for (const a of asList(s.Action)) out.add(a.toLowerCase());
  }
  return out;
}

const covers = (have: Set<string>, need: string): boolean =>
  have.has(need.toLowerCase()) || have.has("kms:*") || have.has("*") || (need === "kms:GenerateDataKey" && have.has("kms:generatedatakey*"));

/**
 * A principal that may read or write objects of an SSE-KMS bucket also needs
 * the key: in its own identity policy, and — when it is in another account —
 * in the key policy. Missing either fails at run time with AccessDenied.
 */
function kmsFindings(model: StackModel): Finding[] {
  const out: Finding[] = [];
  const keys = new Map(model.keys.map((k) => [k.arn, k]));
  const needFor = (actions: string[]): string[] => {
    const a = lower(actions);
    const need: string[] = [];
    if (a.some((x) => x === "s3:getobject" || x === "s3:*" || x === "*")) need.push(...LEVEL_ACTIONS.read.kms);
    if (a.some((x) => x === "s3:putobject" || x === "s3:*" || x === "*")) need.push("kms:GenerateDataKey");
    return need;
  };
  for (const b of model.buckets) {
    if (!b.kmsKeyArn) continue;
    const key = keys.get(b.kmsKeyArn);
    // The key policy, plus each KMS grant on the key as the statement it amounts to.
    const keyStatements = [
      ...(key?.policy ? statementsOf(key.policy.document) : []),
      ...(key?.grants ?? []).map((g, i) => grantAsStatement(g.grantee, g.operations, `KmsGrant${i + 1}`)),
    ];
    const onBucket = (s: Statement): boolean => asList(s.Resource).some((r) => r.startsWith(`${b.arn}/`) || r === `${b.arn}*`);

    // Identity side: every role of the stack whose inline policy grants object actions on this bucket.
    for (const r of model.roles) {
      const statements = r.inline.flatMap((p) => statementsOf(p.document));
      const need = needFor(statements.filter((s) => s.Effect === "Allow" && onBucket(s)).flatMap((s) => asList(s.Action)));
      if (need.length === 0) continue;
      const have = allowedKmsActions(statements, b.kmsKeyArn);
      const missing = need.filter((n) => !covers(have, n));
      if (missing.length) {
        out.push({
          level: "error",
          address: r.inline[0].address,
          check: "kms-identity-grant",
          message: `${r.arn} may use objects of SSE-KMS bucket ${b.name} but its policy lacks ${missing.join(", ")} on the bucket's key ${b.kmsKeyArn}; S3 calls would fail with AccessDenied. Pass the bucket's s3Grant() (which carries kmsKeyArn) to the role.`,
        });
      }
      if (r.account !== (key?.account ?? b.account)) {
        const keyHave = allowedKmsActions(keyStatements, "*", r.arn);
        const keyMissing = need.filter((n) => !covers(keyHave, n));
        if (keyMissing.length) {
          out.push({
            level: "error",
            address: key?.address ?? b.address,
            check: "kms-key-policy-grant",
            message: `key policy of ${b.kmsKeyArn} does not allow ${keyMissing.join(", ")} to ${r.arn} (account ${r.account}), which may use objects of bucket ${b.name}; cross-account KMS use needs the key policy too. Add the principal with bucketShare.addGrant().`,
          });
        }
      }
    }
    // Resource side: every cross-account principal the bucket policy grants object actions.
    if (b.policy) {
      for (const s of statementsOf(b.policy.document)) {
        if (s.Effect !== "Allow" || !onBucket(s)) continue;
        const need = needFor(asList(s.Action));
        for (const principal of principalArns(s)) {
          if (accountOfArn(principal) === b.account) continue;
          const keyHave = allowedKmsActions(keyStatements, "*", principal);
          const missing = need.filter((n) => !covers(keyHave, n));
          if (missing.length) {
            out.push({
              level: "error",
              address: key?.address ?? b.address,
              check: "kms-key-policy-grant",
              message: `bucket policy of ${b.name} lets ${principal} use objects, but the key policy of ${b.kmsKeyArn} does not allow it ${missing.join(", ")}: every request would fail with AccessDenied. Grant the key to the same principals as the bucket.`,
            });
          }
        }
      }
    }
  }
  return out;
}

function ownershipFindings(model: StackModel): Finding[] {
  const out: Finding[] = [];
  for (const b of model.buckets) {
    if (b.objectOwnership !== "ObjectWriter") continue;
    const enforced = (b.policy ? statementsOf(b.policy.document) : []).some(
      (s) =>
        s.Effect === "Deny" &&
        lower(asList(s.Action)).some((a) => a === "s3:putobject" || a === "s3:*") &&
        JSON.stringify(s.Condition ?? {}).includes('"s3:x-amz-acl":"bucket-owner-full-control"'),
    );
    if (!enforced) {
      out.push({
        level: "error",
        address: b.policy?.address ?? b.address,
        check: "object-writer-without-bofc",
        message: `bucket ${b.name} keeps ObjectWriter ownership but its policy does not require x-amz-acl=bucket-owner-full-control: objects written by other accounts would be unreadable by the owner. Use BucketOwnerEnforced ownership, or keep requireBucketOwnerFullControl on.`,
      });
    }
  }
  return out;
}

/** A function asking for a longer session than its target role allows fails every AssumeRole. */
function sessionFindings(model: StackModel): Finding[] {
  const out: Finding[] = [];
  for (const fn of model.functions) {
    const roleArn = fn.environment.TARGET_ROLE_ARN;
    const requested = Number(fn.environment.TARGET_SESSION_DURATION_SECONDS ?? "3600");
    const role = model.roles.find((r) => r.arn === roleArn);
    if (role && requested > role.maxSessionDurationSeconds) {
      out.push({
        level: "error",
        address: fn.address,
        check: "session-duration",
        message: `${fn.name} requests ${requested} s sessions of ${role.arn}, whose maximum is ${role.maxSessionDurationSeconds} s: STS would refuse every AssumeRole. Lower the session duration or raise the role's maxSessionDurationSeconds.`,
      });
    }
  }
  return out;
}

export function checkModel(model: StackModel): Finding[] {
  const perStatement = model.policies.flatMap((p) =>
    statementsOf(p.document).flatMap((s) => [...resourceShapeFindings(p, s), ...wildcardFindings(p, s)]),
  );
  return [...sizeFindings(model), ...perStatement, ...kmsFindings(model), ...ownershipFindings(model), ...sessionFindings(model)];
}
