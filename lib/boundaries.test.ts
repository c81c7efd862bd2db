import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { boundaryViolations, importCircles, libraryFiles, sourceImports } from "../scripts/check-boundaries";

/**
 * The library's import boundaries, machine-checked (scripts/check-boundaries.ts):
 * lib/, modules/, handlers/ and tools/ never import the demo app (app/,
 * main.ts), and their files have no runtime import circle.
 */
describe("import boundaries of the library", () => {
  it("no library file imports the demo app (app/, main.ts), type imports included", () => {
    expect(libraryFiles().length).toBeGreaterThan(50);
    expect(boundaryViolations()).toEqual([]);
  });

  it("no runtime import circle under lib/, modules/, handlers/, tools/", () => {
    expect(importCircles()).toEqual([]);
  });
});

describe("the checker itself", () => {
  const tree = (files: Record<string, string>): string => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-bounds-"));
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), text);
    }
    return root;
  };

  it("names file:line of every kind of import that reaches app/ or main.ts; tests and packages are not looked at", () => {
    const root = tree({
      "main.ts": "export {};",
      "app/index.ts": "export const buildApp = 1;",
      "app/config.ts": "export type ProjectConfig = {};",
      "lib/ok.ts": 'import * as fs from "fs";\nimport { x } from "./x";\nexport const y = [fs, x];',
      "lib/x.ts": "export const x = 1;",
      "lib/static.ts": '\nimport { buildApp } from "../app";\nexport const a = buildApp;',
      "lib/type-only.ts": 'import type { ProjectConfig } from "../app/config";\nexport type C = ProjectConfig;',
      "tools/lazy.ts": 'export const load = (): unknown => require("../main");',
      "tools/dynamic.ts": 'export const load = async (): Promise<unknown> => import("../app/index");',
      "modules/reexport.ts": 'export { buildApp } from "../app/index";',
      "handlers/import-type.ts": 'export type C = import("../app/config").ProjectConfig;',
      "lib/allowed.test.ts": 'import { buildApp } from "../app";\nexport const a = buildApp;',
    });
    expect(libraryFiles(root)).not.toContain("lib/allowed.test.ts");
    expect(boundaryViolations(libraryFiles(root), root).map((v) => v.split(" (")[0])).toEqual([
      'handlers/import-type.ts:1 imports "../app/config"',
      'lib/static.ts:2 imports "../app"',
      'lib/type-only.ts:1 imports "../app/config"',
      'modules/reexport.ts:1 imports "../app/index"',
      'tools/dynamic.ts:1 imports "../app/index"',
      'tools/lazy.ts:1 imports "../main"',
    ]);
    expect(sourceImports("lib/ok.ts", root).map((r) => r.target)).toEqual([undefined, "lib/x.ts"]);
  });

  it("finds runtime circles with the line of each import, and ignores type-only ones", () => {
    const root = tree({
      "lib/a.ts": 'import { b } from "./b";\nexport const a = () => b;',
      "lib/b.ts": 'import { c } from "./sub";\nexport const b = () => c;',
      "lib/sub/index.ts": '\n\nimport { a } from "../a";\nexport const c = () => a;',
      "lib/t1.ts": 'import type { T2 } from "./t2";\nexport const t1 = 1;\nexport type T1 = T2;',
      "lib/t2.ts": 'import { t1 } from "./t1";\nexport const t2 = t1;\nexport type T2 = number;',
      "lib/u1.ts": 'import { U2 } from "./u2";\nexport type U1 = U2;\nexport const u1 = 1;',
      "lib/u2.ts": 'import { u1 } from "./u1";\nexport type U2 = number;\nexport const u2 = u1;',
    });
    // t1 -> t2 is `import type`, u1 -> u2 imports only a type: neither exists at run time.
    expect(importCircles(libraryFiles(root), root)).toEqual([["lib/a.ts:1 -> lib/b.ts", "lib/b.ts:1 -> lib/sub/index.ts", "lib/sub/index.ts:3 -> lib/a.ts"]]);
  });
});
