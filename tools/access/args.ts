/** Command-line options of `npm run access`. */

export type OutputFormat = "text" | "json" | "markdown";

export interface AccessArgs {
  readonly format: OutputFormat;
  readonly all: boolean;
  readonly stacks: string[];
  readonly outdir: string;
  /** Re-synthesize even when cdktf.out has stacks. */
  readonly synth: boolean;
  /** Write the markdown matrices between `<!-- access:start/end -->` in this file. */
  readonly write?: string;
  readonly help: boolean;
}

export const USAGE = `usage: npm run access -- [--json | --markdown] [--all] [--stack <name>]... [--outdir cdktf.out] [--synth] [--write README.md]

  Evaluates every synthesized stack's policies with an IAM policy engine:
  principal × action × resource → Allowed / Denied, with the deciding statements.

  --json            the same as JSON
  --markdown        a markdown table per stack (to paste into a review)
  --all             list the denied probes too (default: Allowed cells plus a count)
  --stack <name>    only this stack (repeatable)
  --outdir <dir>    where the synthesized stacks are (default: cdktf.out); synthesized first when empty
  --synth           synthesize again even when <outdir> has stacks
  --write <file>    put the markdown matrices between <!-- access:start --> and <!-- access:end --> in <file>`;

export class UsageError extends Error {}

export function parseAccessArgs(argv: readonly string[]): AccessArgs {
  let format: OutputFormat = "text";
  const stacks: string[] = [];
  let all = false;
  let outdir = "cdktf.out";
  let synth = false;
  let write: string | undefined;
  let help = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json" || a === "--markdown") {
      if (format !== "text") throw new UsageError("choose one of --json and --markdown");
      format = a === "--json" ? "json" : "markdown";
    } else if (a === "--all") all = true;
    else if (a === "--synth") synth = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--stack") stacks.push(value(i++, a));
    else if (a === "--outdir") outdir = value(i++, a);
    else if (a === "--write") write = value(i++, a);
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  return { format, all, stacks, outdir, synth, write, help };
}
