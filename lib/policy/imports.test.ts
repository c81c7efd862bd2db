import * as fs from "fs";
import * as path from "path";

/**
 * No runtime import circle in the policy builders and the share modules
 * (issue #16: the circle s3-access.ts <-> access-points.ts came from
 * threading access-point mode through the policy code). Type-only imports
 * are erased at compile time and do not count.
 */
const ROOT = path.resolve(__dirname, "..", "..");

/** Relative runtime imports of one file, as repo paths. */
function runtimeImports(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /^(import|export)\s+(?!type\b)([^;]*?)\s+from\s+"(\.[^"]+)"/gms;
  for (const m of src.matchAll(re)) {
    // `import { type A, type B } from` is type-only too.
    const names = /\{([^}]*)\}/.exec(m[2])?.[1];
    if (names !== undefined && names.split(",").every((n) => n.trim() === "" || n.trim().startsWith("type "))) continue;
    const base = path.resolve(path.dirname(file), m[3]);
    const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
    if (target) out.push(path.relative(ROOT, target));
  }
  return out;
}

function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** The first runtime import cycle among `files` (following imports anywhere), or undefined. */
function findCycle(files: string[]): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): string[] | undefined => {
    if (state.get(f) === "done") return undefined;
    if (state.get(f) === "open") return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, "open");
    stack.push(f);
    for (const d of runtimeImports(path.join(ROOT, f))) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(f, "done");
    return undefined;
  };
  for (const f of files) {
    const c = visit(f);
    if (c) return c;
  }
  return undefined;
}

describe("runtime imports", () => {
  it.each(["lib/policy", "modules/bucket-share"])("%s is in no runtime import circle", (dir) => {
    expect(findCycle(sources(dir))).toBeUndefined();
  });
  it("the scan sees a circle (self-test on a synthetic pair)", () => {
    const tmp = fs.mkdtempSync(path.join(ROOT, ".cycle-"));
    try {
      fs.writeFileSync(path.join(tmp, "a.ts"), 'import { b } from "./b";\nexport const a = b;\n');
      fs.writeFileSync(path.join(tmp, "b.ts"), 'import { a } from "./a";\nexport const b = () => a;\n');
      expect(findCycle([path.relative(ROOT, path.join(tmp, "a.ts"))])).toHaveLength(3);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
