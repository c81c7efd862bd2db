import { engineSpeedupsEnabled, installEngineSpeedups } from "./engine-speedups";
import { asPredicted, counted, recalled, remember, shapeOf } from "./request-shape";
export { evaluationCounts } from "./request-shape";
import { iamGlob } from "./glob";
import type { PolicyDocument } from "../../lib/policy";
import type { RequestDenial, RequestGrant, Simulation } from "@cloud-copilot/iam-simulate";
import { SESSION_NAME } from "./principals";
import { OWN_SESSION_NAME } from "./probes";
import { levelsFor, organizationContext, type Guardrails } from "./guardrails";
import { resourceIndex, trimFor, type Trimmed } from "./relevance";
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
    if (load === require) installEngineSpeedups(ENGINE_PACKAGE);
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

function contextOf(principal: MatrixPrincipal, probe: Probe, guardrails: Guardrails | undefined): Record<string, string> {
  const who: Record<string, string> =
    principal.principalArn && principal.account ? { "aws:PrincipalArn": principal.principalArn, "aws:PrincipalAccount": principal.account } : {};
  // AWS puts aws:PrincipalIsAWSService in every request (the data-perimeter policies test it):
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
  who["aws:PrincipalIsAWSService"] = principal.kind === "service" ? "true" : "false";
  const userName = userNameOf(principal.principalArn);
  if (userName !== undefined) who["aws:username"] = userName;
  const org = principal.kind === "service" || principal.kind === "anonymous" ? {} : organizationContext(guardrails, principal.account, probe.resourceAccount);
  // aws:ResourceAccount: the account owning the bucket, access point or key the probe asks about
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount).
  const resource: Record<string, string> = probe.resourceAccount !== undefined ? { "aws:ResourceAccount": probe.resourceAccount } : {};
  const context: Record<string, string> = { ...DEFAULT_CONTEXT, ...who, ...org, ...resource, ...principal.context, ...probe.context };
  if (context["sts:RoleSessionName"] === OWN_SESSION_NAME) context["sts:RoleSessionName"] = userName ?? SESSION_NAME;
  return context;
}

/** How a request is evaluated: `exhaustive` hands the engine whole resource policies (the reference the trimmed evaluation is tested against). */
export interface EvaluateOptions {
  readonly exhaustive?: boolean;
  /** The organisation's SCPs and RCPs (`--scp`, `--rcp`): SCPs of the principal's account, RCPs of the resource's. */
  readonly guardrails?: Guardrails;
}

/**
 * `kms:EncryptionContext:<key>` conditions, decided here: the engine only knows
 * variable keys written with "/" (`aws:PrincipalTag/x`) and drops the probe's
 * `kms:EncryptionContext:aws:s3:arn` as unknown, so every statement naming it would
 * fail as "missing". Each such key under String(Not)Equals / String(Not)Like
 * (optionally ...IfExists) is evaluated against the probe's context and removed;
 * a statement whose test fails gets a condition that never holds (a missing
 * key under StringEquals), so statement positions and Sids are unchanged.
 */
const ENCRYPTION_CONTEXT = "kms:encryptioncontext:";
const NEVER: Record<string, Record<string, string>> = { StringEquals: { "aws:ResourceTag/xacct-access-never": "never" } };

const likeToRegExp = (pattern: string): RegExp => iamGlob(pattern, "");

function testContextKey(operator: string, actual: string | undefined, values: string[]): boolean | undefined {
  const ifExists = operator.endsWith("IfExists");
  const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
  if (actual === undefined) {
    if (ifExists) return true;
    if (base === "StringNotEquals" || base === "StringNotLike") return true;
    if (base === "StringEquals" || base === "StringLike") return false;
    return undefined;
  }
  switch (base) {
    case "StringEquals":
      return values.includes(actual);
    case "StringNotEquals":
      return !values.includes(actual);
    case "StringLike":
      return values.some((v) => likeToRegExp(v).test(actual));
    case "StringNotLike":
      return !values.some((v) => likeToRegExp(v).test(actual));
    default:
      return undefined;
  }
}

/**
 * Web identity claims (`token.actions.githubusercontent.com:sub`, `gitlab.com:aud`: the OIDC
 * provider's URL without `https://`, then the claim:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif)
 * are decided here too: the engine drops the probe's value of any such key its action data does not
 * list for sts:AssumeRoleWithWebIdentity (it lists a few fixed providers'), so a trust pinning `aud`
 * and `sub` of any other issuer would never match.
 */
const WEB_IDENTITY_KEY = /^[a-z0-9-]+(\.[a-z0-9-]+)+(\/[^:]*)?:(aud|sub|amr|oaud)$/;
const decidedHere = (lowerKey: string): boolean => lowerKey.startsWith(ENCRYPTION_CONTEXT) || WEB_IDENTITY_KEY.test(lowerKey);

/** Whether a document names a key decided here (kms:EncryptionContext, web identity claims), once per document object (asked for every evaluation). */
const namesDecidedKey = new WeakMap<object, boolean>();

export function resolveEncryptionContext(doc: PolicyDocument, context: Readonly<Record<string, string>>): PolicyDocument {
  let names = namesDecidedKey.get(doc);
  if (names === undefined) {
    const text = JSON.stringify(doc).toLowerCase();
    names = text.includes(ENCRYPTION_CONTEXT) || /:(aud|sub|amr|oaud)"/.test(text);
    namesDecidedKey.set(doc, names);
  }
  if (!names) return doc;
  const actualOf = (key: string): string | undefined => Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  const statements = [doc.Statement].flat().map((s) => {
    if (!s.Condition) return s;
    const condition: Record<string, Record<string, string | string[] | boolean>> = {};
    let holds = true;
    for (const [operator, byKey] of Object.entries(s.Condition)) {
      const rest: Record<string, string | string[] | boolean> = {};
      for (const [key, value] of Object.entries(byKey)) {
        const r = decidedHere(key.toLowerCase()) ? testContextKey(operator, actualOf(key), [value].flat().map(String)) : undefined;
        if (r === undefined) rest[key] = value;
        else if (!r) holds = false;
      }
      if (Object.keys(rest).length > 0) condition[operator] = rest;
    }
    if (!holds) return { ...s, Condition: NEVER };
    return Object.keys(condition).length > 0 ? { ...s, Condition: condition } : (({ Condition: _dropped, ...x }) => x)(s);
  });
  return { ...doc, Statement: statements };
}

function simulationOf(
  principal: MatrixPrincipal,
  probe: Probe,
  resourcePolicy: PolicyDocument | undefined,
  context: Record<string, string>,
  guardrails: Guardrails | undefined,
): Simulation {
  return {
    request: {
      principal: principal.arn ?? loadEngine().anonymousPrincipal,
      action: probe.action,
      resource: { resource: probe.resource, accountId: probe.resourceAccount },
      contextVariables: context,
    },
    identityPolicies: principal.identityPolicies.map((p) => ({ name: p.name, policy: resolveEncryptionContext(p.document, context) })),
    serviceControlPolicies: levelsFor(guardrails, "scp", principal.account, principal.kind),
    resourceControlPolicies: levelsFor(guardrails, "rcp", probe.resourceAccount, principal.kind),
    resourcePolicy: resourcePolicy && resolveEncryptionContext(resourcePolicy, context),
    additionalSettings: { s3: { blockPublicAccess: probe.blockPublicAccess } },
  };
}

const sidOf = (statementId: string | undefined, index: number): string => statementId ?? `#${index}`;

function identitySource(principal: MatrixPrincipal, name: string | undefined): NamedPolicy | undefined {
  return principal.identityPolicies.find((p) => p.name === name);
}

/** `scp:<name>` (the level's orgIdentifier, guardrails.ts) → the policy's name. */
const guardrailName = (identifier: string | undefined): string | undefined => identifier?.replace(/^(scp|rcp):/, "");

function fromGrant(g: RequestGrant, principal: MatrixPrincipal, probe: Probe, trimmed: Trimmed | undefined): DecidingStatement {
  if (g.policyType === "resource") {
    return {
      effect: "Allow",
      source: probe.resourcePolicy?.source ?? "resource",
      policy: probe.resourcePolicy?.name,
      sid: sidOf(g.statementId, resourceIndex(g.statementIndex, trimmed)),
    };
  }
  const p = identitySource(principal, g.policyIdentifier);
  return { effect: "Allow", source: p?.source ?? "identity", policy: g.policyIdentifier, sid: sidOf(g.statementId, g.statementIndex) };
}

function fromDenial(d: RequestDenial, principal: MatrixPrincipal, probe: Probe, trimmed: Trimmed | undefined): DecidingStatement {
  const resource = d.policyType === "resource";
  if (d.policyType === "scp" || d.policyType === "rcp") {
    return d.denialType === "Implicit"
      ? { effect: "NoAllow", source: d.policyType, policy: guardrailName(d.identifier) }
      : { effect: "Deny", source: d.policyType, policy: d.policyIdentifier, sid: sidOf(d.statementId, d.statementIndex) };
  }
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
  const context = contextOf(principal, probe, opts.guardrails);
  const sim = simulationOf(principal, probe, trimmed ? trimmed.document : probe.resourcePolicy?.document, context, opts.guardrails);
  const shape = opts.exhaustive || !engineSpeedupsEnabled() ? undefined : await shapeOf(loadEngine(), principal, probe, sim, trimmed);
  const known = shape && recalled(shape);
  if (known !== undefined && known !== "engine") {
    counted("byShape");
    // Stored resource-policy positions are the document's own: no trimmed copy to map them through.
    return { decision: "Denied", deciding: decidingDenials([...known], principal, probe, undefined) };
  }
  counted("engine");
  const response = await runSimulation(sim, {});
  if (response.resultType === "error") {
    throw new Error(
      `iam-simulate rejected ${principal.label} ${probe.action} ${probe.resource}: ${response.errors.message} ${JSON.stringify(response.errors)}`,
    );
  }
  if (response.resultType !== "single") {
    throw new Error(`iam-simulate expanded ${probe.resource} as a wildcard; probes must name one resource`);
  }
  const analysis = response.result.analysis;
  if (response.overallResult === "Allowed") {
    if (shape) remember(shape, "engine");
    // The guardrails only limit: an Allow of theirs (FullAWSAccess) is never what grants.
    const grants = getGrantReasons(analysis).filter((g) => g.policyType !== "scp" && g.policyType !== "rcp");
    return { decision: "Allowed", deciding: grants.map((g) => fromGrant(g, principal, probe, trimmed)) };
  }
  const denials = getDenialReasons(analysis);
  if (shape && known === undefined) {
    const asWritten = denials.map((d) =>
      d.policyType === "resource" && d.denialType === "Explicit" ? { ...d, statementIndex: resourceIndex(d.statementIndex, trimmed) } : d,
    );
    remember(shape, asPredicted(response.overallResult, denials, shape.denies) ? asWritten : "engine");
  }
  return { decision: "Denied", deciding: decidingDenials(denials, principal, probe, trimmed) };
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
async function throughAccessPoint(
  principal: MatrixPrincipal,
  probe: Probe,
  viaBucket: NonNullable<Probe["viaBucket"]>,
  opts: EvaluateOptions,
): Promise<Evaluation> {
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
