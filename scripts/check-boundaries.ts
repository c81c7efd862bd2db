/**
 * `ts-node scripts/check-boundaries.ts`: the import boundaries of the library
 * (run as a test by lib/boundaries.test.ts).
 * 1. lib/, modules/, handlers/ and tools/ never import the demo app (app/,
 *    main.ts): no import of any kind, `import type` included (a type import
 *    pulls the file into the package's .d.ts build).
 * 2. No runtime import circle among their files. Runtime = what the compiled
 *    JS requires: each file is transpiled as the build does (isolatedModules),
 *    so `import type`, `export type` and imports used only as types drop out.
 * Prints one line per problem (file:line) and exits 1 when there is any.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..");
/** The library's folders: what the package is built from. */
export const LIBRARY_DIRS = ["lib", "modules", "handlers", "tools"] as const;
/** The demo app: a library folder importing it is a boundary violation. */
export const APP_PATHS = ["app", "main.ts"] as const;

export interface ImportRef {
  /** Repository-relative, forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  /** Repository-relative target file; undefined for a package (bare specifier) or an unresolved path. */
  readonly target?: string;
}

/** Non-test .ts files (no .d.ts) under the library folders, repository-relative, sorted. */
export function libraryFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name)) out.push(path.relative(root, p).split(path.sep).join("/"));
    }
  };
  for (const d of LIBRARY_DIRS) walk(path.join(root, d));
  return out.sort();
}

/** A relative specifier as Node/TypeScript resolve it: the file, .ts/.js added, or the folder's index. */
export function resolveSpecifier(fromFile: string, specifier: string, root = ROOT): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(root, path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, `${base}.json`, path.join(base, "index.ts"), path.join(base, "index.js")];
  const hit = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  return hit === undefined ? undefined : path.relative(root, hit).split(path.sep).join("/");
}

const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** Every module reference in `file`'s source, type-only ones included: import/export ... from, import x = require, require(), import(), import("x").T. */
export function sourceImports(file: string, root = ROOT): ImportRef[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (lit: ts.Node): void => {
    if (!ts.isStringLiteralLike(lit)) return;
    refs.push({ file, line: lineOf(sf, lit.getStart(sf)), specifier: lit.text, target: resolveSpecifier(file, lit.text, root) });
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) add(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) add(n.moduleReference.expression);
    else if (
      ts.isCallExpression(n) &&
      n.arguments.length > 0 &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === "require"))
    )
      add(n.arguments[0]);
    else if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ts.isIdentifier(n.expression.expression) &&
      n.expression.expression.text === "require" &&
      n.expression.name.text === "resolve" &&
      n.arguments.length > 0
    )
      add(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return refs;
}

/** The modules `file` requires at run time: the require() calls of its transpiled JS (imports used only as types are gone). */
export function runtimeImports(file: string, root = ROOT): ImportRef[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const js = ts.transpileModule(text, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, isolatedModules: true, esModuleInterop: true },
  }).outputText;
  const sf = ts.createSourceFile(`${file}.js`, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const source = sourceImports(file, root);
  const refs: ImportRef[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === "require" &&
      n.arguments.length > 0 &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      const spec = n.arguments[0].text;
      // The line in the source: the first import/export/require of that specifier there.
      const line = source.find((r) => r.specifier === spec)?.line ?? 0;
      refs.push({ file, line, specifier: spec, target: resolveSpecifier(file, spec, root) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return refs;
}

const inApp = (target: string): boolean => APP_PATHS.some((p) => target === p || target.startsWith(`${p}/`));

/** "lib/x.ts:3 imports ../app/config (app/config.ts): ..." for each library import of the demo app. */
export function boundaryViolations(files: readonly string[] = libraryFiles(), root = ROOT): string[] {
  const out: string[] = [];
  for (const f of files)
    for (const r of sourceImports(f, root))
      if (r.target !== undefined && inApp(r.target))
        out.push(
          `${r.file}:${r.line} imports ${JSON.stringify(r.specifier)} (${r.target}): the library (${LIBRARY_DIRS.join("/, ")}/) must not import the demo app (app/, main.ts)`,
        );
  return out;
}

/**
 * The runtime import circles among `files`: one per strongly connected
 * component (Tarjan), as a path `a -> b -> ... -> a` with the line of each import.
 */
export function importCircles(files: readonly string[] = libraryFiles(), root = ROOT): string[][] {
  const nodes = new Set(files);
  const edges = new Map<string, ImportRef[]>();
  for (const f of files)
    edges.set(
      f,
      runtimeImports(f, root).filter((r) => r.target !== undefined && nodes.has(r.target)),
    );
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const sccs: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const e of edges.get(v) ?? []) {
      const w = e.target as string;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const self = (edges.get(v) ?? []).some((e) => e.target === v);
      if (scc.length > 1 || self) sccs.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) strong(f);
  // One concrete circle per component: breadth-first from its first file back to itself, inside the component.
  return sccs
    .map((scc) => {
      const inScc = new Set(scc);
      const start = scc[0];
      const prev = new Map<string, ImportRef>();
      const queue = [start];
      let last: ImportRef | undefined;
      while (queue.length && !last) {
        const v = queue.shift() as string;
        for (const e of edges.get(v) ?? []) {
          const w = e.target as string;
          if (!inScc.has(w)) continue;
          if (w === start) {
            last = e;
            break;
          }
          if (!prev.has(w)) {
            prev.set(w, e);
            queue.push(w);
          }
        }
      }
      const chain: ImportRef[] = [];
      for (let e = last; e; e = e.file === start ? undefined : prev.get(e.file)) chain.unshift(e);
      return chain.map((e) => `${e.file}:${e.line} -> ${e.target as string}`);
    })
    .sort((a, b) => a[0].localeCompare(b[0]));
}

if (require.main === module) {
  const violations = boundaryViolations();
  const circles = importCircles();
  for (const v of violations) console.error(v);
  for (const c of circles) console.error(`runtime import circle:\n  ${c.join("\n  ")}`);
  console.error(`${libraryFiles().length} library files: ${violations.length} import(s) of the demo app, ${circles.length} runtime import circle(s)`);
  process.exitCode = violations.length || circles.length ? 1 : 0;
}
