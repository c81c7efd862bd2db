import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** scripts/ts-register.js: the demo app's TypeScript loader (cdktf.json "app"), with its on-disk transpile cache. */
const HOOK = path.resolve(__dirname, "..", "scripts", "ts-register.js");
const CACHE = path.resolve(__dirname, "..", "node_modules", ".cache", "xacct-s3", "ts");

describe("scripts/ts-register.js", () => {
  it("runs TypeScript and reuses the cached transpile on the next run", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-tsreg-"));
    const file = path.join(dir, "main.ts");
    const marker = `marker-${process.pid}-${Date.now()}`;
    fs.writeFileSync(file, `interface P { readonly n: number }\nconst p: P = { n: 41 };\nconsole.log("${marker}", p.n + 1);\n`);
    const run = (): string => execFileSync(process.execPath, ["--require", HOOK, file], { encoding: "utf8" }).trim();
    expect(run()).toBe(`${marker} 42`);
    const cached = fs.readdirSync(CACHE).filter((f) => fs.readFileSync(path.join(CACHE, f), "utf8").includes(marker));
    expect(cached).toHaveLength(1);
    const mtime = fs.statSync(path.join(CACHE, cached[0])).mtimeMs;
    expect(run()).toBe(`${marker} 42`);
    expect(fs.statSync(path.join(CACHE, cached[0])).mtimeMs).toBe(mtime);
  });
});
