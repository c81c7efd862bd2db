/**
 * The demo app's TypeScript loader (cdktf.json "app": node --require ./scripts/ts-register.js main.ts).
 *
 * Transpiles each .ts file of this repository with esbuild's transformSync (already a pinned
 * devDependency): no type check, like the `ts-node --transpile-only` it replaces, but about
 * 2 s faster per synth (measured by `npm run bench:synth`). Type checking stays with
 * `npm run typecheck` and ts-jest. tsconfig has isolatedModules on, so per-file transpiling
 * is exact. Output is cached in node_modules/.cache/xacct-s3/ts by a hash of the source and
 * the esbuild version and options, so an unchanged file is not transpiled again (esbuild is
 * then not even loaded). Each file carries an inline source map; run with
 * NODE_OPTIONS=--enable-source-maps for stack traces at the .ts lines (off by default: cdktf
 * captures a stack trace per construct, and mapping them all costs ~0.4 s per synth).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const nodeModules = `${path.sep}node_modules${path.sep}`;
const cacheDir = path.join(root, "node_modules", ".cache", "xacct-s3", "ts");
const esbuildVersion = require("esbuild/package.json").version;
const options = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline" };
const optionsKey = JSON.stringify([esbuildVersion, options]);

require.extensions[".ts"] = function compileTs(module, filename) {
  if (filename.includes(nodeModules)) throw new Error(`scripts/ts-register.js: refusing to transpile ${filename} (a package should ship JavaScript)`);
  const source = fs.readFileSync(filename, "utf8");
  const key = crypto.createHash("sha256").update(optionsKey).update(filename).update(source).digest("hex");
  const cached = path.join(cacheDir, `${key.slice(0, 32)}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, "utf8");
  } catch {
    code = require("esbuild").transformSync(source, { ...options, sourcefile: filename }).code;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached); // atomic: a reader sees the whole file or none
    } catch {
      // read-only checkout: transpile every time
    }
  }
  module._compile(code, filename);
};
