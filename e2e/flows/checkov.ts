import * as fs from "fs";
import * as path from "path";
import { REPO, check, fromRun, step, synth } from "../lib/context";
import { run } from "../lib/proc";
import { Suite, type SuiteResult } from "../lib/report";

/**
 * checkov over the default (target aws) synth of every stack: 0 failed checks,
 * every skip in .checkov.yaml justified on its line, and no stale skip.
 */

export const CHECKOV_CONFIG = path.join(REPO, ".checkov.yaml");

interface CheckovFinding {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_path: string;
}

interface CheckovReport {
  readonly check_type: string;
  readonly results: { readonly failed_checks: CheckovFinding[]; readonly passed_checks: CheckovFinding[] };
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number; readonly parsing_errors: number };
}

export interface Skip {
  readonly id: string;
  readonly reason: string;
  readonly line: number;
}

/** The skip-check entries of the config, each with the comment on its line. */
export function readSkips(file: string): Skip[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: Skip[] = [];
  let inSkips = false;
  lines.forEach((raw, i) => {
    if (/^skip-check:\s*$/.test(raw)) {
      inSkips = true;
      return;
    }
    if (inSkips && /^\S/.test(raw)) inSkips = false;
    const m = inSkips ? /^\s+-\s+([A-Z0-9_]+)\s*(?:#\s*(.*))?$/.exec(raw) : null;
    if (m) out.push({ id: m[1], reason: (m[2] ?? "").trim(), line: i + 1 });
  });
  return out;
}

function parseReports(stdout: string): CheckovReport[] {
  const j = JSON.parse(stdout) as CheckovReport | CheckovReport[];
  return Array.isArray(j) ? j : [j];
}

async function checkov(bin: string, dir: string, logFile: string, withConfig: boolean): Promise<CheckovReport[]> {
  const args = ["-d", dir, "-o", "json", "--skip-download", "--framework", "terraform_json"];
  if (withConfig) args.push("--config-file", CHECKOV_CONFIG);
  // Not the repository: checkov reads ./.checkov.yaml by itself, which would apply the skips to the "no skips" scan too.
  const r = await run(bin, args, { cwd: path.dirname(dir), env: process.env, logFile, timeoutMs: 10 * 60_000 });
  // checkov exits 1 when a check fails: judge by its report, not its status.
  if (r.code !== 0 && r.code !== 1) throw new Error(`checkov exit ${r.code ?? r.signal}; see ${logFile}`);
  return parseReports(r.stdout);
}

export async function checkovFlow(opts: { runDir: string; logDir: string; bin: string }): Promise<SuiteResult> {
  const suite = new Suite("checkov");
  const outRoot = path.join(opts.runDir, "synth");
  let stacksDir = "";
  // The default synth with accessLogs on: what would be deployed to real accounts (target aws), not the emulator variant.
  const synthOk = await step(suite, "synth", async () => {
    const s = await synth("default", "assume-role", outRoot, path.join(opts.logDir, "checkov", "synth.log"), {
      XACCT_STATE_DIR: path.join(opts.runDir, "state-default"),
      // The audited setup: every shared bucket writes server access logs (CKV_AWS_18 then passes without a skip).
      XACCT_ACCESS_LOGS: "true",
    });
    stacksDir = path.join(s.outDir, "stacks");
    return fromRun(s.result);
  });
  if (!synthOk) return suite.result();

  const skips = readSkips(CHECKOV_CONFIG);
  await step(suite, "config", async () => {
    const bare = skips.filter((s) => s.reason.split(/\s+/).length < 3);
    check(bare.length === 0, `skips without a reason in .checkov.yaml: ${bare.map((s) => `${s.id} (line ${s.line})`).join(", ")}`);
    const dup = skips.filter((s, i) => skips.findIndex((t) => t.id === s.id) !== i);
    check(dup.length === 0, `duplicate skips: ${dup.map((s) => s.id).join(", ")}`);
    return { ok: true, detail: `${skips.length} skips, each with a reason` };
  });

  await step(suite, "scan", async () => {
    const logFile = path.join(opts.logDir, "checkov", "checkov.json.log");
    const reports = await checkov(opts.bin, stacksDir, logFile, true);
    const failedChecks = reports.flatMap((r) => r.results.failed_checks);
    const passed = reports.reduce((n, r) => n + r.summary.passed, 0);
    const parseErrors = reports.reduce((n, r) => n + r.summary.parsing_errors, 0);
    suite.metrics.checks_passed = passed;
    suite.metrics.checks_failed = failedChecks.length;
    suite.metrics.checks_skipped_by_config = skips.length;
    check(parseErrors === 0, `${parseErrors} files checkov could not parse`);
    check(passed > 0, "checkov passed no check at all: did it scan anything?");
    if (failedChecks.length) {
      const lines = failedChecks.map((f) => `${f.check_id} ${f.resource} (${f.file_path}): ${f.check_name}`);
      process.stdout.write(`checkov failed checks:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
      return { ok: false, detail: `${failedChecks.length} failed: ${[...new Set(failedChecks.map((f) => f.check_id))].join(", ")}`, log: logFile };
    }
    return { ok: true, detail: `${passed} passed, 0 failed over ${stacksDir}`, log: logFile };
  });

  // Which skips still match a finding (a skip that matches nothing is stale: remove it).
  await step(suite, "skips-used", async () => {
    const reports = await checkov(opts.bin, stacksDir, path.join(opts.logDir, "checkov", "checkov-noskip.json.log"), false);
    const firing = new Set(reports.flatMap((r) => r.results.failed_checks.map((f) => f.check_id)));
    const stale = skips.filter((s) => !firing.has(s.id)).map((s) => s.id);
    return stale.length
      ? { ok: false, detail: `skips matching no finding (remove them from .checkov.yaml): ${stale.join(", ")}` }
      : { ok: true, detail: `all ${skips.length} skips match findings` };
  });
  return suite.result();
}
