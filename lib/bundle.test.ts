import { spawn } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import { bundleHandler } from "./bundle";

/** What the Lambda zip holds: the esbuild bundle of a handler, run as is in a fresh node. */

describe("bundleHandler", () => {
  it.each(["writer", "metadata-processor"])("bundles the AWS SDK of %s from its ES module builds (tree-shaken), not dist-cjs", (name) => {
    const sdk = bundleHandler(name).inputs.filter((i) => /node_modules\/(@aws-sdk|@smithy)\//.test(i));
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.filter((i) => i.includes("/dist-cjs/"))).toEqual([]);
  });

  describe("the bundled writer, in a fresh node against a local fake STS/S3 endpoint", () => {
    let server: http.Server;
    const seen: { method: string; url: string; body: string }[] = [];

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          seen.push({ method: req.method ?? "", url: req.url ?? "", body });
          if (req.method === "POST" && body.includes("Action=AssumeRole")) {
            const exp = new Date(Date.now() + 3600_000).toISOString();
            res.writeHead(200, { "content-type": "text/xml" });
            res.end(
              `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIABUNDLE</AccessKeyId><SecretAccessKey>bundle-secret</SecretAccessKey><SessionToken>bundle-token</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/xacct-writer/bundle-fn</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
            );
            return;
          }
          if (req.method === "PUT") {
            res.writeHead(200, { etag: '"bundle-etag"', "x-amz-version-id": "bv1" });
            res.end();
            return;
          }
          res.writeHead(404);
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

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
        AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
      expect(seen.filter((s) => s.method === "POST" && s.body.includes("Action=AssumeRole"))).toHaveLength(1);
      expect(seen.filter((s) => s.method === "PUT").map((s) => s.url.split("/").slice(0, 3).join("/"))).toEqual(Array(3).fill("/reporting-bucket/incoming"));
    });
  });
});
