import {
  assertOnly,
  CDKTN_APP_RENAMES,
  CDKTN_RENAMES,
  cdktnPackageJson,
  FLAVOURS,
  references,
  renameQuotedPackages,
  rewriteSpecifiers,
} from "../scripts/flavours";
import { diffJson } from "../scripts/compare-synth";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

describe("the cdktn flavour build (scripts/flavours.ts)", () => {
  it("rewrites framework and provider specifiers, deep paths included, and nothing else", () => {
    const src = [
      'const cdktf_1 = require("cdktf");',
      'const s3_bucket_1 = require("@cdktf/provider-aws/lib/s3-bucket");',
      'import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";',
      'export declare function f(s: import("cdktf").ISynthesisSession): void;',
      'Object.defineProperty(c, Symbol.for("cdktf/customSynthesis"), {});',
      'const out = "cdktf.out"; const other = require("cdktf-x");',
    ].join("\n");
    const r = rewriteSpecifiers(src, CDKTN_RENAMES);
    expect(r.count).toBe(4);
    expect(r.text).toContain('require("cdktn")');
    expect(r.text).toContain('require("@cdktn/provider-aws/lib/s3-bucket")');
    expect(r.text).toContain('from "@cdktn/provider-archive/lib/provider"');
    expect(r.text).toContain('import("cdktn").ISynthesisSession');
    // cdktn keeps cdktf's global symbol keys; file names and other packages stay
    expect(r.text).toContain('Symbol.for("cdktf/customSynthesis")');
    expect(r.text).toContain('"cdktf.out"');
    expect(r.text).toContain('require("cdktf-x")');
    expect(references(r.text, FLAVOURS.cdktf.frameworkPackages)).toEqual([]);
  });

  it("the assertion fails on a leftover specifier or a computed require of the other framework", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flavour-"));
    fs.writeFileSync(path.join(dir, "a.js"), 'const x = require("@cdktn/provider-aws/lib/iam-role");\n');
    expect(() => assertOnly(FLAVOURS.cdktn, dir)).not.toThrow();
    fs.writeFileSync(path.join(dir, "b.d.ts"), 'import { Fn } from "cdktf";\n');
    expect(() => assertOnly(FLAVOURS.cdktn, dir)).toThrow(/b\.d\.ts:1/);
    fs.writeFileSync(path.join(dir, "b.d.ts"), 'const name = "@cdktf/provider-aws"; require(name);\n');
    expect(() => assertOnly(FLAVOURS.cdktn, dir)).toThrow(/still references/);
    expect(() => assertOnly(FLAVOURS.cdktf, dir)).toThrow(/a\.js:1/);
  });

  it("the cdktn package.json names only cdktn peers, keyword cdktn and cdktn-cli's Node", () => {
    const root = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    const pkg = cdktnPackageJson(root);
    expect(pkg.name).toBe("xacct-s3-cdktn");
    expect(Object.keys(pkg.peerDependencies ?? {}).filter((p) => /cdktf/.test(p))).toEqual([]);
    expect(pkg.peerDependencies).toMatchObject({
      cdktn: "^0.24.0",
      "@cdktn/provider-aws": "^25.7.0",
      "@cdktn/provider-archive": "^14.0.1",
      constructs: ">=10.6.0 <10.8.0",
    });
    expect(pkg.keywords).toContain("cdktn");
    expect(pkg.keywords).not.toContain("cdktf");
    expect(pkg.engines).toEqual({ node: ">=22.19.0" });
    expect(pkg.scripts).toBeUndefined();
    expect(root.keywords).toContain("cdktf");
  });

  it("compare-synth explains version differences and flags a resource difference", () => {
    const a = { "//": { metadata: { version: "0.21.0" } }, resource: { aws_s3_bucket: { b: { bucket: "x" } } } };
    const b = { "//": { metadata: { version: "0.24.0" } }, resource: { aws_s3_bucket: { b: { bucket: "x", region: "us-east-1" } } } };
    const d = diffJson("s", a, b);
    expect(d.map((x) => [x.path, Boolean(x.why)])).toEqual([
      ["//.metadata.version", true],
      ["resource.aws_s3_bucket.b.region", false],
    ]);
  });
});

describe("the cdktn example app's configuration (scripts/flavours.ts renameQuotedPackages)", () => {
  it("renames our package where tsconfig types and jest's setupFilesAfterEnv name it, and nothing else", () => {
    const tsconfig = '{ "compilerOptions": { "types": ["node", "jest", "xacct-s3/access/jest"] } }';
    expect(renameQuotedPackages(tsconfig, CDKTN_APP_RENAMES)).toEqual({
      text: '{ "compilerOptions": { "types": ["node", "jest", "xacct-s3-cdktn/access/jest"] } }',
      count: 1,
    });
    const jest = 'module.exports = { setupFilesAfterEnv: ["xacct-s3/access/jest"], transform: { x: ["ts-jest", {}] } };';
    expect(renameQuotedPackages(jest, CDKTN_APP_RENAMES).text).toBe(
      'module.exports = { setupFilesAfterEnv: ["xacct-s3-cdktn/access/jest"], transform: { x: ["ts-jest", {}] } };',
    );
    // already renamed, or merely starting with the name: untouched
    expect(renameQuotedPackages('["xacct-s3-cdktn/access/jest", "xacct-s3x"]', CDKTN_APP_RENAMES).count).toBe(0);
  });
});
