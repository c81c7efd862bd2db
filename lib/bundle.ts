import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as esbuild from "esbuild";
import type { BuildOptions } from "esbuild";
import { ConfigError } from "./errors";

/** Repository root (this file lives in lib/). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const HANDLERS_DIR = path.join(PROJECT_ROOT, "handlers");

/** Handlers that can be bundled: every `handlers/<name>/index.ts` (shared code lives in `handlers/shared`). */
export function availableHandlers(): string[] {
  if (!fs.existsSync(HANDLERS_DIR)) return [];
  return fs
    .readdirSync(HANDLERS_DIR)
    .filter((d) => d !== "shared" && fs.existsSync(path.join(HANDLERS_DIR, d, "index.ts")))
    .sort();
}

export interface HandlerBundle {
  readonly name: string;
  /** Directory holding exactly `index.js`: what the Lambda zip contains. */
  readonly dir: string;
  readonly file: string;
  /** Source files bundled (paths relative to the project root), from esbuild's metafile. */
  readonly inputs: readonly string[];
}

const cache = new Map<string, HandlerBundle>();

/**
 * Load esbuild, or fail naming the field and the fix. Loaded lazily, only
 * when something is bundled: an app that never bundles need not install it.
 * `req` is injectable for tests.
 */
export function loadEsbuild(field: string, req: (id: string) => unknown = require): typeof esbuild {
  try {
    return req("esbuild") as typeof esbuild;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
      throw new ConfigError(
        field,
        'bundling needs esbuild, which is not installed: run "npm install --save-dev esbuild" in your app (or use LambdaCode.fromDirectory with code you build yourself)',
      );
    }
    throw e;
  }
}

/**
 * The esbuild options every Lambda bundle uses (the built-in handlers here,
 * and users' own entry files in `LambdaCode.fromEntry`): one minified CommonJS
 * file for the Node.js Lambda runtime with its dependencies inside.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  // The SDK's ES module builds (dist-es), not its CommonJS ones (esbuild's
  // default for platform "node"): only ESM can be tree-shaken, which makes
  // the bundle ~30% smaller and the cold-start module init faster.
  mainFields: ["module", "main"],
  metafile: true,
  minify: true,
  legalComments: "none",
  logLevel: "silent",
} as const satisfies BuildOptions;

/**
 * Bundle `handlers/<name>/index.ts` with esbuild into one minified CommonJS
 * file for the Node.js Lambda runtime, with the pinned AWS SDK v3 clients
 * inside (not the runtime's copy, whose version drifts). Bundled once per
 * process; the output directory is per process so parallel test workers and
 * synths never write the same file.
 */
export function bundleHandler(name: string, field = "handler"): HandlerBundle {
  const hit = cache.get(name);
  if (hit) return hit;
  const entry = path.join(HANDLERS_DIR, name, "index.ts");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !fs.existsSync(entry)) {
    const available = availableHandlers();
    throw new ConfigError(
      field,
      `no handler bundle "${name}": expected ${path.relative(PROJECT_ROOT, entry)}; available handlers: ${available.length ? available.join(", ") : "(none)"}`,
    );
  }
  const dir = path.join(os.tmpdir(), `xacct-bundles-${process.pid}`, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "index.js");
  const { buildSync } = loadEsbuild(field);
  const result = buildSync({
    entryPoints: [entry],
    outfile: file,
    ...ESBUILD_OPTIONS,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    // Keep the bundle byte-identical across machines: no absolute paths.
    absWorkingDir: PROJECT_ROOT,
  });
  if (result.errors.length > 0) {
    throw new ConfigError(field, `handler "${name}" failed to bundle: ${result.errors.map((e) => e.text).join("; ")}`);
  }
  const bundle = { name, dir, file, inputs: Object.keys(result.metafile?.inputs ?? {}) };
  cache.set(name, bundle);
  return bundle;
}
