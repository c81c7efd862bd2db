import type { Cell } from "./types";
import { formatWhy } from "./format";
import { type AccessDiff, type StackDiff, totals } from "./review";
import { lineOfAddress } from "./source-lines";

/** An access diff as text, a pull-request comment (markdown), JSON or SARIF 2.1.0. */

export const JSON_SCHEMA_VERSION = 1;

const cellLine = (c: Cell): string =>
  `${c.key}${c.external ? "  (cross-account/public)" : c.principal.startsWith("service/") ? "  (AWS service)" : ""}\n      ${formatWhy(c)}`;
const sourceLine = (d: AccessDiff): string =>
  d.source.kind === "plan"
    ? `plan ${d.source.file}${d.source.terraformVersion ? ` (terraform ${d.source.terraformVersion})` : ""}`
    : `${d.source.base} -> ${d.source.head}`;

export function summary(d: AccessDiff): string {
  const t = totals(d);
  const unknown = t.unknown ? `, ${t.unknown} policy value${t.unknown === 1 ? "" : "s"} unknown until apply` : "";
  return `${t.added} NEW (${t.addedExternal} cross-account/public), ${t.removed} REMOVED, ${t.unchanged} UNCHANGED Allowed cells${unknown}`;
}

const unknownLine = (u: StackDiff["unknown"][number]): string => `${u.address}: ${u.attribute} (known after apply: what it grants cannot be evaluated)`;

export function renderDiffText(d: AccessDiff): string {
  const parts = [`access diff: ${sourceLine(d)}`, summary(d), ""];
  for (const s of d.stacks) {
    parts.push(`== ${s.stack}: ${s.added.length} NEW, ${s.removed.length} REMOVED, ${s.unchanged} UNCHANGED`);
    for (const u of s.unknown) parts.push(`  UNKNOWN  ${unknownLine(u)}`);
    for (const x of s.notEvaluated) parts.push(`  NOT EVALUATED  ${x}`);
    for (const c of s.undecided) parts.push(`  UNKNOWN  ${cellLine(c)}\n      (Allowed before; decided by a policy known only after apply)`);
    for (const c of s.added) parts.push(`  NEW      ${cellLine(c)}`);
    for (const c of s.removed) parts.push(`  REMOVED  ${cellLine(c)}`);
    parts.push("");
  }
  return parts.join("\n");
}

const code = (s: string): string => (s ? `\`${s.replace(/`/g, "'")}\`` : "");
const mdRow = (s: StackDiff, c: Cell): string =>
  `| ${[
    s.stack,
    code(c.principal),
    code(c.action),
    code(c.resource),
    code(c.context),
    c.via ? code(`${c.via.role}${c.via.context ? `[${c.via.context}]` : ""}`) : "",
    formatWhy(c, code),
  ]
    .map((x) => x.replace(/\|/g, "\\|"))
    .join(" | ")} |`;
const TABLE_HEAD = ["| Stack | Principal | Action | Resource | Context | Via | Deciding statements |", "| --- | --- | --- | --- | --- | --- | --- |"];

function table(rows: [StackDiff, Cell][]): string[] {
  return rows.length ? [...TABLE_HEAD, ...rows.map(([s, c]) => mdRow(s, c))] : ["(none)"];
}

/** Pull-request comment: the summary line first, then NEW cross-account/public access, the rest folded. */
export function renderDiffMarkdown(d: AccessDiff): string {
  const rows = (pick: (s: StackDiff) => readonly Cell[]): [StackDiff, Cell][] => d.stacks.flatMap((s) => pick(s).map((c): [StackDiff, Cell] => [s, c]));
  const unknown = d.stacks.flatMap((s) => [
    ...s.unknown.map((u) => `- \`${u.address}\`: \`${u.attribute}\` is known only after apply: what it grants cannot be evaluated`),
    ...s.undecided.map((c) => `- \`${c.key}\` (Allowed before) depends on a policy known only after apply`),
    ...s.notEvaluated.map((x) => `- not evaluated: ${x}`),
  ]);
  const fold = (title: string, body: string[]): string[] => ["<details>", `<summary>${title}</summary>`, "", ...body, "", "</details>", ""];
  const newOther = rows((s) => s.added.filter((c) => !c.external));
  const removed = rows((s) => s.removed);
  return [
    `**Access review** (${sourceLine(d)}): ${summary(d)}`,
    "",
    "#### NEW cross-account or public access",
    "",
    ...table(rows((s) => s.added.filter((c) => c.external))),
    "",
    ...(unknown.length ? ["#### Unknown until apply, or not evaluated", "", ...unknown, ""] : []),
    ...fold(`NEW access within an account (${newOther.length})`, table(newOther)),
    ...fold(`REMOVED access (${removed.length})`, table(removed)),
  ].join("\n");
}

const jsonCell = (c: Cell): Record<string, unknown> => ({
  key: c.key,
  principal: c.principal,
  action: c.action,
  resource: c.resource,
  context: c.context,
  external: c.external,
  ...(c.via ? { via: { role: c.via.role, context: c.via.context, deciding: c.via.deciding } } : {}),
  deciding: c.deciding,
});

/** Schema "xacct-access/diff" (README: JSON output). */
export function renderDiffJson(d: AccessDiff): string {
  return JSON.stringify(
    {
      schema: "xacct-access/diff",
      version: JSON_SCHEMA_VERSION,
      source: d.source,
      summary: totals(d),
      stacks: d.stacks.map((s) => ({
        stack: s.stack,
        accounts: s.accounts,
        added: s.added.map(jsonCell),
        removed: s.removed.map(jsonCell),
        unchanged: s.unchanged,
        unknown: s.unknown,
        undecided: s.undecided.map(jsonCell),
        notEvaluated: s.notEvaluated,
      })),
    },
    null,
    2,
  );
}

// ------------------------------------------------------------------ SARIF 2.1.0

export interface SarifResult {
  readonly ruleId: string;
  readonly level: "error" | "warning" | "note";
  readonly message: { readonly text: string };
  readonly locations: readonly Record<string, unknown>[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  /** An acknowledged finding: shown, with the reason, as suppressed. */
  readonly suppressions?: readonly { readonly kind: "inSource"; readonly justification: string }[];
}

export const SARIF_RULES = [
  { id: "new-external-access", text: "New cross-account or public access", level: "error" },
  { id: "new-access", text: "New access within an account", level: "warning" },
  { id: "removed-access", text: "Access removed", level: "note" },
  { id: "unknown-policy", text: "Policy value known only after apply", level: "warning" },
  { id: "external-access", text: "Cross-account or public access", level: "note" },
  { id: "acknowledged-finding", text: "A synth-time check warning acknowledged with a reason", level: "warning" },
] as const;

/** A result's location: the file, the line of the Terraform address in it (1 when not found), and the address. */
export function sarifLocation(uri: string, logical?: string): Record<string, unknown> {
  return {
    physicalLocation: { artifactLocation: { uri }, region: { startLine: lineOfAddress(uri, logical) } },
    ...(logical ? { logicalLocations: [{ fullyQualifiedName: logical, kind: "resource" }] } : {}),
  };
}

/** The policy of the stack a cell's deciding statements live in (not the probes' own): the Terraform address to point at. */
export const decidingAddress = (c: Cell): string | undefined =>
  [...c.deciding, ...(c.via?.deciding ?? [])].find((x) => x.policy && x.source !== "probe-identity")?.policy;

export function sarifResult(
  ruleId: (typeof SARIF_RULES)[number]["id"],
  text: string,
  uri: string,
  logical: string | undefined,
  fingerprint: string,
): SarifResult {
  const level = SARIF_RULES.find((r) => r.id === ruleId)?.level ?? "note";
  return { ruleId, level, message: { text }, locations: [sarifLocation(uri, logical)], partialFingerprints: { accessCell: fingerprint } };
}

export function sarifLog(results: readonly SarifResult[]): string {
  return JSON.stringify(
    {
      $schema: "https://json.schemastore.org/sarif-2.1.0.json",
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "xacct-access",
              informationUri: "https://github.com/xacct-s3/xacct-s3#access-review",
              rules: SARIF_RULES.map((r) => ({ id: r.id, shortDescription: { text: r.text }, defaultConfiguration: { level: r.level } })),
            },
          },
          results,
        },
      ],
    },
    null,
    2,
  );
}

export function renderDiffSarif(d: AccessDiff): string {
  const uriOf = (s: StackDiff): string => (d.source.kind === "plan" ? d.source.file : `${d.source.head}/stacks/${s.stack}/cdk.tf.json`);
  const results: SarifResult[] = d.stacks.flatMap((s) => [
    ...s.added.map((c) =>
      sarifResult(c.external ? "new-external-access" : "new-access", `NEW ${c.key}: ${formatWhy(c)}`, uriOf(s), decidingAddress(c), `${s.stack} NEW ${c.key}`),
    ),
    ...s.removed.map((c) => sarifResult("removed-access", `REMOVED ${c.key}: ${formatWhy(c)}`, uriOf(s), decidingAddress(c), `${s.stack} REMOVED ${c.key}`)),
    ...s.unknown.map((u) => sarifResult("unknown-policy", unknownLine(u), uriOf(s), u.address, `${s.stack} UNKNOWN ${u.address} ${u.attribute}`)),
  ]);
  return sarifLog(results);
}
