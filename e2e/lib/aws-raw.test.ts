import * as http from "http";
import type { AddressInfo } from "net";
import { processorQueueSettings } from "../flows/stack";
import { lambdaCall, sqsCall } from "./aws-raw";

/** The queue step's plumbing, without an emulator: what it sends, and when the three-account stack gets the queue. */
describe("SigV4 SQS / Lambda calls of the queue step", () => {
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let server: http.Server;
  let endpoint = "";
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(req.url?.includes("fail") ? 400 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify({ echo: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const creds = { accessKeyId: "AKIDPRODUCTION", secretAccessKey: "secret", sessionToken: "tok" };

  it("SQS: AWS JSON 1.0 with X-Amz-Target, signed for sqs with the caller's key and session token", async () => {
    seen.length = 0;
    expect(await sqsCall(endpoint, "us-east-1", creds, "ReceiveMessage", { QueueUrl: "q" })).toEqual({ echo: true });
    const [r] = seen;
    expect(r).toMatchObject({ method: "POST", url: "/", body: '{"QueueUrl":"q"}' });
    expect(r.headers["x-amz-target"]).toBe("AmazonSQS.ReceiveMessage");
    expect(r.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(r.headers["x-amz-security-token"]).toBe("tok");
    expect(r.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDPRODUCTION\/\d{8}\/us-east-1\/sqs\/aws4_request, SignedHeaders=[\w;-]+, Signature=[0-9a-f]{64}$/,
    );
  });

  it("Lambda: REST path and query, signed for lambda; a non-2xx answer throws with the status", async () => {
    seen.length = 0;
    await lambdaCall(endpoint, "us-east-1", creds, "GET", "/2015-03-31/event-source-mappings/", undefined, { FunctionName: "fn" });
    expect(seen[0]).toMatchObject({ method: "GET", url: "/2015-03-31/event-source-mappings/?FunctionName=fn" });
    expect(seen[0].headers.authorization).toContain("/us-east-1/lambda/aws4_request");
    await expect(lambdaCall(endpoint, "us-east-1", creds, "PUT", "/fail", { Enabled: false })).rejects.toThrow(/HTTP 400/);
  });

  it("the three-account e2e stack gets processorQueue unless XACCT_E2E_PROCESSOR_QUEUE=0; other stacks never", () => {
    expect(processorQueueSettings("three-account", {})).toEqual({ XACCT_PROCESSOR_QUEUE: "1" });
    expect(processorQueueSettings("three-account", { XACCT_E2E_PROCESSOR_QUEUE: "0" })).toEqual({});
    expect(processorQueueSettings("assume-role", {})).toEqual({});
  });
});
