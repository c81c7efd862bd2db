import type { PrincipalCalls } from "./calls";
import type { Cell, DecidingStatement, PolicySource, StackMatrix } from "./types";

/** Words for cells, shared by the text, markdown and JSON renderings. */

const SOURCE_LABEL: Record<DecidingStatement["source"], string> = {
  "role-inline": "identity",
  "group-inline": "group policy",
  "probe-identity": "assumed identity policy (what its admins may grant)",
  bucket: "bucket policy",
  key: "key policy",
  "default-key": "default key policy",
  trust: "trust policy",
  "s3-bpa": "S3 Block Public Access",
  identity: "identity policy",
  resource: "resource policy",
  "user-inline": "user policy",
  managed: "managed policy",
  "access-point": "access point policy",
  "not-in-stack": "resource policy not in the stack (assumed to allow: the owner decides)",
  scp: "service control policy",
  rcp: "resource control policy",
};

export const sourceLabel = (s: PolicySource | "identity" | "resource"): string => SOURCE_LABEL[s];

export function formatStatement(d: DecidingStatement, code: (s: string) => string = (s) => s): string {
  const where = [sourceLabel(d.source), d.policy && code(`${d.policy}${d.sid ? `#${d.sid}` : ""}`)].filter(Boolean).join(" ");
  if (d.effect === "Allow") return where;
  if (d.effect === "Deny") return `Deny in ${where}`;
  return `no Allow in ${where}`;
}

export function formatDeciding(ds: readonly DecidingStatement[], code?: (s: string) => string): string {
  const allows = ds.every((d) => d.effect === "Allow");
  return ds.map((d) => formatStatement(d, code)).join(allows ? " + " : "; ");
}

export const formatDecision = (c: Cell): string => (c.via ? `Allowed via ${c.via.role}${c.via.context ? ` [${c.via.context}]` : ""}` : c.decision);

/** The deciding statements, with the AssumeRole hop first when the cell was reached through one. */
export function formatWhy(c: Cell, code?: (s: string) => string): string {
  const direct = formatDeciding(c.deciding, code);
  return c.via ? `hop: ${formatDeciding(c.via.deciding, code)}; then: ${direct}` : direct;
}

export const accountsLine = (m: StackMatrix): string =>
  Object.entries(m.accounts)
    .map(([alias, id]) => `${alias} ${id}`)
    .join(", ");

export interface Selection {
  readonly shown: Cell[];
  readonly allowed: number;
  readonly denied: number;
}

/** By default only Allowed cells are shown; `all` shows the denied probes too. */
export function select(m: StackMatrix, all: boolean): Selection {
  const allowed = m.cells.filter((c) => c.decision === "Allowed");
  const denied = m.cells.length - allowed.length;
  return { shown: all ? [...m.cells] : allowed, allowed: allowed.length, denied };
}

export const summaryLine = (m: StackMatrix, s: Selection, all: boolean): string =>
  `${m.principals.length} principals × ${m.probeCount} probes: ${s.allowed} Allowed cells, ${s.denied} denied probes` +
  (all ? "" : " (not listed; --all lists them)");

/** `3 proven (put, get, list), 1 refused (get-version), 2 granted but unused`: one principal's call proof. */
export function callsSummary(c: PrincipalCalls): string {
  const part = (n: readonly string[], what: string): string => `${n.length} ${what}${n.length ? ` (${n.join(", ")})` : ""}`;
  return `${part(c.proven, "proven")}, ${part(c.refused, "refused")}, ${c.unused.length} granted but unused`;
}

/** The refused needs of a principal: `get s3:GetObject <resource> [context]: <deciding>`. */
export function refusedChecks(c: PrincipalCalls, code?: (s: string) => string): string[] {
  return c.checks
    .filter((k) => k.decision !== "Allowed")
    .map((k) => `${k.call}: ${k.action} ${k.resource}${k.context ? ` [${k.context}]` : ""}: ${formatDeciding(k.deciding, code)} (${k.doc})`);
}

/** The text section of the call proof (nothing when the stack deploys no handler). */
export function callsText(calls: readonly PrincipalCalls[] | undefined): string {
  if (!calls || calls.length === 0) return "";
  const lines = ["CALLS  (declared AWS calls of the deployed handlers, proven against the policies with their real context)"];
  for (const c of calls) {
    lines.push(`  ${c.principal}  (${c.deployment}, ${c.contract} contract): ${callsSummary(c)}`);
    for (const r of refusedChecks(c)) lines.push(`    REFUSED  ${r}`);
    for (const u of c.unused) lines.push(`    UNUSED   ${u}`);
    for (const n of c.notMade) lines.push(`    NOT MADE ${n}`);
  }
  return `${lines.join("\n")}\n`;
}
