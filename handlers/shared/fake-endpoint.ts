import * as http from "http";
import type { AddressInfo } from "net";

/**
 * Test helper (never bundled: no handler imports it): a local HTTP endpoint
 * that answers like STS (AssumeRole) and S3 (PutObject), for tests that run
 * the real SDK stack through AWS_ENDPOINT_URL instead of aws-sdk-client-mock;
 * HeadObject answers every key with `headEtag` (412 when If-Match differs).
 * Set `stsDenied` / `s3Denied` to get AWS's real AccessDenied bodies.
 */

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface FakeEndpointOptions {
  /** The session the AssumeRole response describes (arn:aws:sts::<account>:assumed-role/<role>/<session>). */
  readonly assumedRoleArn: string;
  /** Credentials AssumeRole hands out. @default ASIALOCAL / local-secret / local-token */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** What PutObject answers. @default "local-etag" / "lv1" */
  readonly etag?: string;
  readonly versionId?: string;
  /** ETag HeadObject reports for every object. @default "head-etag" */
  readonly headEtag?: string;
}

export class FakeAwsEndpoint {
  public readonly seen: SeenRequest[] = [];
  public stsDenied = false;
  public s3Denied = false;
  /** Accept the request and never answer (a hung connection): "sts" for AssumeRole, "s3" for S3 calls. */
  public hang: "sts" | "s3" | undefined;
  /** Answer AssumeRole with 400 Throttling / S3 calls with 503 SlowDown. */
  public stsThrottled = false;
  public s3Throttled = false;
  /**
   * Opt-in object store (`/<bucket>/<key>` → object): with it, GET answers the
   * stored object (404 NoSuchKey otherwise) and PUT stores, honouring S3's
   * conditional writes (If-None-Match: * → 412 when the key exists; If-Match
   * → 412 unless it is the stored ETag). Without it PUT always succeeds.
   */
  public store: Map<string, { body: Buffer; etag: string }> | undefined;
  /** Lifetime of the credentials AssumeRole hands out (a near-expiry issuer when small). @default 3600000 */
  public credentialLifetimeMs = 3600_000;

  private constructor(
    private readonly server: http.Server,
    public readonly url: string,
  ) {}

  public static async start(o: FakeEndpointOptions): Promise<FakeAwsEndpoint> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => self.answer(req, Buffer.concat(chunks).toString("utf8"), res, o));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const self = new FakeAwsEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  public close(): Promise<void> {
    // Hung requests keep their sockets open: cut them, or close() never returns.
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Forget the requests seen and clear every fault (between tests). */
  public reset(): void {
    this.seen.length = 0;
    this.stsDenied = false;
    this.s3Denied = false;
    this.hang = undefined;
    this.stsThrottled = false;
    this.s3Throttled = false;
    this.credentialLifetimeMs = 3600_000;
    this.store = undefined;
  }

  /** AssumeRole requests seen so far. */
  public get assumeRoleCalls(): SeenRequest[] {
    return this.seen.filter((s) => s.method === "POST" && s.body.includes("Action=AssumeRole"));
  }

  public get puts(): SeenRequest[] {
    return this.seen.filter((s) => s.method === "PUT");
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse, o: FakeEndpointOptions): void {
    this.seen.push({ method: req.method ?? "", url: req.url ?? "", body, headers: req.headers });
    const isSts = req.method === "POST" && body.includes("Action=AssumeRole");
    if (this.hang === (isSts ? "sts" : "s3")) return; // never answer
    if (isSts && this.stsThrottled) {
      res.writeHead(400, { "content-type": "text/xml" });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r4</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (!isSts && this.s3Throttled) {
      res.writeHead(503, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>r5</RequestId></Error>`,
      );
      return;
    }
    if (isSts) {
      if (this.stsDenied) {
        const caller = "arn:aws:sts::111111111111:assumed-role/stack-fn-exec/stack-fn";
        const target = new URLSearchParams(body).get("RoleArn") ?? "";
        res.writeHead(403, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${target}</Message></Error><RequestId>r2</RequestId></ErrorResponse>`,
        );
        return;
      }
      const exp = new Date(Date.now() + this.credentialLifetimeMs).toISOString();
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${o.accessKeyId ?? "ASIALOCAL"}</AccessKeyId><SecretAccessKey>${o.secretAccessKey ?? "local-secret"}</SecretAccessKey><SessionToken>${o.sessionToken ?? "local-token"}</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:x</AssumedRoleId><Arn>${o.assumedRoleArn}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
      return;
    }
    if (req.method === "HEAD") {
      const etag = `"${o.headEtag ?? "head-etag"}"`;
      const ifMatch = req.headers["if-match"];
      if (ifMatch !== undefined && ifMatch !== etag) {
        res.writeHead(412);
        res.end();
        return;
      }
      const version = new URL(req.url ?? "/", "http://x").searchParams.get("versionId");
      res.writeHead(200, {
        etag,
        "content-length": "11",
        "content-type": "text/csv",
        "last-modified": "Tue, 04 Mar 2025 05:00:00 GMT",
        ...(version !== null ? { "x-amz-version-id": version } : {}),
      });
      res.end();
      return;
    }
    const objectPath = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && this.store) {
      const o = this.store.get(decodeURIComponent(objectPath));
      if (!o) {
        res.writeHead(404, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`);
        return;
      }
      res.writeHead(200, { etag: o.etag, "content-length": String(o.body.length), "content-type": "application/octet-stream" });
      res.end(o.body);
      return;
    }
    if (req.method === "PUT" && this.store && !this.s3Denied) {
      const key = decodeURIComponent(objectPath);
      const existing = this.store.get(key);
      const ifNoneMatch = req.headers["if-none-match"];
      const ifMatch = req.headers["if-match"];
      if ((ifNoneMatch === "*" && existing) || (ifMatch !== undefined && existing?.etag !== ifMatch)) {
        res.writeHead(412, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>`,
        );
        return;
      }
      const etag = `"put-${this.store.size + 1}"`;
      this.store.set(key, { body: Buffer.from(body, "utf8"), etag });
      res.writeHead(200, { etag, "x-amz-version-id": `sv${this.store.size}` });
      res.end();
      return;
    }
    if (req.method === "PUT") {
      if (this.s3Denied) {
        res.writeHead(403, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r3</RequestId></Error>`);
        return;
      }
      res.writeHead(200, { etag: `"${o.etag ?? "local-etag"}"`, "x-amz-version-id": o.versionId ?? "lv1" });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  }
}
