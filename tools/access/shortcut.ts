import { iamGlob } from "./glob";
import { asList, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { statementMayApply } from "./relevance";
import type { MatrixPrincipal } from "./types";

/**
 * Requests whose answer follows from which statements take part (issue #22,
 * the demo matrix): nine of ten cells of a full matrix are requests no Allow
 * can take part in (a role asked of a bucket it has no grant on ...) or
 * requests a Deny certainly refuses (every bucket policy's
 * `DenyInsecureTransport` against a request without TLS). For those the
 * engine's reasons (`getDenialReasons`) are either the explicit Deny
 * statements that match or, with none, "no Allow" per policy side (identity,
 * resource: sides, never statements), so they are the same for every request
 * of one shape: the action, the kind of resource, the principal's kind and
 * whether it is of the resource's account, whether it has identity policies,
 * the resource-policy statements the engine is handed, Block Public Access and
 * the Deny statements that match. evaluate.ts asks the engine once per shape
 * and reuses its reasons; a shape the engine does not answer as expected is
 * asked of the engine every time. Not used with guardrails (an allow-list SCP
 * decides by its own Allows) nor in the exhaustive reference mode.
 *
 * Each statement is judged "certainly takes part", "certainly not" or
 * "unknown" (then the engine is asked):
 * - Action: IAM's `*` / `?` on lowercased text (actions are case-insensitive);
 *   NotAction is unknown.
 * - Resource: certainly matches when equal, `*`, or an S3 ARN ending in its
 *   only `*` whose head the resource starts with; certainly not when even a
 *   case-insensitive `*`-spans-anything match fails; NotResource, a missing
 *   Resource and policy variables are unknown.
 * - Principal (resource policies): `"*"` certainly applies; `{"AWS": "*"}`
 *   certainly applies to IAM principals; `statementMayApply` false: certainly not.
 * - Conditions, on the context the engine keeps (the action's documented keys:
 *   the engine's `allowedContextKeysForRequest`; keys of list type are unknown):
 *   `String(Not)Equals`, `StringEqualsIgnoreCase`, `String(Not)Like`, `Bool`,
 *   `Null`, each with or without `IfExists`, with literal values; a key the
 *   request lacks makes a negated operator true and the others false
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 *   Any other operator, set operators (`ForAllValues:` ...) and policy variables are unknown.
 */

/** Three-valued: true (certainly), false (certainly not), undefined (unknown). */
export type Tri = boolean | undefined;

const and = (xs: Iterable<Tri>): Tri => {
  let unknown = false;
  for (const x of xs) {
    if (x === false) return false;
    if (x === undefined) unknown = true;
  }
  return unknown ? undefined : true;
};

/** The request as statements are judged against it. */
export interface RequestView {
  readonly action: string;
  readonly resource: string;
  /** The context the engine keeps, by lowercased key; a key of list type maps to undefined (unknown). */
  readonly context: ReadonlyMap<string, string | undefined>;
}

type ConditionJudge = (context: RequestView["context"]) => Tri;

interface Compiled {
  readonly action: (lowerAction: string) => Tri;
  readonly resource: (resource: string) => Tri;
  readonly conditions: readonly ConditionJudge[];
}

const compiled = new WeakMap<Statement, Compiled>();
const hasVariable = (s: string): boolean => s.includes("${");

function actionJudge(raw: { Action?: unknown; NotAction?: unknown }): Compiled["action"] {
  if (raw.NotAction !== undefined || raw.Action === undefined) return () => undefined;
  const res = asList(raw.Action as string | string[]).map((a) => iamGlob(String(a).toLowerCase()));
  return (action) => res.some((re) => re.test(action));
}

function resourceJudge(raw: { Resource?: unknown; NotResource?: unknown }): Compiled["resource"] {
  if (raw.NotResource !== undefined || raw.Resource === undefined) return () => undefined;
  const list = asList(raw.Resource as string | string[]).map(String);
  if (list.some(hasVariable)) return () => undefined;
  const judges = list.map((p): ((r: string) => Tri) => {
    if (p === "*") return () => true;
    const loose = iamGlob(p.toLowerCase());
    const head = /^arn:aws:s3:::[^*?]+\*$/.test(p) ? p.slice(0, -1) : undefined;
    return (r) => (r === p || (head !== undefined && r.startsWith(head)) ? true : loose.test(r.toLowerCase()) ? undefined : false);
  });
  return (r) => {
    let unknown = false;
    for (const j of judges) {
      const v = j(r);
      if (v === true) return true;
      if (v === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}

const caseInsensitive = (values: readonly string[]): ((actual: string) => boolean) => {
  const lower = values.map((v) => v.toLowerCase());
  return (actual) => lower.includes(actual.toLowerCase());
};
/** The operators whose values are compared here; `StringNot...` are the negations of their `String...`. */
const COMPARE: Record<string, (values: readonly string[]) => (actual: string) => boolean> = {
  stringequals: (values) => (actual) => values.includes(actual),
  stringequalsignorecase: caseInsensitive,
  stringlike: (values) => {
    const res = values.map((v) => iamGlob(v));
    return (actual) => res.some((re) => re.test(actual));
  },
  bool: caseInsensitive,
};

function conditionJudges(raw: { Condition?: unknown }): ConditionJudge[] {
  const cond = raw.Condition as Record<string, Record<string, unknown>> | undefined;
  if (cond === undefined) return [];
  if (!cond || typeof cond !== "object") return [() => undefined];
  const judges: ConditionJudge[] = [];
  for (const [operator, byKey] of Object.entries(cond)) {
    const lowerOp = operator.toLowerCase();
    const ifExists = lowerOp.endsWith("ifexists");
    const op = ifExists ? lowerOp.slice(0, -"ifexists".length) : lowerOp;
    if (!byKey || typeof byKey !== "object" || op.includes(":")) {
      judges.push(() => undefined);
      continue;
    }
    for (const [key, value] of Object.entries(byKey)) {
      const k = key.toLowerCase();
      const values = asList(value as string | string[]).map(String);
      if (values.some(hasVariable) || (op === "bool" && values.some((v) => !/^(true|false)$/i.test(v)))) {
        judges.push(() => undefined);
        continue;
      }
      if (op === "null") {
        const v = values.length === 1 ? values[0].toLowerCase() : undefined;
        if (ifExists || (v !== "true" && v !== "false")) judges.push(() => undefined);
        // Null: true = "the key is absent"; false = "the key is present".
        else judges.push((c) => (v === "true") === !c.has(k));
        continue;
      }
      const negated = op.startsWith("stringnot");
      const compare = COMPARE[negated ? `string${op.slice("stringnot".length)}` : op]?.(values);
      if (!compare) {
        judges.push(() => undefined);
        continue;
      }
      judges.push((c) => {
        if (!c.has(k)) return ifExists ? true : negated;
        const actual = c.get(k);
        if (actual === undefined) return undefined;
        if (op === "bool" && !/^(true|false)$/i.test(actual)) return undefined;
        return compare(actual) !== negated;
      });
    }
  }
  return judges;
}

function compile(s: Statement): Compiled {
  let c = compiled.get(s);
  if (!c) {
    const raw = s as { Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown };
    c = { action: actionJudge(raw), resource: resourceJudge(raw), conditions: conditionJudges(raw) };
    compiled.set(s, c);
  }
  return c;
}

type Principalish = Pick<MatrixPrincipal, "kind" | "arn" | "principalArn" | "account">;

function principalJudge(s: Statement, p: Principalish): Tri {
  const raw = s as { Principal?: unknown; NotPrincipal?: unknown };
  if (raw.Principal === "*") return true;
  const aws = raw.Principal !== null && typeof raw.Principal === "object" ? (raw.Principal as Record<string, unknown>) : undefined;
  if (aws && Object.keys(aws).length === 1 && aws.AWS === "*" && p.kind !== "service" && p.kind !== "anonymous") return true;
  return statementMayApply(s, p) ? undefined : false;
}

/** Does the statement take part in the request? `resourcePolicyOf`: judged as a resource-policy statement (its Principal) of that principal. */
export function takesPart(s: Statement, r: RequestView, resourcePolicyOf?: Principalish): Tri {
  const c = compile(s);
  const action = c.action(r.action);
  if (action === false) return false;
  // A resource policy's statement without Resource or NotResource (a role's trust policy) is about its resource.
  const raw = s as { Resource?: unknown; NotResource?: unknown };
  const resource = resourcePolicyOf && raw.Resource === undefined && raw.NotResource === undefined ? true : c.resource(r.resource);
  if (resource === false) return false;
  const principal = resourcePolicyOf ? principalJudge(s, resourcePolicyOf) : true;
  if (principal === false) return false;
  return and([action, resource, principal, and(c.conditions.map((j) => j(r.context)))]);
}

/** What the statements say of a request, when it is certain. */
export interface Certain {
  /** `identity:<policy name>:<position>` / `resource:<position>` of each Deny that takes part, in document order. */
  readonly denies: readonly string[];
  /** Without a Deny: "allowed" when an identity Allow certainly takes part, "none" when none can. */
  readonly identity: "allowed" | "none";
}

/**
 * Certain when every Deny statement certainly takes part or certainly not, and
 * one does (explicitly denied, whatever the Allows), or no Allow can, or (a
 * request from another account, `crossAccount`) no resource-policy Allow can
 * while an identity Allow certainly does or none can: a request across
 * accounts needs both sides to allow
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 */
export function certainAnswer(
  identity: readonly { readonly name: string; readonly document: PolicyDocument }[],
  resource: PolicyDocument | undefined,
  principal: Principalish,
  r: RequestView,
  crossAccount: boolean,
): Certain | undefined {
  const denies: string[] = [];
  let identityAllow: Tri = false;
  let resourceAllowMay = false;
  const judge = (s: Statement, id: string, of?: Principalish): boolean => {
    const v = takesPart(s, r, of);
    if (s.Effect === "Deny") {
      if (v === undefined) return false;
      if (v) denies.push(id);
    } else if (of) resourceAllowMay ||= v !== false;
    else if (identityAllow !== true) identityAllow = v === true ? true : v === undefined ? undefined : identityAllow;
    return true;
  };
  for (const p of identity) {
    const all = statementsOf(p.document);
    for (let i = 0; i < all.length; i++) if (!judge(all[i], `identity:${p.name}:${i}`)) return undefined;
  }
  if (resource) {
    const all = statementsOf(resource);
    for (let i = 0; i < all.length; i++) if (!judge(all[i], `resource:${i}`, principal)) return undefined;
  }
  if (denies.length > 0) return { denies, identity: "none" };
  if (resourceAllowMay || identityAllow === undefined) return undefined;
  if (identityAllow === false) return { denies, identity: "none" };
  return crossAccount ? { denies, identity: "allowed" } : undefined;
}
