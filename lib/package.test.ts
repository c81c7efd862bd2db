import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * What `npm pack` ships: the compiled library, its .d.ts and the prebuilt
 * handler bundles; no sources, tests, e2e, bench or CI files. Runs the real
 * `npm pack --dry-run` (which runs prepack = npm run build).
 */
const ROOT = path.resolve(__dirname, "..");

interface PackEntry {
  readonly files: { path: string }[];
}

describe("the packed package", () => {
  let files: string[] = [];
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    main: string;
    types: string;
    exports: Record<string, { types: string; default: string }>;
    bin: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    dependencies?: Record<string, string>;
  };

  beforeAll(() => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts=false"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    files = (JSON.parse(out) as PackEntry[])[0].files.map((f) => f.path).sort();
  }, 120_000);

  it("ships only dist/ (JS, .d.ts, bundles), the README and package.json; no declaration maps (their sources are not shipped)", () => {
    expect(files.filter((f) => !/^dist\/.*\.(js|d\.ts|inputs\.json)$/.test(f) && !["README.md", "package.json"].includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    // tools/: only the access review (xacct-s3/access, xacct-s3/access/jest, the xacct-access bin)
    expect(files.filter((f) => /\.test\.|^dist\/(e2e|bench|app|scripts)\/|^dist\/tools\/(?!access\/)|^dist\/main\./.test(f))).toEqual([]);
  });

  it("ships the access review's entry points: the xacct-access bin, xacct-s3/access and xacct-s3/access/jest", () => {
    expect(files).toContain(pkg.bin["xacct-access"]);
    for (const sub of ["./access", "./access/jest"]) {
      expect(files).toContain(pkg.exports[sub].default.replace(/^\.\//, ""));
      expect(files).toContain(pkg.exports[sub].types.replace(/^\.\//, ""));
    }
    // --synth-if-stale runs the app command of the user's cdktf.json (run-app.js); no in-process synth of the demo app ships.
    expect(files).toContain("dist/tools/access/run-app.js");
    expect(files.filter((f) => /^dist\/(tools\/access\/synth|app\/)/.test(f))).toEqual([]);
  });

  it("ships the prebuilt handler bundles and the entry point the package.json names", () => {
    expect(files).toEqual(
      expect.arrayContaining(["dist/bundles/writer/index.js", "dist/bundles/metadata-processor/index.js", "dist/index.js", "dist/index.d.ts"]),
    );
    expect(files).toContain(pkg.main);
    expect(files).toContain(pkg.types);
    expect(pkg.exports["."]).toEqual({ types: `./${pkg.types}`, default: `./${pkg.main}` });
  });

  it("has no runtime dependencies: the framework and providers are peers, esbuild an optional one", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      "@cdktf/provider-archive",
      "@cdktf/provider-aws",
      "@cloud-copilot/iam-simulate",
      "cdktf",
      "constructs",
      "esbuild",
    ]);
    expect(pkg.peerDependenciesMeta.esbuild.optional).toBe(true);
    // AGPL-3.0 access-review engine: optional, loaded only by the access entry points (README, licence)
    expect(pkg.peerDependenciesMeta["@cloud-copilot/iam-simulate"].optional).toBe(true);
  });

  it("the compiled entry point loads every public export without esbuild or the access-review engine being required", () => {
    const script = `const Module=require("module");const orig=Module._load;Module._load=function(r,...a){if(r==="esbuild"||r==="@cloud-copilot/iam-simulate")throw new Error(r+" loaded");return orig.call(this,r,...a)};const m=require(${JSON.stringify(path.join(ROOT, pkg.main))});process.stdout.write(Object.keys(m).sort().join(","))`;
    const names = execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }).split(",");
    expect(names).toEqual(
      expect.arrayContaining(["AssumableRole", "BucketShare", "LambdaWriter", "registerPolicyChecks", "ensurePolicyChecks", "testing", "ACCESS_LEVELS"]),
    );
  });
});
