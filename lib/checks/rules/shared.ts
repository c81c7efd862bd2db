import { grantAsStatement, LEVEL_ACTIONS, type Statement } from "../../policy";
import { accountOfArn, asList, type BucketModel, type ModelPolicy, principalArns, type StackModel, statementsOf } from "../../model/stack-model";

/** Helpers shared by several rules. */

export const lower = (xs: string[]): string[] => xs.map((x) => x.toLowerCase());
export const isS3Resource = (r: string): boolean => r.startsWith("arn:aws:s3:::");
export const isObjectArn = (r: string): boolean => isS3Resource(r) && r.slice("arn:aws:s3:::".length).includes("/");
export const sidOf = (s: Statement): string => s.Sid ?? "(no Sid)";

/** Every (policy, statement) pair of the stack. */
export function eachStatement<T>(model: StackModel, fn: (p: ModelPolicy, s: Statement) => T[]): T[] {
  return model.policies.flatMap((p) => statementsOf(p.document).flatMap((s) => fn(p, s)));
}

/** Actions a statement list allows on a resource (exact ARN or `*`), optionally only for one principal. */
export function allowedKmsActions(statements: Statement[], keyArn: string, principal?: string): Set<string> {
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

export const covers = (have: Set<string>, need: string): boolean =>
  have.has(need.toLowerCase()) || have.has("kms:*") || have.has("*") || (need === "kms:GenerateDataKey" && have.has("kms:generatedatakey*"));

/** The KMS actions S3 needs on the caller's behalf for these S3 actions (multipart uploads need kms:Decrypt too: see LEVEL_ACTIONS). */
export function kmsNeedFor(actions: string[]): string[] {
  const a = lower(actions);
  const need: string[] = [];
  if (a.some((x) => x === "s3:getobject" || x === "s3:*" || x === "*")) need.push(...LEVEL_ACTIONS.read.kms);
  if (a.some((x) => x === "s3:putobject" || x === "s3:*" || x === "*")) need.push(...LEVEL_ACTIONS.write.kms);
  return [...new Set(need)];
}

/** An SSE-KMS bucket with what the KMS rules need to know about it. */
export interface KmsBucket {
  readonly bucket: BucketModel;
  readonly keyArn: string;
  readonly keyAddress?: string;
  readonly keyAccount: string;
  /** The key policy, plus each KMS grant on the key as the statement it amounts to. */
  readonly keyStatements: Statement[];
  /** True for a statement on objects of the bucket, directly or through one of its access points. */
  readonly onBucket: (s: Statement) => boolean;
}

export function kmsBuckets(model: StackModel): KmsBucket[] {
  const keys = new Map(model.keys.map((k) => [k.arn, k]));
  return model.buckets.flatMap((b): KmsBucket[] => {
    if (!b.kmsKeyArn) return [];
    const key = keys.get(b.kmsKeyArn);
    const keyStatements = [
      ...(key?.policy ? statementsOf(key.policy.document) : []),
      ...(key?.grants ?? []).map((g, i) => grantAsStatement(g.grantee, g.operations, `KmsGrant${i + 1}`, g.constraints)),
    ];
    // Objects of the bucket, directly or through one of its access points (`<ap arn>/object/...`).
    const apObjects = model.accessPoints.filter((ap) => ap.bucket === b.name).map((ap) => `${ap.arn}/object/`);
    const onBucket = (s: Statement): boolean =>
      asList(s.Resource).some((r) => r.startsWith(`${b.arn}/`) || r === `${b.arn}*` || apObjects.some((o) => r.startsWith(o)));
    return [{ bucket: b, keyArn: b.kmsKeyArn, keyAddress: key?.address, keyAccount: key?.account ?? b.account, keyStatements, onBucket }];
  });
}

/** The bucket policy's Deny statements on s3:PutObject. */
export const putDenies = (b: BucketModel): Statement[] =>
  (b.policy ? statementsOf(b.policy.document) : []).filter(
    (s) => s.Effect === "Deny" && lower(asList(s.Action)).some((a) => a === "s3:putobject" || a === "s3:*"),
  );

// ---------------------------------------------------------------- replication (rules replication-*)

/** An IAM action pattern (`s3:Replicate*`, `s3:*`, `*`) matches an action, case-insensitively. */
export const actionMatches = (pattern: string, action: string): boolean =>
  new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")}$`,
  ).test(action.toLowerCase());

/** A resource pattern (`arn:aws:s3:::b/*`) matches a resource. */
export const resourceMatches = (pattern: string, resource: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(resource);

/** The identity statements of a role of the stack (inline and attached). */
export function roleStatements(model: StackModel, roleArn: string): Statement[] {
  const role = model.roles.find((r) => r.arn === roleArn);
  return role ? role.inline.flatMap((p) => statementsOf(p.document)) : [];
}

/** A statement applies to `principal`: names it, its account root, or everyone. */
export function namesPrincipal(s: Statement, principal: string): boolean {
  if (s.Principal === "*") return true;
  const ps = principalArns(s);
  if (ps.includes("*")) return true;
  const acct = accountOfArn(principal);
  return ps.includes(principal) || (acct !== undefined && (ps.includes(`arn:aws:iam::${acct}:root`) || ps.includes(acct)));
}

/** Some Allow statement (of `statements`, optionally only those naming `principal`) allows `action` on `resource`. */
export function allows(statements: Statement[], action: string, resource: string, principal?: string): boolean {
  return statements.some(
    (s) =>
      s.Effect === "Allow" &&
      (principal === undefined || namesPrincipal(s, principal)) &&
      asList(s.Action).some((a) => actionMatches(a, action)) &&
      asList(s.Resource).some((r) => r === "*" || resourceMatches(r, resource)),
  );
}

/** A bucket of the model by ARN. */
export const bucketByArn = (model: StackModel, arn: string): BucketModel | undefined => model.buckets.find((b) => b.arn === arn);

/** The key policy (and grants) of a key of the model, as statements; undefined when the stack knows none of it. */
export function keyStatementsOf(model: StackModel, keyArn: string): Statement[] | undefined {
  const key = model.keys.find((k) => k.arn === keyArn);
  if (!key || (!key.policy && key.grants.length === 0)) return undefined;
  return [...(key.policy ? statementsOf(key.policy.document) : []), ...key.grants.map((g, i) => grantAsStatement(g.grantee, g.operations, `KmsGrant${i + 1}`))];
}

/** An object ARN under the rule's prefix: what the replication role reads or writes. */
export const ruleObject = (bucketArn: string, prefix: string): string => `${bucketArn}/${prefix}replicated-object`;
