import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT } from "./args";
import { runAccessCli } from "./cli";
import { loadStacks, staleReason } from "./load";
import { AppSynthError, appMessage, CdktfProjectError } from "./run-app";

/** `npm run access` / `npm run diagram` must not evaluate stacks older than the code they come from. */
describe("staleReason", () => {
  const setup = (): { root: string; outdir: string; stack: string; source: string; test: string } => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-stale-"));
    const outdir = path.join(root, "cdktf.out");
    const stack = path.join(outdir, "stacks", "s1", "cdk.tf.json");
    fs.mkdirSync(path.dirname(stack), { recursive: true });
    fs.writeFileSync(stack, "{}");
    const source = path.join(root, "modules", "m", "index.ts");
    const test = path.join(root, "modules", "m", "m.test.ts");
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, "export {};");
    fs.writeFileSync(test, "export {};");
    return { root, outdir, stack, source, test };
  };
  const at = (file: string, seconds: number): void => fs.utimesSync(file, seconds, seconds);

  test("no stacks: stale", () => {
    const { root } = setup();
    expect(staleReason(path.join(root, "empty"), root)).toMatch(/^no synthesized stacks/);
  });

  test("stacks newer than every source: current", () => {
    const { root, outdir, stack, source, test } = setup();
    at(source, 1_000);
    at(test, 1_000);
    at(stack, 2_000);
    expect(staleReason(outdir, root)).toBeUndefined();
  });

  test("a source changed after the synth: stale, naming the file", () => {
    const { root, outdir, stack, source } = setup();
    at(stack, 2_000);
    at(source, 3_000);
    expect(staleReason(outdir, root)).toBe(`${path.join("modules", "m", "index.ts")} changed after ${outdir} was synthesized`);
  });

  test("a changed test file does not make the synth stale", () => {
    const { root, outdir, stack, source, test } = setup();
    at(source, 1_000);
    at(stack, 2_000);
    at(test, 3_000);
    expect(staleReason(outdir, root)).toBeUndefined();
  });
});

/** `--synth` / `--synth-if-stale` run the `app` command of the user's cdktf.json, as `cdktf synth` would. */
describe("loadStacks with synth: the app command of cdktf.json", () => {
  // A tiny app: writes one stack holding what it was given (cwd, context, env), and counts its runs.
  const APP = [
    "const fs=require('fs'),path=require('path');",
    "const out=process.env.CDKTF_OUTDIR;",
    "const dir=path.join(out,'stacks','user-stack');fs.mkdirSync(dir,{recursive:true});",
    "fs.appendFileSync(path.join(out,'runs.txt'),'run\\n');",
    "const tf={cwd:process.cwd(),context:JSON.parse(process.env.CDKTF_CONTEXT_JSON),checkpoint:process.env.CHECKPOINT_DISABLE,tfVar:process.env.TF_VAR_secret??null};",
    "fs.writeFileSync(path.join(dir,'cdk.tf.json'),JSON.stringify(tf));",
    "console.log('synthesized user-stack');",
  ].join("");
  const project = (app: string, extra: Record<string, unknown> = {}): { root: string; outdir: string } => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-userapp-")));
    fs.writeFileSync(path.join(root, "app.js"), app);
    fs.writeFileSync(
      path.join(root, "cdktf.json"),
      JSON.stringify({
        language: "typescript",
        app: "node app.js",
        context: { team: { name: "data" } },
        terraformModules: ["./modules/local", "terraform-aws-modules/vpc/aws"],
        ...extra,
      }),
    );
    return { root, outdir: path.join(root, "cdktf.out") };
  };
  const runs = (outdir: string): number => fs.readFileSync(path.join(outdir, "runs.txt"), "utf8").split("\n").filter(Boolean).length;
  const at = (file: string, seconds: number): void => fs.utimesSync(file, seconds, seconds);

  test("--synth-if-stale runs it in the cdktf.json directory with CDKTF_OUTDIR, CDKTF_CONTEXT_JSON and CHECKPOINT_DISABLE, then reads its stacks", () => {
    const { root, outdir } = project(APP);
    const log: string[] = [];
    const prev = process.env.TF_VAR_secret;
    process.env.TF_VAR_secret = "not-for-synth";
    let stacks;
    try {
      stacks = loadStacks(outdir, { synth: "if-stale", root, log: (l) => log.push(l) });
    } finally {
      if (prev === undefined) delete process.env.TF_VAR_secret;
      else process.env.TF_VAR_secret = prev;
    }
    expect(stacks.map((s) => s.name)).toEqual(["user-stack"]);
    expect(stacks[0].tf).toEqual({
      cwd: root,
      context: { team: { name: "data" }, cdktfRelativeModules: ["./modules/local"] },
      checkpoint: "1",
      tfVar: null,
    });
    expect(log[0]).toBe(`synthesizing the stacks into ${outdir} with "node app.js" (no synthesized stacks in ${outdir}) ...`);
    expect(log).toContain("app: synthesized user-stack");
    expect(runs(outdir)).toBe(1);
  });

  test("--synth-if-stale: stacks newer than the app's files are read as they are; a changed file runs the app again", () => {
    const { root, outdir } = project(APP);
    loadStacks(outdir, { synth: "always", root });
    const stack = path.join(outdir, "stacks", "user-stack", "cdk.tf.json");
    for (const f of ["app.js", "cdktf.json"]) at(path.join(root, f), 1_000);
    at(stack, 2_000);
    loadStacks(outdir, { synth: "if-stale", root });
    expect(runs(outdir)).toBe(1);
    at(path.join(root, "app.js"), 3_000);
    const log: string[] = [];
    loadStacks(outdir, { synth: "if-stale", root, log: (l) => log.push(l) });
    expect(runs(outdir)).toBe(2);
    expect(log[0]).toContain("(app.js changed after");
  });

  test("a failing app: its own message (no stack frames), AppSynthError, and the CLI exits 1 printing only that", async () => {
    const bad = project("process.stderr.write('\\nConfiguration error: bucketName: must be 3-63 characters\\n\\n');process.exit(1);");
    let caught: unknown;
    try {
      loadStacks(bad.outdir, { synth: "if-stale", root: bad.root });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppSynthError);
    expect((caught as AppSynthError).message).toBe(
      `the app command "node app.js" (cdktf.json in ${bad.root}) failed, nothing was reviewed:\n\nConfiguration error: bucketName: must be 3-63 characters`,
    );
    expect((caught as AppSynthError).exitCode).toBe(1);

    // An uncaught exception: the source line and the message stay, Node's stack frames go.
    const thrown = project("throw new Error('stack user-stack: no provider for account 2');");
    const err: string[] = [];
    const cwd = process.cwd();
    process.chdir(thrown.root);
    let code: number;
    try {
      code = await runAccessCli(
        ["--synth-if-stale"],
        () => undefined,
        (l) => err.push(l),
      );
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(EXIT.error);
    expect(err).toHaveLength(2); // the progress line, then the failure
    expect(err[1]).toMatch(/^the app command "node app\.js" \(cdktf\.json in .*\) failed, nothing was reviewed:\n\n/);
    expect(err[1]).toContain("Error: stack user-stack: no provider for account 2");
    expect(err[1]).not.toMatch(/^\s+at /m);
    expect(err[1]).not.toMatch(/^Node\.js v/m);
  });

  test("no cdktf.json in the directory: a usage error naming the file, nothing written", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-nocdktf-"));
    const outdir = path.join(root, "cdktf.out");
    for (const synth of ["always", "if-stale"] as const) {
      expect(() => loadStacks(outdir, { synth, root })).toThrow(CdktfProjectError);
      expect(() => loadStacks(outdir, { synth, root })).toThrow(`there is no ${path.join(root, "cdktf.json")}`);
    }
    expect(fs.existsSync(outdir)).toBe(false);
    fs.writeFileSync(path.join(root, "cdktf.json"), JSON.stringify({ language: "typescript" }));
    expect(() => loadStacks(outdir, { synth: "always", root })).toThrow(
      `${path.join(root, "cdktf.json")}: "app" must be the command that synthesizes the stacks`,
    );
  });

  test("this repository's own cdktf.json: --synth runs main.ts as cdktf synth does (the demo stacks)", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-demo-synth-"));
    const stacks = loadStacks(outdir, { synth: "always", root: path.resolve(__dirname, "..", "..") });
    expect(stacks.map((s) => s.name)).toEqual(["assume-role", "bucket-policy", "three-account"]);
  }, 120_000);
});

test("appMessage keeps the app's message and drops Node's stack frames", () => {
  const stderr =
    "/app/main.ts:3\n  throw new Error('x');\n  ^\n\nError: bad bucket\n    at Object.<anonymous> (/app/main.ts:3:9)\n    at Module._compile (node:internal/modules/cjs/loader:1554:14)\n\nNode.js v22.14.0\n";
  expect(appMessage(stderr)).toBe("/app/main.ts:3\n  throw new Error('x');\n  ^\n\nError: bad bucket");
});
