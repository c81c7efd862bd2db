import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The import boundary of issue #16 is a lint rule (eslint.config.mjs), not a convention: this runs the
 * repository's real ESLint config (type-aware rules off, so it takes a second) over probe files in a
 * scratch tree that has an app/ folder and a main.ts, and reads which rules fire.
 */
const root = path.resolve(__dirname, "..");

function lint(files: Record<string, string>): Record<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-lint-"));
  try {
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.copyFileSync(path.join(root, "eslint.config.mjs"), path.join(dir, "eslint.config.mjs"));
    const all: Record<string, string> = { "main.ts": "export const buildApp = 1;\n", "app/demo.ts": "export const DEMO = 1;\n", ...files };
    for (const [file, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const script = `
      import { ESLint } from "eslint";
      import tseslint from "typescript-eslint";
      import config from "./eslint.config.mjs";
      const untyped = { files: ["**/*.ts"], ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { project: false, projectService: false, program: null } } };
      const eslint = new ESLint({ overrideConfigFile: true, overrideConfig: [...config, untyped] });
      const out = {};
      for (const r of await eslint.lintFiles(${JSON.stringify(Object.keys(files))})) out[r.filePath.slice(process.cwd().length + 1)] = r.messages.map((m) => m.ruleId ?? m.message);
      console.log(JSON.stringify(out));`;
    const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
    return JSON.parse(stdout) as Record<string, string[]>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("lint: the library never imports the demo app", () => {
  it("fails lib/, modules/, handlers/, tools/ files that import app/ or main.ts, and nothing else", () => {
    const found = lint({
      "lib/uses-app.ts": 'import { DEMO } from "../app/demo";\nexport const X = DEMO;\n',
      "modules/m/uses-main.ts": 'import { buildApp } from "../../main";\nexport const X = buildApp;\n',
      "handlers/h/uses-app.ts": 'import { DEMO } from "../../app/demo";\nexport const X = DEMO;\n',
      "tools/t/uses-main.ts": 'import { buildApp } from "../../main";\nexport const X = buildApp;\n',
      // Tests may build the demo app; the app and bench/e2e/scripts are not library folders.
      "lib/uses-app.test.ts": 'import { DEMO } from "../app/demo";\nexport const X = DEMO;\n',
      "app/stack.ts": 'import { buildApp } from "../main";\nexport const X = buildApp;\n',
      "bench/b.ts": 'import { DEMO } from "../app/demo";\nexport const X = DEMO;\n',
      "lib/fine.ts": 'import { DEMO } from "./other";\nexport const X = DEMO;\n',
      "lib/other.ts": "export const DEMO = 1;\n",
    });
    expect(found).toEqual({
      "lib/uses-app.ts": ["import-x/no-restricted-paths"],
      "modules/m/uses-main.ts": ["import-x/no-restricted-paths"],
      "handlers/h/uses-app.ts": ["import-x/no-restricted-paths"],
      "tools/t/uses-main.ts": ["import-x/no-restricted-paths"],
      "lib/uses-app.test.ts": [],
      "app/stack.ts": [],
      "bench/b.ts": [],
      "lib/fine.ts": [],
      "lib/other.ts": [],
    });
  });

  it("fails a runtime import cycle, not a type-only one", () => {
    const found = lint({
      "lib/a.ts": 'import { B } from "./b";\nexport const A = 1;\nexport const AB = B;\n',
      "lib/b.ts": 'import { A } from "./a";\nexport const B = A;\n',
      "lib/c.ts": 'import type { D } from "./d";\nexport type C = { d?: D };\n',
      "lib/d.ts": 'import type { C } from "./c";\nexport type D = { c?: C };\n',
    });
    expect(found).toEqual({ "lib/a.ts": ["import-x/no-cycle"], "lib/b.ts": ["import-x/no-cycle"], "lib/c.ts": [], "lib/d.ts": [] });
  });
});
