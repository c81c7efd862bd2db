import * as fs from "fs";
import * as path from "path";

/** Results of one suite (a stack, the S3-backend run, checkov) and how they are printed. */

export type Status = "pass" | "fail" | "skip";

export interface StepResult {
  readonly step: string;
  readonly status: Status;
  readonly ms: number;
  /** One-line explanation (why it failed, what was checked, known emulator gaps). */
  readonly detail?: string;
  /** Log file to read when it failed. */
  readonly log?: string;
  /** Marks a pass that relied on a documented emulator gap (printed as "ok*"). */
  readonly caveat?: boolean;
}

export interface SuiteResult {
  readonly suite: string;
  readonly steps: StepResult[];
  readonly ms: number;
  /** Free-form measurements (peak RSS, counts...). */
  readonly metrics?: Record<string, string | number>;
}

export interface RunResults {
  readonly name: string;
  readonly suites: SuiteResult[];
  readonly notes: string[];
  readonly ms: number;
}

export const failed = (s: SuiteResult): boolean => s.steps.some((x) => x.status === "fail");

export function secs(ms: number): string {
  return ms >= 100_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** Collects the steps of one suite as they run. */
export class Suite {
  public readonly steps: StepResult[] = [];
  public readonly metrics: Record<string, string | number> = {};
  private readonly t0 = performance.now();

  constructor(public readonly name: string) {}

  public add(r: StepResult): StepResult {
    this.steps.push(r);
    const mark = r.status === "pass" ? (r.caveat ? "ok*" : "ok") : r.status === "fail" ? "FAIL" : "skip";
    process.stdout.write(`[${ts()}] ${this.name} ${r.step}: ${mark} (${secs(r.ms)})${r.detail ? ` - ${r.detail}` : ""}\n`);
    return r;
  }

  public skip(step: string, why: string): void {
    this.add({ step, status: "skip", ms: 0, detail: why });
  }

  public get failed(): boolean {
    return this.steps.some((s) => s.status === "fail");
  }

  public result(): SuiteResult {
    return { suite: this.name, steps: this.steps, ms: performance.now() - this.t0, metrics: this.metrics };
  }
}

export function ts(): string {
  return new Date().toISOString().slice(11, 19);
}

function cell(r: StepResult | undefined): string {
  if (!r) return "-";
  const mark = r.status === "pass" ? (r.caveat ? "ok*" : "ok") : r.status === "fail" ? "FAIL" : "skip";
  return r.status === "skip" ? mark : `${mark} ${secs(r.ms)}`;
}

/** One table per group of suites with the same steps (stacks / S3 backend / checkov). */
export function table(suites: readonly SuiteResult[]): string {
  const groups = new Map<string, SuiteResult[]>();
  for (const s of suites) {
    const sig = s.steps.map((x) => x.step).join(",");
    groups.set(sig, [...(groups.get(sig) ?? []), s]);
  }
  return [...groups.values()].map(grid).join("\n\n");
}

/** Suites x steps, one column per step name in order of first appearance. */
function grid(suites: readonly SuiteResult[]): string {
  const columns: string[] = [];
  for (const s of suites) for (const st of s.steps) if (!columns.includes(st.step)) columns.push(st.step);
  const header = ["suite", ...columns, "total"];
  const rows = suites.map((s) => [s.suite, ...columns.map((c) => cell(s.steps.find((x) => x.step === c))), `${failed(s) ? "FAIL" : "ok"} ${secs(s.ms)}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Failure details and caveats, with the log to read. */
export function details(suites: readonly SuiteResult[]): string {
  const out: string[] = [];
  for (const s of suites) {
    for (const st of s.steps) {
      if (st.status === "fail" || st.caveat) {
        const tag = st.status === "fail" ? "FAIL" : "ok*";
        out.push(`  ${tag} ${s.suite} / ${st.step}: ${st.detail ?? ""}${st.log && st.status === "fail" ? `\n       log: ${st.log}` : ""}`);
      }
    }
  }
  return out.join("\n");
}

export function metricsText(suites: readonly SuiteResult[]): string {
  return suites
    .filter((s) => s.metrics && Object.keys(s.metrics).length)
    .map(
      (s) =>
        `  ${s.suite}: ${Object.entries(s.metrics ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
    )
    .join("\n");
}

export function writeResults(file: string, r: RunResults): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}

export function readResults(file: string): RunResults {
  return JSON.parse(fs.readFileSync(file, "utf8")) as RunResults;
}

export function printResults(r: RunResults): void {
  process.stdout.write(`\n== ${r.name}: ${r.suites.some(failed) ? "FAIL" : "PASS"} (${secs(r.ms)})\n${table(r.suites)}\n`);
  const d = details(r.suites);
  if (d) process.stdout.write(`\n${d}\n`);
  const m = metricsText(r.suites);
  if (m) process.stdout.write(`\nmeasurements:\n${m}\n`);
  if (r.notes.length) process.stdout.write(`\nnotes:\n${r.notes.map((n) => `  - ${n}`).join("\n")}\n`);
}
