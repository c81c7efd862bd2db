import { asList, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import type { MatrixPrincipal, NamedPolicy, Probe } from "./types";

/**
 * Principals the engine cannot tell apart for one probe get one evaluation:
 * the result of a request depends on the principal only through its identity
 * policies, its request context, whether it is in the resource's account,
 * which resource-policy statements name it, and — when some policy reads them
 * (aws:PrincipalArn, aws:PrincipalAccount, `${aws:username}` ...) — its ARN and
 * account. That key is `requestClass`; the matrix memoizes on it (and across
 * the two sides of a diff), so cost stays linear in principals × probes with
 * a small constant.
 */

type Doc = PolicyDocument;
const PRINCIPAL_KEYS = /aws:principal|aws:userid|aws:username|aws:sourceidentity|\$\{aws:/i;

const specificCache = new WeakMap<object, boolean>();
function readsPrincipal(doc: Doc): boolean {
  let hit = specificCache.get(doc);
  if (hit === undefined) {
    hit = PRINCIPAL_KEYS.test(JSON.stringify(doc));
    specificCache.set(doc, hit);
  }
  return hit;
}

function entryMatches(entry: string, p: MatrixPrincipal): boolean {
  if (entry === "*") return p.kind !== "service";
  if (p.account && (entry === p.account || entry.endsWith(`:iam::${p.account}:root`))) return true;
  return entry === p.principalArn || entry === p.arn;
}

/** Per statement: does its Principal (or NotPrincipal) name this principal? Conditions aside. */
function statementMatches(doc: Doc, p: MatrixPrincipal): string {
  return statementsOf(doc)
    .map((s) => {
      const raw = (s as { Principal?: unknown }).Principal ?? (s as { NotPrincipal?: unknown }).NotPrincipal;
      if (raw === undefined) return "-";
      if (raw === "*") return "*";
      const r = raw as { AWS?: string | string[]; Service?: string | string[]; Federated?: string | string[] };
      const aws = p.kind === "service" || p.kind === "federated" ? false : asList(r.AWS).some((e) => entryMatches(e, p));
      const svc = p.kind === "service" && asList(r.Service).includes(p.arn ?? "");
      const fed = p.kind === "federated" && asList(r.Federated).includes(p.arn ?? "");
      return aws || svc || fed ? "1" : "0";
    })
    .join("");
}

const matchCache = new WeakMap<object, Map<MatrixPrincipal, string>>();
function matchesOf(doc: Doc, p: MatrixPrincipal): string {
  let byPrincipal = matchCache.get(doc);
  if (!byPrincipal) {
    byPrincipal = new Map();
    matchCache.set(doc, byPrincipal);
  }
  let m = byPrincipal.get(p);
  if (m === undefined) {
    m = statementMatches(doc, p);
    byPrincipal.set(p, m);
  }
  return m;
}

const identityIds = new WeakMap<MatrixPrincipal, string>();
const interned = new Map<string, string>();
function intern(s: string): string {
  let id = interned.get(s);
  if (id === undefined) {
    id = String(interned.size);
    interned.set(s, id);
  }
  return id;
}
function identityId(p: MatrixPrincipal): string {
  let id = identityIds.get(p);
  if (id === undefined) {
    id = intern(
      JSON.stringify([p.kind === "anonymous" || p.kind === "service" || p.kind === "federated" ? p.kind : "aws", p.identityPolicies, p.context ?? {}]),
    );
    identityIds.set(p, id);
  }
  return id;
}

const docIds = new WeakMap<object, string>();
/** A policy document's content id, computed once per document object (probes of one bucket share theirs). */
function docId(doc: object): string {
  let id = docIds.get(doc);
  if (id === undefined) {
    id = `doc${intern(JSON.stringify(doc))}`;
    docIds.set(doc, id);
  }
  return id;
}

const probeIds = new WeakMap<Probe, string>();
/**
 * A probe's identity: the request and every policy document it involves.
 * Documents enter by content id: stringifying a 1,000-statement bucket policy
 * into each of its thousands of probes made this quadratic (issue #22 profile).
 */
export function probeId(q: Probe): string {
  let id = probeIds.get(q);
  if (id === undefined) {
    id = intern(
      JSON.stringify(q, (key: string, value: unknown) =>
        key === "resourcePolicy" && value !== null && typeof value === "object"
          ? { ...(value as NamedPolicy), document: docId((value as NamedPolicy).document) }
          : value,
      ),
    );
    probeIds.set(q, id);
  }
  return id;
}

const resourcePolicies = (q: Probe): NamedPolicy[] =>
  [q.resourcePolicy, q.viaBucket?.resourcePolicy, q.viaKey?.resourcePolicy].filter((x): x is NamedPolicy => x !== undefined);

/** The class of (principal, probe): equal classes get equal engine results. */
export function requestClass(p: MatrixPrincipal, q: Probe): string {
  const policies = resourcePolicies(q);
  const specific = [...policies.map((x) => x.document), ...p.identityPolicies.map((x) => x.document)].some(readsPrincipal);
  const sameAs = (account: string | undefined): string => (account === undefined ? "" : p.account === account ? "1" : "0");
  const same = `${sameAs(q.resourceAccount)}${sameAs(q.viaBucket?.resourceAccount)}${sameAs(q.viaKey?.resourceAccount)}`;
  // The key side of an access point request carries kms:CallerAccount: the caller's account can decide.
  const who = specific || p.kind === "service" ? `${p.arn ?? ""}|${p.principalArn ?? ""}|${p.account ?? ""}` : q.viaKey ? `account=${p.account ?? ""}` : "";
  return `${identityId(p)}|${same}|${policies.map((x) => matchesOf(x.document, p)).join("/")}|${who}`;
}
