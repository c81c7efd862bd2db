import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as esbuild from "esbuild";
import { ESBUILD_OPTIONS, loadEsbuild } from "./bundle";
import { ConfigError } from "./errors";

/**
 * Bundling of a user's own TypeScript/JavaScript Lambda entry file
 * (`LambdaCode.fromEntry`). esbuild is loaded lazily ({@link loadEsbuild}):
 * an app that never bundles its own code does not need it installed.
 */

type Require = (id: string) => unknown;

export interface EntryBundle {
  /** Directory holding exactly `index.js`: what the Lambda zip contains. */
  readonly dir: string;
  readonly file: string;
}

export interface EntryBundleOptions {
  /** esbuild target, e.g. `node22` (from the function's runtime). */
  readonly target: string;
  /** Modules left out of the bundle (e.g. ones provided by a layer). */
  readonly external?: readonly string[];
  /** Replaces the tests' esbuild loader. */
  readonly require?: Require;
}

const cache = new Map<string, EntryBundle>();

/**
 * Bundle `entry` (an absolute path) with the same esbuild options as the
 * built-in handlers, into a per-process directory keyed by the entry and
 * options, so two functions with the same code share one bundle.
 */
export function bundleEntry(entry: string, field: string, opts: EntryBundleOptions): EntryBundle {
  const external = [...(opts.external ?? [])].sort();
  const key = JSON.stringify([entry, opts.target, external]);
  const hit = cache.get(key);
  if (hit) return hit;
  const { buildSync } = loadEsbuild(field, opts.require);
  const dir = path.join(os.tmpdir(), `xacct-bundles-${process.pid}`, `entry-${createHash("sha256").update(key).digest("hex").slice(0, 16)}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "index.js");
  let result: esbuild.BuildResult;
  try {
    result = buildSync({
      ...ESBUILD_OPTIONS,
      mainFields: [...ESBUILD_OPTIONS.mainFields],
      entryPoints: [entry],
      outfile: file,
      target: opts.target,
      external,
      metafile: false,
      absWorkingDir: path.dirname(entry),
    });
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors;
    const text = errors?.length ? errors.map((m) => `${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ""}`).join("; ") : String(e);
    throw new ConfigError(field, `${entry} failed to bundle: ${text}`);
  }
  if (result.errors.length > 0) {
    throw new ConfigError(field, `${entry} failed to bundle: ${result.errors.map((m) => m.text).join("; ")}`);
  }
  const bundle = { dir, file };
  cache.set(key, bundle);
  return bundle;
}
