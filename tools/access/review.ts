import type { TfJson } from "../../lib/model/stack-model";
import type { FailOn } from "./args";
import { stackFromJson, type SynthesizedStack } from "./load";
import { computeMatrix, type EvaluationMemo, type MatrixOptions } from "./matrix";
import type { UnknownValue } from "./plan";
import { mergeSeeds, seedsOf } from "./seeds";
import type { Cell, StackMatrix } from "./types";

/**
 * Access before and after a change (a plan, or two synth outputs): the cells
 * Allowed after but not before (NEW), before but not after (REMOVED), and how
 * many stay (UNCHANGED). Both sides are probed with the same principals and
 * prefixes (the union of what either side's policies name), so a cell is NEW
 * only because access changed, never because the question did.
 */

export interface StackDiff {
  readonly stack: string;
  readonly accounts: Readonly<Record<string, string>>;
  /** Allowed after, not before, with the after side's deciding statements. */
  readonly added: readonly Cell[];
  /** Allowed before, not after, with the before side's deciding statements. */
  readonly removed: readonly Cell[];
  readonly unchanged: number;
  /** Policy values known only after apply: the after side cannot show what they grant. */
  readonly unknown: readonly UnknownValue[];
  /** Allowed before, and decided by a policy whose new value is unknown: maybe removed, maybe not. */
  readonly undecided: readonly Cell[];
  /** Attached policies of the after side whose document is not in the plan/stack (not evaluated). */
  readonly notEvaluated: readonly string[];
  /** Cells evaluated on both sides together (direct and via a hop, Allowed or Denied). */
  readonly cellsEvaluated: number;
}

export interface AccessDiff {
  readonly source:
    | { readonly kind: "plan"; readonly file: string; readonly terraformVersion?: string }
    | { readonly kind: "synth"; readonly base: string; readonly head: string };
  readonly stacks: readonly StackDiff[];
}

const allowedByKey = (m: StackMatrix): Map<string, Cell> => new Map(m.cells.filter((c) => c.decision === "Allowed").map((c) => [c.key, c]));

/** The NEW/REMOVED/UNCHANGED cells of two matrices of the same stack. */
export function compareMatrices(before: StackMatrix, after: StackMatrix, unknown: readonly UnknownValue[] = []): StackDiff {
  const b = allowedByKey(before);
  const a = allowedByKey(after);
  const unknownAddresses = new Set(unknown.map((u) => u.address));
  const dependsOnUnknown = (c: Cell): boolean =>
    [...c.deciding, ...(c.via?.deciding ?? [])].some((d) => d.policy !== undefined && unknownAddresses.has(d.policy.split(" ")[0]));
  const gone = [...b.values()].filter((c) => !a.has(c.key));
  return {
    stack: after.stack,
    accounts: { ...before.accounts, ...after.accounts },
    added: [...a.values()].filter((c) => !b.has(c.key)),
    removed: gone.filter((c) => !dependsOnUnknown(c)),
    unchanged: [...a.keys()].filter((k) => b.has(k)).length,
    unknown,
    undecided: gone.filter(dependsOnUnknown),
    notEvaluated: after.notEvaluated ?? [],
    cellsEvaluated: (before.evaluated ?? before.cells.length) + (after.evaluated ?? after.cells.length),
  };
}

/** Diff one stack given as two parsed Terraform JSONs (either may be empty: created or destroyed). */
export async function diffStack(
  name: string,
  before: TfJson,
  after: TfJson,
  unknown: readonly UnknownValue[] = [],
  memo: EvaluationMemo = new Map(),
  opts: Pick<MatrixOptions, "exhaustive" | "guardrails"> = {},
): Promise<StackDiff> {
  const b: SynthesizedStack = stackFromJson(name, before);
  const a: SynthesizedStack = stackFromJson(name, after);
  const seeds = mergeSeeds(seedsOf(b.model), seedsOf(a.model));
  const mb = await computeMatrix(name, b.model, b.extras, { seeds, memo, allowedOnly: true, ...opts });
  const ma = await computeMatrix(name, a.model, a.extras, { seeds, memo, allowedOnly: true, ...opts });
  return compareMatrices(mb, ma, unknown);
}

/** Stacks matched by name; a stack on one side only is compared with nothing. */
export async function diffStackSets(
  base: readonly SynthesizedStack[],
  head: readonly SynthesizedStack[],
  opts: Pick<MatrixOptions, "guardrails"> = {},
): Promise<StackDiff[]> {
  const names = [...new Set([...base.map((s) => s.name), ...head.map((s) => s.name)])].sort();
  const tf = (set: readonly SynthesizedStack[], n: string): TfJson => set.find((s) => s.name === n)?.tf ?? {};
  const out: StackDiff[] = [];
  for (const n of names) out.push(await diffStack(n, tf(base, n), tf(head, n), [], new Map(), opts));
  return out;
}

export interface DiffTotals {
  readonly added: number;
  readonly addedExternal: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly unknown: number;
}

export function totals(d: AccessDiff): DiffTotals {
  const sum = (f: (s: StackDiff) => number): number => d.stacks.reduce((n, s) => n + f(s), 0);
  return {
    added: sum((s) => s.added.length),
    addedExternal: sum((s) => s.added.filter((c) => c.external).length),
    removed: sum((s) => s.removed.length),
    unchanged: sum((s) => s.unchanged),
    unknown: sum((s) => s.unknown.length),
  };
}

/**
 * Whether the diff fails the check: `new-external` on NEW cross-account or
 * public cells, or on policy values unknown until apply (no new access cannot
 * be shown); `new-any` on any NEW cell (or unknown value); `never`.
 */
export function failsOn(d: AccessDiff, failOn: FailOn): boolean {
  const t = totals(d);
  if (failOn === "never") return false;
  if (t.unknown > 0) return true;
  return failOn === "new-any" ? t.added > 0 : t.addedExternal > 0;
}
