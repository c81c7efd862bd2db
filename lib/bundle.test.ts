import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeAwsEndpoint } from "../handlers/shared/fake-endpoint";
import { buildBuiltinBundles, bundleHandler, resolveBundle } from "./bundle";
import { ConfigError } from "./errors";

describe("prebuilt bundles (the installed package) and the source fallback", () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "xacct-prebuilt-"));

  it("the package build writes dist/bundles/<name>/index.js (only index.js in the zipped directory) and its inputs", () => {
    const out = tmp();
    const built = buildBuiltinBundles(out);
    expect(built.map((b) => b.name)).toEqual(["metadata-processor", "writer"]);
    for (const b of built) {
      expect(fs.readdirSync(b.dir)).toEqual(["index.js"]);
      expect(JSON.parse(fs.readFileSync(path.join(out, `${b.name}.inputs.json`), "utf8"))).toContain(`handlers/${b.name}/index.ts`);
    }
  });

  it("a prebuilt bundle is used as is, without esbuild or the handler sources", () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, "writer"));
    fs.writeFileSync(path.join(out, "writer", "index.js"), "exports.handler = async () => 'prebuilt';\n");
    fs.writeFileSync(path.join(out, "writer.inputs.json"), JSON.stringify(["handlers/writer/index.ts"]));
    expect(resolveBundle("writer", "handler", out)).toEqual({
      name: "writer",
      dir: path.join(out, "writer"),
      file: path.join(out, "writer", "index.js"),
      inputs: ["handlers/writer/index.ts"],
    });
  });

  it("from source, a second bundling of unchanged handlers comes from the on-disk cache (no esbuild run)", () => {
    const none = tmp();
    const first = resolveBundle("metadata-processor", "handler", none);
    const mtime = fs.statSync(first.file).mtimeMs;
    const second = resolveBundle("metadata-processor", "handler", none);
    expect(second.file).toBe(first.file);
    expect(first.file).toContain(path.join("node_modules", ".cache", "xacct-s3", "bundles"));
    expect(fs.statSync(second.file).mtimeMs).toBe(mtime);
  });

  it("an unknown handler names the field and the available ones", () => {
    expect(() => resolveBundle("my-fn", "LambdaWriter(x).handler", tmp())).toThrow(ConfigError);
    expect(() => resolveBundle("my-fn", "LambdaWriter(x).handler", tmp())).toThrow(
      /no handler bundle "my-fn": not a built-in handler; available handlers: metadata-processor, writer/,
    );
  });
});

/** What the Lambda zip holds: the esbuild bundle of a handler, run as is in a fresh node. */

describe("bundleHandler", () => {
  it.each(["writer", "metadata-processor"])("bundles the AWS SDK of %s from its ES module builds (tree-shaken), not dist-cjs", (name) => {
    const sdk = bundleHandler(name).inputs.filter((i) => /node_modules\/(@aws-sdk|@smithy)\//.test(i));
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter((i) => i.includes("/dist-cjs/"))).toEqual([]);
  });

  describe("the bundled writer, in a fresh node against a local fake STS/S3 endpoint", () => {
    let fake: FakeAwsEndpoint;

    beforeAll(async () => {
      fake = await FakeAwsEndpoint.start({
        assumedRoleArn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/bundle-fn",
        accessKeyId: "ASIABUNDLE",
        etag: "bundle-etag",
        versionId: "bv1",
      });
    });

    afterAll(() => fake.close());

    it("puts three objects with one AssumeRole", async () => {
      const { file } = bundleHandler("writer");
      const script = `const m=require(${JSON.stringify(file)});(async()=>{const out=[];for(let i=0;i<3;i++)out.push(await m.handler({data:{i}},{awsRequestId:"b"+i}));process.stdout.write("\\nRESULT "+JSON.stringify(out)+"\\n")})().catch((e)=>{console.error(e);process.exit(1)});`;
      const env = {
        PATH: process.env.PATH ?? "",
        HOME: os.tmpdir(),
        TARGET_BUCKET: "reporting-bucket",
        TARGET_PREFIX: "incoming/",
        TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
        TARGET_REGION: "eu-west-1",
        AWS_LAMBDA_FUNCTION_NAME: "bundle-fn",
        AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
        AWS_SECRET_ACCESS_KEY: "execution-secret",
        AWS_ENDPOINT_URL: fake.url,
        AWS_MAX_ATTEMPTS: "1",
      };
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["-e", script], { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
        child.on("close", (c) => resolve({ code: c, stdout, stderr }));
      });
      expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
      const result = JSON.parse(stdout.split("\nRESULT ")[1]) as { bucket: string; key: string; etag: string; versionId: string }[];
      expect(result).toHaveLength(3);
      expect(result[0]).toMatchObject({ bucket: "reporting-bucket", etag: '"bundle-etag"', versionId: "bv1" });
      expect(result.every((r) => r.key.startsWith("incoming/"))).toBe(true);
      expect(fake.assumeRoleCalls).toHaveLength(1);
      expect(fake.puts.map((s) => s.url.split("/").slice(0, 3).join("/"))).toEqual(Array(3).fill("/reporting-bucket/incoming"));
    });
  });
});
