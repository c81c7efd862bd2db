import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCESS_MARKERS, runAccessCli } from "../../tools/access/cli";
import { replaceBetweenMarkers } from "../../tools/access/markers";
import { synthToOutdir } from "../../app/synth";
import { runDiagramCli } from "../../tools/diagram/cli";
import { BUCKET_POLICY_EXPECTED } from "./expected";

/** The CLIs against a cdktf.out-like directory synthesized once (in process, like `cdktf synth`). */

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-access-out-"));

async function access(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAccessCli(
    ["--outdir", outdir, ...argv],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

interface JsonOutput {
  stacks: { stack: string; allowed: number; denied: number; cells: { key: string; decision: string }[] }[];
}

beforeAll(() => synthToOutdir(outdir));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe("npm run access", () => {
  it("prints each stack's Allowed cells and a count of denied probes", async () => {
    const r = await access();
    expect(r.code).toBe(0);
    for (const s of ["assume-role", "bucket-policy", "three-account"]) expect(r.out).toContain(`== ${s} (`);
    expect(r.out).toMatch(/\d+ denied probes \(not listed; --all lists them\)/);
    expect(r.out).not.toMatch(/\sDenied\s/);
  });

  it("--json --stack: the same cells as data; --all adds the denied ones", async () => {
    const some = JSON.parse((await access("--json", "--stack", "bucket-policy")).out) as JsonOutput;
    expect(some.stacks.map((s) => s.stack)).toEqual(["bucket-policy"]);
    expect(some.stacks[0].cells.map((c) => c.key).sort()).toEqual([...BUCKET_POLICY_EXPECTED].sort());
    const all = JSON.parse((await access("--json", "--all", "--stack", "bucket-policy")).out) as JsonOutput;
    expect(all.stacks[0].cells.filter((c) => c.decision === "Denied")).toHaveLength(some.stacks[0].denied);
  });

  it("--markdown: a table per stack", async () => {
    const r = await access("--markdown", "--stack", "assume-role");
    expect(r.out).toContain("### assume-role");
    expect(r.out).toContain("| Principal | Action | Resource | Context | Decision | Deciding statements |");
    expect(r.out).toContain("| `role/xacct-writer-exec` | `sts:AssumeRole` | `role/xacct-writer-target` |");
  });

  it("refuses an unknown stack or argument with the usage", async () => {
    const r = await access("--stack", "nope");
    expect(r.code).toBe(2);
    expect(r.err).toContain("no stack nope; stacks: assume-role, bucket-policy, three-account");
    expect((await access("--frobnicate")).code).toBe(2);
  });

  it("--write puts the matrices between the access markers", async () => {
    const readme = path.join(outdir, "README.md");
    fs.writeFileSync(readme, "x\n<!-- access:start -->\n<!-- access:end -->\ny\n");
    expect((await access("--write", readme, "--stack", "bucket-policy")).code).toBe(0);
    expect(fs.readFileSync(readme, "utf8")).toMatch(/<!-- access:start -->\n### bucket-policy\n[\s\S]*\n<!-- access:end -->\ny\n$/);
  });
});

describe("npm run diagram", () => {
  const run = (...argv: string[]): { code: number; out: string; err: string } => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runDiagramCli(
      ["--outdir", outdir, ...argv],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("prints the mermaid graph, or writes it between the markers, or names the missing markers", () => {
    expect(run().out).toMatch(/^graph TD\n/);
    const readme = path.join(outdir, "DIAGRAM.md");
    fs.writeFileSync(readme, "<!-- diagram:three-account:start -->\n<!-- diagram:three-account:end -->\n");
    expect(run("--write", readme).code).toBe(0);
    expect(fs.readFileSync(readme, "utf8")).toMatch(
      /^<!-- diagram:three-account:start -->\n```mermaid\ngraph TD\n[\s\S]*```\n<!-- diagram:three-account:end -->\n$/,
    );
    fs.writeFileSync(readme, "no markers\n");
    const r = run("--write", readme);
    expect(r.code).toBe(1);
    expect(r.err).toContain("<!-- diagram:three-account:start --> ... <!-- diagram:three-account:end -->");
  });
});

describe("docs/demo.md", () => {
  it("shows the access matrices of the current code (regenerate with npm run access -- --markdown --write docs/demo.md)", async () => {
    const r = await access("--markdown");
    expect(r.code).toBe(0);
    const demo = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "demo.md"), "utf8");
    expect(replaceBetweenMarkers(demo, ACCESS_MARKERS, r.out, "docs/demo.md")).toBe(demo);
  });
});
