import * as path from "path";
import { loadStacks } from "../access/load";
import { MissingMarkersError, writeBetweenMarkers } from "../access/markers";
import { buildGraph } from "./graph";
import { fenced, renderMermaid } from "./mermaid";

/**
 * `npm run diagram`: the mermaid diagram of a stack (default three-account),
 * generated from the synthesized stack; `--write docs/demo.md` puts it between
 * `<!-- diagram:<stack>:start -->` and `<!-- diagram:<stack>:end -->`.
 */

export const USAGE = `usage: npm run diagram -- [--stack three-account] [--outdir cdktf.out] [--synth] [--write docs/demo.md]`;

interface DiagramArgs {
  stack: string;
  outdir: string;
  synth: boolean;
  write?: string;
}

function parse(argv: readonly string[]): DiagramArgs {
  const args: DiagramArgs = { stack: "three-account", outdir: "cdktf.out", synth: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--synth") args.synth = true;
    else if ((a === "--stack" || a === "--outdir" || a === "--write") && v !== undefined && !v.startsWith("--")) {
      if (a === "--stack") args.stack = v;
      else if (a === "--outdir") args.outdir = v;
      else args.write = v;
      i++;
    } else throw new Error(`bad argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return args;
}

export function diagramOf(stackName: string, outdir: string, synth = false, log?: (s: string) => void): string {
  const stacks = loadStacks(path.resolve(outdir), { synth: synth ? "always" : "if-stale", log });
  const stack = stacks.find((s) => s.name === stackName);
  if (!stack) throw new Error(`no stack ${stackName} in ${outdir}; stacks: ${stacks.map((s) => s.name).join(", ")}`);
  return renderMermaid(buildGraph(stack.model, stack.extras));
}

export function runDiagramCli(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  try {
    const args = parse(argv);
    const mermaid = diagramOf(args.stack, args.outdir, args.synth, err);
    if (!args.write) {
      out(mermaid);
      return 0;
    }
    const changed = writeBetweenMarkers(args.write, `diagram:${args.stack}`, fenced(mermaid));
    err(`${args.write}: ${args.stack} diagram ${changed ? "updated" : "unchanged"}`);
    return 0;
  } catch (e) {
    err(e instanceof MissingMarkersError ? `error: ${e.message}` : (e as Error).message);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runDiagramCli(
    process.argv.slice(2),
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
}
