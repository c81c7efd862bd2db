/**
 * The library's two flavours from one source: the cdktf package (dist/, `npm run build`, `npm pack`,
 * unchanged) and the CDK Terrain (cdktn) package, produced from the same compiled output by rewriting
 * module specifiers in the emitted .js and .d.ts files (docs/cdktn.md).
 *
 * Why two packages and not one: npm peer dependencies cannot be conditional (a package that names
 * cdktf and cdktn as peers makes npm install both, or neither when both are optional, and then
 * nothing tells a user which one it needs), and our .d.ts files reference one framework's classes
 * (`AwsProvider` of `@cdktf/provider-aws` is not assignable to the `@cdktn` one: TS2322 on every
 * provider prop), and at run time the constructs must come from the app's framework copy.
 *
 *   ts-node scripts/flavours.ts pack-all DIR          npm run pack:all -- DIR (one "<flavour> <tgz>" line each)
 *   ts-node scripts/flavours.ts build cdktn           dist/ → dist-cdktn/ (dist/ must be built)
 *   ts-node scripts/flavours.ts example cdktn SRC DST  the cdktn copy of examples/consumer-app
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export type FlavourName = "cdktf" | "cdktn";

export interface Flavour {
  readonly name: FlavourName;
  /** The npm package name. */
  readonly packageName: string;
  /** Where the package's root (its package.json) is, relative to the repository. */
  readonly packageDir: string;
  /** Package names of this flavour's framework and providers (a specifier is one of these or below one). */
  readonly frameworkPackages: readonly string[];
  /** Pinned registry versions the example app of this flavour installs. */
  readonly exampleDependencies: Readonly<Record<string, string>>;
  readonly exampleDevDependencies: Readonly<Record<string, string>>;
}

/** cdktf → cdktn: the framework, its CLI and the two prebuilt providers we use. */
export const CDKTN_RENAMES: ReadonlyArray<readonly [string, string]> = [
  ["cdktf", "cdktn"],
  ["cdktf-cli", "cdktn-cli"],
  ["@cdktf/provider-aws", "@cdktn/provider-aws"],
  ["@cdktf/provider-archive", "@cdktn/provider-archive"],
];

export const FLAVOURS: Readonly<Record<FlavourName, Flavour>> = {
  cdktf: {
    name: "cdktf",
    packageName: "xacct-s3",
    packageDir: ".",
    frameworkPackages: ["cdktf", "cdktf-cli", "@cdktf/provider-aws", "@cdktf/provider-archive"],
    exampleDependencies: {},
    exampleDevDependencies: {},
  },
  cdktn: {
    name: "cdktn",
    packageName: "xacct-s3-cdktn",
    packageDir: "dist-cdktn",
    frameworkPackages: ["cdktn", "cdktn-cli", "@cdktn/provider-aws", "@cdktn/provider-archive"],
    // `npm view <name> version` on 2026-12-02. cdktn 0.24 and its providers need constructs >=10.6.0 <10.8.0.
    exampleDependencies: {
      cdktn: "0.24.0",
      "@cdktn/provider-aws": "25.7.0",
      "@cdktn/provider-archive": "14.0.1",
      constructs: "10.7.2",
    },
    // cdktn-cli 0.24.0 (engines node >=22.19.0) runs the app on the same Node: its types are 22's.
    exampleDevDependencies: { "cdktn-cli": "0.24.0", "@types/node": "22.20.7" },
  },
};

/** The cdktn package's peers: its framework, constructs per cdktn 0.24's own peer range, the providers we verified. */
export const CDKTN_PEERS: Readonly<Record<string, string>> = {
  cdktn: "^0.24.0",
  constructs: ">=10.6.0 <10.8.0",
  "@cdktn/provider-aws": "^25.7.0",
  "@cdktn/provider-archive": "^14.0.1",
};
/** cdktn-cli 0.24.0 declares engines node `>=22.19.0` (its providers `>=22.11.0`); the app runs on that Node. */
export const CDKTN_NODE = ">=22.19.0";

// ---------------------------------------------------------------- specifiers

/**
 * Module specifiers in emitted CommonJS and declaration files: require("x"), import("x"),
 * from "x" (import/export), import "x", declare module "x", jest.mock("x").
 */
const SPECIFIER = /(\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|\bimport\s+|\bdeclare\s+module\s+|\bjest\.mock\s*\(\s*)(["'])([^"'\n]+)\2/g;

const packageOf = (specifier: string): string => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

/** Every module specifier in a file's text. */
export function specifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[3]);
}

/** Rewrites the specifiers whose package is renamed (exact name or a subpath of it); returns the text and how many. */
export function rewriteSpecifiers(text: string, renames: ReadonlyArray<readonly [string, string]>): { text: string; count: number } {
  const map = new Map(renames);
  let count = 0;
  const out = text.replace(SPECIFIER, (whole, lead: string, quote: string, spec: string) => {
    const pkg = packageOf(spec);
    const to = map.get(pkg);
    if (to === undefined) return whole;
    count++;
    return `${lead}${quote}${to}${spec.slice(pkg.length)}${quote}`;
  });
  return { text: out, count };
}

/** A specifier (or a quoted package-name literal, e.g. a computed require) of another flavour's packages. */
export interface Leftover {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Finds references to `packages` in a file's text: module specifiers, and quoted literals naming one of the packages. */
export function references(text: string, packages: readonly string[]): Array<{ line: number; text: string }> {
  const set = new Set(packages);
  const found: Array<{ line: number; text: string }> = [];
  const lineOf = (index: number): number => text.slice(0, index).split("\n").length;
  for (const m of text.matchAll(SPECIFIER)) if (set.has(packageOf(m[3]))) found.push({ line: lineOf(m.index ?? 0), text: m[0] });
  // "cdktf", '@cdktf/provider-aws/lib/x': a literal that names the package itself (not "cdktf.out" or "cdktf/customSynthesis").
  for (const m of text.matchAll(/(["'])((?:@[a-z0-9-]+\/)?[a-z0-9-]+)((?:\/[^"'\n]*)?)\1/g)) {
    const pkg = m[2];
    const sub = m[3];
    if (!set.has(pkg)) continue;
    // an unscoped name followed by a path is only a specifier when it is one of our packages' subpaths; the
    // framework's global symbol keys (Symbol.for("cdktf/App")) are kept by cdktn on purpose: skip them.
    if (sub !== "" && !pkg.startsWith("@") && /Symbol\.for\(\s*$/.test(text.slice(0, m.index ?? 0))) continue;
    const line = lineOf(m.index ?? 0);
    if (!found.some((f) => f.line === line)) found.push({ line, text: m[0] });
  }
  return found;
}

const walk = (dir: string, ok: (file: string) => boolean): string[] =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(p, ok);
        return ok(p) ? [p] : [];
      })
    : [];

const EMITTED = (f: string): boolean => /\.(js|d\.ts)$/.test(f);

/** Every reference to `packages` in the .js/.d.ts files under dir. */
export function leftovers(dir: string, packages: readonly string[]): Leftover[] {
  return walk(dir, EMITTED).flatMap((file) => references(fs.readFileSync(file, "utf8"), packages).map((r) => ({ file: path.relative(dir, file), ...r })));
}

/** Fails the build when an artifact still names the other flavour's framework or providers. */
export function assertOnly(flavour: Flavour, dir: string): void {
  const others = Object.values(FLAVOURS)
    .filter((f) => f.name !== flavour.name)
    .flatMap((f) => f.frameworkPackages);
  const left = leftovers(dir, others);
  if (left.length > 0) {
    const list = left
      .slice(0, 20)
      .map((l) => `  ${l.file}:${l.line}: ${l.text}`)
      .join("\n");
    throw new Error(
      `the ${flavour.name} artifact ${dir} still references ${others.join(", ")} (${left.length}):\n${list}\nEvery framework/provider import must be a plain module specifier the flavour build can rewrite (scripts/flavours.ts CDKTN_RENAMES).`,
    );
  }
}

// ---------------------------------------------------------------- the cdktn package

interface PackageJson {
  name: string;
  description?: string;
  keywords?: string[];
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;
const writeJson = (file: string, value: unknown): void => fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** The cdktn package.json, generated from ours: its name, its own peers only, keyword cdktn, Node per cdktn-cli. */
export function cdktnPackageJson(pkg: PackageJson): PackageJson {
  const renamed = new Map(CDKTN_RENAMES);
  const peers: Record<string, string> = {};
  for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
    const to = name === "constructs" ? "constructs" : (renamed.get(name) ?? name);
    peers[to] = CDKTN_PEERS[to] ?? range;
  }
  const { scripts: _scripts, devDependencies: _dev, ...rest } = pkg;
  return {
    ...rest,
    name: FLAVOURS.cdktn.packageName,
    description: (pkg.description ?? "").replace(/^cdktf\b/, "CDK Terrain (cdktn)"),
    keywords: (pkg.keywords ?? []).map((k) => (k === "cdktf" ? "cdktn" : k)),
    engines: { ...(pkg.engines ?? {}), node: CDKTN_NODE },
    peerDependencies: peers,
    peerDependenciesMeta: pkg.peerDependenciesMeta ?? {},
  };
}

/** dist/ (already built) → dist-cdktn/: the package.json, README, and dist/ with the specifiers rewritten. */
export function buildCdktn(root: string): { dir: string; files: number; rewritten: number } {
  const src = path.join(root, "dist");
  if (!fs.existsSync(path.join(src, "index.js"))) throw new Error(`${src}/index.js is missing: run npm run build first (pack:all does).`);
  assertOnly(FLAVOURS.cdktf, src);
  const out = path.join(root, FLAVOURS.cdktn.packageDir);
  fs.rmSync(out, { recursive: true, force: true });
  fs.cpSync(src, path.join(out, "dist"), { recursive: true });
  let files = 0;
  let rewritten = 0;
  for (const file of walk(path.join(out, "dist"), EMITTED)) {
    const r = rewriteSpecifiers(fs.readFileSync(file, "utf8"), CDKTN_RENAMES);
    if (r.count > 0) {
      fs.writeFileSync(file, r.text);
      files++;
      rewritten += r.count;
    }
  }
  writeJson(path.join(out, "package.json"), cdktnPackageJson(readJson<PackageJson>(path.join(root, "package.json"))));
  fs.copyFileSync(path.join(root, "README.md"), path.join(out, "README.md"));
  assertOnly(FLAVOURS.cdktn, out);
  return { dir: out, files, rewritten };
}

/** npm pack of one flavour's package root into dir; returns the tarball's absolute path. */
function npmPack(dir: string, into: string, ignoreScripts: boolean): string {
  const args = ["pack", "--json", "--pack-destination", into, ...(ignoreScripts ? ["--ignore-scripts"] : [])];
  const out = execFileSync("npm", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const [entry] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string }>;
  return path.join(into, entry.filename);
}

/** Packs every flavour into dir: the cdktf package (npm pack; prepack builds dist/), then the cdktn one from that dist/. */
export function packAll(root: string, into: string, only?: FlavourName): Array<{ flavour: FlavourName; tgz: string }> {
  fs.mkdirSync(into, { recursive: true });
  const dir = path.resolve(into);
  const result: Array<{ flavour: FlavourName; tgz: string }> = [];
  if (only === "cdktn") execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", 2, 2] });
  else result.push({ flavour: "cdktf", tgz: npmPack(root, dir, false) });
  if (only !== "cdktf") {
    const built = buildCdktn(root);
    console.error(`flavours: cdktn: ${built.rewritten} specifiers rewritten in ${built.files} files -> ${path.relative(root, built.dir)}/`);
    result.push({ flavour: "cdktn", tgz: npmPack(built.dir, dir, true) });
  }
  return result;
}

// ---------------------------------------------------------------- the cdktn example app

/** Renames for an app: the framework and providers, and our package to its cdktn flavour. */
export const CDKTN_APP_RENAMES: ReadonlyArray<readonly [string, string]> = [...CDKTN_RENAMES, [FLAVOURS.cdktf.packageName, FLAVOURS.cdktn.packageName]];

/** Quoted string literals that are exactly a renamed package or a subpath of it ("xacct-s3/access/jest"), renamed. */
export function renameQuotedPackages(text: string, renames: ReadonlyArray<readonly [string, string]>): { text: string; count: number } {
  let count = 0;
  const out = text.replace(/(["'])([@\w./-]+)\1/g, (whole, q: string, name: string) => {
    for (const [from, to] of renames) {
      if (name === from || name.startsWith(`${from}/`)) {
        count += 1;
        return `${q}${to}${name.slice(from.length)}${q}`;
      }
    }
    return whole;
  });
  return { text: out, count };
}

/**
 * The cdktn copy of an example app (generic: whatever files the app has): every .ts/.js file's
 * specifiers rewritten, its package.json's cdktf framework/provider pins replaced by the cdktn pins,
 * xacct-s3 by xacct-s3-cdktn from ../xacct-s3-cdktn.tgz.
 */
export function cdktnExample(src: string, dst: string): { rewritten: number } {
  const skip = new Set(["node_modules", "cdktf.out", "package-lock.json", "tsconfig.tsbuildinfo"]);
  fs.mkdirSync(dst, { recursive: true });
  fs.cpSync(src, dst, { recursive: true, filter: (p) => !skip.has(path.basename(p)) });
  let rewritten = 0;
  for (const file of walk(dst, (f) => /\.(ts|js|mjs|cjs)$/.test(f))) {
    const r = rewriteSpecifiers(fs.readFileSync(file, "utf8"), CDKTN_APP_RENAMES);
    if (r.count > 0) fs.writeFileSync(file, r.text);
    rewritten += r.count;
  }
  // Package names the app's configuration names as plain strings, not specifiers: tsconfig.json
  // "types" and jest's setupFilesAfterEnv (the access matchers: "xacct-s3/access/jest").
  for (const file of walk(dst, (f) => /(^|\/)(tsconfig[^/]*\.json|jest\.config\.(js|cjs|mjs|ts))$/.test(f))) {
    const r = renameQuotedPackages(fs.readFileSync(file, "utf8"), CDKTN_APP_RENAMES);
    if (r.count > 0) fs.writeFileSync(file, r.text);
    rewritten += r.count;
  }
  const pkgFile = path.join(dst, "package.json");
  const pkg = readJson<PackageJson>(pkgFile);
  const cdktn = FLAVOURS.cdktn;
  const swap = (deps: Record<string, string> | undefined, pins: Readonly<Record<string, string>>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, version] of Object.entries(deps ?? {})) {
      if (FLAVOURS.cdktf.frameworkPackages.includes(name) || name in cdktn.exampleDependencies || name in cdktn.exampleDevDependencies) continue;
      if (name === FLAVOURS.cdktf.packageName) out[cdktn.packageName] = `file:../${cdktn.packageName}.tgz`;
      else out[name] = version;
    }
    return { ...out, ...pins };
  };
  writeJson(pkgFile, {
    ...pkg,
    name: `${pkg.name}-cdktn`,
    description: `${pkg.description ?? ""} (generated cdktn copy: scripts/flavours.ts)`,
    scripts: Object.fromEntries(Object.entries(pkg.scripts ?? {}).map(([k, v]) => [k, v.replace(/\bcdktf\b/g, "cdktn")])),
    dependencies: swap(pkg.dependencies, cdktn.exampleDependencies),
    devDependencies: swap(pkg.devDependencies, cdktn.exampleDevDependencies),
  });
  const left = leftovers(dst, FLAVOURS.cdktf.frameworkPackages);
  if (left.length > 0) throw new Error(`the cdktn example ${dst} still references cdktf: ${left.map((l) => `${l.file}:${l.line} ${l.text}`).join("; ")}`);
  return { rewritten };
}

// ---------------------------------------------------------------- CLI

const isFlavour = (s: string | undefined): s is FlavourName => s === "cdktf" || s === "cdktn";

function main(argv: string[]): void {
  const root = path.resolve(__dirname, "..");
  const [command, ...args] = argv;
  if (command === "pack-all" || command === "pack") {
    const only = command === "pack" ? args.shift() : undefined;
    if (command === "pack" && !isFlavour(only)) throw new Error(`pack: the flavour must be cdktf or cdktn, got ${String(only)}`);
    const into = args[0];
    if (!into) throw new Error(`${command}: the output directory is missing (npm run pack:all -- DIR)`);
    for (const r of packAll(root, into, only as FlavourName | undefined)) {
      console.error(`flavours: ${r.flavour}: ${(fs.statSync(r.tgz).size / 1024).toFixed(0)} KiB`);
      console.log(`${r.flavour} ${r.tgz}`);
    }
  } else if (command === "build" && args[0] === "cdktn") {
    const built = buildCdktn(root);
    console.error(`flavours: cdktn: ${built.rewritten} specifiers rewritten in ${built.files} files -> ${path.relative(root, built.dir)}/`);
  } else if (command === "example" && args[0] === "cdktn" && args[1] && args[2]) {
    const r = cdktnExample(path.resolve(args[1]), path.resolve(args[2]));
    console.error(`flavours: cdktn example: ${r.rewritten} specifiers rewritten -> ${args[2]}`);
  } else {
    throw new Error("usage: flavours.ts pack-all DIR | pack cdktf|cdktn DIR | build cdktn | example cdktn SRC DST");
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`flavours: ${(e as Error).message}`);
    process.exit(1);
  }
}
