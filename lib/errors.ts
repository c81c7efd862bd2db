import * as path from "path";

/** Where the library's code lives: lib/, modules/, tools/, handlers/ and the entry point (index) under the package root (dist/ when installed). */
const PACKAGE_ROOT = path.resolve(__dirname, "..");
const LIBRARY_DIRS = ["lib", "modules", "tools", "handlers"].map((d) => path.join(PACKAGE_ROOT, d) + path.sep);

/** The file of a V8 stack frame line (`    at f (/a/b.js:1:2)`, `    at /a/b.js:1:2`), undefined for other lines. */
function frameFile(line: string): string | undefined {
  const m = /^\s+at (?:.*\()?(.+?):\d+:\d+\)?$/.exec(line);
  if (!m) return undefined;
  return m[1].replace(/^file:\/\//, "");
}

/** A frame of the user's code: not this library, not a dependency (node_modules), not node's own. */
function isUserFrame(file: string): boolean {
  if (file.startsWith("node:") || file.startsWith("internal/") || !path.isAbsolute(file)) return false;
  if (file.split(path.sep).includes("node_modules")) return false;
  if (LIBRARY_DIRS.some((d) => file.startsWith(d))) return false;
  return !/^index\.[cm]?[jt]s$/.test(path.relative(PACKAGE_ROOT, file));
}

/**
 * A configuration or props error found at synth time. The message always names
 * the offending field, what was given, and the accepted form, so the fix is
 * obvious from the message alone.
 *
 * Its `stack` is the message and the one frame of the user's code that led to
 * it (the `new BucketShare(...)` line of their app), without the library's and
 * the framework's frames: an uncaught props error in a user's app prints a few
 * lines, not a 150-line trace. `field` and `problem` are not enumerable, so node
 * does not print them again after the stack.
 */
export class ConfigError extends Error {
  /** Dotted path of the offending field, e.g. `accounts.b.id` or `BucketShare.bucketName`. */
  declare readonly field: string;
  /** What is wrong and what is accepted. */
  declare readonly problem: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    Object.defineProperties(this, {
      name: { value: "ConfigError", enumerable: false, writable: true, configurable: true },
      field: { value: field, enumerable: false },
      problem: { value: problem, enumerable: false },
    });
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    Error.captureStackTrace(this, ConfigError);
    Error.stackTraceLimit = limit;
    const lines = (this.stack ?? "").split("\n");
    const first = lines.findIndex((l) => frameFile(l) !== undefined);
    const user = lines.find((l) => {
      const f = frameFile(l);
      return f !== undefined && isUserFrame(f);
    });
    // No frame of the user's code (the call came from a dependency): the whole stack, as before.
    if (first >= 0 && user !== undefined) this.stack = [...lines.slice(0, first), user].join("\n");
  }
}
