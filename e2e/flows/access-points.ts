import { createHash, createHmac, type Hash, type Hmac } from "crypto";
import * as path from "path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { EMULATOR_DEPLOYER_ROLE } from "../../app/accounts";
import type { ProjectConfig } from "../../app/config";
import type { Creds } from "../lib/aws";
import { check, type Ctx, type StackName, type StepOutcome } from "../lib/context";
import type { Suite } from "../lib/report";
import { stateResources, type StateJson, type Terraform } from "../lib/terraform";
import { writerCheck } from "./handlers";

/**
 * The handler step of the opt-in `access-points` stack (a small access-point share):
 * 1. every access point terraform deployed exists in moto's S3 Control API
 *    (GetAccessPoint: name, bucket) with the policy terraform applied
 *    (GetAccessPointPolicy, compared as JSON), and moto holds no other access
 *    point on the bucket (ListAccessPoints);
 * 2. data through the writer's access point, addressed as AWS does
 *    (<name>-<account>.s3-accesspoint.<region> host): the access point's own account
 *    writes and reads it back, and the bucket holds the same bytes; the writer's
 *    session (account A) is refused by moto (it resolves the access point in the
 *    caller's account), which is recorded;
 * 3. the writer handler, configured with its access point ARN, is run once as
 *    deployed: moto 5.2.5 cannot serve it (see accessPointDataPlaneGap), and the
 *    error is recorded; the data check then runs the same bundled writer against
 *    the bucket itself, with the writer's execution role (documented emulator gap,
 *    e2e/README.md).
 */

/** One access point of the state (aws_s3_access_point): what moto must hold. */
export interface DeployedAccessPoint {
  readonly name: string;
  readonly accountId: string;
  readonly bucket: string;
  readonly policy: string;
}

export function deployedAccessPoints(state: StateJson): DeployedAccessPoint[] {
  return stateResources(state)
    .filter((r) => r.mode === "managed" && r.type === "aws_s3_access_point")
    .map((r) => ({
      name: String(r.values.name),
      accountId: String(r.values.account_id),
      bucket: String(r.values.bucket),
      policy: typeof r.values.policy === "string" ? r.values.policy : "",
    }));
}

/** A policy document with keys sorted at every level (arrays keep their order): equal JSON, equal string. */
export function canonicalPolicy(doc: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(doc)));
}

/** Text of the first <tag>...</tag> of an S3 Control XML answer (XML entities decoded). */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return undefined;
  return m[1]
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Where moto 5.2.5's data plane stands for a request addressed to an access point
 * (moto/s3/responses.py: is_access_point, parse_bucket_name_from_url): it recognizes an
 * access point only by a Host containing ".s3-accesspoint." and then looks the access
 * point up in the CALLER's account (s3control_backends[current_account]), never in the
 * account the host names. An AWS SDK pointed at a custom endpoint (http://127.0.0.1:PORT)
 * builds "<name>-<account>.127.0.0.1" hosts for an access point ARN, or refuses
 * path-style ARNs outright, so no request through an access point reaches it; a
 * cross-account caller (the writer in account A, the access point in account B) could
 * not be served even with the right Host.
 */
export function accessPointDataPlaneGap(error: string): string {
  return `writer with its access point ARN as deployed: ${error.slice(0, 160)} (moto serves access point data requests only on <name>-<account>.s3-accesspoint.<region> hosts, resolved in the caller's account: see e2e/README.md)`;
}

/** What SignatureV4 hands its hash (`@smithy/types` SourceData). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(d: SourceData): string | Uint8Array {
  if (typeof d === "string") return d;
  return ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);
}

/** SHA-256 (HMAC when given a secret) for SignatureV4, from node:crypto. */
class Sha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    this.h = this.fresh();
  }
}

/**
 * One signed S3 Control GET on moto's endpoint, path-style. (The SDK's S3 Control
 * client would prefix the account id to the host, "<account>.127.0.0.1", which does
 * not resolve: see S3ControlProxy.) moto places the request in the account of the
 * signing credentials and reads AccountId from x-amz-account-id.
 */
async function s3Control(ctx: Ctx, creds: Creds, accountId: string, pathname: string): Promise<{ status: number; body: string }> {
  const url = new URL(`${ctx.emu.endpoint}${pathname}`);
  const signer = new SignatureV4({ service: "s3", region: ctx.emu.region, credentials: creds, sha256: Sha256 });
  const query = Object.fromEntries(url.searchParams.entries());
  const signed = await signer.sign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host, "x-amz-account-id": accountId },
  });
  const res = await fetch(url, { headers: signed.headers });
  return { status: res.status, body: await res.text() };
}

export async function accessPointCheck(ctx: Ctx, tf: Terraform, stack: StackName, config: ProjectConfig, suite: Suite): Promise<StepOutcome> {
  const state = await tf.showJson<StateJson>(); // once: each terraform show costs seconds
  const aps = deployedAccessPoints(state);
  check(aps.length > 0, "no aws_s3_access_point in the state");
  const owner = config.accounts.b.id;
  const creds = await ctx.emu.assumeRole(`arn:aws:iam::${owner}:role/${EMULATOR_DEPLOYER_ROLE}`, "e2e-access-points");
  for (const ap of aps) {
    check(ap.accountId === owner, `access point ${ap.name} is in account ${ap.accountId}, expected ${owner}`);
    const got = await s3Control(ctx, creds, owner, `/v20180820/accesspoint/${ap.name}`);
    check(got.status === 200, `GetAccessPoint ${ap.name}: HTTP ${got.status} ${got.body.slice(0, 200)}`);
    check(xmlText(got.body, "Bucket") === ap.bucket, `GetAccessPoint ${ap.name}: bucket ${String(xmlText(got.body, "Bucket"))}, expected ${ap.bucket}`);
    const pol = await s3Control(ctx, creds, owner, `/v20180820/accesspoint/${ap.name}/policy`);
    check(pol.status === 200, `GetAccessPointPolicy ${ap.name}: HTTP ${pol.status} ${pol.body.slice(0, 200)}`);
    const policy = xmlText(pol.body, "Policy") ?? "";
    check(
      canonicalPolicy(policy) === canonicalPolicy(ap.policy),
      `GetAccessPointPolicy ${ap.name} differs from the applied policy:\n${policy}\n!=\n${ap.policy}`,
    );
  }
  const list = await s3Control(ctx, creds, owner, `/v20180820/accesspoint?bucket=${encodeURIComponent(aps[0].bucket)}`);
  check(list.status === 200, `ListAccessPoints: HTTP ${list.status} ${list.body.slice(0, 200)}`);
  const listed = [...list.body.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1]).sort();
  const names = aps.map((a) => a.name).sort();
  check(JSON.stringify(listed) === JSON.stringify(names), `ListAccessPoints shows ${listed.join(", ")}; terraform deployed ${names.join(", ")}`);

  // Data plane through the writer's access point, addressed as AWS does (virtual host).
  const fnRes = stateResources(state).find((r) => r.mode === "managed" && r.type === "aws_lambda_function");
  check(fnRes !== undefined, "no aws_lambda_function in the state");
  const env = (fnRes?.values.environment as { variables?: Record<string, string> }[] | undefined)?.[0]?.variables ?? {};
  // The writer's target as deployed: its access point's ARN (app/stacks/access-points.ts).
  const apArn = env.TARGET_BUCKET ?? "";
  check(/^arn:aws:s3:[a-z0-9-]+:\d{12}:accesspoint\/[a-z0-9-]+$/.test(apArn), `the writer's TARGET_BUCKET is not an access point ARN: ${apArn}`);
  const kmsKeyArn = env.TARGET_KMS_KEY_ARN;
  const sse = kmsKeyArn ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: kmsKeyArn } : {};
  const key = `${config.prefix}e2e/${ctx.runId}/${stack}/via-access-point.txt`;
  const body = `through ${apArn} (${ctx.runId})\n`;
  // 1. The access point's own account: write and read through it; the bucket holds the same bytes.
  const apOwner = ctx.emu.s3ViaAccessPoint(creds);
  await apOwner.send(new PutObjectCommand({ Bucket: apArn, Key: key, Body: body, ...sse }));
  const back = await apOwner.send(new GetObjectCommand({ Bucket: apArn, Key: key }));
  const backText = back.Body ? await back.Body.transformToString() : "";
  check(backText === body, `GetObject through ${apArn} returned ${JSON.stringify(backText)}`);
  const direct = await ctx.emu.getBytes(aps[0].bucket, key, creds);
  check(direct?.toString("utf8") === body, `s3://${aps[0].bucket}/${key} does not hold what was written through the access point`);
  // 2. The writer (account A, the access point's grantee) through it: refused by moto (see accessPointDataPlaneGap).
  const execCreds = await ctx.emu.assumeRole(String(fnRes?.values.role), "e2e-ap-writer");
  const crossAccount = await ctx.emu
    .s3ViaAccessPoint(execCreds, 1) // moto answers HTTP 500 here: no retries (they only add time)
    .send(new PutObjectCommand({ Bucket: apArn, Key: `${key}.writer`, Body: body, ...sse }))
    .then(
      () => "succeeded",
      (err: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => `HTTP ${String(err.$metadata?.httpStatusCode)} ${err.name ?? ""}`,
    );
  const ownerDetail = `account ${owner} put/get ${Buffer.byteLength(body)} B through ${apArn} (virtual-hosted), same bytes in the bucket`;

  // 3. The deployed writer handler with its access point ARN (expected to fail on moto), then on the bucket.
  const bucket = aps[0].bucket;
  const viaAp = await writerCheck(ctx, tf, stack, config, suite).then(
    () => "succeeded",
    (err: Error) => err.message.split("\n")[0],
  );
  const data = await writerCheck(ctx, tf, stack, config, suite, bucket);
  const gaps = [
    crossAccount === "succeeded"
      ? "writer session through the access point: put ok"
      : `writer session (account ${config.accounts.a.id}) through the access point: ${crossAccount} (moto looks the access point up in the caller's account)`,
    viaAp === "succeeded" ? "writer handler through its access point: put/list/get ok" : accessPointDataPlaneGap(viaAp),
  ];
  return {
    ok: data.ok,
    caveat: crossAccount !== "succeeded" || viaAp !== "succeeded",
    detail: `${aps.length} access points and their policies in moto's S3 Control match the state; ${ownerDetail}; ${gaps.join("; ")}; writer handler on the bucket instead: ${data.detail ?? ""}`,
    log: path.join(ctx.logDir, stack, "handler.log"),
  };
}
