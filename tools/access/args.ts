/** Command-line options of `xacct-access` (`npm run access` here). */

export type OutputFormat = "text" | "json" | "markdown" | "sarif";
export type FailOn = "new-external" | "new-any" | "never";
export type Command = "matrix" | "plan" | "diff" | "contract-verify";

export interface AccessArgs {
  readonly command: Command;
  readonly format: OutputFormat;
  readonly all: boolean;
  readonly stacks: string[];
  readonly outdir: string;
  /** `plan`: the `terraform show -json` file. */
  readonly planFile?: string;
  /** `diff`: the base synth output to compare `outdir` with. */
  readonly base?: string;
  /** `contract verify`: the owner's side (cdktf.out directory or plan.json). */
  readonly owner?: string;
  /** `contract verify`: the consumer's side (cdktf.out directory or plan.json). */
  readonly consumer?: string;
  readonly failOn: FailOn;
  /** Run the app command of ./cdktf.json first (always), as `cdktf synth` would. */
  readonly synth: boolean;
  /** Run the app command of ./cdktf.json first when a file of the app is newer than the stacks (what `npm run access` here passes). */
  readonly synthIfStale: boolean;
  /** Write the markdown matrices between `<!-- access:start/end -->` in this file. */
  readonly write?: string;
  /** `--scp FILE` (repeatable): service control policies every cell is decided with. */
  readonly scp: string[];
  /** `--rcp FILE` (repeatable): resource control policies. */
  readonly rcp: string[];
  /** `--guardrail-map FILE`: which accounts (or OUs) each SCP/RCP applies to; default every account. */
  readonly guardrailMap?: string;
  readonly help: boolean;
}

/** Exit codes: documented in USAGE, help and README. */
export const EXIT = { ok: 0, error: 1, usage: 2, newAccess: 3, disagree: 4 } as const;

export const USAGE = `usage: xacct-access [--outdir cdktf.out] [--stack <name>]... [--all] [--json | --markdown | --sarif] [--write README.md]
       xacct-access plan <plan.json> [--json | --markdown | --sarif] [--fail-on new-external|new-any|never]
       xacct-access diff --base <dir> [--outdir cdktf.out] [--stack <name>]... [--json | --markdown | --sarif] [--fail-on ...]
       xacct-access contract verify --owner <cdktf.out | plan.json> --consumer <cdktf.out | plan.json> [--json]
       (in this repository: npm run access -- <the same arguments>)

  Evaluates the policies of synthesized cdktf stacks (or of a Terraform plan) with an IAM policy engine:
  principal × action × resource → Allowed / Denied, with the deciding statements. Principals are the
  stacks' roles, users and groups, every principal ARN, account, Organization and service the policies
  name, someone else in each account, a third account and anonymous.

  (no command)      the access matrix of the synthesized stacks in <outdir>, as they are (their age is shown)
                    and, per principal of each deployed handler, its declared AWS calls proven / refused and the
                    permissions granted but used by no call (section CALLS; JSON field calls)
  plan <plan.json>  access before (prior_state) and after (planned_values) a saved plan: NEW and REMOVED
                    cells, UNCHANGED count, values unknown until apply. Make the file with
                    terraform plan -out=tfplan && terraform show -json tfplan > plan.json
  diff --base <dir> NEW/REMOVED cells between the stacks in <dir> (e.g. main's cdktf.out) and <outdir>
  contract verify   producer and consumer in separate apps: for each principal of the grant contract
                    (share.publishContract() in the owner's app, GrantContract.fromFile in the consumer's),
                    whether the owner's resource side and the consumer's identity side grant the same
                    access, cell by cell (the contract's prefixes and levels, and around them), and the
                    KMS side of both. Exit 4 when they disagree

  --outdir <dir>    where the synthesized stacks are (default: cdktf.out)
  --stack <name>    only this stack (repeatable)
  --all             list the denied probes too (matrix; default: Allowed cells plus a count)
  --json            JSON (schema "xacct-access/matrix" or "xacct-access/diff", version 1; README)
  --markdown        markdown (a diff: summary line, NEW cross-account access, the rest folded)
  --sarif           SARIF 2.1.0, for code-scanning UIs
  --fail-on <when>  plan/diff exit code 3 on: new-external (default: NEW cross-account or public access,
                    or policy values unknown until apply), new-any (any NEW cell), never
  --scp <file>      a service control policy of the organisation (repeatable): one policy document or the
                    saved output of aws organizations describe-policy; applies to the principals of every
                    account unless --guardrail-map says otherwise. A deny-list SCP sits beside FullAWSAccess
  --rcp <file>      a resource control policy (repeatable; same forms): applies to the resources of every
                    account unless mapped. Access a guardrail refuses is Denied (it names the policy), never NEW
  --guardrail-map <file>  {"ous": {"ou-…": ["<account>", …]}, "policies": {"<policy name>": ["<account>" | "ou-…", …]}}
  --write <file>    put the markdown matrices between <!-- access:start --> and <!-- access:end --> in <file>
  --synth-if-stale  first run the "app" command of ./cdktf.json (as cdktf synth does, into --outdir)
                    when a file of the app changed after the stacks were synthesized
  --synth           first run the "app" command of ./cdktf.json, always

  --owner <dir|file>     contract verify: the owning app's cdktf.out or its saved plan's JSON
  --consumer <dir|file>  contract verify: the consuming app's cdktf.out or its saved plan's JSON

  exit codes: 0 no new access (contract verify: the sides agree), 3 new access (see --fail-on),
  4 contract verify: the sides disagree, 2 usage or input error, 1 other failure`;

export class UsageError extends Error {}

const FAIL_ON: readonly FailOn[] = ["new-external", "new-any", "never"];

export function parseAccessArgs(argv: readonly string[]): AccessArgs {
  let format: OutputFormat = "text";
  const stacks: string[] = [];
  const positional: string[] = [];
  let all = false;
  let outdir = "cdktf.out";
  let synth = false;
  let synthIfStale = false;
  let write: string | undefined;
  let base: string | undefined;
  let owner: string | undefined;
  let consumer: string | undefined;
  let failOn: FailOn = "new-external";
  let help = false;
  const scp: string[] = [];
  const rcp: string[] = [];
  let guardrailMap: string | undefined;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json" || a === "--markdown" || a === "--sarif") {
      if (format !== "text") throw new UsageError("choose one of --json, --markdown and --sarif");
      format = a.slice(2) as OutputFormat;
    } else if (a === "--all") all = true;
    else if (a === "--synth") synth = true;
    else if (a === "--synth-if-stale") synthIfStale = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--stack") stacks.push(value(i++, a));
    else if (a === "--outdir") outdir = value(i++, a);
    else if (a === "--write") write = value(i++, a);
    else if (a === "--base") base = value(i++, a);
    else if (a === "--owner") owner = value(i++, a);
    else if (a === "--consumer") consumer = value(i++, a);
    else if (a === "--scp") scp.push(value(i++, a));
    else if (a === "--rcp") rcp.push(value(i++, a));
    else if (a === "--guardrail-map") guardrailMap = value(i++, a);
    else if (a === "--fail-on") {
      const v = value(i++, a);
      if (!FAIL_ON.includes(v as FailOn)) throw new UsageError(`--fail-on takes ${FAIL_ON.join(", ")}, not ${JSON.stringify(v)}`);
      failOn = v as FailOn;
    } else if (a.startsWith("-")) throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    else positional.push(a);
  }
  const [first, ...rest] = positional;
  const command: Command = first === "plan" || first === "diff" ? first : first === "contract" ? "contract-verify" : "matrix";
  const extra = command === "matrix" ? positional : rest;
  const planFile = command === "plan" ? extra.shift() : undefined;
  if (command === "contract-verify" && !help) {
    if (extra.shift() !== "verify")
      throw new UsageError("contract takes one subcommand: xacct-access contract verify --owner <dir|plan.json> --consumer <dir|plan.json>");
    if (!owner || !consumer) throw new UsageError("contract verify needs --owner and --consumer (each a cdktf.out directory or a plan.json)");
    if (format === "markdown" || format === "sarif") throw new UsageError("contract verify prints text or --json");
  }
  if (command !== "contract-verify" && (owner || consumer)) throw new UsageError("--owner and --consumer belong to contract verify");
  if (!help) {
    if (extra.length) throw new UsageError(`unexpected ${JSON.stringify(extra[0])}: commands are plan, diff and contract verify`);
    if (command === "plan" && !planFile) throw new UsageError("plan needs the JSON of a saved plan: xacct-access plan plan.json");
    if (command === "diff" && !base) throw new UsageError("diff needs --base <dir>: the synthesized stacks to compare with");
    if (command !== "diff" && base) throw new UsageError("--base belongs to the diff command");
    if (guardrailMap && !scp.length && !rcp.length) throw new UsageError("--guardrail-map maps the policies of --scp/--rcp files: give at least one");
    if (write && (command !== "matrix" || (format !== "text" && format !== "markdown")))
      throw new UsageError("--write writes the markdown matrices: use it without a command, --json or --sarif");
  }
  return { command, format, all, stacks, outdir, planFile, base, owner, consumer, failOn, synth, synthIfStale, write, scp, rcp, guardrailMap, help };
}
