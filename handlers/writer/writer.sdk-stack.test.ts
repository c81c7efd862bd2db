/**
 * The writer against a local fake S3/STS HTTP endpoint (AWS_ENDPOINT_URL), with
 * the real SDK stack (no aws-sdk-client-mock): proves that the S3 client signs
 * with the cached assumed-role credentials, that STS is reached once through
 * the endpoint override, path-style addressing, and that real SDK error
 * parsing of STS/S3 AccessDenied bodies feeds the diagnoses.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { AccessDeniedError } from "../shared/errors";
import { __resetForTests, handler, type PutResult } from "./index";

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let seen: Seen[] = [];
let stsDenied = false;
let s3Denied = false;
const saved = { ...process.env };

function stsXml(): string {
  const exp = new Date(Date.now() + 3600_000).toISOString();
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIALOCAL</AccessKeyId><SecretAccessKey>local-secret</SecretAccessKey><SessionToken>local-token</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>arn:aws:sts::222222222222:assumed-role/xacct-writer/stack-fn</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", body, headers: req.headers });
      if (req.method === "POST" && body.includes("Action=AssumeRole")) {
        if (stsDenied) {
          res.writeHead(403, { "content-type": "text/xml" });
          res.end(
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::111111111111:assumed-role/stack-fn-exec/stack-fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/xacct-writer</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
          );
          return;
        }
        res.writeHead(200, { "content-type": "text/xml" });
        res.end(stsXml());
        return;
      }
      if (req.method === "PUT") {
        if (s3Denied) {
          res.writeHead(403, { "content-type": "application/xml" });
          res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r3</RequestId></Error>`);
          return;
        }
        res.writeHead(200, { etag: '"local-etag"', "x-amz-version-id": "lv1" });
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

beforeEach(() => {
  __resetForTests();
  seen = [];
  stsDenied = false;
  s3Denied = false;
  const port = (server.address() as AddressInfo).port;
  for (const k of Object.keys(process.env)) if (/^(AWS_|TARGET_|MAX_BODY_BYTES$)/.test(k)) delete process.env[k];
  Object.assign(process.env, {
    TARGET_BUCKET: "reporting-bucket",
    TARGET_PREFIX: "incoming/",
    TARGET_ROLE_ARN: "arn:aws:iam::222222222222:role/xacct-writer",
    TARGET_EXTERNAL_ID: "ext-1",
    TARGET_REGION: "eu-west-1",
    TARGET_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    AWS_LAMBDA_FUNCTION_NAME: "stack-fn",
    AWS_ACCESS_KEY_ID: "AKIDEXECUTION",
    AWS_SECRET_ACCESS_KEY: "execution-secret",
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_MAX_ATTEMPTS: "1",
  });
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

it("assumes the role once (via the endpoint override) and signs every PutObject with the cached session", async () => {
  const results: PutResult[] = [];
  for (let i = 0; i < 20; i++) results.push((await handler({ data: { i } }, { awsRequestId: `s${i}` })) as PutResult);

  const sts = seen.filter((s) => s.method === "POST");
  expect(sts).toHaveLength(1);
  const form = new URLSearchParams(sts[0].body);
  expect(Object.fromEntries(form)).toMatchObject({
    Action: "AssumeRole",
    RoleArn: "arn:aws:iam::222222222222:role/xacct-writer",
    RoleSessionName: "stack-fn",
    DurationSeconds: "3600",
    ExternalId: "ext-1",
  });
  // the STS call is signed with the execution role's credentials, for the target region
  expect(sts[0].headers.authorization).toMatch(/Credential=AKIDEXECUTION\/\d{8}\/eu-west-1\/sts\//);

  const puts = seen.filter((s) => s.method === "PUT");
  expect(puts).toHaveLength(20);
  for (const p of puts) {
    expect(p.url).toMatch(/^\/reporting-bucket\/incoming\/\d{4}\/\d{2}\/\d{2}\//); // path style
    expect(p.headers.authorization).toMatch(/Credential=ASIALOCAL\/\d{8}\/eu-west-1\/s3\//);
    expect(p.headers["x-amz-security-token"]).toBe("local-token");
    expect(p.headers["x-amz-server-side-encryption"]).toBe("aws:kms");
    expect(p.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe("arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab");
  }
  expect(results[0]).toMatchObject({ bucket: "reporting-bucket", etag: '"local-etag"', versionId: "lv1" });
});

it("diagnoses a real STS AccessDenied response", async () => {
  stsDenied = true;
  const err = (await handler({ data: 1 }, { awsRequestId: "d" }).catch((e: unknown) => e)) as AccessDeniedError;
  expect(err).toBeInstanceOf(AccessDeniedError);
  expect(err.deniedBy).toBe("sts");
  expect(err.arns.executionIdentity).toBe("arn:aws:sts::111111111111:assumed-role/stack-fn-exec/stack-fn");
  expect(seen.filter((s) => s.method === "PUT")).toHaveLength(0);
});

it("diagnoses a real S3 AccessDenied response", async () => {
  s3Denied = true;
  const err = (await handler({ data: 1, key: "incoming/x.json" }, { awsRequestId: "d" }).catch((e: unknown) => e)) as AccessDeniedError;
  expect(err).toBeInstanceOf(AccessDeniedError);
  expect(err.deniedBy).toBe("s3");
  expect(err.arns.resourceArn).toBe("arn:aws:s3:::reporting-bucket/incoming/x.json");
});
