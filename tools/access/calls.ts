import { iamGlob } from "./glob";
import type { FunctionModel, StackModel } from "../../lib/model/stack-model";
import { asList, statementsOf } from "../../lib/model/stack-model";
import { kmsKeyRegion } from "../../lib/policy";
import type { CallContract, CallNeed, DeclaredCall } from "../../handlers/shared/call-contract";
import { ENV } from "../../handlers/shared/contract";
import { METADATA_PROCESSOR_CALLS } from "../../handlers/metadata-processor/calls.contract";
import { WRITER_CALLS } from "../../handlers/writer/calls.contract";
import { evaluatePolicies, type EvaluateOptions } from "./evaluate";
import { principalsOf } from "./principals";
import { accessPointProbes, keyProbes, OBJECT_NAME, roleProbes, UNKNOWN_OWNER_ACCOUNT } from "./probes";
import type { StackExtras } from "./stack-extras";
import type { DecidingStatement, Decision, MatrixPrincipal, NamedPolicy, Probe } from "./types";

/**
 * The call proof: every IAM action each declared call of a deployment needs
 * (handlers/<handler>/calls.contract.ts, or a user's own table), asked of the
 * access engine as the principal that really signs it (the execution role, or
 * the session of the role it assumes), on the resource it really targets
 * (the target bucket / prefix / key / role of the function's environment),
 * with the request context the call carries (SSE headers, ACL,
 * aws:ResourceAccount, s3:prefix, and for the KMS call S3 makes:
 * kms:ViaService, kms:CallerAccount, kms:EncryptionContext:aws:s3:arn).
 * Plus the permissions the principal's identity policies grant that no
 * declared call needs.
 */

/** Where a deployment's calls go: the handler environment contract (handlers/shared/contract.ts). */
export interface CallTarget {
  /** TARGET_BUCKET: a bucket name or an access point ARN. */
  readonly bucket: string;
  /** TARGET_PREFIX. @default "" */
  readonly prefix?: string;
  /** TARGET_ROLE_ARN: the calls with `target` credentials are made as this role's session. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** TARGET_KMS_KEY_ARN: the key named on writes. @default the bucket's default key in the stack */
  readonly kmsKeyArn?: string;
  /** TARGET_BUCKET_OWNER. @default the bucket's account in the stack */
  readonly bucketOwner?: string;
  readonly objectAcl?: string;
  /** SOURCE_BUCKETS. @default [] */
  readonly sourceBuckets?: readonly string[];
  /** TARGET_OPERATIONS: the writer operations the function's grant allows. @default every operation */
  readonly operations?: readonly string[];
}

/** A function (or role) whose calls are proven. */
export interface Deployment extends CallTarget {
  /** Function name, or a label. */
  readonly name: string;
  /** Which table: `writer`, `metadata-processor`, or `custom`. */
  readonly contract: string;
  /** The execution role (or the consumer role) signing `execution` calls. */
  readonly executionRoleArn: string;
}

/** One IAM action of one declared call, as the engine decided it. */
export interface CallCheck {
  /** Contract id of the call (`put`, `get-version`, ...). */
  readonly call: string;
  readonly principal: string;
  readonly action: string;
  /** Matrix-style label of the resource (`bucket/prefix/x.json`, `key(bucket)`, `role/name`, `ap/name/...`). */
  readonly resource: string;
  /** Short form of the request context (`sse=aws:kms,kms-key=...,owner=...`). */
  readonly context: string;
  readonly decision: Decision;
  readonly deciding: readonly DecidingStatement[];
  /** The AWS page the requirement rests on. */
  readonly doc: string;
}

/** The proof for one principal of one deployment. */
export interface PrincipalCalls {
  readonly principal: string;
  readonly deployment: string;
  readonly contract: string;
  /** Calls (ids) whose every needed action is Allowed. */
  readonly proven: readonly string[];
  /** Calls (ids) with at least one needed action Denied. */
  readonly refused: readonly string[];
  /** Calls this deployment never makes (`onlyIf` not met), with why. */
  readonly notMade: readonly string[];
  readonly checks: readonly CallCheck[];
  /** `action on resource (policy#sid)`: granted by the principal's identity policies, needed by no declared call. */
  readonly unused: readonly string[];
}

/** The built-in contracts by name. */
export const BUILTIN_CONTRACTS: Readonly<Record<string, CallContract>> = {
  writer: WRITER_CALLS,
  "metadata-processor": METADATA_PROCESSOR_CALLS,
};

/**
 * The functions of the stack that run with the handler environment contract
 * (TARGET_BUCKET set), and the built-in table each is checked against: the
 * metadata processor's when SOURCE_BUCKETS is set, else the writer's. (The
 * synthesized JSON does not say whether the code is built-in; declare your
 * own code's calls with the `toAllowCalls` matcher.)
 */
export function deploymentsOf(model: StackModel): Deployment[] {
  return model.functions.filter((f) => f.environment[ENV.bucket]).map(deploymentOf);
}

export function deploymentOf(f: FunctionModel): Deployment {
  const e = f.environment;
  const opt = (k: string): string | undefined => (e[k] ? e[k] : undefined);
  return {
    name: f.name,
    contract: e[ENV.sourceBuckets] ? "metadata-processor" : "writer",
    executionRoleArn: f.roleArn,
    bucket: e[ENV.bucket],
    prefix: e[ENV.prefix] ?? "",
    roleArn: opt(ENV.roleArn),
    externalId: opt(ENV.externalId),
    kmsKeyArn: opt(ENV.kmsKeyArn),
    bucketOwner: opt(ENV.bucketOwner),
    objectAcl: opt(ENV.objectAcl),
    sourceBuckets: (e[ENV.sourceBuckets] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    ...(e[ENV.operations]
      ? {
          operations: e[ENV.operations]
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

const NOT_IN_STACK = (arn: string): NamedPolicy => ({
  name: `${arn} (not in the stack)`,
  source: "not-in-stack",
  document: { Version: "2012-10-17", Statement: [{ Sid: "AssumedByOwner", Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] },
});

const SHORT_KEYS: Readonly<Record<string, string>> = {
  "s3:x-amz-server-side-encryption": "sse",
  "s3:x-amz-server-side-encryption-aws-kms-key-id": "kms-key",
  "s3:x-amz-acl": "acl",
  "s3:prefix": "prefix",
  "aws:ResourceAccount": "owner",
  "s3:ResourceAccount": "",
  "kms:ViaService": "via",
  "kms:CallerAccount": "caller",
  "kms:EncryptionContext:aws:s3:arn": "s3-arn",
  "sts:ExternalId": "externalId",
};

const contextLabel = (ctx: Readonly<Record<string, string>>): string =>
  Object.entries(ctx)
    .filter(([k]) => SHORT_KEYS[k] !== "")
    .map(([k, v]) => `${SHORT_KEYS[k] ?? k}=${k === "sts:ExternalId" ? "correct" : v}`)
    .join(",");

const wildcard = (pattern: string): RegExp => iamGlob(pattern, "is");

interface Resolved {
  readonly probe: Probe;
}

/** Builds the requests of a deployment's calls against one stack. */
class Prover {
  private readonly principals: MatrixPrincipal[];

  constructor(
    private readonly model: StackModel,
    private readonly extras: StackExtras,
    private readonly opts: EvaluateOptions,
  ) {
    this.principals = principalsOf(model);
  }

  principalByArn(arn: string): MatrixPrincipal | undefined {
    return this.principals.find((p) => p.kind === "role" && p.principalArn === arn) ?? this.principals.find((p) => p.label === arn);
  }

  private bucketName(d: CallTarget): string {
    const ap = this.model.accessPoints.find((a) => a.arn === d.bucket);
    return ap ? ap.bucket : d.bucket;
  }

  private keyOf(d: CallTarget, resource: "target-key" | "source-key"): string | undefined {
    if (resource === "target-key") return d.kmsKeyArn ?? this.model.buckets.find((b) => b.name === this.bucketName(d))?.kmsKeyArn;
    const src = (d.sourceBuckets ?? [])[0];
    return this.model.buckets.find((b) => b.name === src)?.kmsKeyArn;
  }

  /** The context of a need, placeholders resolved; keys whose value resolves to nothing are left out. */
  private context(need: CallNeed, d: CallTarget, principal: MatrixPrincipal, objectArn: string): Record<string, string> {
    const bucketName = this.bucketName(d);
    const bucket = this.model.buckets.find((b) => b.name === bucketName);
    const keyArn = need.resource === "source-key" || need.resource === "target-key" ? this.keyOf(d, need.resource) : undefined;
    const region = (keyArn && kmsKeyRegion(keyArn)) || this.model.region;
    const s3Bucket = need.resource === "source-key" ? (d.sourceBuckets ?? [])[0] : bucketName;
    const values: Record<string, string | undefined> = {
      kmsKeyArn: d.kmsKeyArn,
      sse: d.kmsKeyArn ? "aws:kms" : undefined,
      bucketOwner: d.bucketOwner ?? bucket?.account ?? this.model.accessPoints.find((a) => a.arn === d.bucket)?.account,
      viaS3: `s3.${region}.amazonaws.com`,
      callerAccount: principal.account,
      s3ArnContext: this.extras.bucketKeyBuckets?.has(s3Bucket) ? `arn:aws:s3:::${s3Bucket}` : objectArn,
      prefix: d.prefix ?? "",
      externalId: d.externalId,
      objectAcl: d.objectAcl,
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(need.context ?? {})) {
      const r = v.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? "\u0000");
      if (!r.includes("\u0000")) out[k] = r;
    }
    return out;
  }

  /** The request a need is, or why it is not asked (no key: not an SSE-KMS bucket). */
  resolve(need: CallNeed, d: CallTarget, principal: MatrixPrincipal): Resolved | string {
    const objectKey = `${d.prefix ?? ""}${OBJECT_NAME}`;
    const s3Object = (bucket: string): string => `arn:aws:s3:::${bucket}/${need.resource === "source-object" ? OBJECT_NAME : objectKey}`;
    switch (need.resource) {
      case "target-object":
      case "target-bucket": {
        const ctx = this.context(need, d, principal, s3Object(this.bucketName(d)));
        const ap = this.model.accessPoints.find((a) => a.arn === d.bucket);
        if (ap) return { probe: this.viaAccessPoint(need, ap.arn, ap.name, objectKey, ctx) };
        return { probe: this.s3(need.action, d.bucket, need.resource === "target-object" ? objectKey : undefined, ctx, d.bucketOwner) };
      }
      case "source-object": {
        const src = (d.sourceBuckets ?? [])[0];
        if (src === undefined) return "no source bucket (SOURCE_BUCKETS)";
        return { probe: this.s3(need.action, src, OBJECT_NAME, this.context(need, d, principal, s3Object(src)), undefined) };
      }
      case "target-key":
      case "source-key": {
        const keyArn = this.keyOf(d, need.resource);
        if (keyArn === undefined) return "not an SSE-KMS bucket";
        const bucket = need.resource === "source-key" ? (d.sourceBuckets ?? [])[0] : this.bucketName(d);
        return { probe: this.kms(need.action, keyArn, this.context(need, d, principal, s3Object(bucket))) };
      }
      case "target-role": {
        if (d.roleArn === undefined) return "no role to assume (TARGET_ROLE_ARN)";
        return { probe: this.sts(d.roleArn, this.context(need, d, principal, "")) };
      }
    }
  }

  private s3(action: string, bucketName: string, key: string | undefined, context: Record<string, string>, owner: string | undefined): Probe {
    const bucket = this.model.buckets.find((b) => b.name === bucketName);
    const arn = `arn:aws:s3:::${bucketName}${key === undefined ? "" : `/${key}`}`;
    const base = bucket
      ? {
          resourceAccount: bucket.account,
          resourcePolicy: bucket.policy && { name: bucket.policy.address, source: "bucket" as const, document: bucket.policy.document },
          blockPublicAccess: this.extras.restrictPublicBuckets.has(bucket.name),
        }
      : { resourceAccount: owner ?? UNKNOWN_OWNER_ACCOUNT, resourcePolicy: NOT_IN_STACK(arn), blockPublicAccess: false, outside: true };
    return {
      action,
      resource: arn,
      resourceLabel: `${bucketName}${key === undefined ? "" : `/${key}`}`,
      context,
      contextLabel: contextLabel(context),
      ...base,
    };
  }

  private viaAccessPoint(need: CallNeed, apArn: string, apName: string, objectKey: string, context: Record<string, string>): Probe {
    const ap = this.model.accessPoints.find((a) => a.arn === apArn);
    const onObject = need.resource === "target-object";
    const templateAction = onObject ? "s3:GetObject" : "s3:ListBucket";
    const tpl = ap && accessPointProbes(this.model, this.extras, ap).find((p) => p.action === templateAction);
    const resource = onObject ? `${apArn}/object/${objectKey}` : apArn;
    if (!tpl || !tpl.viaBucket) throw new Error(`no access point ${apArn} in the stack`);
    const ctx = { ...tpl.context, ...context };
    return {
      ...tpl,
      action: need.action,
      resource,
      resourceLabel: onObject ? `ap/${apName}/${objectKey}` : `ap/${apName}`,
      context: ctx,
      contextLabel: contextLabel(context),
      viaBucket: { ...tpl.viaBucket, resource, context: { ...tpl.viaBucket.context, ...context } },
      viaKey: undefined,
    };
  }

  private kms(action: string, keyArn: string, context: Record<string, string>): Probe {
    const key = this.model.keys.find((k) => k.arn === keyArn);
    const tpl = key && keyProbes(this.model, key)[0];
    const base = tpl
      ? { resourceLabel: tpl.resourceLabel, resourceAccount: tpl.resourceAccount, resourcePolicy: tpl.resourcePolicy }
      : {
          resourceLabel: keyArn,
          resourceAccount: /:(\d{12}):/.exec(keyArn)?.[1] ?? UNKNOWN_OWNER_ACCOUNT,
          resourcePolicy: NOT_IN_STACK(keyArn),
          outside: true,
        };
    return { action, resource: keyArn, context, contextLabel: contextLabel(context), blockPublicAccess: false, ...base };
  }

  private sts(roleArn: string, context: Record<string, string>): Probe {
    const role = this.model.roles.find((r) => r.arn === roleArn);
    const tpl = role && roleProbes(this.model, role)[0];
    const base = tpl
      ? { resourceLabel: tpl.resourceLabel, resourceAccount: tpl.resourceAccount, resourcePolicy: tpl.resourcePolicy }
      : {
          resourceLabel: roleArn,
          resourceAccount: /::(\d{12}):/.exec(roleArn)?.[1] ?? UNKNOWN_OWNER_ACCOUNT,
          resourcePolicy: NOT_IN_STACK(roleArn),
          outside: true,
        };
    return {
      action: "sts:AssumeRole",
      resource: roleArn,
      context,
      contextLabel: contextLabel(context),
      blockPublicAccess: false,
      assumesRole: roleArn,
      ...base,
    };
  }

  async evaluate(principal: MatrixPrincipal, probe: Probe) {
    return evaluatePolicies(principal, probe, this.opts);
  }

  notMade(call: DeclaredCall, d: CallTarget): string | undefined {
    if (call.operation !== undefined && d.operations !== undefined && !d.operations.includes(call.operation)) {
      return `${call.id}: operation "${call.operation}" is not allowed by the function's grant (${ENV.operations}=${d.operations.join(",")}); the handler refuses it before any AWS call`;
    }
    if (call.onlyIf !== "unversioned-source") return undefined;
    const versioned = (d.sourceBuckets ?? []).filter((b) => this.extras.versionedBuckets?.has(b));
    return (d.sourceBuckets ?? []).length > 0 && versioned.length === (d.sourceBuckets ?? []).length
      ? `${call.id}: only for an unversioned source bucket (${versioned.join(", ")} versioned)`
      : undefined;
  }
}

/** The service of an action (`s3`), for what Lambda itself uses (CloudWatch Logs, SQS event sources and destinations). */
const PLATFORM_SERVICES = new Set(["logs", "sqs", "lambda"]);

function unusedGrants(principal: MatrixPrincipal, checks: readonly CallCheck[], probes: readonly Probe[]): string[] {
  const out: string[] = [];
  for (const p of principal.identityPolicies) {
    statementsOf(p.document).forEach((s, i) => {
      if (s.Effect !== "Allow") return;
      const actions = asList(s.Action);
      const resources = asList(s.Resource);
      if (actions.length === 0 || resources.length === 0) return;
      for (const a of actions) {
        if (PLATFORM_SERVICES.has(a.split(":")[0].toLowerCase())) continue;
        for (const r of resources) {
          const used = checks.some((c, j) => wildcard(a).test(c.action) && wildcard(r).test(probes[j].resource));
          if (!used) out.push(`${a} on ${r} (${p.name}#${s.Sid ?? `#${i + 1}`})`);
        }
      }
    });
  }
  return out;
}

/** The calls of `contract` made by deployment `d`, proven against the stack's policies: one entry per principal. */
export async function proveCalls(
  model: StackModel,
  extras: StackExtras,
  d: Deployment,
  contract: CallContract = BUILTIN_CONTRACTS[d.contract] ?? [],
  opts: EvaluateOptions = {},
): Promise<PrincipalCalls[]> {
  const prover = new Prover(model, extras, opts);
  const exec = prover.principalByArn(d.executionRoleArn);
  if (!exec) throw new Error(`${d.name}: no principal ${d.executionRoleArn} in the stack (its execution or consumer role)`);
  const target = d.roleArn ? prover.principalByArn(d.roleArn) : exec;
  const byPrincipal = new Map<MatrixPrincipal, { checks: CallCheck[]; probes: Probe[]; proven: string[]; refused: string[]; notMade: string[] }>();
  const slot = (p: MatrixPrincipal) => {
    let s = byPrincipal.get(p);
    if (!s) {
      s = { checks: [], probes: [], proven: [], refused: [], notMade: [] };
      byPrincipal.set(p, s);
    }
    return s;
  };
  slot(exec);
  for (const call of contract) {
    const principal = call.credentials === "execution" ? exec : target;
    if (call.service === "STS" && !d.roleArn) continue;
    if (!principal) {
      slot(exec).refused.push(call.id);
      continue;
    }
    const s = slot(principal);
    const why = prover.notMade(call, d);
    if (why) {
      s.notMade.push(why);
      continue;
    }
    let ok = true;
    for (const need of call.needs) {
      const r = prover.resolve(need, d, principal);
      if (typeof r === "string") continue;
      const e = await prover.evaluate(principal, r.probe);
      if (e.decision !== "Allowed") ok = false;
      s.checks.push({
        call: call.id,
        principal: principal.label,
        action: need.action,
        resource: r.probe.resourceLabel,
        context: r.probe.contextLabel,
        decision: e.decision,
        deciding: e.deciding,
        doc: need.doc,
      });
      s.probes.push(r.probe);
    }
    (ok ? s.proven : s.refused).push(call.id);
  }
  return [...byPrincipal].map(([p, s]) => ({
    principal: p.label,
    deployment: d.name,
    contract: d.contract,
    proven: s.proven,
    refused: s.refused,
    notMade: s.notMade,
    checks: s.checks,
    unused: unusedGrants(p, s.checks, s.probes),
  }));
}

/** The call proof of every function of the stack with the handler environment contract. */
export async function callsOfStack(model: StackModel, extras: StackExtras, opts: EvaluateOptions = {}): Promise<PrincipalCalls[]> {
  const out: PrincipalCalls[] = [];
  for (const d of deploymentsOf(model)) out.push(...(await proveCalls(model, extras, d, undefined, opts)));
  return out;
}

/** The role ARN a principal label (`role/<name>`) or ARN names in the stack. */
export function roleArnOf(model: StackModel, principal: string): string | undefined {
  if (principal.startsWith("arn:")) return principal;
  const name = /^role\/(.+)$/.exec(principal)?.[1];
  return name === undefined ? undefined : model.roles.find((r) => r.name === name)?.arn;
}

/**
 * The proof of your own code's calls (a Lambda of LambdaCode.fromEntry /
 * fromDirectory, or a consumer role): `principal` signs the `execution` calls
 * (and the `target` ones unless `target.roleArn` is set). The target defaults
 * to the environment of the stack's function whose execution role it is.
 */
export async function proveDeclaredCalls(
  model: StackModel,
  extras: StackExtras,
  principal: string,
  calls: CallContract,
  target: Partial<CallTarget> = {},
  opts: EvaluateOptions = {},
): Promise<PrincipalCalls[]> {
  const arn = roleArnOf(model, principal);
  if (arn === undefined) {
    throw new Error(`no role ${JSON.stringify(principal)} in the stack; roles: ${model.roles.map((r) => `role/${r.name}`).join(", ") || "(none)"}`);
  }
  const fn = model.functions.find((f) => f.roleArn === arn);
  const base: Deployment = fn
    ? { ...deploymentOf(fn), contract: "custom" }
    : { name: principal, contract: "custom", executionRoleArn: arn, bucket: target.bucket ?? "" };
  const d: Deployment = { ...base, ...target, executionRoleArn: arn };
  if (!d.bucket && calls.some((c) => c.needs.some((n) => n.resource.startsWith("target-") && n.resource !== "target-role"))) {
    throw new Error(`${principal}: no target bucket: pass { bucket, prefix } (the role is not a function's execution role with TARGET_BUCKET)`);
  }
  return proveCalls(model, extras, d, calls, opts);
}
