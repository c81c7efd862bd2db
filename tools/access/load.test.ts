import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStacks, staleReason } from "./load";

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

test("--synth outside the repository checkout (installed package): refused, nothing written", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-nosynth-"));
  const outdir = path.join(root, "cdktf.out");
  for (const synth of ["always", "if-stale"] as const) {
    expect(() => loadStacks(outdir, { synth, root })).toThrow("--synth and --synth-if-stale synthesize the xacct-s3 repository's own demo app and work only in its checkout");
  }
  expect(fs.existsSync(outdir)).toBe(false);
});
