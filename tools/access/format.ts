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
