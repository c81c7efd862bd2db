/**
 * `npm run build`: the installable package in dist/.
 * 1. tsc -p tsconfig.build.json: compiled JS + .d.ts (no declaration maps: they would point to sources the package does not ship) of the public entry point (index.ts) and what it imports.
 * 2. The built-in handlers bundled once, here, to dist/bundles/<name>/index.js, so a user's synth needs neither esbuild nor the AWS SDK.
 * Progress goes to stderr, so `npm pack --json` (prepack runs this) keeps a clean stdout.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildBuiltinBundles } from "../lib/bundle";

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
fs.rmSync(dist, { recursive: true, force: true });
const t0 = Date.now();
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { stdio: ["ignore", 2, 2], cwd: root });
const t1 = Date.now();
// The demo app (app/, main.ts) is not part of the package: tsc compiles only what the entry points import, and none may import it.
const demo = ["app", "main.js"].filter((f) => fs.existsSync(path.join(dist, f)));
if (demo.length)
  throw new Error(
    `build: the demo app reached the package (dist/${demo.join(", dist/")}): a library file imports app/ or main.ts; npm run check:boundaries names it`,
  );
const bundles = buildBuiltinBundles(path.join(dist, "bundles"));
const sizes = bundles.map((b) => `${b.name} ${(fs.statSync(b.file).size / 1024).toFixed(0)} KiB`).join(", ");
console.error(`build: tsc ${t1 - t0} ms; bundles (${sizes}) ${Date.now() - t1} ms -> ${path.relative(root, dist)}/`);
