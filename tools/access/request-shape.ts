import type { RequestDenial, Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../lib/policy";
import { accountOfArn } from "../../lib/model/stack-model";
import { contextKeysShape, s3ArnShape } from "./engine-speedups";
import { resourceIndex, type Trimmed } from "./relevance";
import { certainAnswer, type RequestView } from "./shortcut";
import type { MatrixPrincipal, Probe } from "./types";

/**
 * Answers by request shape (issue #22): a request whose answer follows from
 * which statements take part (shortcut.ts) is answered as the engine answered
 * the first request of its shape. The shape is everything the engine's answer
 * can then depend on: the action, the kind of resource, the principal's kind,
 * ARN type and whether it is of the resource's account, whether it has identity
 * policies and whether one of them certainly allows, whether there is a
 * resource policy, Block Public Access, and the Deny statements that take part
 * (with their documents). The engine's reasons are kept with resource-policy
 * positions as written (the engine saw a trimmed copy). A shape the engine did
 * not answer as predicted (sts:GetCallerIdentity, always allowed) is asked of
 * the engine every time.
 */

/** What of the engine the shapes need (its public API). */
export type ShapeEngine = Pick<typeof import("@cloud-copilot/iam-simulate"), "allowedContextKeysForRequest" | "typeForContextKey" | "isConditionKeyArray">;

export interface Shape {
  readonly key: string;
  /** Deny statements that take part (0: none, the engine is expected to deny for lack of an Allow). */
  readonly denies: number;
}

const reasonsByShape = new Map<string, readonly RequestDenial[] | "engine">();

export const recalled = (shape: Shape): readonly RequestDenial[] | "engine" | undefined => reasonsByShape.get(shape.key);
export const remember = (shape: Shape, reasons: readonly RequestDenial[] | "engine"): void => void reasonsByShape.set(shape.key, reasons);

/** Requests answered in this process: by the engine, and by request shape (for `npm run bench:access` and tests). */
const counts = { engine: 0, byShape: 0 };
export const evaluationCounts = (): Readonly<typeof counts> => ({ ...counts });
export const counted = (how: keyof typeof counts): void => void counts[how]++;

/** Did the engine answer as the shape predicts (denied; by exactly the predicted Deny statements, or with none by no Allow)? */
export function asPredicted(overall: string, denials: readonly RequestDenial[], denies: number): boolean {
  const explicit = denials.filter((d) => d.denialType === "Explicit");
  return denies > 0 ? overall === "ExplicitlyDenied" && explicit.length === denies : overall === "ImplicitlyDenied" && explicit.length === 0;
}

/** Ids of policy documents, for shapes. */
const docIds = new WeakMap<object, number>();
let nextDocId = 0;
const docId = (doc: object): number => {
  let id = docIds.get(doc);
  if (id === undefined) docIds.set(doc, (id = nextDocId++));
  return id;
};

/** `role`, `assumed-role`, `user`, `root`, a service principal ...: what the engine makes of the principal's ARN. */
const arnType = (arn: string | undefined): string => (arn === undefined ? "anonymous" : (/^arn:[^:]+:[^:]+::\d{12}:([^/]+)/.exec(arn)?.[1] ?? arn));

/**
 * The kind of resource: an S3 bucket or object, else the ARN's partition and
 * service, whether it names a region and an account, and its resource type.
 */
const resourceShape = (arn: string): string => {
  if (/^arn:aws:s3:::/.test(arn)) return s3ArnShape(arn);
  const m = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):([^/:]*)/.exec(arn);
  return m ? `arn:${m[1]}:${m[2]}:${m[3] ? "region" : ""}:${m[4] ? "account" : ""}:${m[5]}` : arn;
};

/**
 * The context keys the engine keeps for an action and resource shape (it drops
 * the others: `ignoredContextKeys`), and whether a key is of list type (handed
 * over as an array): asked of the engine once each, then answered without waiting.
 */
const keptKeys = new Map<string, ReadonlySet<string>>();
const listKeys = new Map<string, boolean>();

const keptKeysKey = (action: string, resource: string): string => `${action}|${contextKeysShape(resource)}`;

async function keptKeysFor(engine: ShapeEngine, action: string, resource: string): Promise<ReadonlySet<string>> {
  const [service, name] = action.split(":");
  const kept = new Set(await engine.allowedContextKeysForRequest(service, name, resource, false, undefined));
  keptKeys.set(keptKeysKey(action, resource), kept);
  return kept;
}

async function isListKey(engine: ShapeEngine, lowerKey: string): Promise<boolean> {
  const list = await engine.typeForContextKey(lowerKey).then(
    (t) => engine.isConditionKeyArray(t),
    () => true,
  );
  listKeys.set(lowerKey, list);
  return list;
}

/** Whether a variable key of this prefix (`aws:principaltag/`) is kept. */
function keptAsVariable(kept: ReadonlySet<string>, prefix: string): boolean {
  for (const x of kept) if (x.startsWith(prefix)) return true;
  return false;
}

/** The request as the engine sees it: the context keys it keeps (a key `prefix/...` is kept when a variable key of that prefix is). */
async function requestView(engine: ShapeEngine, action: string, resource: string, context: Readonly<Record<string, string>>): Promise<RequestView> {
  const kept = keptKeys.get(keptKeysKey(action, resource)) ?? (await keptKeysFor(engine, action, resource));
  const view = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(context)) {
    const lower = k.toLowerCase();
    const slash = lower.indexOf("/");
    if (!kept.has(lower) && !(slash >= 0 && keptAsVariable(kept, lower.slice(0, slash + 1)))) continue;
    view.set(lower, (listKeys.get(lower) ?? (await isListKey(engine, lower))) ? undefined : v);
  }
  return { action: action.toLowerCase(), resource, context: view };
}

/** The request's shape when its answer is certain (shortcut.ts); undefined: ask the engine. Not with guardrails (an allow-list SCP decides by its own Allows). */
export async function shapeOf(
  engine: ShapeEngine,
  principal: MatrixPrincipal,
  probe: Probe,
  sim: Simulation,
  trimmed: Trimmed | undefined,
): Promise<Shape | undefined> {
  if (sim.serviceControlPolicies.length > 0 || sim.resourceControlPolicies.length > 0) return undefined;
  const identity = sim.identityPolicies.map((p) => ({ name: p.name, document: p.policy as PolicyDocument }));
  const resource = sim.resourcePolicy as PolicyDocument | undefined;
  const view = await requestView(engine, probe.action, probe.resource, sim.request.contextVariables as Record<string, string>);
  const account = principal.arn === undefined ? undefined : accountOfArn(principal.arn);
  const crossAccount = principal.kind !== "service" && principal.kind !== "anonymous" && account !== undefined && account !== probe.resourceAccount;
  const certain = certainAnswer(identity, resource, principal, view, crossAccount);
  if (!certain) return undefined;
  const denies = certain.denies.map((d) => (d.startsWith("resource:") ? `resource:${resourceIndex(Number(d.slice("resource:".length)) + 1, trimmed)}` : d));
  const rp = probe.resourcePolicy;
  const key = [
    probe.action,
    resourceShape(probe.resource),
    principal.kind,
    arnType(principal.arn),
    principal.account === probe.resourceAccount,
    account === probe.resourceAccount,
    identity.length > 0,
    certain.identity,
    // Explicit Denies are named by their policy and position: those policies belong to the shape.
    denies.some((d) => d.startsWith("identity:")) ? identity.map((p) => `${p.name}=${docId(p.document)}`).join(",") : "",
    !resource ? "none" : denies.some((d) => d.startsWith("resource:")) && rp ? `${docId(rp.document)}` : "present",
    JSON.stringify(probe.blockPublicAccess ?? null),
    denies.join(","),
  ].join("|");
  return { key, denies: denies.length };
}
