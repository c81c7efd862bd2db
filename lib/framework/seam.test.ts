import * as fs from "fs";
import * as path from "path";

/**
 * The framework seam: library code (lib/, modules/, tools/, handlers/, index.ts) reaches cdktf,
 * constructs and `@cdktf/provider-*` only through lib/framework/ (index.ts: cdktf + constructs;
 * aws.ts and archive.ts: the provider classes), so a second framework is a second
 * implementation of those three files.
 */
const root = path.resolve(__dirname, "../..");
const SEAM = path.join(root, "lib", "framework");
const FRAMEWORK_SPECIFIER = /(?:from|require\(|import\()\s*["'](cdktf|constructs|@cdktf\/provider-[a-z]+)(?:\/[^"']*)?["']/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(p);
    return /\.ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

describe("framework seam", () => {
  const files = [...["lib", "modules", "tools", "handlers"].flatMap((d) => sources(path.join(root, d))), path.join(root, "index.ts")];

  it("finds library sources to check", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("no library file outside lib/framework/ imports cdktf, constructs or a @cdktf provider", () => {
    const offenders = files
      .filter((f) => !f.startsWith(SEAM + path.sep) && !f.endsWith(".test.ts"))
      .flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(FRAMEWORK_SPECIFIER)].map((m) => `${path.relative(root, f)}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });

  it("the pattern catches a direct import (the check can fail)", () => {
    expect([...'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";'.matchAll(FRAMEWORK_SPECIFIER)].map((m) => m[1])).toEqual([
      "@cdktf/provider-aws",
    ]);
  });
});
