import * as path from "path";
import { AccessArgs, parseAccessArgs, UsageError, USAGE } from "./args";
import { loadStacks, SynthesizedStack } from "./load";
import { writeBetweenMarkers } from "./markers";
import { computeMatrix } from "./matrix";
import { renderJson, renderMarkdown, renderText } from "./render";
import type { StackMatrix } from "./types";

/** `npm run access`: the access matrix of every synthesized stack. */

export const ACCESS_MARKERS = "access";

function chooseStacks(stacks: SynthesizedStack[], names: readonly string[]): SynthesizedStack[] {
  const unknown = names.filter((n) => !stacks.some((s) => s.name === n));
  if (unknown.length) throw new UsageError(`no stack ${unknown.join(", ")}; stacks: ${stacks.map((s) => s.name).join(", ")}`);
  return names.length ? stacks.filter((s) => names.includes(s.name)) : stacks;
}

function render(matrices: StackMatrix[], args: AccessArgs): string {
  const opts = { all: args.all };
  if (args.format === "json") return renderJson(matrices, opts);
  if (args.format === "markdown") return renderMarkdown(matrices, opts);
  return renderText(matrices, opts);
}

export async function runAccessCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let args: AccessArgs;
  try {
    args = parseAccessArgs(argv);
    if (args.help) {
      out(USAGE);
      return 0;
    }
    const stacks = chooseStacks(loadStacks(path.resolve(args.outdir), { fresh: args.synth, log: err }), args.stacks);
    const matrices: StackMatrix[] = [];
    for (const s of stacks) matrices.push(await computeMatrix(s.name, s.model, s.extras));
    if (args.write) {
      const changed = writeBetweenMarkers(args.write, ACCESS_MARKERS, renderMarkdown(matrices, { all: args.all }));
      err(`${args.write}: access matrices ${changed ? "updated" : "unchanged"}`);
      return 0;
    }
    out(render(matrices, args));
    return 0;
  } catch (e) {
    err(e instanceof UsageError ? `${e.message}\n\n${USAGE}` : (e as Error).message);
    return e instanceof UsageError ? 2 : 1;
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
