import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as esbuild from "esbuild";
import type { BuildOptions, Metafile } from "esbuild";
import { ConfigError } from "./errors";

/** Repository root when running from source (this file lives in lib/), or `dist/` when compiled. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Handler sources; present only in the repository (the package ships prebuilt bundles instead). */
export const HANDLERS_DIR = path.join(PROJECT_ROOT, "handlers");
/**
 * Prebuilt bundles, `bundles/<name>/index.js`, written by `npm run build`
 * next to the compiled library (`dist/bundles`). Never present in the source tree.
 */
export const PREBUILT_DIR = path.join(PROJECT_ROOT, "bundles");

/** Handlers that can be bundled: the prebuilt ones, else every `handlers/<name>/index.ts` (shared code lives in `handlers/shared`). */
export function availableHandlers(): string[] {
  const [dir, file] = fs.existsSync(PREBUILT_DIR) ? [PREBUILT_DIR, "index.js"] : [HANDLERS_DIR, "index.ts"];
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d !== "shared" && fs.existsSync(path.join(dir, d, file)))
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

/**
 * The esbuild options every Lambda bundle uses (the built-in handlers, at
 * package build time or at synth from source, and users' own entry files):
 * one minified CommonJS file for the Node.js Lambda runtime with its
 * dependencies inside, e.g. the pinned AWS SDK v3 clients (not the runtime's
 * copy, whose version drifts).
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

/** @internal (keeps esbuild's types out of the package's .d.ts: esbuild is an optional peer) */
export function handlerBuildOptions(entry: string, outfile: string, absWorkingDir: string): BuildOptions & { metafile: true } {
  return {
    ...ESBUILD_OPTIONS,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    entryPoints: [entry],
    outfile,
    // Keep the bundle byte-identical across machines: no absolute paths.
    absWorkingDir,
  };
}

/**
 * Load esbuild, or fail naming the field and the fix. Loaded lazily, only
 * when something is bundled: a user's synth with the prebuilt handlers never
 * needs it (an optional peer dependency). `req` is injectable for tests.
 * @internal
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

/** Bundle one built-in handler entry file; returns the bundled inputs (relative to absWorkingDir). Throws a ConfigError naming `field` on failure. */
function bundleHandlerSource(entry: string, outfile: string, opts: { absWorkingDir: string; field: string; what: string }): string[] {
  const { buildSync } = loadEsbuild(opts.field);
  let metafile: Metafile | undefined;
  try {
    const result = buildSync(handlerBuildOptions(entry, outfile, opts.absWorkingDir));
    metafile = result.metafile;
  } catch (err) {
    const errors = (err as { errors?: { text: string }[] }).errors;
    throw new ConfigError(opts.field, `${opts.what} failed to bundle: ${errors ? errors.map((e) => e.text).join("; ") : (err as Error).message}`);
  }
  return Object.keys(metafile?.inputs ?? {});
}

/** Where `npm run build` puts a built-in handler's bundle, and its inputs list. */
export const prebuiltPaths = (root: string, name: string): { dir: string; file: string; inputsFile: string } => ({
  dir: path.join(root, name),
  file: path.join(root, name, "index.js"),
  // Outside the bundle's directory, which must hold exactly index.js (the zip's content).
  inputsFile: path.join(root, `${name}.inputs.json`),
});

/**
 * Package build step: bundle every built-in handler to `<outRoot>/<name>/index.js`.
 * Run by `npm run build` (scripts/build.ts) after tsc.
 */
export function buildBuiltinBundles(outRoot: string): HandlerBundle[] {
  return availableSourceHandlers().map((name) => {
    const p = prebuiltPaths(outRoot, name);
    fs.mkdirSync(p.dir, { recursive: true });
    const inputs = bundleHandlerSource(path.join(HANDLERS_DIR, name, "index.ts"), p.file, {
      absWorkingDir: PROJECT_ROOT,
      field: "handler",
      what: `handler "${name}"`,
    });
    fs.writeFileSync(p.inputsFile, JSON.stringify(inputs, null, 1) + "\n");
    return { name, dir: p.dir, file: p.file, inputs };
  });
}

function availableSourceHandlers(): string[] {
  if (!fs.existsSync(HANDLERS_DIR)) return [];
  return fs
    .readdirSync(HANDLERS_DIR)
    .filter((d) => d !== "shared" && fs.existsSync(path.join(HANDLERS_DIR, d, "index.ts")))
    .sort();
}

/**
 * Key of the on-disk bundle cache used when running from source: every
 * handler source file, the lock file (the pinned SDK versions) and the
 * esbuild options. Any change gives a new key, so a stale bundle is never used.
 */
function sourceCacheKey(name: string): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(handlerBuildOptions("", "", "")));
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[cm]?[jt]s$/.test(e.name) && !/\.test\.ts$/.test(e.name)) h.update(path.relative(HANDLERS_DIR, p)).update(fs.readFileSync(p));
    }
  };
  walk(HANDLERS_DIR);
  for (const f of ["package-lock.json"]) {
    const p = path.join(PROJECT_ROOT, f);
    if (fs.existsSync(p)) h.update(fs.readFileSync(p));
  }
  return `${name}-${h.digest("hex").slice(0, 16)}`;
}

/** The on-disk cache for source runs (`node_modules/.cache/xacct-s3/bundles`); XACCT_BUNDLE_CACHE=off disables it. */
function sourceCacheRoot(): string | undefined {
  if (process.env.XACCT_BUNDLE_CACHE === "off") return undefined;
  const nm = path.join(PROJECT_ROOT, "node_modules");
  return fs.existsSync(nm) ? path.join(nm, ".cache", "xacct-s3", "bundles") : undefined;
}

const cache = new Map<string, HandlerBundle>();

/**
 * The bundle of a built-in handler (`writer`, `metadata-processor`).
 * Installed package: the prebuilt `dist/bundles/<name>/index.js` (no esbuild,
 * no AWS SDK needed at synth). From source (this repository's demo app and
 * tests): bundled with esbuild into an on-disk cache keyed by a hash of the
 * handler sources, so repeated synths skip esbuild; a cache miss bundles into
 * a per-process directory first (parallel test workers never write the same
 * file) and then moves the result into the cache atomically.
 */
export function bundleHandler(name: string, field = "handler"): HandlerBundle {
  const hit = cache.get(name);
  if (hit) return hit;
  const bundle = resolveBundle(name, field, PREBUILT_DIR);
  cache.set(name, bundle);
  return bundle;
}

/** bundleHandler without the per-process memo, with the prebuilt directory given (tests). @internal */
export function resolveBundle(name: string, field: string, prebuiltDir: string): HandlerBundle {
  const valid = /^[a-z0-9][a-z0-9-]*$/.test(name);
  const prebuilt = prebuiltPaths(prebuiltDir, name);
  let bundle: HandlerBundle;
  if (valid && fs.existsSync(prebuilt.file)) {
    const inputs = fs.existsSync(prebuilt.inputsFile) ? (JSON.parse(fs.readFileSync(prebuilt.inputsFile, "utf8")) as string[]) : [];
    bundle = { name, dir: prebuilt.dir, file: prebuilt.file, inputs };
  } else {
    const entry = path.join(HANDLERS_DIR, name, "index.ts");
    if (!valid || !fs.existsSync(entry)) {
      const available = availableHandlers();
      throw new ConfigError(
        field,
        `no handler bundle "${name}": not a built-in handler; available handlers: ${available.length ? available.join(", ") : "(none)"}`,
      );
    }
    bundle = bundleFromSource(name, entry, field);
  }
  return bundle;
}

function bundleFromSource(name: string, entry: string, field: string): HandlerBundle {
  const root = sourceCacheRoot();
  const cached = root ? prebuiltPaths(root, sourceCacheKey(name)) : undefined;
  if (cached && fs.existsSync(cached.file) && fs.existsSync(cached.inputsFile)) {
    return { name, dir: cached.dir, file: cached.file, inputs: JSON.parse(fs.readFileSync(cached.inputsFile, "utf8")) as string[] };
  }
  const tmp = prebuiltPaths(path.join(os.tmpdir(), `xacct-bundles-${process.pid}`), name);
  fs.mkdirSync(tmp.dir, { recursive: true });
  const inputs = bundleHandlerSource(entry, tmp.file, { absWorkingDir: PROJECT_ROOT, field, what: `handler "${name}"` });
  if (!cached) return { name, dir: tmp.dir, file: tmp.file, inputs };
  try {
    // Write inputs first, then rename the directory into place: a reader sees a complete bundle or none.
    fs.mkdirSync(path.dirname(cached.dir), { recursive: true });
    fs.writeFileSync(cached.inputsFile, JSON.stringify(inputs));
    const staging = `${cached.dir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.cpSync(tmp.dir, staging, { recursive: true });
    fs.renameSync(staging, cached.dir);
    return { name, dir: cached.dir, file: cached.file, inputs };
  } catch {
    // Another process won the race (or the cache is read-only): use our own copy.
    return { name, dir: tmp.dir, file: tmp.file, inputs };
  }
}
