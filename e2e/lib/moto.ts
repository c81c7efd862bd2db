import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { sleep, start, type Started } from "./proc";

/**
 * The emulator: moto's server on a free loopback port, plus a tiny HTTP
 * forward proxy in front of it for the one kind of request that cannot reach
 * it directly (see S3ControlProxy).
 */

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no port from the OS"))));
    });
  });
}

export interface MotoOptions {
  /** python of the venv that has moto[server]. */
  readonly python: string;
  readonly logFile: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Environment of the moto process.
 * - MOTO_ALLOW_NONEXISTENT_REGION: accept any region name the providers send.
 * - INITIAL_NO_AUTH_ACTION_COUNT is left at its default (infinite): moto does
 *   NOT evaluate IAM policies, so this tier proves deployment and data flow,
 *   not authorization (that is `npm run access`'s job).
 * - STS AssumeRole needs no setup: moto documents that "the role does not need
 *   to exist", and maps the session to the account in the role ARN; that is
 *   how the providers reach accounts A/B/... through xacct-emulator-deployer.
 */
export const MOTO_ENV: Readonly<Record<string, string>> = {
  MOTO_ALLOW_NONEXISTENT_REGION: "true",
};

export class Moto {
  private constructor(
    public readonly port: number,
    private readonly proc: Started,
  ) {}

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public get pid(): number | undefined {
    return this.proc.child.pid;
  }

  public static async start(opts: MotoOptions): Promise<Moto> {
    const port = await freePort();
    // moto_server plus one documented fidelity fix (bucket-policy conditions): see e2e/moto_server.py.
    const launcher = path.join(__dirname, "..", "moto_server.py");
    const proc = start(opts.python, [launcher, "-H", "127.0.0.1", "-p", String(port)], {
      cwd: opts.cwd,
      env: { ...opts.env, ...MOTO_ENV },
      logFile: opts.logFile,
      timeoutMs: 6 * 3600_000,
    });
    const moto = new Moto(port, proc);
    try {
      await moto.waitReady(30_000);
      // Lambda without Docker: functions are stored and configured, Invoke
      // returns a canned response (the harness runs the handlers itself).
      await moto.api("/moto-api/config", { lambda: { use_docker: false } });
    } catch (err) {
      await moto.stop();
      throw err;
    }
    return moto;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (this.proc.child.exitCode !== null) throw new Error(`moto_server exited with ${this.proc.child.exitCode} while starting`);
      try {
        const res = await fetch(`${this.endpoint}/moto-api/config`);
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(200);
    }
    throw new Error(`moto_server not ready on ${this.endpoint} after ${timeoutMs} ms (${last})`);
  }

  private async api(pathname: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.endpoint}${pathname}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`moto ${pathname}: HTTP ${res.status} ${await res.text()}`);
  }

  /** Peak resident set size of the moto process so far (VmHWM), in KiB. */
  public peakRssKiB(): number | undefined {
    if (this.pid === undefined) return undefined;
    try {
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${this.pid}/status`, "utf8"));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  public async stop(): Promise<void> {
    const child = this.proc.child;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await this.proc.done;
      clearTimeout(killer);
    }
  }
}

/**
 * Why a proxy: AWS provider ≥ 6.23 reads and writes general purpose bucket
 * tags through S3 Control (ListTagsForResource/TagResource), whose SDK
 * prepends the account id to the endpoint host: "http://222222222222.127.0.0.1:PORT"
 * does not resolve. Terraform gets AWS_ENDPOINT_URL_S3_CONTROL=<moto> and
 * `HTTP_PROXY=<this proxy>`; Go proxies that host (it is not a loopback
 * literal) while every 127.0.0.1 request still goes direct. The proxy sends
 * the request to moto unchanged (Host header included: it is signed), and
 * moto routes any "/v20180820/..." path to S3 Control.
 */
export class S3ControlProxy {
  private constructor(
    private readonly server: http.Server,
    public readonly port: number,
    private readonly seen: string[],
  ) {}

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests forwarded so far ("GET host path"). */
  public get requests(): readonly string[] {
    return this.seen;
  }

  public static async start(targetPort: number): Promise<S3ControlProxy> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      // Absolute-form request target ("http://host:port/path"); WHATWG URL rejects such hosts, so strip by hand.
      const pathname = (req.url ?? "/").replace(/^[a-z]+:\/\/[^/]*/i, "") || "/";
      seen.push(`${req.method ?? "?"} ${req.headers.host ?? "?"} ${pathname}`);
      const upstream = http.request({ host: "127.0.0.1", port: targetPort, method: req.method, path: pathname, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      upstream.on("error", (e) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`e2e proxy: ${e.message}`);
      });
      req.pipe(upstream);
    });
    // CONNECT (https) is never expected: endpoints are http.
    server.on("connect", (_req, socket: net.Socket) => socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n"));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    return new S3ControlProxy(server, port, seen);
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
