import type { PolicyDocument } from "../../lib/policy";
import type { RequestDenial, RequestGrant, Simulation } from "@cloud-copilot/iam-simulate";
import { SESSION_NAME } from "./principals";
import { OWN_SESSION_NAME } from "./probes";
import { trimFor, type Trimmed } from "./relevance";
import type { DecidingStatement, Decision, MatrixPrincipal, NamedPolicy, Probe } from "./types";

/**
 * One request through the IAM policy engine (`@cloud-copilot/iam-simulate`):
 * identity policies of the principal, the resource policy of the target,
 * same-/cross-account rules, KMS and STS trust semantics.
 *
 * Licence: the engine is AGPL-3.0, this package MPL-2.0. It is an OPTIONAL
 * peer dependency, loaded here lazily on the first evaluation, and only the
 * access entry points (xacct-s3/access, xacct-s3/access/jest, the
 * xacct-access bin) reach this file; the library root never does.
 */

type Engine = typeof import("@cloud-copilot/iam-simulate");
export const ENGINE_PACKAGE = "@cloud-copilot/iam-simulate";
export const ENGINE_VERSION = "0.1.173";

export class EngineMissingError extends Error {}

let engine: Engine | undefined;

/** The engine, loaded on first use; a clear error naming the install command when it is not installed. */
export function loadEngine(load: (id: string) => unknown = require): Engine {
  if (engine) return engine;
  try {
    engine = load(ENGINE_PACKAGE) as Engine;
  } catch (e) {
    throw new EngineMissingError(
      `the access review needs the IAM policy engine ${ENGINE_PACKAGE} (AGPL-3.0), an optional peer dependency of xacct-s3 that is not installed ` +
        `(${(e as Error).message.split("\n")[0]}). Install it next to xacct-s3: npm install --save-dev ${ENGINE_PACKAGE}@${ENGINE_VERSION}`,
    );
  }
  return engine;
}

export interface Evaluation {
  readonly decision: Decision;
  readonly deciding: readonly DecidingStatement[];
}

/** Context every request carries unless the probe overrides it. */
export const DEFAULT_CONTEXT: Readonly<Record<string, string>> = { "aws:SecureTransport": "true" };

/** An IAM user's name (`aws:username` exists only for IAM users), from its ARN. */
const userNameOf = (arn: string | undefined): string | undefined => /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn ?? "")?.[1];

function contextOf(principal: MatrixPrincipal, probe: Probe): Record<string, string> {
  const who: Record<string, string> =
    principal.principalArn && principal.account ? { "aws:PrincipalArn": principal.principalArn, "aws:PrincipalAccount": principal.account } : {};
  const userName = userNameOf(principal.principalArn);
  if (userName !== undefined) who["aws:username"] = userName;
  const context: Record<string, string> = { ...DEFAULT_CONTEXT, ...who, ...principal.context, ...probe.context };
  if (context["sts:RoleSessionName"] === OWN_SESSION_NAME) context["sts:RoleSessionName"] = userName ?? SESSION_NAME;
  return context;
}

/** How a request is evaluated: `exhaustive` hands the engine whole resource policies (the reference the trimmed evaluation is tested against). */
export interface EvaluateOptions {
  readonly exhaustive?: boolean;
}

function simulationOf(principal: MatrixPrincipal, probe: Probe, resourcePolicy: PolicyDocument | undefined): Simulation {
  return {
    request: {
      principal: principal.arn ?? loadEngine().anonymousPrincipal,
      action: probe.action,
      resource: { resource: probe.resource, accountId: probe.resourceAccount },
      contextVariables: contextOf(principal, probe),
    },
    identityPolicies: principal.identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
    additionalSettings: { s3: { blockPublicAccess: probe.blockPublicAccess } },
  };
}

const sidOf = (statementId: string | undefined, index: number): string => statementId ?? `#${index}`;

function identitySource(principal: MatrixPrincipal, name: string | undefined): NamedPolicy | undefined {
  return principal.identityPolicies.find((p) => p.name === name);
}

/** The statement's 1-based position in the resource policy as written (the engine saw a trimmed copy). */
const resourceIndex = (index: number, trimmed: Trimmed | undefined): number => (trimmed ? (trimmed.originalIndex[index - 1] ?? index) : index);

function fromGrant(g: RequestGrant, principal: MatrixPrincipal, probe: Probe, trimmed: Trimmed | undefined): DecidingStatement {
  if (g.policyType === "resource") {
    return { effect: "Allow", source: probe.resourcePolicy?.source ?? "resource", policy: probe.resourcePolicy?.name, sid: sidOf(g.statementId, resourceIndex(g.statementIndex, trimmed)) };
  }
  const p = identitySource(principal, g.policyIdentifier);
  return { effect: "Allow", source: p?.source ?? "identity", policy: g.policyIdentifier, sid: sidOf(g.statementId, g.statementIndex) };
}

function fromDenial(d: RequestDenial, principal: MatrixPrincipal, probe: Probe, trimmed: Trimmed | undefined): DecidingStatement {
  const resource = d.policyType === "resource";
  if (d.denialType === "Implicit") {
    return resource
      ? { effect: "NoAllow", source: probe.resourcePolicy?.source ?? "resource", policy: probe.resourcePolicy?.name }
      : { effect: "NoAllow", source: d.policyType === "s3-bpa" ? "s3-bpa" : "identity" };
  }
  const sid = sidOf(d.statementId, resource ? resourceIndex(d.statementIndex, trimmed) : d.statementIndex);
  if (resource) return { effect: "Deny", source: probe.resourcePolicy?.source ?? "resource", policy: probe.resourcePolicy?.name, sid };
  if (d.policyType === "s3-bpa") return { effect: "Deny", source: "s3-bpa", sid };
  const p = identitySource(principal, d.policyIdentifier);
  return { effect: "Deny", source: p?.source ?? "identity", policy: d.policyIdentifier, sid };
}

/** Explicit denials decide; without one, every policy side that lacked an Allow is listed. */
function decidingDenials(denials: RequestDenial[], principal: MatrixPrincipal, probe: Probe, trimmed: Trimmed | undefined): DecidingStatement[] {
  const explicit = denials.filter((d) => d.denialType === "Explicit");
  return (explicit.length > 0 ? explicit : denials).map((d) => fromDenial(d, principal, probe, trimmed));
}

async function evaluateOne(principal: MatrixPrincipal, probe: Probe, opts: EvaluateOptions): Promise<Evaluation> {
  const { runSimulation, getGrantReasons, getDenialReasons } = loadEngine();
  const trimmed = probe.resourcePolicy && !opts.exhaustive ? trimFor(probe.resourcePolicy.document, principal) : undefined;
  const response = await runSimulation(simulationOf(principal, probe, trimmed ? trimmed.document : probe.resourcePolicy?.document), {});
  if (response.resultType === "error") {
    throw new Error(`iam-simulate rejected ${principal.label} ${probe.action} ${probe.resource}: ${response.errors.message} ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== "single") {
    throw new Error(`iam-simulate expanded ${probe.resource} as a wildcard; probes must name one resource`);
  }
  const analysis = response.result.analysis;
  if (response.overallResult === "Allowed") {
    return { decision: "Allowed", deciding: getGrantReasons(analysis).map((g) => fromGrant(g, principal, probe, trimmed)) };
  }
  return { decision: "Denied", deciding: decidingDenials(getDenialReasons(analysis), principal, probe, trimmed) };
}

/** Everything may be asked of the bucket once the access point side (identity + access point policy) allowed it. */
const ANY_ACTION: NamedPolicy = {
  name: "(allowed at the access point)",
  source: "probe-identity",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

/**
 * A request through an access point: the access point side, then the bucket
 * side (the bucket policy must consent too, e.g. by delegating to access
 * points of its account with s3:DataAccessPointAccount), then for objects of
 * an SSE-KMS bucket the key side (the KMS call S3 makes for the caller: its
 * own identity policy and the key policy, with kms:ViaService = S3 and
 * kms:CallerAccount = the caller's account). Each side must allow; a refusal
 * is reported with the statements of the side that refused.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html (kms:CallerAccount, kms:ViaService)
 */
async function throughAccessPoint(principal: MatrixPrincipal, probe: Probe, viaBucket: NonNullable<Probe["viaBucket"]>, opts: EvaluateOptions): Promise<Evaluation> {
  const front = await evaluateOne(principal, probe, opts);
  if (front.decision !== "Allowed") return front;
  const bucketProbe: Probe = { ...probe, ...viaBucket, viaBucket: undefined, viaKey: undefined };
  const back = await evaluateOne({ ...principal, identityPolicies: [ANY_ACTION] }, bucketProbe, opts);
  const bucketSide = back.deciding.filter((d) => d.policy !== ANY_ACTION.name);
  if (back.decision !== "Allowed") return { decision: "Denied", deciding: bucketSide };
  if (!probe.viaKey) return { decision: "Allowed", deciding: [...front.deciding, ...bucketSide] };
  const caller: Record<string, string> = principal.account === undefined ? {} : { "kms:CallerAccount": principal.account };
  const key = await evaluateOne(principal, { ...probe.viaKey, context: { ...probe.viaKey.context, ...caller } }, opts);
  return key.decision === "Allowed" ? { decision: "Allowed", deciding: [...front.deciding, ...bucketSide, ...key.deciding] } : key;
}

/** One request: identity and resource policies (with an access point, its bucket's too). */
export async function evaluatePolicies(principal: MatrixPrincipal, probe: Probe, opts: EvaluateOptions = {}): Promise<Evaluation> {
  return probe.viaBucket ? throughAccessPoint(principal, probe, probe.viaBucket, opts) : evaluateOne(principal, probe, opts);
}

export const evaluate = evaluatePolicies;
