import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "./errors";

/**
 * Friction 5: a props error thrown in a module's constructor reaches the user's own app (their
 * main.ts) as an uncaught exception. They see the message and the line of their app that caused
 * it, not 150-200 lines of library and framework frames. A child process runs a tiny app, outside
 * this repository, that passes a bad prop.
 */
const ROOT = path.resolve(__dirname, "..");

const APPS: { name: string; line: string; field: string }[] = [
  {
    name: "an invalid bucket name",
    line: `new BucketShare(stack, "share", { provider, accountId: "222222222222", bucketName: "Bad_Bucket" });`,
    field: "BucketShare(share).bucketName",
  },
  {
    name: "an account id that is not 12 digits",
    line: `new AssumableRole(stack, "role", { provider, accountId: "2222", roleName: "r", trustedPrincipals: ["arn:aws:iam::111111111111:root"], grants: [] });`,
    field: "AssumableRole(role).accountId",
  },
];

describe("an uncaught props error in a user's app", () => {
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-config-error-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true } }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(APPS)(
    "$name: stderr is the message naming the field and the app's own line, no library or node_modules frames",
    ({ line, field }) => {
      const app = path.join(dir, "main.ts");
      const src = [
        `import { App, TerraformStack } from "cdktf";`,
        `import { AwsProvider } from "@cdktf/provider-aws/lib/provider";`,
        `import { AssumableRole, BucketShare } from ${JSON.stringify(path.join(ROOT, "index"))};`,
        `const app = new App({ outdir: ${JSON.stringify(path.join(dir, "out"))} });`,
        `const stack = new TerraformStack(app, "s");`,
        `const provider = new AwsProvider(stack, "p", { region: "us-east-1" });`,
        `void AssumableRole; void BucketShare;`,
        line,
        `app.synth();`,
      ];
      fs.writeFileSync(app, src.join("\n"));
      const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", app], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_PROJECT: path.join(dir, "tsconfig.json") },
      });
      expect(r.status).toBe(1);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines.length).toBeLessThan(15);
      expect(r.stderr).toContain(`ConfigError: ${field}: `);
      expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([`    at Object.<anonymous> (${app}:8:1)`]);
      expect(r.stderr).not.toMatch(/node_modules/);
    },
    60_000,
  );
});

describe("ConfigError", () => {
  it("keeps field and problem (not enumerable, so node does not print them after the stack)", () => {
    const e = new ConfigError("X.y", "must be z");
    expect([e.field, e.problem, e.message, e.name, e instanceof Error]).toEqual(["X.y", "must be z", "X.y: must be z", "ConfigError", true]);
    expect(Object.keys(e)).toEqual([]);
  });

  it("thrown from code that is not a user's (no frame outside the library and node_modules): the whole stack", () => {
    // This test file is under lib/: all its frames are the library's or jest's.
    const e = new ConfigError("X.y", "must be z");
    expect((e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).length).toBeGreaterThan(3);
  });
});
