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
