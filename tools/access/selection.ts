import { iamGlob } from "./glob";
import { asList, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { deniesWithoutTls, lowerBound, s3PrefixBound, statementIndex, statementMayApply } from "./relevance";
import type { MatrixPrincipal, Probe } from "./types";

/**
 * Which probes a diff (Allowed cells only) asks a principal: those some Allow
 * statement that can apply to it can match, found through indexes so the cost
 * per principal is its own statements', not principals × resources (issue #22).
 *
 * A request is Allowed by the engine only if an Allow statement matches its
 * action, resource, principal and conditions, in the resource policy (for a
 * principal of another account, the anonymous principal and AWS services: only
 * there) or, in the resource's own account, in the principal's identity
 * policies too (the engine's DefaultServiceAuthorizer; S3, KMS and STS only add
 * denials, bar sts:GetCallerIdentity, asked always):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * So a probe no such statement can match (ignoring its conditions, but for a
 * StringLike/StringEquals `s3:prefix` bound, which fails without the key:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
 * is Denied, and a diff need not ask it. Matching is a superset of the
 * engine's (case-insensitive, a wildcard may span `:` and `/`, anything with a
 * policy variable, NotAction, NotResource or a missing Resource matches), so no
 * Allowed cell is lost; the statements that can apply are `statementMayApply`'s
 * (wildcard, NotPrincipal, service, federated and unusual principals apply to
 * everyone it cannot rule out). Probes without a resource policy of the stack,
 * through an access point (separate bucket and key sides) or of resources
 * outside the stack are asked of everyone.
 */

/** Probes of one resource and action, and those of them with an s3:prefix, by its value. */
interface Slot {
  readonly all: number[];
  readonly byPrefix: Map<string, number[]>;
  /** Distinct s3:prefix values, lowercased and sorted. */
  sorted: string[];
}

/** The probes of one resource policy (and resource account), by resource (lowercased), then action (lowercased). */
interface Group {
  readonly doc: PolicyDocument;
  readonly account: string;
  readonly positions: number[];
  readonly byResource: Map<string, Map<string, Slot>>;
  /** Distinct resources, sorted, for range lookups by a pattern's literal head. */
  sorted: string[];
  /** Whether some probe of the group is an sts:AssumeRole (asked even of cross-account-only probes). */
  assumes: boolean;
}

interface Entry {
  readonly group: Group;
  readonly statement: Statement;
}

const ALWAYS_ASKED = new Set(["sts:getcalleridentity"]);

/**
 * IAM `*` / `?` matching of a lowercased pattern against lowercased strings
 * (case-insensitive: a superset of the engine's; no `i` flag, which makes
 * compiling a RegExp several times slower).
 */
const glob = (lowerPattern: string): RegExp => iamGlob(lowerPattern);

const hasVariable = (s: string): boolean => s.includes("${");

function actionMatcher(s: Statement): (action: string) => boolean {
  const raw = s as { NotAction?: unknown; Action?: unknown };
  if (raw.NotAction !== undefined || raw.Action === undefined) return () => true;
  const res = asList(s.Action).map((a) => glob(String(a).toLowerCase()));
  /** `action`: lowercased. */
  return (action) => res.some((re) => re.test(action));
}

/** Range of sorted `xs` a glob pattern can match (its literal head), each tested; `${...}` matches all. */
function matching(xs: readonly string[], pattern: string, visit: (x: string) => void): void {
  if (hasVariable(pattern)) {
    for (const x of xs) visit(x);
    return;
  }
  const lower = pattern.toLowerCase();
  const cut = lower.search(/[*?]/);
  if (cut < 0) {
    const k = lowerBound(xs, lower);
    if (xs[k] === lower) visit(lower);
    return;
  }
  const head = lower.slice(0, cut);
  // `literal*` (the usual shape): every string of the range matches.
  const re = cut === lower.length - 1 && lower.endsWith("*") ? undefined : glob(lower);
  for (let k = lowerBound(xs, head); k < xs.length && xs[k].startsWith(head); k++) if (!re || re.test(xs[k])) visit(xs[k]);
}

const matchCache = new WeakMap<Statement, Map<Group, readonly number[]>>();

/**
 * Positions (ascending) of the group's probes the statement can match, conditions
 * aside but for an s3:prefix bound (the request's s3:prefix must match one of its
 * values; without the key the condition fails).
 */
function statementProbes(s: Statement, g: Group): readonly number[] {
  let byGroup = matchCache.get(s);
  if (!byGroup) {
    byGroup = new Map();
    matchCache.set(s, byGroup);
  }
  const hit = byGroup.get(g);
  if (hit) return hit;
  const raw = s as { NotResource?: unknown; Resource?: unknown };
  const resources = new Set<string>();
  if (raw.NotResource !== undefined || raw.Resource === undefined) for (const r of g.sorted) resources.add(r);
  else for (const pattern of asList(s.Resource).map(String)) matching(g.sorted, pattern, (r) => resources.add(r));
  const action = actionMatcher(s);
  const bound = s3PrefixBound(s);
  const out = new Set<number>();
  const addAll = (xs: readonly number[]): void => {
    for (const i of xs) out.add(i);
  };
  for (const r of resources) {
    for (const [a, slot] of g.byResource.get(r) ?? []) {
      if (!action(a)) continue;
      if (bound === undefined) addAll(slot.all);
      else for (const v of bound) matching(slot.sorted, v, (x) => addAll(slot.byPrefix.get(x) ?? []));
    }
  }
  const sorted = [...out].sort((x, y) => x - y);
  byGroup.set(g, sorted);
  return sorted;
}

export interface ProbeSelection {
  /** The probes a diff asks the principal, in probe order. */
  select(p: MatrixPrincipal): Probe[];
}

const groupable = (q: Probe): boolean =>
  q.resourcePolicy !== undefined &&
  q.resourcePolicy.source !== "not-in-stack" &&
  q.viaBucket === undefined &&
  q.viaKey === undefined &&
  !q.outside &&
  !ALWAYS_ASKED.has(q.action.toLowerCase());

/** Principals whose identity policies are the stack's own: the only ones resources outside the stack are asked of (matrix.ts `applies`). */
export const OWN_KINDS: ReadonlySet<MatrixPrincipal["kind"]> = new Set(["role", "group-member", "user"]);

const EMPTY_DOC: PolicyDocument = { Version: "2012-10-17", Statement: [] };
const newGroup = (doc: PolicyDocument, account: string): Group => ({ doc, account, positions: [], sorted: [], byResource: new Map(), assumes: false });

/** Files probe `i` in the group by resource, action and s3:prefix. */
function file(g: Group, q: Probe, i: number): void {
  g.positions.push(i);
  const r = q.resource.toLowerCase();
  let byAction = g.byResource.get(r);
  if (!byAction) {
    byAction = new Map();
    g.byResource.set(r, byAction);
  }
  const a = q.action.toLowerCase();
  let slot = byAction.get(a);
  if (!slot) {
    slot = { all: [], byPrefix: new Map(), sorted: [] };
    byAction.set(a, slot);
  }
  slot.all.push(i);
  const key = Object.keys(q.context).find((k) => k.toLowerCase() === "s3:prefix");
  const prefix = key === undefined ? undefined : q.context[key]?.toLowerCase();
  if (prefix !== undefined) slot.byPrefix.set(prefix, [...(slot.byPrefix.get(prefix) ?? []), i]);
  if (q.assumesRole !== undefined) g.assumes = true;
}

function sortGroup(g: Group): void {
  g.sorted = [...g.byResource.keys()].sort();
  for (const byAction of g.byResource.values()) for (const slot of byAction.values()) slot.sorted = [...slot.byPrefix.keys()].sort();
}

/**
 * Resources outside the stack (a same-named bucket of another account, what the
 * stack's identity policies name but do not create) carry a resource policy
 * that allows everyone, so a request is Allowed only where the principal's
 * own identity policies allow it, or the principal is of the resource's account.
 */
const outsideProbe = (q: Probe): boolean => q.outside === true && q.viaBucket === undefined && q.viaKey === undefined;

export function probeSelection(probes: readonly Probe[]): ProbeSelection {
  const general: number[] = [];
  const outside = newGroup(EMPTY_DOC, "");
  const outsideByAccount = new Map<string, number[]>();
  const groups: Group[] = [];
  const byDoc = new Map<PolicyDocument, Map<string, Group>>();
  /** Requests without TLS a Deny for everyone refuses: Denied for all but AWS services (`deniedByConstruction`). */
  const tlsDenied = new Uint8Array(probes.length);
  probes.forEach((q, i) => {
    if (outsideProbe(q)) {
      file(outside, q, i);
      const ofAccount = outsideByAccount.get(q.resourceAccount);
      if (ofAccount) ofAccount.push(i);
      else outsideByAccount.set(q.resourceAccount, [i]);
      return;
    }
    if (!groupable(q)) {
      general.push(i);
      return;
    }
    const doc = (q.resourcePolicy as NonNullable<Probe["resourcePolicy"]>).document;
    let byAccount = byDoc.get(doc);
    if (!byAccount) {
      byAccount = new Map();
      byDoc.set(doc, byAccount);
    }
    let g = byAccount.get(q.resourceAccount);
    if (!g) {
      g = newGroup(doc, q.resourceAccount);
      byAccount.set(q.resourceAccount, g);
      groups.push(g);
    }
    file(g, q, i);
    if (q.context["aws:SecureTransport"] === "false" && deniesWithoutTls(doc, q.action, q.resource)) tlsDenied[i] = 1;
  });
  for (const g of groups) sortGroup(g);
  sortGroup(outside);

  // Allow statements by the exact principal keys that name them (statementIndex), and those that may name anyone.
  const byKey = new Map<string, Entry[]>();
  const always: Entry[] = [];
  const groupsOfAccount = new Map<string, Group[]>();
  for (const g of groups) {
    const all = statementsOf(g.doc);
    const idx = statementIndex(g.doc);
    for (const i of idx.always) if (all[i].Effect === "Allow") always.push({ group: g, statement: all[i] });
    for (const [k, positions] of idx.byKey) {
      const entries = positions.filter((i) => all[i].Effect === "Allow").map((i) => ({ group: g, statement: all[i] }));
      if (entries.length) byKey.set(k, [...(byKey.get(k) ?? []), ...entries]);
    }
    groupsOfAccount.set(g.account, [...(groupsOfAccount.get(g.account) ?? []), g]);
  }
  const everyStatement: Entry[] = groups.flatMap((g) => statementsOf(g.doc).flatMap((s) => (s.Effect === "Allow" ? [{ group: g, statement: s }] : [])));

  return {
    select(p: MatrixPrincipal): Probe[] {
      const picked: number[] = [...general];
      const add = (xs: readonly number[]): void => {
        for (const i of xs) picked.push(i);
      };
      if (p.kind === "service" || p.kind === "anonymous") {
        // Few principals, never named by an exact AWS entry: scan every Allow.
        for (const e of everyStatement) if (statementMayApply(e.statement, p)) add(statementProbes(e.statement, e.group));
      } else if (p.account === undefined) {
        return [...probes];
      } else {
        const entries = [...always];
        for (const k of new Set([p.account, p.principalArn, p.arn])) if (k !== undefined) entries.push(...(byKey.get(k) ?? []));
        for (const e of entries) if (statementMayApply(e.statement, p)) add(statementProbes(e.statement, e.group));
        // In the resource's own account the principal's identity policies can allow too.
        for (const g of groupsOfAccount.get(p.account) ?? []) {
          if (p.crossAccountOnly && !g.assumes) continue; // not asked at all (matrix.ts `applies`)
          for (const d of p.identityPolicies) for (const s of statementsOf(d.document)) if (s.Effect === "Allow") add(statementProbes(s, g));
        }
      }
      if (OWN_KINDS.has(p.kind)) {
        for (const d of p.identityPolicies) for (const s of statementsOf(d.document)) if (s.Effect === "Allow") add(statementProbes(s, outside));
        if (p.account !== undefined) add(outsideByAccount.get(p.account) ?? []);
      }
      picked.sort((x, y) => x - y);
      const out: Probe[] = [];
      let last = -1;
      for (const i of picked) {
        if (i === last) continue;
        last = i;
        if (tlsDenied[i] && p.kind !== "service") continue;
        out.push(probes[i]);
      }
      return out;
    },
  };
}
