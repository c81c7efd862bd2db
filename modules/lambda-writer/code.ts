import * as fs from "fs";
import * as path from "path";
import { bundleEntry } from "../../lib/bundle-entry";
import { bundleHandler } from "../../lib/bundle";
import { ConfigError } from "../../lib/errors";
import { lambdaHandler, lambdaRuntime, RuntimeFamily } from "../../lib/lambda-runtimes";

/** The handlers shipped with the library. */
export type BuiltinHandler = "writer" | "metadata-processor";

export interface EntryCodeOptions {
  /**
   * Name of the exported handler function of the entry file.
   * @default "handler"
   */
  readonly exportName?: string;
  /**
   * Modules esbuild leaves out of the bundle (e.g. provided by a layer).
   * @default [] (everything imported is bundled, the AWS SDK included)
   */
  readonly external?: readonly string[];
}

export interface DirectoryCodeOptions {
  /** Handler in the runtime's form, e.g. `"app.handler"` (Python), `"index.handler"` (Node), `"example.Handler::handleRequest"` (Java). */
  readonly handler: string;
  /** Lambda runtime identifier, e.g. `"python3.12"`, `"java21"`, `"provided.al2023"`. */
  readonly runtime: string;
}

/** What LambdaWriter deploys, resolved at construction time. */
export interface ResolvedLambdaCode {
  /** Directory zipped by the archive provider (as is). */
  readonly dir: string;
  readonly handler: string;
  readonly runtime: string;
}

const NODE_ONLY: readonly RuntimeFamily[] = ["nodejs"];

/** Relative paths resolve against the cdktf app's working directory (where `cdktf synth` runs). */
function existingPath(field: string, p: string, kind: "file" | "directory"): string {
  if (typeof p !== "string" || p === "") throw new ConfigError(field, `must be a path to a ${kind} (got ${JSON.stringify(p)})`);
  const resolved = path.resolve(process.cwd(), p);
  const stat = fs.statSync(resolved, { throwIfNoEntry: false });
  if (!stat) throw new ConfigError(field, `${kind} not found: ${resolved} (relative paths resolve against the app's working directory ${process.cwd()})`);
  if (kind === "file" ? !stat.isFile() : !stat.isDirectory()) throw new ConfigError(field, `${resolved} is not a ${kind}`);
  return resolved;
}

/** The file a Node or Python handler string names must be in the directory: Lambda would fail every invocation with Runtime.ImportModuleError. */
function checkHandlerFile(field: string, dir: string, handler: string, family: RuntimeFamily): void {
  const base = handler.slice(0, handler.lastIndexOf("."));
  const candidates =
    family === "nodejs"
      ? [".js", ".mjs", ".cjs"].map((x) => `${base}${x}`)
      : family === "python"
        ? [`${base.replace(/\./g, "/")}.py`]
        : family === "provided"
          ? ["bootstrap"]
          : [];
  if (candidates.length && !candidates.some((c) => fs.existsSync(path.join(dir, c)))) {
    throw new ConfigError(field, `handler "${handler}" needs ${candidates.join(" or ")} in ${dir}, which is not there`);
  }
}

/**
 * Where a `LambdaWriter`'s code comes from:
 * - {@link LambdaCode.builtin}: a handler shipped with this library;
 * - {@link LambdaCode.fromEntry}: your own TypeScript/JavaScript entry file, bundled with esbuild (install it in your app);
 * - {@link LambdaCode.fromDirectory}: your own directory for any Lambda runtime, zipped as is.
 *
 * Every source is zipped by the archive provider, and the function's
 * `source_code_hash` is the zip's hash, so a code change redeploys.
 */
export abstract class LambdaCode {
  /** A handler shipped with the library (Node.js, `index.handler`). */
  public static builtin(name: BuiltinHandler): LambdaCode {
    return new BuiltinCode(name);
  }

  /**
   * Your own TS/JS entry file (path relative to the app's working directory),
   * bundled with esbuild into one CommonJS `index.js` with its dependencies
   * (the same esbuild options as the built-in handlers). Needs a Node.js runtime.
   */
  public static fromEntry(file: string, options: EntryCodeOptions = {}): LambdaCode {
    return new EntryCode(file, options);
  }

  /** Your own directory (relative to the app's working directory), zipped as is, for any Lambda runtime. */
  public static fromDirectory(dir: string, options: DirectoryCodeOptions): LambdaCode {
    return new DirectoryCode(dir, options);
  }

  public abstract readonly kind: "builtin" | "entry" | "directory";

  /** The built-in handler's name (`kind` "builtin" only). @internal */
  public readonly builtinHandler?: BuiltinHandler;

  /**
   * Resolve the code for a function. `field` names the code prop in errors;
   * `runtime` is the function's `runtime` prop, if set.
   * @internal
   */
  public abstract resolve(field: string, runtimeField: string, runtime: string | undefined): ResolvedLambdaCode;
}

class BuiltinCode extends LambdaCode {
  public readonly kind = "builtin" as const;
  public override readonly builtinHandler: BuiltinHandler;
  constructor(private readonly name: BuiltinHandler) {
    super();
    this.builtinHandler = name;
  }
  public resolve(field: string, runtimeField: string, runtime: string | undefined): ResolvedLambdaCode {
    const r = lambdaRuntime(runtimeField, runtime ?? "nodejs22.x", NODE_ONLY, "the built-in handlers (bundled for Node.js)");
    return { dir: bundleHandler(this.name, field).dir, handler: "index.handler", runtime: r.runtime };
  }
}

class EntryCode extends LambdaCode {
  public readonly kind = "entry" as const;
  constructor(
    private readonly file: string,
    private readonly options: EntryCodeOptions,
  ) {
    super();
  }
  public resolve(field: string, runtimeField: string, runtime: string | undefined): ResolvedLambdaCode {
    const r = lambdaRuntime(runtimeField, runtime ?? "nodejs22.x", NODE_ONLY, "LambdaCode.fromEntry (esbuild bundles for Node.js)");
    const exportName = this.options.exportName ?? "handler";
    const handler = lambdaHandler(`${field}.exportName`, `index.${exportName}`, r.runtime, "nodejs");
    const entry = existingPath(field, this.file, "file");
    const target = r.runtime.replace(/^nodejs(\d+)\.x$/, "node$1");
    return { dir: bundleEntry(entry, field, { target, external: this.options.external }).dir, handler, runtime: r.runtime };
  }
}

class DirectoryCode extends LambdaCode {
  public readonly kind = "directory" as const;
  constructor(
    private readonly dir: string,
    private readonly options: DirectoryCodeOptions,
  ) {
    super();
  }
  public resolve(field: string, runtimeField: string, runtime: string | undefined): ResolvedLambdaCode {
    const r = lambdaRuntime(`${field}.runtime`, this.options.runtime);
    if (runtime !== undefined && runtime !== r.runtime) {
      throw new ConfigError(
        runtimeField,
        `"${runtime}" differs from the code's runtime "${r.runtime}" (LambdaCode.fromDirectory); set the runtime in one place`,
      );
    }
    const handler = lambdaHandler(`${field}.handler`, this.options.handler, r.runtime, r.family);
    const dir = existingPath(field, this.dir, "directory");
    checkHandlerFile(`${field}.handler`, dir, handler, r.family);
    return { dir, handler, runtime: r.runtime };
  }
}
