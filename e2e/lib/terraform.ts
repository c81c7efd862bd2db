import * as fs from "fs";
import * as path from "path";
import { run, start, type RunResult, type Started } from "./proc";

/** Thin wrapper over the terraform CLI for one synthesized stack directory. */

export interface TerraformOptions {
  /** `<outdir>/stacks/<stack>`: holds cdk.tf.json. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** One log file per command is written here. */
  readonly logDir: string;
  readonly bin?: string;
}

const COMMON = ["-input=false", "-no-color"];

/** The inits of this process, in order (see `Terraform.init`). */
let initQueue: Promise<unknown> = Promise.resolve();

export class Terraform {
  private seq = 0;
  public readonly bin: string;

  constructor(private readonly opts: TerraformOptions) {
    this.bin = opts.bin ?? "terraform";
    fs.mkdirSync(opts.logDir, { recursive: true });
  }

  public get dir(): string {
    return this.opts.dir;
  }

  public get env(): NodeJS.ProcessEnv {
    return this.opts.env;
  }

  /** Log file for the next command (`03-apply.log`). */
  public logFor(name: string): string {
    this.seq += 1;
    return path.join(this.opts.logDir, `${String(this.seq).padStart(2, "0")}-${name}.log`);
  }

  public run(name: string, args: readonly string[], timeoutMs = 10 * 60_000): Promise<RunResult> {
    return run(this.bin, args, { cwd: this.opts.dir, env: this.opts.env, logFile: this.logFor(name), timeoutMs });
  }

  /** Another command (cdktf) logged in the same sequence as the terraform ones. */
  public runIn(name: string, cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<RunResult> {
    return run(cmd, args, { cwd, env, logFile: this.logFor(name), timeoutMs });
  }

  /** Start a command without waiting (the lock tests). */
  public start(name: string, args: readonly string[], timeoutMs = 10 * 60_000): Started {
    return start(this.bin, args, { cwd: this.opts.dir, env: this.opts.env, logFile: this.logFor(name), timeoutMs });
  }

  /**
   * `terraform init`, one at a time in this process: the demo stacks run side
   * by side and share one plugin cache directory, where two inits installing
   * the same provider race on its directory ("mkdir ...: file exists",
   * hashicorp/terraform#31964: the cache is not safe for concurrent installs;
   * seen here on a machine whose cache was empty).
   */
  public init(): Promise<RunResult> {
    const next = initQueue.then(() => this.run("init", ["init", ...COMMON]));
    initQueue = next.catch(() => undefined);
    return next;
  }

  public validate(): Promise<RunResult> {
    return this.run("validate", ["validate", "-no-color"]);
  }

  public plan(out: string, extra: readonly string[] = []): Promise<RunResult> {
    return this.run("plan", ["plan", ...COMMON, `-out=${out}`, ...extra]);
  }

  public apply(planFile: string): Promise<RunResult> {
    return this.run("apply", ["apply", ...COMMON, planFile]);
  }

  public destroy(): Promise<RunResult> {
    return this.run("destroy", ["destroy", ...COMMON, "-auto-approve"]);
  }

  /** `terraform show -json <planFile>` (or of the state when no file is given). */
  public async showJson<T>(planFile?: string): Promise<T> {
    const r = await this.run("show", ["show", "-json", "-no-color", ...(planFile ? [planFile] : [])]);
    if (r.code !== 0) throw new Error(`terraform show -json failed (exit ${r.code}); see ${r.logFile}`);
    return JSON.parse(r.stdout) as T;
  }

  public async stateList(): Promise<{ result: RunResult; addresses: string[] }> {
    const result = await this.run("state-list", ["state", "list", "-no-color"]);
    return {
      result,
      addresses: result.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    };
  }

  public async outputs(): Promise<Record<string, unknown>> {
    const r = await this.run("output", ["output", "-json", "-no-color"]);
    if (r.code !== 0) throw new Error(`terraform output -json failed (exit ${r.code}); see ${r.logFile}`);
    const raw = JSON.parse(r.stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
  }
}

// ---- item 6: replacing a principal re-applies the policies that name it

/** Roles of a synthesized stack (`aws_iam_role.<name>`) and the policies that carry their unique_id. */
export function policiesNamingRoles(cdkTfJson: { resource?: Record<string, Record<string, Record<string, unknown>>> }): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const resources = cdkTfJson.resource ?? {};
  for (const role of Object.keys(resources.aws_iam_role ?? {})) {
    const ref = `\${aws_iam_role.${role}.unique_id}`;
    const naming = Object.entries(resources).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([, a]) => [a.policy, a.assume_role_policy].some((p) => typeof p === "string" && p.includes(ref)))
        .map(([name]) => `${type}.${name}`),
    );
    if (naming.length) out.set(`aws_iam_role.${role}`, naming.sort());
  }
  return out;
}

/**
 * What `plan -replace=<role>` must show: the role replaced, and an in-place
 * update of every policy that names it (so AWS re-resolves the ARN to the new
 * role's unique id). Returns the problems, empty when it holds.
 */
export function replacePlanProblems(plan: PlanJson, role: string, dependents: readonly string[]): string[] {
  const actions = new Map((plan.resource_changes ?? []).map((c) => [c.address, c.change.actions.join(",")]));
  const problems: string[] = [];
  const roleActions = actions.get(role) ?? "no-op";
  if (!/delete/.test(roleActions) || !/create/.test(roleActions)) problems.push(`${role} is not replaced (${roleActions})`);
  for (const d of dependents) {
    const a = actions.get(d) ?? "no-op";
    if (a !== "update") problems.push(`${d}: ${a}, expected an in-place update`);
  }
  return problems;
}

// ---- JSON shapes (the parts used here) of `terraform show -json`

export interface StateResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

interface StateModule {
  readonly resources?: StateResource[];
  readonly child_modules?: StateModule[];
}

export interface StateJson {
  readonly values?: { readonly root_module?: StateModule };
}

export function stateResources(state: StateJson): StateResource[] {
  const out: StateResource[] = [];
  const walk = (m: StateModule | undefined): void => {
    if (!m) return;
    out.push(...(m.resources ?? []));
    (m.child_modules ?? []).forEach(walk);
  };
  walk(state.values?.root_module);
  return out;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: {
    readonly actions: string[];
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
    readonly after_unknown?: Record<string, unknown>;
  };
}

export interface PlanJson {
  readonly resource_changes?: ResourceChange[];
  readonly output_changes?: Record<string, { actions: string[] }>;
}

/** One resource the re-plan wants to change, with the top-level attributes that differ. */
export interface Drift {
  readonly address: string;
  readonly type: string;
  readonly actions: string[];
  readonly attributes: { readonly name: string; readonly before: unknown; readonly after: unknown }[];
}

const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && Object.keys(v).length === 0);

/** Resources of a plan whose actions are not no-op/read, and what differs in each. */
export function drifts(plan: PlanJson): Drift[] {
  const out: Drift[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if (actions.every((a) => a === "no-op" || a === "read")) continue;
    const before = rc.change.before ?? {};
    const after = rc.change.after ?? {};
    const unknown = rc.change.after_unknown ?? {};
    const names = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
    const attributes = names
      .filter((n) => unknown[n] === true || JSON.stringify(before[n] ?? null) !== JSON.stringify(after[n] ?? null))
      .filter((n) => !(isEmpty(before[n]) && isEmpty(after[n]) && unknown[n] !== true))
      .map((n) => ({ name: n, before: before[n], after: unknown[n] === true ? "(known after apply)" : after[n] }));
    out.push({ address: rc.address, type: rc.type, actions, attributes });
  }
  return out;
}

/**
 * Differences the emulator causes by itself, each tied to a precise
 * condition so that anything else still fails the no-changes check.
 */
export interface KnownGap {
  readonly id: string;
  readonly type: string;
  readonly attribute: string;
  readonly applies: (before: unknown, after: unknown) => boolean;
  readonly why: string;
}

export const KNOWN_EMULATOR_GAPS: readonly KnownGap[] = [
  {
    id: "moto-lambda-logging-config",
    type: "aws_lambda_function",
    attribute: "logging_config",
    // Configured: [{log_format: "JSON", log_group: ...}]; moto returns none.
    applies: (before, after) => isEmpty(before) && Array.isArray(after) && after.length === 1,
    why: "moto 5.2.5 does not implement Lambda LoggingConfig (CreateFunction ignores it, GetFunction returns none), so logging_config reads back empty",
  },
  {
    id: "moto-create-bucket-tags",
    type: "aws_s3_bucket",
    attribute: "tags_all",
    // Only the "tags were lost" shape: nothing in the emulator, the default tags configured.
    applies: (before, after) => isEmpty(before) && typeof after === "object" && after !== null && !isEmpty(after),
    why: "AWS provider >= 6.23 sends the (default) tags inside CreateBucket and reads them back through S3 Control; moto 5.2.5's CreateBucket ignores CreateBucketConfiguration.Tags, so the first re-plan re-adds them (a second apply converges: moto's S3 Control TagResource works)",
  },
  {
    id: "moto-sqs-redrive-policy-format",
    type: "aws_sqs_queue",
    attribute: "redrive_policy",
    // Only the same JSON document written differently (whitespace): any other change still fails.
    applies: (before, after) => typeof before === "string" && typeof after === "string" && before !== after && sameJson(before, after),
    why: "moto 5.2.5 returns the queue's RedrivePolicy attribute re-serialized with spaces; the substitute AWS provider compares the string and plans a whitespace-only update (terraform shows `jsonencode( # whitespace changes`)",
  },
  {
    id: "moto-replication-rule-readback",
    type: "aws_s3_bucket_replication_configuration",
    attribute: "rule",
    // Only what moto drops: every rule read back with filter prefix "", delete markers Disabled and no
    // source_selection_criteria; the rest of each rule (id, priority, status, destination) must be equal.
    applies: (before, after) => {
      if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length || before.length === 0) return false;
      return before.every((b, i) => JSON.stringify(withoutMotoReplicationLosses(b)) === JSON.stringify(withoutMotoReplicationLosses(after[i])));
    },
    why: 'moto 5.2.5\'s GetBucketReplication (moto/s3/responses.py get_bucket_replication) answers every rule with Filter.Prefix "" and DeleteMarkerReplication Disabled and without SourceSelectionCriteria, whatever was put; the rest of the rule (ID, Priority, Status, Destination) is returned as stored',
  },
];

/** A replication rule (plan values) without the parts moto 5.2.5 does not return, empty values dropped, keys sorted. */
export function withoutMotoReplicationLosses(rule: unknown): unknown {
  const LOST = new Set(["filter", "prefix", "delete_marker_replication", "source_selection_criteria"]);
  const clean = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clean).filter((x) => !isEmpty(x) && x !== "");
    if (v !== null && typeof v === "object")
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k): [string, unknown] => [k, clean((v as Record<string, unknown>)[k])])
          .filter(([, x]) => !isEmpty(x) && x !== ""),
      );
    return v;
  };
  if (rule === null || typeof rule !== "object") return rule;
  return clean(Object.fromEntries(Object.entries(rule).filter(([k]) => !LOST.has(k))));
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

export interface DriftVerdict {
  readonly unexplained: string[];
  readonly known: string[];
}

export function classifyDrifts(list: readonly Drift[], gaps: readonly KnownGap[] = KNOWN_EMULATOR_GAPS): DriftVerdict {
  const unexplained: string[] = [];
  const known = new Set<string>();
  for (const d of list) {
    if (!d.actions.includes("update")) {
      unexplained.push(`${d.address}: ${d.actions.join("+")}`);
      continue;
    }
    for (const a of d.attributes) {
      const gap = gaps.find((g) => g.type === d.type && g.attribute === a.name && g.applies(a.before, a.after));
      if (gap) known.add(`${gap.id} (${d.type}.${a.name})`);
      else unexplained.push(`${d.address}.${a.name}: ${short(a.before)} -> ${short(a.after)}`);
    }
    if (d.attributes.length === 0) unexplained.push(`${d.address}: update with no visible attribute change`);
  }
  return { unexplained, known: [...known] };
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? "null";
  return s.length > 160 ? `${s.slice(0, 160)}...` : s;
}

/** The provider binaries a synthesized stack requires: `registry.terraform.io/hashicorp/<name>` + exact version. */
export function requiredProviders(cdkTfJson: string): { source: string; version: string }[] {
  const j = JSON.parse(fs.readFileSync(cdkTfJson, "utf8")) as {
    terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  };
  return Object.entries(j.terraform?.required_providers ?? {}).map(([name, p]) => {
    const src = p.source ?? name;
    const parts = src.split("/");
    const full = parts.length === 1 ? `registry.terraform.io/hashicorp/${src}` : parts.length === 2 ? `registry.terraform.io/${src}` : src;
    return { source: full, version: (p.version ?? "").replace(/^=\s*/, "") };
  });
}

/** filesystem_mirror paths named in a CLI config file. */
export function mirrorPaths(rcFile: string): string[] {
  if (!fs.existsSync(rcFile)) return [];
  const text = fs.readFileSync(rcFile, "utf8");
  const out: string[] = [];
  const re = /filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
  return out;
}

/**
 * Which required providers no mirror holds (checked before `terraform init`,
 * so the failure names the missing binary instead of a registry timeout).
 */
export function missingFromMirror(cdkTfJson: string, rcFile: string, platform = `linux_${process.arch === "x64" ? "amd64" : process.arch}`): string[] {
  const mirrors = mirrorPaths(rcFile);
  if (mirrors.length === 0) return [];
  return requiredProviders(cdkTfJson)
    .filter(({ source, version }) => !mirrors.some((m) => fs.existsSync(path.join(m, source, version, platform))))
    .map(({ source, version }) => `${source} ${version} (looked in ${mirrors.map((m) => path.join(m, source, version, platform)).join(", ")})`);
}
