import { KEY_ADMIN_SID, keyPolicy, KeyPolicyInput } from "./documents";
import { LEVEL_ACTIONS } from "./s3-access";
import { AccessLevel, PolicyDocument, Statement } from "./types";

/**
 * Policy pieces for sharing an EXISTING bucket (and its existing customer
 * managed key) that this project does not own: statements to merge into, or
 * to hand to the owners of, policies that already exist.
 */

/** Statements of a policy given as a JSON string, a document, one statement, or a list of statements. */
export function parseStatements(input: string | PolicyDocument | Statement | readonly Statement[]): Statement[] {
  const value: unknown = typeof input === "string" ? JSON.parse(input) : input;
  if (Array.isArray(value)) return [...(value as Statement[])];
  const doc = value as { Statement?: Statement | Statement[] };
  if (doc && typeof doc === "object" && "Statement" in doc) return Array.isArray(doc.Statement) ? [...doc.Statement] : doc.Statement ? [doc.Statement] : [];
  return [value as Statement];
}

export interface MergedPolicy {
  readonly document: PolicyDocument;
  /** Sids present both in the kept statements and in ours: the merge is refused when non-empty. */
  readonly collisions: string[];
}

/** The kept statements first, unchanged, then ours. Duplicate Sids make AWS reject the policy, so they are reported. */
export function mergePolicy(keep: readonly Statement[], ours: PolicyDocument): MergedPolicy {
  const keptSids = new Set(keep.map((s) => s.Sid).filter((s): s is string => typeof s === "string" && s !== ""));
  const collisions = [...new Set(ours.Statement.map((s) => s.Sid).filter((s): s is string => s !== undefined && keptSids.has(s)))];
  return { document: { Version: "2012-10-17", Statement: [...keep, ...ours.Statement] }, collisions };
}

/**
 * The cross-account use statements of {@link keyPolicy} without the owner's
 * administration statement: what the owners of an existing key add to its
 * key policy (an existing key keeps its own administration statements).
 */
export function keyUseStatements(input: Omit<KeyPolicyInput, "ownerAccountId"> & { ownerAccountId?: string }): Statement[] {
  return keyPolicy({ ...input, ownerAccountId: input.ownerAccountId ?? "000000000000" }).Statement.filter((s) => s.Sid !== KEY_ADMIN_SID);
}

/**
 * KMS grant operations for an access level: the level's KMS actions without
 * the `kms:` prefix (CreateGrant's `Operations` names).
 */
export function kmsGrantOperations(level: AccessLevel): string[] {
  return LEVEL_ACTIONS[level].kms.map((a) => a.replace(/^kms:/, ""));
}

/**
 * A KMS grant as an equivalent key-policy statement (for the checks and the
 * access model: a grant allows its grantee the grant's operations on the key).
 * Encryption-context constraints become `StringEquals` on
 * `kms:EncryptionContext:<key>` per pair: a request whose context lacks a pair
 * (a direct call without context, S3 for another bucket) is not allowed
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html,
 * https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html).
 * `EncryptionContextEquals` is modelled as the same pairs: it also refuses a
 * context with further pairs, so the statement is an upper bound of the grant.
 */
export function grantAsStatement(
  granteeArn: string,
  operations: readonly string[],
  sid: string,
  constraints?: { readonly encryptionContextSubset?: Readonly<Record<string, string>>; readonly encryptionContextEquals?: Readonly<Record<string, string>> },
): Statement {
  const pairs = { ...(constraints?.encryptionContextEquals ?? {}), ...(constraints?.encryptionContextSubset ?? {}) };
  const condition = Object.keys(pairs).length
    ? { Condition: { StringEquals: Object.fromEntries(Object.entries(pairs).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])) } }
    : {};
  return { Sid: sid, Effect: "Allow", Principal: { AWS: granteeArn }, Action: operations.map((o) => `kms:${o}`), Resource: "*", ...condition };
}
