import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEsbuild } from "../../lib/bundle";
import { bundleEntry } from "../../lib/bundle-entry";
import { ConfigError } from "../../lib/errors";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, synthModule } from "../../lib/testing";
import { IAssumableRoleTarget } from "../assumable-role";
import { LambdaCode, LambdaWriter, LambdaWriterProps } from ".";

/** The three code sources of LambdaWriter, and their errors. */

const TARGET: IAssumableRoleTarget = { roleArn: `arn:aws:iam::${ACCOUNT_B}:role/t`, maxSessionDurationSeconds: 3600, requireMfa: false };

let app: string;
beforeAll(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-code-test-"));
  fs.mkdirSync(path.join(app, "src"));
  fs.writeFileSync(path.join(app, "src", "greeting.ts"), "export const greet = (who: string): string => `hello ${who} from ${process.env.TARGET_BUCKET}`;\n");
  fs.writeFileSync(
    path.join(app, "src", "fn.ts"),
    'import { greet } from "./greeting";\nexport const handler = async (e: { who: string }) => ({ text: greet(e.who) });\nexport const other = async () => "other";\n',
  );
  fs.writeFileSync(path.join(app, "src", "broken.ts"), "export const handler = ( =>;\n");
  fs.mkdirSync(path.join(app, "py"));
  fs.writeFileSync(path.join(app, "py", "app.py"), "import os\n\ndef handler(event, context):\n    return os.environ['TARGET_BUCKET']\n");
});
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

/** Synthesize with the app directory as the working directory (relative paths resolve against it). */
function synth(props: Partial<LambdaWriterProps>) {
  const cwd = jest.spyOn(process, "cwd").mockReturnValue(app);
  try {
    return synthModule((scope, p) => {
      new LambdaWriter(scope, "fn", {
        provider: p.a,
        archiveProvider: p.archive,
        accountId: ACCOUNT_A,
        functionName: "user-fn",
        target: { bucketName: "data-b", prefix: "in/" },
        assumeRole: { role: TARGET },
        ...props,
      });
    });
  } finally {
    cwd.mockRestore();
  }
}

const fnOf = (tf: ReturnType<typeof synth>["tf"]) => only(tf, "aws_lambda_function");
/** The directory the archive provider zips (the asset copy in the stack's output dir). */
const zippedDir = (tf: ReturnType<typeof synth>["tf"]): string => String(Object.values(tf.data?.archive_file ?? {})[0]?.source_dir);

describe("LambdaCode sources", () => {
  it("builtin: the old handler prop and LambdaCode.builtin synthesize the same function", () => {
    const a = fnOf(synth({ handler: "writer" }).tf);
    const b = fnOf(synth({ code: LambdaCode.builtin("writer") }).tf);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler" });
    expect(a.source_code_hash).toMatch(/^\$\{data\.archive_file\.[\w-]+\.output_base64sha256\}$/);
  });

  it("fromEntry: bundles the user's TypeScript (with its imports) into index.js, handler index.<export>", async () => {
    const { tf } = synth({ code: LambdaCode.fromEntry("src/fn.ts"), runtime: "nodejs24.x" });
    const fn = fnOf(tf);
    expect(fn).toMatchObject({ runtime: "nodejs24.x", handler: "index.handler" });
    expect(fn.source_code_hash).toMatch(/output_base64sha256/);
    expect(zippedDir(tf)).toMatch(/^assets\//);
    // The bundle runs as is: the imported helper is inside it.
    const bundle = bundleEntry(path.join(app, "src", "fn.ts"), "f", { target: "node24" });
    expect(fs.readdirSync(bundle.dir)).toEqual(["index.js"]);
    process.env.TARGET_BUCKET = "b1";
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(bundle.file) as { handler: (e: { who: string }) => Promise<{ text: string }> };
      await expect(mod.handler({ who: "ann" })).resolves.toEqual({ text: "hello ann from b1" });
    } finally {
      delete process.env.TARGET_BUCKET;
    }
  });

  it("fromEntry: another export name becomes the handler", () => {
    expect(fnOf(synth({ code: LambdaCode.fromEntry("src/fn.ts", { exportName: "other" }) }).tf).handler).toBe("index.other");
  });

  it("fromDirectory: a Python directory with its runtime and handler, zipped as is", () => {
    const { tf } = synth({ code: LambdaCode.fromDirectory("py", { handler: "app.handler", runtime: "python3.12" }) });
    expect(fnOf(tf)).toMatchObject({ runtime: "python3.12", handler: "app.handler" });
    expect(fnOf(tf).source_code_hash).toMatch(/output_base64sha256/);
    expect(fnOf(tf).environment).toMatchObject({ variables: { TARGET_BUCKET: "data-b", TARGET_PREFIX: "in/", TARGET_ROLE_ARN: TARGET.roleArn } });
  });

  it("fromDirectory: an absolute path works too, and a matching runtime prop is accepted", () => {
    const { tf } = synth({ code: LambdaCode.fromDirectory(path.join(app, "py"), { handler: "app.handler", runtime: "python3.13" }), runtime: "python3.13" });
    expect(fnOf(tf).runtime).toBe("python3.13");
  });

  it.each([
    ["java21", "example.Handler::handleRequest"],
    ["java17", "example.Handler"],
    ["dotnet8", "App::App.Function::Handler"],
    ["ruby3.4", "function.handler"],
  ])("fromDirectory accepts %s handler %s", (runtime, handler) => {
    expect(fnOf(synth({ code: LambdaCode.fromDirectory("py", { handler, runtime }) }).tf)).toMatchObject({ runtime, handler });
  });
});

describe("LambdaCode errors", () => {
  const F = "LambdaWriter(fn)";
  it.each([
    ["both code and handler", { code: LambdaCode.builtin("writer"), handler: "writer" }, `${F}.code`, "exactly one"],
    ["neither", {}, `${F}.code`, "exactly one"],
    ["an unknown runtime", { handler: "writer", runtime: "nodejs99.x" }, `${F}.runtime`, "is not a Lambda runtime identifier; use one of nodejs24.x"],
    ["a deprecated runtime", { handler: "writer", runtime: "nodejs18.x" }, `${F}.runtime`, "deprecated Lambda runtime"],
    ["a Python runtime for an entry file", { code: LambdaCode.fromEntry("src/fn.ts"), runtime: "python3.12" }, `${F}.runtime`, "LambdaCode.fromEntry"],
    ["a missing entry file", { code: LambdaCode.fromEntry("src/nope.ts") }, `${F}.code`, "file not found: "],
    ["an entry that is a directory", { code: LambdaCode.fromEntry("src") }, `${F}.code`, "is not a file"],
    ["an entry that does not compile", { code: LambdaCode.fromEntry("src/broken.ts") }, `${F}.code`, "failed to bundle"],
    [
      "a bad export name",
      { code: LambdaCode.fromEntry("src/fn.ts", { exportName: "not valid" }) },
      `${F}.code.exportName`,
      '"<file without extension>.<exported function>"',
    ],
    [
      "a missing directory",
      { code: LambdaCode.fromDirectory("nope", { handler: "app.handler", runtime: "python3.12" }) },
      `${F}.code`,
      "directory not found: ",
    ],
    [
      "a deprecated directory runtime",
      { code: LambdaCode.fromDirectory("py", { handler: "app.handler", runtime: "python3.8" }) },
      `${F}.code.runtime`,
      "use python3.13",
    ],
    [
      "a Python handler without function",
      { code: LambdaCode.fromDirectory("py", { handler: "app", runtime: "python3.12" }) },
      `${F}.code.handler`,
      '"<module>.<function>"',
    ],
    [
      "a Java handler in Python form",
      { code: LambdaCode.fromDirectory("py", { handler: "app.handler()", runtime: "java21" }) },
      `${F}.code.handler`,
      "<package>.<Class>::<method>",
    ],
    [
      "a .NET handler without ::",
      { code: LambdaCode.fromDirectory("py", { handler: "App::Function", runtime: "dotnet8" }) },
      `${F}.code.handler`,
      "<Assembly>::<Namespace>.<Class>::<Method>",
    ],
    [
      "a handler whose module is not in the directory",
      { code: LambdaCode.fromDirectory("py", { handler: "main.handler", runtime: "python3.12" }) },
      `${F}.code.handler`,
      "needs main.py in",
    ],
    [
      "a runtime prop that contradicts the directory's",
      { code: LambdaCode.fromDirectory("py", { handler: "app.handler", runtime: "python3.12" }), runtime: "nodejs22.x" },
      `${F}.runtime`,
      "differs from the code's runtime",
    ],
  ] as [string, Partial<LambdaWriterProps>, string, string][])("%s fails naming the field", (_what, props, field, hint) => {
    expectConfigError(() => synth(props), field, hint);
  });

  it("a missing path names the resolved absolute path", () => {
    expect(() => synth({ code: LambdaCode.fromEntry("src/nope.ts") })).toThrow(path.join(app, "src", "nope.ts"));
  });

  it("an app without esbuild: loading the library and directory code work, entry code names the fix", () => {
    jest.isolateModules(() => {
      jest.doMock("esbuild", () => {
        throw Object.assign(new Error("Cannot find module 'esbuild'"), { code: "MODULE_NOT_FOUND" });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require(".") as typeof import(".");
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const freshTesting = require("../../lib/testing") as typeof import("../../lib/testing");
      const build = (code: LambdaCode) => () => {
        const cwd = jest.spyOn(process, "cwd").mockReturnValue(app);
        try {
          freshTesting.synthModule((scope, p) => {
            new fresh.LambdaWriter(scope, "fn", {
              provider: p.a,
              archiveProvider: p.archive,
              accountId: ACCOUNT_A,
              functionName: "user-fn",
              code,
              target: { bucketName: "data-b" },
              assumeRole: { role: TARGET },
            });
          });
        } finally {
          cwd.mockRestore();
        }
      };
      expect(build(fresh.LambdaCode.fromDirectory("py", { handler: "app.handler", runtime: "python3.12" }))).not.toThrow();
      expect(build(fresh.LambdaCode.fromEntry("src/fn.ts"))).toThrow(
        /LambdaWriter\(fn\)\.code: bundling needs esbuild, which is not installed: run "npm install --save-dev esbuild"/,
      );
    });
  });

  it("without esbuild installed, bundling an entry names the fix", () => {
    const notFound = (): never => {
      throw Object.assign(new Error("Cannot find module 'esbuild'"), { code: "MODULE_NOT_FOUND" });
    };
    expectConfigError(() => loadEsbuild("LambdaWriter(fn).code", notFound), "LambdaWriter(fn).code", "npm install --save-dev esbuild");
    expect(() => bundleEntry(path.join(app, "src", "fn.ts"), "x.code", { target: "node20", external: ["never-cached"], require: notFound })).toThrow(
      ConfigError,
    );
  });
});
