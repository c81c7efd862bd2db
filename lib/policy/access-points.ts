import { createHash } from "crypto";
import {
  bucketPolicy,
  BucketPolicyInput,
  keyPolicy,
  KeyPolicyInput,
  keyUseCondition,
  PERIMETER_SID,
  PerimeterInput,
  perimeterDenyStatement,
  principalEntryArn,
  principalParts,
  renderPolicy,
} from "./documents";
import {
  kmsKeyStatements,
  LEVEL_ACTIONS,
  listPrefixCondition,
  objectActions,
  OBJECT_WRITER_EXTRA_ACTIONS,
  resourceAccountCondition,
  S3Grant,
} from "./s3-access";
import { AccessLevel, AccessPointLocation, PolicyDocument, Principal, Statement } from "./types";

/**
 * Access-point mode: every policy document of a bucket shared through S3
 * Access Points (one access point per grant, the bucket policy delegating
 * access control to the owning account's access points), and the key policy
 * that scales to any number of consumers.
 *
 * Why access points: a bucket policy holds 20 KB, about 300 whole-bucket
 * consumer roles. An account may have 10,000 access points per region, each
 * with its own 20 KB policy, so each consumer's grant lives in its own policy.
 * A request through an access point is allowed only when the access point
 * policy AND the bucket policy allow it; the bucket allows it for every
 * access point of its own account with the delegation statement
 * (`s3:DataAccessPointAccount`), so the access point policies decide.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
 * ("Delegating access control to access points")
 */

/** S3 limit on an access point policy (20 KB), in characters of compact JSON. */
export const ACCESS_POINT_POLICY_LIMIT = 20 * 1024;
/** KMS limit on a key policy (32 KB). */
export const KEY_POLICY_LIMIT = 32 * 1024;

const LEVEL_SHORT: Record<AccessLevel, string> = { read: "r", write: "w", readwrite: "rw" };
const HASH_CHARS = 10;
export const ACCESS_POINT_NAME_MAX = 50;

/**
 * A valid, deterministic access point name for one grant: a readable part
 * (the last segment of the principal's ARN, i.e. the role or user name, or
 * the Organization id), the level, and a hash of
 * bucket + principal + level + prefix, so two grants never share a name and
 * re-synthesizing gives the same names (no replacement at apply).
 * `principalOrOrg` is the principal's full ARN
 * (`arn:aws:iam::111111111111:role/reader`, not `reader`: the hash is of the
 * ARN, so a name gives another access point) or the Organization id (`o-...`).
 * You rarely need this: `share.grant(...)` returns the grant's `address`.
 * Rules (S3 "Naming rules for access points"): 3-50 characters, lowercase
 * letters, digits and hyphens, beginning and ending with a letter or digit,
 * not beginning with `xn--`, not ending with `-s3alias`; unique per account
 * and region.
 */
export function accessPointName(bucketName: string, principalOrOrg: string, level: AccessLevel, prefix: string): string {
  // A principal given by pattern is named by its pattern (the same name from the owner's and the consumer's side).
  const who = principalEntryArn(principalOrOrg);
  const hash = createHash("sha256").update(`${bucketName}|${who}|${level}|${prefix}`).digest("hex").slice(0, HASH_CHARS);
  const tail = `-${LEVEL_SHORT[level]}-${hash}`;
  const readable = who.split(/[/:]/).pop() ?? "";
  let slug = readable
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^xn--/, "xn-")
    .replace(/^-+|-+$/g, "");
  slug = slug.slice(0, ACCESS_POINT_NAME_MAX - tail.length).replace(/-+$/, "");
  return `${slug || "xa"}${tail}`;
}

export const accessPointArn = (loc: AccessPointLocation, name: string): string => `arn:${loc.partition}:s3:${loc.region}:${loc.accountId}:accesspoint/${name}`;

/** Objects under `prefix` through an access point: `<ap arn>/object/<prefix>*`. */
export const accessPointObjectArn = (apArn: string, prefix: string): string => `${apArn}/object/${prefix}*`;

export interface AccessPointPolicyInput {
  readonly accessPointArn: string;
  /** A role/user ARN of another account, or undefined with `organizationId`. */
  readonly principal?: string;
  readonly organizationId?: string;
  readonly level: AccessLevel;
  readonly prefix: string;
  /** ObjectWriter ownership: writers also need s3:PutObjectAcl. */
  readonly objectWriterOwnership?: boolean;
  /**
   * Policy `Id`: the unique id of a principal created in the same stack
   * (`principalsPolicyId`), so that replacing that role re-applies this policy
   * as it does the bucket, key and trust policies naming it. @default none
   */
  readonly id?: string;
  /** Data perimeter: deny every S3 action through the access point to principals outside the Organization. @default none */
  readonly perimeter?: PerimeterInput;
}

/**
 * The policy of one access point: exactly one grant. ListBucket on the
 * access point ARN (narrowed with `s3:prefix`), object actions on
 * `<ap arn>/object/<prefix>*`.
 */
export function accessPointPolicy(input: AccessPointPolicyInput): PolicyDocument {
  // A principal given by pattern: its account, narrowed by aws:PrincipalArn (see principalParts).
  const part = input.principal !== undefined ? principalParts([input.principal])[0] : undefined;
  const principal: Principal = part ? part.principal : "*";
  const org = input.organizationId !== undefined ? { StringEquals: { "aws:PrincipalOrgID": input.organizationId } } : part?.condition;
  const statements: Statement[] =
    input.perimeter !== undefined ? [perimeterDenyStatement(input.perimeter, "s3:*", [input.accessPointArn, `${input.accessPointArn}/object/*`])] : [];
  const a = LEVEL_ACTIONS[input.level];
  if (a.bucket.length > 0) {
    const condition = { ...(org ?? {}), ...(listPrefixCondition(input.prefix) ?? {}) };
    statements.push({
      Sid: "ListThroughAccessPoint",
      Effect: "Allow",
      Principal: principal,
      Action: a.bucket.length === 1 ? a.bucket[0] : a.bucket,
      Resource: input.accessPointArn,
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    });
  }
  const actions = objectActions(input.level, input.objectWriterOwnership);
  statements.push({
    Sid: "ObjectsThroughAccessPoint",
    Effect: "Allow",
    Principal: principal,
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: accessPointObjectArn(input.accessPointArn, input.prefix),
    ...(org ? { Condition: org } : {}),
  });
  return { Version: "2012-10-17", ...(input.id ? { Id: input.id } : {}), Statement: statements };
}

/** Sid of the delegation statement. */
export const DELEGATION_SID = "DelegateToOwnAccessPoints";

/**
 * The bucket-policy statement that delegates access control to the access
 * points of the owning account: AWS's documented form allows `"*"` actions
 * for `Principal "*"` with `s3:DataAccessPointAccount` = owner account; here
 * the actions are narrowed to those the access levels use, so even an access
 * point policy written by hand elsewhere in the account cannot grant more
 * than read/write through this bucket.
 */
export function delegationStatement(
  bucketArn: string,
  ownerAccountId: string,
  objectWriterOwnership = false,
  accessPoints?: DelegationAccessPoints,
): Statement {
  const actions = new Set<string>();
  for (const level of Object.keys(LEVEL_ACTIONS) as AccessLevel[]) {
    LEVEL_ACTIONS[level].bucket.forEach((x) => actions.add(x));
    objectActions(level, objectWriterOwnership).forEach((x) => actions.add(x));
  }
  if (objectWriterOwnership) OBJECT_WRITER_EXTRA_ACTIONS.forEach((x) => actions.add(x));
  return {
    Sid: DELEGATION_SID,
    Effect: "Allow",
    Principal: "*",
    Action: [...actions].sort(),
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: {
      StringEquals: {
        "s3:DataAccessPointAccount": ownerAccountId,
        ...(accessPoints?.kind === "arns" ? { "s3:DataAccessPointArn": accessPoints.arns.length === 1 ? accessPoints.arns[0] : [...accessPoints.arns] } : {}),
      },
      ...(accessPoints?.kind === "pattern" ? { StringLike: { "s3:DataAccessPointArn": accessPoints.pattern } } : {}),
    },
  };
}

/**
 * Which access points the delegation names (`s3:DataAccessPointArn`, S3 User Guide,
 * access point condition keys: https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-condition-keys):
 * this share's exact ARNs, or (when the list would not fit the 20 KB bucket policy) a pattern.
 */
export type DelegationAccessPoints = { readonly kind: "arns"; readonly arns: readonly string[] } | { readonly kind: "pattern"; readonly pattern: string };

/** S3 limit on a bucket policy (20 KB), in characters of compact JSON. */
export const BUCKET_POLICY_LIMIT = 20 * 1024;

/**
 * The bucket policy in access-point mode: the plain-mode builder's denies
 * (TLS-only, and any encryption/ACL denies it adds) with no per-principal
 * grant, then the delegation statement. Its size no longer depends on the
 * number of consumers.
 */
export function accessPointBucketPolicy(
  input: Omit<BucketPolicyInput, "grants" | "organizationGrants"> & {
    readonly ownerAccountId: string;
    readonly objectWriterOwnership?: boolean;
    /**
     * This share's access points: the delegation holds for them only
     * (`s3:DataAccessPointArn`), so an access point someone else creates in
     * the owner account on this bucket gets nothing. With `location`: while
     * the exact ARNs fit in the 20 KB bucket policy they are listed; past
     * that (about 250 access points) the delegation falls back to
     * `arn:<partition>:s3:<region>:<account>:accesspoint/*` (StringLike): the
     * generated names share no prefix (they start with the principal's name,
     * see accessPointName), and giving them one would rename, so replace,
     * every deployed access point.
     * @default none (every access point of the owner account, s3:DataAccessPointAccount only)
     */
    readonly accessPointArns?: readonly string[];
    readonly location?: AccessPointLocation;
  },
): PolicyDocument {
  const { ownerAccountId, objectWriterOwnership, additionalStatements, accessPointArns, location, ...rest } = input;
  const base = bucketPolicy({ ...rest, grants: [], organizationGrants: [] });
  const build = (aps: DelegationAccessPoints | undefined): PolicyDocument => ({
    ...base,
    Statement: [
      ...base.Statement,
      delegationStatement(input.bucketArn, ownerAccountId, objectWriterOwnership ?? input.requireBucketOwnerFullControl, aps),
      ...(additionalStatements ?? []),
    ],
  });
  if (accessPointArns === undefined) return build(undefined);
  const pattern: DelegationAccessPoints | undefined = location && { kind: "pattern", pattern: accessPointArn(location, "*") };
  if (accessPointArns.length === 0) return build(pattern);
  const exact = build({ kind: "arns", arns: [...new Set(accessPointArns)].sort() });
  return renderPolicy(exact).length <= BUCKET_POLICY_LIMIT || pattern === undefined ? exact : build(pattern);
}

/**
 * Identity-policy statements for a grant used through an access point: S3
 * actions on the access point ARN and `<ap arn>/object/<prefix>*` only. The
 * identity policy does not name the bucket: a request through an access
 * point is authorized against the access point ARN in the caller's identity
 * policy, and against the access point policy and the (delegating) bucket
 * policy on the resource side
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html,
 * "Granting permissions for cross-account access points" and the IAM policy
 * examples naming `arn:aws:s3:region:account:accesspoint/name/object/*`).
 */
export function accessPointIdentityStatements(grant: S3Grant, apArn: string, sidPrefix: string): Statement[] {
  const a = LEVEL_ACTIONS[grant.level];
  const out: Statement[] = [];
  if (a.bucket.length > 0) {
    // aws:ResourceAccount of a request through an access point is the access point's owner: the bucket's account here.
    const condition = resourceAccountCondition(grant, listPrefixCondition(grant.prefix));
    out.push({ Sid: `${sidPrefix}ListAccessPoint`, Effect: "Allow", Action: a.bucket, Resource: apArn, ...(condition ? { Condition: condition } : {}) });
  }
  const objectCondition = resourceAccountCondition(grant);
  out.push({
    Sid: `${sidPrefix}AccessPointObjects`,
    Effect: "Allow",
    Action: objectActions(grant.level, grant.objectWriterOwnership),
    Resource: accessPointObjectArn(apArn, grant.prefix),
    ...(objectCondition ? { Condition: objectCondition } : {}),
  });
  out.push(...kmsKeyStatements(grant, sidPrefix));
  return out;
}

/** The access point ARN a grant's principal uses, or undefined when it uses the bucket directly (same account, or plain mode). */
export function grantAccessPointArn(grant: S3Grant, principalArn: string | undefined): string | undefined {
  if (grant.accessPointArn !== undefined) return grant.accessPointArn;
  const loc = grant.accessPoint;
  if (loc === undefined || principalArn === undefined) return undefined;
  // A principal of the owning account gets no access point: its own IAM policy on the bucket is enough.
  if (principalArn.split(":")[4] === loc.accountId) return undefined;
  return accessPointArn(loc, accessPointName(loc.bucketName, principalArn, grant.level, grant.prefix));
}

// ---------------------------------------------------------------- KMS key policy at scale

/** The key policy's input; `region` names the bucket's region in `kms:ViaService = s3.<region>.amazonaws.com`. */
export type ScalableKeyPolicyInput = KeyPolicyInput;

/** Which form {@link scalableKeyPolicy} chose. */
export type KeyPolicyForm = "per-principal" | "per-account";

/**
 * The key policy for any number of consumers.
 *
 * While the per-principal statements of {@link keyPolicy} fit under 32 KB,
 * they are used unchanged. Past that, the consumer principals are replaced by
 * their ACCOUNTS: `Principal "*"` restricted with `kms:CallerAccount` (the
 * consumer accounts) and `kms:ViaService = s3.<region>.amazonaws.com` — the
 * form of AWS's own `aws/s3` managed key policy
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account,
 * #conditions-kms-via-service). Organization grants keep `aws:PrincipalOrgID`.
 *
 * Why that is still least privilege: (1) KMS only honours it for calls that S3
 * makes on the caller's behalf (`kms:ViaService`), so the key cannot be used
 * directly; (2) S3 only makes that call for a request the bucket policy and
 * the access point policy allowed, and those name the exact principal, level
 * and prefix; (3) a cross-account caller also needs its OWN account's IAM
 * policy to allow the key (cross-account KMS use needs both the key policy
 * and the caller's identity policy), which `share.s3Grant()` writes only for
 * the consumers that got a grant. Trade-off: a principal of a consumer
 * account whose admins give it the key AND that is allowed by some bucket or
 * access point policy of this key's buckets could use the key, which it can
 * do anyway. The alternative, one `aws_kms_grant` per consumer, is exact but
 * doubles the resources (10,000 grants), and grants are eventually
 * consistent and invisible in the key policy; it is what
 * `BucketShare.fromExistingBucket` uses on keys it does not own.
 * With more consumer accounts than fit (about 2,000 account ids), the
 * policy-size check fails synth with the remedy to grant Organizations.
 */
export function scalableKeyPolicy(input: ScalableKeyPolicyInput): { document: PolicyDocument; form: KeyPolicyForm } {
  const perPrincipal = keyPolicy(input);
  if (renderPolicy(perPrincipal).length <= KEY_POLICY_LIMIT) return { document: perPrincipal, form: "per-principal" };
  const admin = perPrincipal.Statement[0];
  const kmsActionsByAccount = new Map<string, Set<string>>();
  for (const g of input.grants) {
    for (const p of g.principals) {
      const account = principalEntryArn(p).split(":")[4] ?? "";
      const set = kmsActionsByAccount.get(account) ?? new Set<string>();
      LEVEL_ACTIONS[g.level].kms.forEach((x) => set.add(x));
      kmsActionsByAccount.set(account, set);
    }
  }
  const byActions = new Map<string, string[]>();
  for (const [account, actions] of kmsActionsByAccount) {
    const key = [...actions].sort().join(",");
    byActions.set(key, [...(byActions.get(key) ?? []), account]);
  }
  // The perimeter Deny (when on) stays second, as in the per-principal form.
  const statements: Statement[] = [admin, ...perPrincipal.Statement.filter((s) => s.Sid === PERIMETER_SID)];
  [...byActions.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .forEach(([actions, accounts], i) => {
      const list = [...new Set(accounts)].sort();
      statements.push({
        Sid: `ConsumerAccountsViaS3${i + 1}`,
        Effect: "Allow",
        Principal: "*",
        Action: actions.split(","),
        Resource: "*",
        // kms:ViaService + kms:CallerAccount, and the key's bucket only (kms:EncryptionContext:aws:s3:arn).
        Condition: keyUseCondition(input, { "kms:CallerAccount": list.length === 1 ? list[0] : list }),
      });
    });
  // Organization statements of the per-principal form are already small: keep them.
  statements.push(...perPrincipal.Statement.filter((s) => s.Sid?.startsWith("OrgUse")));
  return { document: { Version: "2012-10-17", Statement: statements }, form: "per-account" };
}
