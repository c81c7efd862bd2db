/**
 * The access review's programmatic API (re-exported by ./index.ts as xacct-s3/access).
 *
 * ```ts
 *   import { loadSynthDir, matrixOf, diffPlanFile, diffSynthDirs, renderDiff } from "xacct-s3/access";
 * ```
 *
 * Evaluation needs the optional peer dependency `@cloud-copilot/iam-simulate`
 * (AGPL-3.0, loaded on first use; see README "Licence of the access review").
 * Nothing here synthesizes an app: give it your synthesized `cdktf.out`, a
 * `Testing.synth(stack)` JSON string, or a `terraform show -json` plan.
 */
import * as path from "path";
import type { TfJson } from "../../lib/model/stack-model";
import { type OutputFormat, UsageError } from "./args";
import { loadStacks, stackFromJson, type SynthesizedStack } from "./load";
import { mapGuardrails, readGuardrail, readGuardrailMap, type Guardrails } from "./guardrails";
import { computeMatrix } from "./matrix";
import { parsePlanJson, planSides, readPlanFile, type PlanJson } from "./plan";
import { renderJson, renderMarkdown, renderSarif, renderText } from "./render";
import { renderDiffJson, renderDiffMarkdown, renderDiffSarif, renderDiffText } from "./render-diff";
import { type AccessDiff, compareMatrices, diffStack, diffStackSets, failsOn, totals } from "./review";
import type { StackMatrix } from "./types";

export type { OutputFormat, FailOn } from "./args";
export { EXIT, USAGE, UsageError } from "./args";
export type { Cell, DecidingStatement, Decision, Hop, MatrixPerimeter, StackMatrix } from "./types";
export type { AccessDiff, StackDiff, DiffTotals } from "./review";
export type { UnknownValue, PlanJson } from "./plan";
export type { SynthesizedStack } from "./load";
export { cellKey, type CellIdentity } from "./cell-key";
export { PlanInputError, POLICY_RESOURCE_TYPES } from "./plan";
export { NoStacksError, ageLine } from "./load";
export { EngineMissingError, ENGINE_PACKAGE, ENGINE_VERSION } from "./evaluate";
export { GuardrailInputError, mapGuardrails, readGuardrail, readGuardrailMap } from "./guardrails";
export type { GuardrailKind, GuardrailMap, GuardrailPolicy, Guardrails } from "./guardrails";
export { compareMatrices, failsOn, totals };
export { BUILTIN_CONTRACTS, callsOfStack, deploymentsOf, proveCalls, proveDeclaredCalls } from "./calls";
export type { CallCheck, CallTarget, Deployment, PrincipalCalls } from "./calls";
export { undeclaredCalls, AUTH_PARAMS } from "../../handlers/shared/call-contract";
export type { CallContract, CallCredentials, CallNeed, CallResource, DeclaredCall, ParamRule, SentCommand } from "../../handlers/shared/call-contract";
export { WRITER_CALLS } from "../../handlers/writer/calls.contract";
export { METADATA_PROCESSOR_CALLS } from "../../handlers/metadata-processor/calls.contract";

/** The synthesized stacks of a cdktf.out directory, read as they are (never synthesized). */
export function loadSynthDir(outdir: string, log?: (line: string) => void): SynthesizedStack[] {
  return loadStacks(path.resolve(outdir), { synth: "never", log });
}

/** A stack from its synthesized JSON (`Testing.synth(stack)`, or a cdk.tf.json's text or parsed object). */
export function loadStackJson(name: string, json: string | TfJson): SynthesizedStack {
  return stackFromJson(name, typeof json === "string" ? (JSON.parse(json) as TfJson) : json);
}

/** The access matrix of one stack. */
export function matrixOf(
  stack: SynthesizedStack,
  opts: {
    /** @internal reference mode */ exhaustive?: boolean;
    /** The organisation's SCPs and RCPs ({@link readGuardrails}). */ guardrails?: Guardrails;
  } = {},
): Promise<StackMatrix> {
  return computeMatrix(stack.name, stack.model, stack.extras, { exhaustive: opts.exhaustive, guardrails: opts.guardrails });
}

/** Access before and after a saved plan (`terraform show -json` output: a file path, its text, or parsed). */
export async function diffPlan(
  plan: string | PlanJson,
  opts: {
    file?: string;
    stack?: string;
    /** @internal reference mode (every probe, whole policies): what tests and the benchmark compare with */ exhaustive?: boolean;
    guardrails?: Guardrails;
  } = {},
): Promise<AccessDiff> {
  const json = typeof plan === "string" ? parsePlanJson(plan, opts.file) : plan;
  const sides = planSides(json);
  const file = opts.file ?? "plan.json";
  const stack = opts.stack ?? path.basename(file).replace(/\.json$/, "");
  return {
    source: { kind: "plan", file, terraformVersion: sides.terraformVersion },
    stacks: [await diffStack(stack, sides.before, sides.after, sides.unknown, new Map(), { exhaustive: opts.exhaustive, guardrails: opts.guardrails })],
  };
}

export function diffPlanFile(file: string, opts: { guardrails?: Guardrails } = {}): Promise<AccessDiff> {
  return diffPlan(readPlanFile(file), { file, guardrails: opts.guardrails });
}

/** NEW/REMOVED access between two synth outputs (e.g. main's and a branch's cdktf.out); `stacks` limits the comparison. */
export async function diffSynthDirs(
  base: string,
  head: string,
  stacks: readonly string[] = [],
  log?: (line: string) => void,
  opts: { guardrails?: Guardrails } = {},
): Promise<AccessDiff> {
  return diffStackLists(base, loadSynthDir(base, log && ((s) => log(`base: ${s}`))), head, loadSynthDir(head, log), stacks, opts);
}

/** The diff of two loaded stack sets; `stacks` limits it, and names a stack on neither side as a usage error. */
export async function diffStackLists(
  base: string,
  baseStacks: SynthesizedStack[],
  head: string,
  headStacks: SynthesizedStack[],
  stacks: readonly string[] = [],
  opts: { guardrails?: Guardrails } = {},
): Promise<AccessDiff> {
  const known = new Set([...baseStacks, ...headStacks].map((s) => s.name));
  const unknown = stacks.filter((n) => !known.has(n));
  if (unknown.length) throw new UsageError(`no stack ${unknown.join(", ")}; stacks: ${[...known].sort().join(", ")}`);
  const pick = (set: SynthesizedStack[]): SynthesizedStack[] => (stacks.length ? set.filter((s) => stacks.includes(s.name)) : set);
  return { source: { kind: "synth", base, head }, stacks: await diffStackSets(pick(baseStacks), pick(headStacks), opts) };
}

/** Render matrices (`all`: denied probes too). */
export function renderMatrices(matrices: readonly StackMatrix[], format: OutputFormat, opts: { all?: boolean; outdir?: string } = {}): string {
  const o = { all: opts.all ?? false };
  if (format === "json") return renderJson(matrices, o);
  if (format === "markdown") return renderMarkdown(matrices, o);
  if (format === "sarif") return renderSarif(matrices, opts.outdir ?? "cdktf.out");
  return renderText(matrices, o);
}

export function renderDiff(diff: AccessDiff, format: OutputFormat): string {
  if (format === "json") return renderDiffJson(diff);
  if (format === "markdown") return renderDiffMarkdown(diff);
  if (format === "sarif") return renderDiffSarif(diff);
  return renderDiffText(diff);
}

/**
 * The organisation's guardrails from files: `scp` and `rcp` each a list of
 * files holding one policy document or the saved output of
 * `aws organizations describe-policy`; `map` (optional) says which accounts
 * or OUs each policy applies to (default: every account).
 */
export function readGuardrails(files: { scp?: readonly string[]; rcp?: readonly string[]; map?: string }): Guardrails {
  const policies = [...(files.scp ?? []).map((f) => readGuardrail("scp", f)), ...(files.rcp ?? []).map((f) => readGuardrail("rcp", f))];
  return mapGuardrails(policies, files.map === undefined ? undefined : readGuardrailMap(files.map));
}
