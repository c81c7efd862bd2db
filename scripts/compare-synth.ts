/**
 * Compares two synthesized outdirs (cdktf vs cdktn) stack by stack: prints every difference and
 * fails (exit 1) on any difference not explained by the framework or provider versions.
 * ```sh
 *   ts-node scripts/compare-synth.ts <cdktf.out of cdktf> <cdktf.out of cdktn>
 * ```
 */
import * as fs from "fs";
import * as path from "path";

/** A difference at one of these paths is explained: why, in one line. */
export const EXPLAINED: ReadonlyArray<{ readonly path: RegExp; readonly why: string }> = [
  { path: /^\/\/\.metadata\.version$/, why: "framework version (cdktf 0.21.0 vs cdktn 0.24.0) in the stack metadata" },
  {
    path: /^terraform\.required_providers\.[a-z]+\.version$/,
    why: "the provider release each prebuilt provider package was generated from (@cdktf/provider-aws 21.22.1: aws 6.25.0, @cdktn/provider-aws 25.7.0: aws 6.66.0; archive 2.7.1 vs 2.8.1)",
  },
  { path: /^terraform\.required_providers\.aws\.source$/, why: '"aws" and "hashicorp/aws" are the same registry address (the default namespace is hashicorp)' },
  { path: /^terraform\.backend\.local\.path$/, why: "absolute state path of the directory synth ran in" },
];

export interface Difference {
  readonly stack: string;
  readonly path: string;
  readonly a: unknown;
  readonly b: unknown;
  readonly why?: string;
}

export function diffJson(stack: string, a: unknown, b: unknown, at = ""): Difference[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    return [...new Set([...Object.keys(x), ...Object.keys(y)])].flatMap((k) => diffJson(stack, x[k], y[k], at ? `${at}.${k}` : k));
  }
  return [{ stack, path: at, a, b, why: EXPLAINED.find((e) => e.path.test(at))?.why }];
}

export function compareOutdirs(a: string, b: string): Difference[] {
  const stacks = (d: string): string[] => fs.readdirSync(path.join(d, "stacks")).sort();
  const names = [...new Set([...stacks(a), ...stacks(b)])];
  return names.flatMap((s) => {
    const read = (d: string): unknown => {
      const f = path.join(d, "stacks", s, "cdk.tf.json");
      return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : undefined;
    };
    return diffJson(s, read(a), read(b));
  });
}

if (require.main === module) {
  const [a, b] = process.argv.slice(2);
  if (!a || !b) {
    console.error("usage: compare-synth.ts <cdktf outdir> <cdktn outdir>");
    process.exit(2);
  }
  const diffs = compareOutdirs(a, b);
  const show = (v: unknown): string => (JSON.stringify(v) ?? "(absent)").slice(0, 120);
  for (const d of diffs)
    console.log(`${d.why ? "explained  " : "UNEXPLAINED"} ${d.stack} ${d.path}: ${show(d.a)} -> ${show(d.b)}${d.why ? ` (${d.why})` : ""}`);
  const bad = diffs.filter((d) => !d.why).length;
  console.log(
    `compare-synth: ${diffs.length} differences, ${bad} unexplained; resources, data sources and outputs ${diffs.some((d) => /^(resource|data|output)\./.test(d.path)) ? "DIFFER" : "are equal"}`,
  );
  process.exit(bad > 0 ? 1 : 0);
}
