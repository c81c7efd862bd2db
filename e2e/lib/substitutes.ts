import * as fs from "fs";
import * as path from "path";

/**
 * Substitute providers. Where the pinned provider releases cannot be built
 * (no reachable source), `scripts/providers.sh --substitute` builds the
 * closest available source instead and prints "substitute NAME WANTED BUILT".
 * A run that uses them rewrites each synthesized stack to require the built
 * version, drops the arguments the substitute does not know, and says so in
 * every summary: such a run is NOT a test of the pinned providers.
 */

export interface Substitute {
  /** "aws" | "archive" */
  readonly name: string;
  readonly wanted: string;
  readonly built: string;
}

/** XACCT_E2E_PROVIDER_SUBSTITUTES: "aws 6.25.0 6.48.0-dev.x;archive 2.7.1 1.3.0" (run.sh writes it from providers.sh). */
export function parseSubstitutes(value: string | undefined): Substitute[] {
  return (value ?? "")
    .split(/[;\n]/)
    .map((s) => s.trim().replace(/^substitute\s+/, ""))
    .filter(Boolean)
    .map((s) => {
      const [name, wanted, built] = s.split(/\s+/);
      if (!name || !wanted || !built) throw new Error(`bad substitute "${s}" (want "NAME WANTED BUILT")`);
      return { name, wanted, built };
    });
}

const major = (v: string): number => Number(v.split(".")[0]);

/** Arguments a substitute does not have, by provider and the major version that introduced them. */
interface Adaptation {
  readonly provider: string;
  /** Applies when the built version's major is below this. */
  readonly belowMajor: number;
  readonly block: "data" | "resource";
  readonly type: string;
  readonly attribute: string;
  readonly why: string;
}

const ADAPTATIONS: readonly Adaptation[] = [
  {
    provider: "archive",
    belowMajor: 2,
    block: "data",
    type: "archive_file",
    attribute: "output_file_mode",
    why: "archive 1.x has no output_file_mode (added in 2.x); the zip keeps the bundle's own file mode (0644 from esbuild)",
  },
];

type TfJson = {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  data?: Record<string, Record<string, Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
};

/** Rewrite one synthesized stack for the substitutes; returns what was changed (one line each). */
export function applySubstitutes(stackDir: string, subs: readonly Substitute[]): string[] {
  if (subs.length === 0) return [];
  const file = path.join(stackDir, "cdk.tf.json");
  const j = JSON.parse(fs.readFileSync(file, "utf8")) as TfJson;
  const changes: string[] = [];
  for (const s of subs) {
    const rp = j.terraform?.required_providers?.[s.name];
    if (!rp) continue;
    if (rp.version !== s.wanted) throw new Error(`${file}: requires ${s.name} ${rp.version ?? "?"}, but the substitute stands in for ${s.wanted}`);
    rp.version = s.built;
    changes.push(`hashicorp/${s.name} ${s.built} instead of ${s.wanted}`);
    for (const a of ADAPTATIONS.filter((x) => x.provider === s.name && major(s.built) < x.belowMajor)) {
      for (const [id, body] of Object.entries(j[a.block]?.[a.type] ?? {})) {
        if (a.attribute in body) {
          delete body[a.attribute];
          changes.push(`dropped ${a.block === "data" ? "data." : ""}${a.type}.${id}.${a.attribute}: ${a.why}`);
        }
      }
    }
  }
  fs.writeFileSync(file, `${JSON.stringify(j, null, 2)}\n`);
  return changes;
}

export function substitutesNote(subs: readonly Substitute[]): string {
  return `SUBSTITUTE PROVIDERS (not the pinned releases): ${subs.map((s) => `hashicorp/${s.name} ${s.built} for ${s.wanted}`).join(", ")}; each emulator synth was rewritten to require them (see e2e/README.md)`;
}
