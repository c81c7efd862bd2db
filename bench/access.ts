/**
 * The access review's cost: `npm run bench:access` (a benchmark that prints
 * numbers, not a test; `--json` for machine-readable output).
 *
 * Each case runs in a fresh process (so its peak RSS is its own), timed with
 * wall clock and CPU time (`process.cpuUsage`: comparable on a shared machine):
 *
 * 1. The access matrix of our three demo stacks (synthesized first in the same
 *    process, not timed): the first matrix (the engine loads) and a second one.
 * 2. `xacct-access plan` on generated plans (bench/access-plans.ts): N consumers
 *    (roles in 10 other accounts) each on its own prefix, the shape every grant
 *    with a prefix produces, at 50, 100, 200 and 1,000 principals over 10 buckets
 *    and 10,000 over 100; and 1,000 sharing one prefix per bucket (the older shape).
 * 3. Beside each, where it finishes within `--reference-limit` seconds (default
 *    300), the reference mode (`exhaustive`: every principal asked every probe,
 *    whole policies — the engine before issue #22) and the ratio. It is not run
 *    on the per-consumer plans of 1,000 principals and more (its cost grows with
 *    principals × statements per policy: hours).
 *
 * Flags: `--json`, `--no-reference`, `--no-large` (skip 10,000), `--reference-limit S`.
 * Goals (issue #22): 1,000 per-consumer principals in seconds, 10,000 over 100 buckets
 * within a minute, the demo matrix under 1 s; the load average is printed with the figures.
 */
import { execFileSync, spawnSync } from "child_process";
import * as os from "os";
import { performance } from "perf_hooks";
import { diffPlan, loadStackJson, matrixOf } from "../tools/access";
import { evaluationCounts } from "../tools/access/evaluate";
import { generatedPlan } from "./access-plans";

interface Case {
  readonly id: string;
  readonly what: string;
  /** Principals of the plan (consumers), for the per-principal cost. */
  readonly principals?: number;
  readonly buckets?: number;
  readonly shared?: boolean;
  readonly demo?: boolean;
  /** Run the reference beside it. */
  readonly reference: boolean;
}

const CASES: readonly Case[] = [
  { id: "demo", what: "matrix of the 3 demo stacks", demo: true, reference: true },
  ...[50, 100, 200].map((n) => ({ id: `own-${n}`, what: `plan: ${n} principals, 10 buckets, own prefix each`, principals: n, buckets: 10, reference: true })),
  { id: "own-1000", what: "plan: 1,000 principals, 10 buckets, own prefix each", principals: 1000, buckets: 10, reference: false },
  { id: "own-10000", what: "plan: 10,000 principals, 100 buckets, own prefix each", principals: 10_000, buckets: 100, reference: false },
  { id: "shared-1000", what: "plan: 1,000 principals, 10 buckets, one prefix per bucket", principals: 1000, buckets: 10, shared: true, reference: true },
];

/** What one child process measures. */
interface Measured {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  readonly cells: number;
  readonly note: string;
  /** Requests asked of the engine and answered by request shape (tools/access/shortcut.ts), in the timed run. */
  readonly engine: number;
  readonly byShape: number;
  /** Demo only: a second matrix of the same stacks in the same process. */
  readonly warm?: { readonly wallMs: number; readonly cpuMs: number };
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
};

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = await f();
  return { value, wallMs: performance.now() - t, cpuMs: cpuMsSince(c) };
}

/** The child: one case, one mode; prints its figures as JSON. */
async function runCase(c: Case, exhaustive: boolean): Promise<Measured> {
  if (c.demo) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- synthesizing loads cdktf: only the demo case needs it
    const { synthStacks } = require("../app/synth") as typeof import("../app/synth");
    const stacks = Object.entries(synthStacks());
    const matrices = async (): Promise<number> => {
      let cells = 0;
      for (const [name, tf] of stacks) cells += (await matrixOf(loadStackJson(name, tf), { exhaustive })).cells.length;
      return cells;
    };
    const first = await timed(matrices);
    const counted = evaluationCounts();
    const second = await timed(matrices);
    return {
      wallMs: first.wallMs,
      cpuMs: first.cpuMs,
      maxRssMiB: maxRssMiB(),
      cells: first.value,
      note: "synth not included",
      ...counted,
      warm: { wallMs: second.wallMs, cpuMs: second.cpuMs },
    };
  }
  const plan = JSON.stringify(generatedPlan(c.principals as number, c.buckets, c.shared));
  const r = await timed(() => diffPlan(plan, { file: `generated-${c.id}.json`, exhaustive }));
  const s = r.value.stacks[0];
  return {
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    maxRssMiB: maxRssMiB(),
    cells: s.cellsEvaluated,
    note: `${s.added.length} NEW, ${s.removed.length} REMOVED, ${s.unchanged} UNCHANGED`,
    ...evaluationCounts(),
  };
}

const maxRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Runs a case in a fresh process; undefined when it did not finish within `limitS`. */
function inChild(c: Case, exhaustive: boolean, limitS?: number): Measured | undefined {
  const args = ["-r", "ts-node/register/transpile-only", __filename, "--child", c.id, ...(exhaustive ? ["--reference"] : [])];
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    timeout: limitS === undefined ? undefined : limitS * 1000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return undefined;
  if (r.status !== 0) throw new Error(`bench case ${c.id}${exhaustive ? " (reference)" : ""} failed: ${r.stderr || r.error?.message}`);
  const line = r.stdout.trim().split("\n").pop() as string;
  return JSON.parse(line) as Measured;
}

interface Row {
  readonly id: string;
  readonly what: string;
  readonly now: Measured;
  readonly perPrincipalUs?: number;
  /** The reference mode: figures, "over the limit", or not run. */
  readonly reference?: Measured | { readonly overS: number } | { readonly notRun: string };
  /** Reference CPU time / this engine's. */
  readonly ratio?: number;
}

const fmtS = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`);
const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");

function render(rows: readonly Row[], loadBefore: string, loadAfter: string): string {
  const out: string[] = [
    `machine: ${os.cpus().length} cores; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after`,
    `${"case".padEnd(58)} ${"CPU".padStart(8)} ${"wall".padStart(8)} ${"/principal".padStart(11)} ${"peak RSS".padStart(9)}  reference (engine before #22): CPU, ratio`,
  ];
  for (const r of rows) {
    const ref = r.reference;
    const refText =
      ref === undefined
        ? ""
        : "notRun" in ref
          ? `not run (${ref.notRun})`
          : "overS" in ref
            ? `did not finish within ${ref.overS} s`
            : `${fmtS(ref.cpuMs)} (wall ${fmtS(ref.wallMs)}, ${ref.maxRssMiB} MiB), ${(r.ratio as number).toFixed(1)}x`;
    out.push(
      `${r.what.padEnd(58)} ${fmtS(r.now.cpuMs).padStart(8)} ${fmtS(r.now.wallMs).padStart(8)} ${(r.perPrincipalUs === undefined ? "–" : `${(r.perPrincipalUs / 1000).toFixed(2)} ms`).padStart(11)} ${`${r.now.maxRssMiB} MiB`.padStart(9)}  ${refText}`,
    );
    const warm = r.now.warm ? `; a second matrix in the same process: ${fmtS(r.now.warm.cpuMs)} CPU (wall ${fmtS(r.now.warm.wallMs)})` : "";
    const asked = `; ${r.now.engine} requests asked of the engine, ${r.now.byShape} answered by shape`;
    out.push(`${"".padEnd(4)}${r.now.cells} cells evaluated; ${r.now.note}${asked}${warm}`);
  }
  return `${out.join("\n")}\n`;
}

function main(): void {
  const argv = process.argv.slice(2);
  const child = argv.indexOf("--child");
  if (child >= 0) {
    const c = CASES.find((x) => x.id === argv[child + 1]) as Case;
    void runCase(c, argv.includes("--reference")).then((m) => process.stdout.write(`\n${JSON.stringify(m)}\n`));
    return;
  }
  const limitAt = argv.indexOf("--reference-limit");
  const limitS = limitAt >= 0 ? Number(argv[limitAt + 1]) : 300;
  const withReference = !argv.includes("--no-reference");
  const cases = CASES.filter((c) => !(argv.includes("--no-large") && c.id === "own-10000"));
  const loadBefore = load();
  const rows: Row[] = [];
  for (const c of cases) {
    const now = inChild(c, false) as Measured;
    const perPrincipalUs = c.principals === undefined ? undefined : (now.cpuMs * 1000) / c.principals;
    let reference: Row["reference"];
    if (!withReference) reference = undefined;
    else if (!c.reference) reference = { notRun: "hours at this size" };
    else reference = inChild(c, true, limitS) ?? { overS: limitS };
    const ratio = reference && "cpuMs" in reference ? reference.cpuMs / now.cpuMs : undefined;
    rows.push({ id: c.id, what: c.what, now, perPrincipalUs, reference, ratio });
    if (!argv.includes("--json")) process.stderr.write(`  ${c.id} done (load ${load()})\n`);
  }
  const loadAfter = load();
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ loadBefore, loadAfter, cores: os.cpus().length, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(render(rows, loadBefore, loadAfter));
  try {
    process.stdout.write(`git: ${execFileSync("git", ["log", "-1", "--format=%h %s"], { encoding: "utf8" }).trim().slice(0, 100)}\n`);
  } catch {
    // not a checkout
  }
}

main();
