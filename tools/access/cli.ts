#!/usr/bin/env node
import * as path from "path";
import { diffPlanFile, diffStackLists, readGuardrails, renderDiff, renderMatrices } from "./api";
import { AccessArgs, EXIT, parseAccessArgs, UsageError, USAGE } from "./args";
import { ContractInputError, loadSide, renderVerificationJson, renderVerificationText, verifyContract } from "./contract";
import { EngineMissingError } from "./evaluate";
import { GuardrailInputError } from "./guardrails";
import { loadStacks, NoStacksError, SynthesizedStack } from "./load";
import { writeBetweenMarkers } from "./markers";
import { callsOfStack } from "./calls";
import { computeMatrix } from "./matrix";
import { PlanInputError } from "./plan";
import { renderMarkdown } from "./render";
import { AppSynthError, CdktfProjectError } from "./run-app";
import { failsOn } from "./review";
import type { StackMatrix } from "./types";

/** `xacct-access` (`npm run access` here): the access matrix, a plan's access diff, or a diff of two synth outputs. */

export const ACCESS_MARKERS = "access";

function chooseStacks(stacks: SynthesizedStack[], names: readonly string[]): SynthesizedStack[] {
  const unknown = names.filter((n) => !stacks.some((s) => s.name === n));
  if (unknown.length) throw new UsageError(`no stack ${unknown.join(", ")}; stacks: ${stacks.map((s) => s.name).join(", ")}`);
  return names.length ? stacks.filter((s) => names.includes(s.name)) : stacks;
}

const synthPolicy = (args: AccessArgs): "always" | "if-stale" | "never" => (args.synth ? "always" : args.synthIfStale ? "if-stale" : "never");

async function run(args: AccessArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const guardrails = args.scp.length || args.rcp.length ? readGuardrails({ scp: args.scp, rcp: args.rcp, map: args.guardrailMap }) : undefined;
  if (guardrails)
    err(
      `guardrails: ${guardrails.policies.map((p) => `${p.kind.toUpperCase()} ${p.name} (${p.accounts ? p.accounts.join(", ") : "every account"})`).join("; ")}`,
    );
  if (args.command === "contract-verify") {
    const v = await verifyContract(
      loadSide(args.owner as string, (s) => err(`owner: ${s}`)),
      loadSide(args.consumer as string, (s) => err(`consumer: ${s}`)),
    );
    out(args.format === "json" ? renderVerificationJson(v) : renderVerificationText(v));
    return v.agree ? EXIT.ok : EXIT.disagree;
  }
  if (args.command === "plan") {
    const diff = await diffPlanFile(args.planFile as string, { guardrails });
    out(renderDiff(diff, args.format));
    return failsOn(diff, args.failOn) ? EXIT.newAccess : EXIT.ok;
  }
  if (args.command === "diff") {
    const base = loadStacks(path.resolve(args.base as string), { log: (s) => err(`base: ${s}`) });
    const head = loadStacks(path.resolve(args.outdir), { synth: synthPolicy(args), log: err });
    const diff = await diffStackLists(args.base as string, base, args.outdir, head, args.stacks, { guardrails });
    out(renderDiff(diff, args.format));
    return failsOn(diff, args.failOn) ? EXIT.newAccess : EXIT.ok;
  }
  const stacks = chooseStacks(loadStacks(path.resolve(args.outdir), { synth: synthPolicy(args), log: err }), args.stacks);
  const matrices: StackMatrix[] = [];
  for (const s of stacks) {
    const m = await computeMatrix(s.name, s.model, s.extras, { guardrails });
    // The call proof of the handlers the stack deploys (section CALLS; JSON field "calls").
    const calls = await callsOfStack(s.model, s.extras, { guardrails });
    matrices.push(calls.length ? { ...m, calls } : m);
  }
  if (args.write) {
    const changed = writeBetweenMarkers(args.write, ACCESS_MARKERS, renderMarkdown(matrices, { all: args.all }));
    err(`${args.write}: access matrices ${changed ? "updated" : "unchanged"}`);
    return EXIT.ok;
  }
  out(renderMatrices(matrices, args.format, { all: args.all, outdir: args.outdir }));
  return EXIT.ok;
}

export async function runAccessCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const args = parseAccessArgs(argv);
    if (args.help) {
      out(USAGE);
      return EXIT.ok;
    }
    return await run(args, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    // Input the user can fix (a missing/unreadable plan, no stacks, no engine): one message, usage exit code.
    if (
      e instanceof PlanInputError ||
      e instanceof NoStacksError ||
      e instanceof EngineMissingError ||
      e instanceof GuardrailInputError ||
      e instanceof CdktfProjectError ||
      e instanceof ContractInputError
    ) {
      err(e.message);
      return EXIT.usage;
    }
    // The app of cdktf.json failed (--synth, --synth-if-stale): its own message, no stack trace of ours.
    if (e instanceof AppSynthError) {
      err(e.message);
      return EXIT.error;
    }
    err((e as Error).message);
    return EXIT.error;
  }
}

if (require.main === module) {
  void runAccessCli(
    process.argv.slice(2),
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}
