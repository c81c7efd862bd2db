import { accountsLine, callsSummary, callsText, formatDecision, formatWhy, refusedChecks, select, summaryLine } from "./format";
import { decidingAddress, JSON_SCHEMA_VERSION, type SarifResult, sarifLog, sarifResult } from "./render-diff";
import type { Cell, StackMatrix } from "./types";

/** The matrix as a plain-text table, a markdown table, or JSON. */

export interface RenderOptions {
  /** Show denied probes too. */
  readonly all: boolean;
}

const row = (c: Cell, code?: (s: string) => string): string[] => [c.principal, c.action, c.resource, c.context, formatDecision(c), formatWhy(c, code)];
const HEADER = ["PRINCIPAL", "ACTION", "RESOURCE", "CONTEXT", "DECISION", "DECIDING"];

function alignedTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One line on the stack's data perimeter ("" without one): its Organization, members, and the other Organization's result. */
export function perimeterLine(m: StackMatrix): string {
  const p = m.perimeter;
  if (!p) return "";
  const trusted = p.trustedAccounts.length ? `, trusted outside: ${p.trustedAccounts.join(", ")}` : "";
  const o = p.otherOrganization;
  const result = o.allowed === 0 ? `Denied on all ${o.asked} probes` : `ALLOWED on ${o.allowed} of ${o.asked} probes`;
  return `DATA PERIMETER  ${p.organizationId} (members: ${p.memberAccounts.join(", ")}${trusted}): probe/other-org, a principal of another Organization, ${result}`;
}

export function renderText(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  return matrices
    .map((m) => {
      const s = select(m, opts.all);
      const table = s.shown.length ? alignedTable([HEADER, ...s.shown.map((c) => row(c))]) : "(no cells)";
      const unread = (m.notEvaluated ?? []).map((x) => `NOT EVALUATED  ${x}\n`).join("");
      const acks = (m.acknowledgements ?? []).map((a) => `ACKNOWLEDGED  [${a.rule}] ${a.address}: ${a.reason}\n`).join("");
      const calls = callsText(m.calls);
      const perimeter = m.perimeter ? `${perimeterLine(m)}\n` : "";
      return `== ${m.stack} (${accountsLine(m)})\n${summaryLine(m, s, opts.all)}\n${perimeter}${unread}${acks}\n${table}\n${calls ? `\n${calls}` : ""}`;
    })
    .join("\n");
}

const md = (s: string): string => s.replace(/\|/g, "\\|");
const code = (s: string): string => (s ? `\`${s}\`` : "");

function markdownRow(c: Cell): string {
  const [principal, action, resource, context, decision] = row(c);
  const cells = [code(principal), code(action), code(resource), code(context), decision, formatWhy(c, code)];
  return `| ${cells.map(md).join(" | ")} |`;
}

/** The call proof of the stack's handlers (nothing when it deploys none). */
function callsMarkdown(m: StackMatrix): string[] {
  const calls = m.calls ?? [];
  if (calls.length === 0) return [];
  const list = (xs: readonly string[]): string => xs.map(code).join("<br>");
  return [
    "Declared AWS calls of the deployed handlers, proven against the policies:",
    "",
    "| Principal | Function | Calls | Refused | Granted but unused |",
    "| --- | --- | --- | --- | --- |",
    ...calls.map(
      (c) => `| ${[code(c.principal), `${code(c.deployment)} (${c.contract})`, callsSummary(c), list(refusedChecks(c)), list(c.unused)].map(md).join(" | ")} |`,
    ),
    "",
  ];
}

/** The stack's acknowledged check warnings, with their reasons (nothing when it has none). */
function acknowledgedMarkdown(m: StackMatrix): string[] {
  const acks = m.acknowledgements ?? [];
  if (acks.length === 0) return [];
  return [
    "Acknowledged check warnings:",
    "",
    "| Rule | Resource | Reason |",
    "| --- | --- | --- |",
    ...acks.map((a) => `| ${[code(a.rule), code(a.address), a.reason].map(md).join(" | ")} |`),
    "",
  ];
}

export function renderMarkdown(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  return matrices
    .map((m) => {
      const s = select(m, opts.all);
      return [
        `### ${m.stack}`,
        "",
        `Accounts: ${accountsLine(m)}. ${summaryLine(m, s, opts.all)}.`,
        "",
        ...(m.perimeter ? [code(perimeterLine(m)), ""] : []),
        "| Principal | Action | Resource | Context | Decision | Deciding statements |",
        "| --- | --- | --- | --- | --- | --- |",
        ...s.shown.map(markdownRow),
        "",
        ...callsMarkdown(m),
        ...acknowledgedMarkdown(m),
      ].join("\n");
    })
    .join("\n");
}

export function renderJson(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  const stacks = matrices.map((m) => {
    const s = select(m, opts.all);
    return {
      stack: m.stack,
      accounts: m.accounts,
      principals: m.principals,
      probeCount: m.probeCount,
      allowed: s.allowed,
      denied: s.denied,
      notEvaluated: m.notEvaluated ?? [],
      acknowledgements: m.acknowledgements ?? [],
      ...(m.calls ? { calls: m.calls } : {}),
      ...(m.perimeter ? { perimeter: m.perimeter } : {}),
      cells: s.shown,
    };
  });
  return JSON.stringify({ schema: "xacct-access/matrix", version: JSON_SCHEMA_VERSION, stacks }, null, 2);
}

/**
 * Every Allowed cross-account or public cell as a SARIF note, and every acknowledged check
 * warning as a suppressed result carrying its reason, at the line of the deciding resource in
 * the stack's cdk.tf.json.
 */
export function renderSarif(matrices: readonly StackMatrix[], outdir: string): string {
  return sarifLog(
    matrices.flatMap((m) => {
      const uri = `${outdir}/stacks/${m.stack}/cdk.tf.json`;
      return [
        ...m.cells
          .filter((c) => c.decision === "Allowed" && c.external)
          .map((c) => sarifResult("external-access", `${c.key}: ${formatWhy(c)}`, uri, decidingAddress(c), `${m.stack} ${c.key}`)),
        ...(m.acknowledgements ?? []).map((a): SarifResult => ({
          ...sarifResult("acknowledged-finding", `[${a.rule}] ${a.message}`, uri, a.address, `${m.stack} ACK ${a.rule} ${a.address}`),
          suppressions: [{ kind: "inSource", justification: a.reason }],
        })),
      ];
    }),
  );
}
