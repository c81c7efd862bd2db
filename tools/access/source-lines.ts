import * as fs from "fs";

/**
 * Where a Terraform address sits in a file: the 1-based line of the resource's
 * block in a synthesized `cdk.tf.json` (cdktf writes it indented, one key a
 * line), or of its `"address"` entry in a `terraform show -json` plan. SARIF
 * viewers put the result on that line. 1 when the file or the address is not found.
 */

const cache = new Map<string, string[] | undefined>();

function linesOf(file: string): string[] | undefined {
  if (!cache.has(file)) {
    let lines: string[] | undefined;
    try {
      lines = fs.readFileSync(file, "utf8").split("\n");
    } catch {
      lines = undefined;
    }
    cache.set(file, lines);
  }
  return cache.get(file);
}

/** Forget what was read (the files changed). */
export const clearSourceLines = (): void => cache.clear();

/** `aws_iam_role.x.inline_policy[0]` → `["aws_iam_role", "x"]`; `local.m` → `["locals", "m"]`; `aws_x.y (via)` → `["aws_x", "y"]`. */
function addressParts(address: string): [string, string] | undefined {
  const m = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)/.exec(address.trim());
  if (!m) return undefined;
  return [m[1] === "local" ? "locals" : m[1], m[2]];
}

export function lineOfAddress(file: string, address: string | undefined): number {
  const lines = address === undefined ? undefined : linesOf(file);
  const parts = address === undefined ? undefined : addressParts(address);
  if (!lines || !parts || address === undefined) return 1;
  const [type, name] = parts;
  const typeKey = `"${type}": {`;
  const nameKey = `"${name}": `;
  const typeLine = lines.findIndex((l) => l.trimStart().startsWith(typeKey));
  if (typeLine >= 0) {
    const indent = lines[typeLine].length - lines[typeLine].trimStart().length;
    for (let i = typeLine + 1; i < lines.length; i++) {
      const l = lines[i];
      const ind = l.length - l.trimStart().length;
      if (ind <= indent && l.trim() !== "") break;
      if (l.trimStart().startsWith(nameKey)) return i + 1;
    }
    return typeLine + 1;
  }
  // A plan: `"address": "aws_x.y"` (often all on one line; then line 1 is right).
  const plain = `"address":"${type === "locals" ? "local" : type}.${name}"`;
  const idx = lines.findIndex((l) => l.replace(/\s+/g, "").includes(plain));
  return idx >= 0 ? idx + 1 : 1;
}
