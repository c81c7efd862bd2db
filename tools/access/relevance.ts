import { iamGlob } from "./glob";
import { asList, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import type { MatrixPrincipal } from "./types";

/**
 * What lets the review scale linearly in principals (issue #22), without
 * changing a single decision:
 *
 * 1. A resource-policy statement whose Principal does not name the requester
 *    does not take part in its request (neither Allow nor Deny): the engine is
 *    handed only the statements that can (`trimFor`), so a bucket policy of
 *    1,000 per-consumer statements costs each consumer its own two. Statement
 *    positions are mapped back so `#<index>` names stay those of the document.
 * 2. A request is Allowed only if an Allow statement that applies to the
 *    principal matches its resource (and, for ListBucket, its s3:prefix):
 *    cross-account (or anonymous, or a service) only resource-policy statements
 *    can supply it, since both sides must allow
 *    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 *    Probes that no such statement can match are Denied by construction: a
 *    diff, which compares Allowed cells, does not ask them (the selection of
 *    probes per principal is selection.ts).
 */

type Principalish = Pick<MatrixPrincipal, "kind" | "arn" | "principalArn" | "account">;

const isWildcardFree = (s: string): boolean => !/[*?]|\$\{/.test(s);

/** Can the statement's Principal (or NotPrincipal) name this principal? Conservative: yes when unsure. */
export function statementMayApply(s: Statement, p: Principalish): boolean {
  const raw = s as { Principal?: unknown; NotPrincipal?: unknown };
  if (raw.NotPrincipal !== undefined || raw.Principal === undefined) return true;
  if (raw.Principal === "*") return true;
  if (typeof raw.Principal !== "object" || raw.Principal === null) return true;
  const entries = raw.Principal as Record<string, unknown>;
  for (const [type, value] of Object.entries(entries)) {
    const list = asList(value as string | string[]).map(String);
    if (type === "AWS") {
      if (p.kind === "service" || p.kind === "anonymous") {
        if (list.includes("*")) return true;
        continue;
      }
      for (const e of list) {
        if (e === "*" || !isWildcardFree(e)) return true;
        if (p.account && (e === p.account || e.endsWith(`:iam::${p.account}:root`))) return true;
        if (e === p.principalArn || e === p.arn) return true;
        // Anything that is neither an account id nor an IAM/STS ARN (a unique id, ...): keep.
        if (!/^\d{12}$/.test(e) && !/^arn:[\w-]+:(iam|sts)::\d{12}:/.test(e)) return true;
      }
    } else if (type === "Service") {
      if (p.kind === "service" && (list.includes(p.arn ?? "") || list.some((e) => !isWildcardFree(e)))) return true;
    } else return true; // Federated, CanonicalUser: not modelled here, keep
  }
  return false;
}

/**
 * The statements of a document that can apply to a principal, found through an
 * index instead of a scan: a statement whose Principal is only exact AWS
 * account ids, root ARNs or IAM/STS ARNs is filed under those (root ARNs
 * under their account); every other statement is a candidate for everyone.
 * `statementMayApply` still decides each candidate, so the answer is the
 * scan's; the cost per principal is its own statements, not the document's
 * (a bucket policy of 1,000 consumers' statements, issue #22).
 */
export interface StatementIndex {
  readonly always: readonly number[];
  readonly byKey: ReadonlyMap<string, readonly number[]>;
}

const indexCache = new WeakMap<object, StatementIndex>();

function indexOf(doc: PolicyDocument): StatementIndex {
  let idx = indexCache.get(doc);
  if (idx) return idx;
  const always: number[] = [];
  const byKey = new Map<string, number[]>();
  statementsOf(doc).forEach((st, i) => {
    const raw = st as { Principal?: unknown; NotPrincipal?: unknown };
    const pr = raw.Principal;
    const entries =
      pr !== null && typeof pr === "object" && raw.NotPrincipal === undefined && Object.keys(pr).length === 1 && "AWS" in pr
        ? asList((pr as { AWS: string | string[] }).AWS).map(String)
        : undefined;
    const keys = entries?.map((e) =>
      /^\d{12}$/.test(e)
        ? e
        : (/^arn:[\w-]+:iam::(\d{12}):root$/.exec(e)?.[1] ?? (/^arn:[\w-]+:(iam|sts)::\d{12}:/.test(e) && isWildcardFree(e) ? e : undefined)),
    );
    if (!keys || keys.some((k) => k === undefined)) {
      always.push(i);
      return;
    }
    for (const k of new Set(keys as string[])) {
      const list = byKey.get(k) ?? [];
      list.push(i);
      byKey.set(k, list);
    }
  });
  idx = { always, byKey };
  indexCache.set(doc, idx);
  return idx;
}

/** Positions (ascending) of the statements that can apply to the principal. */
function applicable(doc: PolicyDocument, p: Principalish): number[] {
  const all = statementsOf(doc);
  // Services and the anonymous principal are never named by an exact AWS entry: scan (they are few).
  if (p.kind === "service" || p.kind === "anonymous") return all.flatMap((st, i) => (statementMayApply(st, p) ? [i] : []));
  const idx = indexOf(doc);
  const candidates = new Set(idx.always);
  for (const k of [p.account, p.principalArn, p.arn]) if (k !== undefined) for (const i of idx.byKey.get(k) ?? []) candidates.add(i);
  return [...candidates].sort((x, y) => x - y).filter((i) => statementMayApply(all[i], p));
}

export interface Trimmed {
  readonly document: PolicyDocument;
  /** Whether any Allow statement of the document can apply to the principal. */
  readonly anyAllow: boolean;
  /** 1-based position in the original document of the trimmed document's statement i (1-based): `originalIndex[i - 1]`. */
  readonly originalIndex: readonly number[];
}

/** The statement's 1-based position in the resource policy as written (the engine saw a trimmed copy). */
export const resourceIndex = (index: number, trimmed: Trimmed | undefined): number => (trimmed ? (trimmed.originalIndex[index - 1] ?? index) : index);

const trimCache = new WeakMap<object, Map<string, Trimmed>>();
const signatures = new WeakMap<object, string>();
/** What trimming depends on, computed once per principal object (asked for every probe of every bucket). */
function principalSignature(p: Principalish): string {
  let sig = signatures.get(p);
  if (sig === undefined) {
    sig = `${p.kind === "service" || p.kind === "anonymous" ? p.kind : "aws"}|${p.arn ?? ""}|${p.principalArn ?? ""}|${p.account ?? ""}`;
    signatures.set(p, sig);
  }
  return sig;
}

/** The statements of a resource policy that can apply to the principal (at least one, so the document stays valid). */
export function trimFor(doc: PolicyDocument, p: Principalish): Trimmed {
  let byPrincipal = trimCache.get(doc);
  if (!byPrincipal) {
    byPrincipal = new Map();
    trimCache.set(doc, byPrincipal);
  }
  const sig = principalSignature(p);
  let t = byPrincipal.get(sig);
  if (!t) {
    const all = statementsOf(doc);
    const kept = applicable(doc, p);
    const anyAllow = kept.some((i) => all[i].Effect === "Allow");
    // A statement that does not apply changes nothing; keeping one keeps "a resource policy exists".
    if (kept.length === 0 && all.length > 0) kept.push(0);
    t =
      kept.length === all.length
        ? { document: doc, anyAllow, originalIndex: all.map((_, i) => i + 1) }
        : { document: { ...doc, Statement: kept.map((i) => all[i]) }, anyAllow, originalIndex: kept.map((i) => i + 1) };
    byPrincipal.set(sig, t);
  }
  return t;
}

/**
 * Point 2 above for a whole resource: a principal of another account whose
 * request no Allow statement of the resource's policy can apply to is Denied
 * on every probe of that resource (bucket, key, role trust), whatever its own
 * identity policies say. Conservative: false for access points (their bucket
 * and key sides are separate requests), services, the anonymous principal,
 * same-account principals and resources whose policy is not in the stack.
 */
export function deniedByConstruction(
  p: Pick<MatrixPrincipal, "kind" | "arn" | "principalArn" | "account">,
  q: {
    action: string;
    resource: string;
    resourceAccount: string;
    context: Readonly<Record<string, string>>;
    viaBucket?: unknown;
    resourcePolicy?: { document: PolicyDocument; source: string };
  },
): boolean {
  if (q.viaBucket !== undefined || !q.resourcePolicy || q.resourcePolicy.source === "not-in-stack") return false;
  if (p.kind !== "service" && q.context["aws:SecureTransport"] === "false" && tlsDenied(q.resourcePolicy.document, q.action, q.resource)) return true;
  if (p.kind === "service" || p.kind === "anonymous" || p.account === undefined || p.account === q.resourceAccount) return false;
  return !trimFor(q.resourcePolicy.document, p).anyAllow;
}

const TLS_DENY_CACHE = new WeakMap<object, Statement[]>();

/**
 * Does the policy hold an unconditional-but-for-TLS Deny for everyone
 * (`Principal: "*"`, only `Bool aws:SecureTransport = false`) whose Action and
 * Resource cover this request? Then a request without TLS is Denied whoever
 * asks (an explicit Deny wins over any Allow:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
 * Every bucket policy of this library has one (`DenyInsecureTransport`).
 */
function tlsDenied(doc: PolicyDocument, action: string, resource: string): boolean {
  let denies = TLS_DENY_CACHE.get(doc);
  if (!denies) {
    denies = statementsOf(doc).filter((st) => {
      const raw = st as {
        Principal?: unknown;
        NotPrincipal?: unknown;
        NotAction?: unknown;
        NotResource?: unknown;
        Condition?: Record<string, Record<string, unknown>>;
      };
      if (st.Effect !== "Deny" || raw.NotPrincipal !== undefined || raw.NotAction !== undefined || raw.NotResource !== undefined) return false;
      const everyone =
        raw.Principal === "*" ||
        (typeof raw.Principal === "object" &&
          raw.Principal !== null &&
          asList((raw.Principal as { AWS?: string | string[] }).AWS).includes("*") &&
          Object.keys(raw.Principal).length === 1);
      const cond = raw.Condition ?? {};
      const ops = Object.keys(cond);
      const onlyTls =
        ops.length === 1 &&
        ops[0] === "Bool" &&
        Object.keys(cond.Bool).length === 1 &&
        asList(cond.Bool["aws:SecureTransport"] as string | string[])
          .map(String)
          .join() === "false";
      return everyone && onlyTls;
    });
    TLS_DENY_CACHE.set(doc, denies);
  }
  const a = action.toLowerCase();
  return denies.some((st) => asList(st.Action).some((x) => glob(x.toLowerCase()).test(a)) && asList(st.Resource).some((r) => glob(r).test(resource)));
}

// ------------------------------------------------------------------ s3:prefix bounds and sorted lookups (selection.ts)

/** IAM's `*` / `?` matching (case-sensitive, as for ARNs and s3:prefix with StringLike). */
const glob = (pattern: string): RegExp => iamGlob(pattern);

/** The first index of sorted `xs` whose value is not below `x` (binary search). */
export function lowerBound(xs: readonly string[], x: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const PREFIX_OPERATORS = /^(StringLike|StringEquals)$/;

/** Values of the statement's s3:prefix conditions, or undefined when they do not bound it (absent, or an operator read here as "anything"). */
function prefixBound(s: Statement): string[] | undefined {
  let values: string[] | undefined;
  for (const [op, byKey] of Object.entries(s.Condition ?? {})) {
    for (const [k, v] of Object.entries(byKey)) {
      if (k.toLowerCase() !== "s3:prefix") continue;
      if (!PREFIX_OPERATORS.test(op)) return undefined;
      const vs = asList(v as string | string[]).map(String);
      // Several operators on the key: all must hold; any one bounds it (a superset is fine).
      values = values ?? vs;
    }
  }
  return values;
}

/** The statement index of a document (positions by exact principal key, and those that may name anyone). */
export const statementIndex = (doc: PolicyDocument): StatementIndex => indexOf(doc);

/** Whether a request without TLS is refused for everyone by the document's TLS Deny (see `tlsDenied`). */
export const deniesWithoutTls = (doc: PolicyDocument, action: string, resource: string): boolean => tlsDenied(doc, action, resource);

/** The statement's s3:prefix bound (StringLike/StringEquals values), or undefined when it does not bound it. */
export const s3PrefixBound = (s: Statement): string[] | undefined => prefixBound(s);
