import { accountsLine, formatDecision, formatWhy, select, summaryLine } from "./format";
import { decidingAddress, JSON_SCHEMA_VERSION, sarifLog, sarifResult } from "./render-diff";
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
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd()).join("\n");
}

export function renderText(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  return matrices
    .map((m) => {
      const s = select(m, opts.all);
      const table = s.shown.length ? alignedTable([HEADER, ...s.shown.map((c) => row(c))]) : "(no cells)";
      const unread = (m.notEvaluated ?? []).map((x) => `NOT EVALUATED  ${x}\n`).join("");
      return `== ${m.stack} (${accountsLine(m)})\n${summaryLine(m, s, opts.all)}\n${unread}\n${table}\n`;
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

export function renderMarkdown(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  return matrices
    .map((m) => {
      const s = select(m, opts.all);
      return [
        `### ${m.stack}`,
        "",
        `Accounts: ${accountsLine(m)}. ${summaryLine(m, s, opts.all)}.`,
        "",
        "| Principal | Action | Resource | Context | Decision | Deciding statements |",
        "| --- | --- | --- | --- | --- | --- |",
        ...s.shown.map(markdownRow),
        "",
      ].join("\n");
    })
    .join("\n");
}

export function renderJson(matrices: readonly StackMatrix[], opts: RenderOptions): string {
  const stacks = matrices.map((m) => {
    const s = select(m, opts.all);
    return { stack: m.stack, accounts: m.accounts, principals: m.principals, probeCount: m.probeCount, allowed: s.allowed, denied: s.denied, notEvaluated: m.notEvaluated ?? [], cells: s.shown };
  });
  return JSON.stringify({ schema: "xacct-access/matrix", version: JSON_SCHEMA_VERSION, stacks }, null, 2);
}

/** Every Allowed cross-account or public cell as a SARIF note, pointing at the stack's cdk.tf.json. */
export function renderSarif(matrices: readonly StackMatrix[], outdir: string): string {
  return sarifLog(
    matrices.flatMap((m) =>
      m.cells
        .filter((c) => c.decision === "Allowed" && c.external)
        .map((c) => sarifResult("external-access", `${c.key}: ${formatWhy(c)}`, `${outdir}/stacks/${m.stack}/cdk.tf.json`, decidingAddress(c), `${m.stack} ${c.key}`)),
    ),
  );
}
