import { asList, BucketModel, RoleModel, StackModel, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { conditionValues } from "../access/conditions";
import type { StackExtras } from "../access/stack-extras";

/**
 * Who reaches what in a stack, read from its model: groups, roles, buckets and
 * Lambda functions (a function stands for its execution role), placed in the
 * account of their provider; edges for AssumeRole, S3 access and S3 triggers.
 */

export type NodeKind = "group" | "role" | "bucket" | "lambda";

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** The resource's name (group, role, bucket or function name). */
  readonly name: string;
  readonly account: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

export interface AccountGroup {
  readonly alias: string;
  readonly id: string;
  readonly nodes: GraphNode[];
}

export interface AccessGraph {
  readonly accounts: AccountGroup[];
  readonly edges: GraphEdge[];
}

export const nodeId = (kind: NodeKind, name: string): string => `${kind}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;

const allows = (doc: PolicyDocument): Statement[] => statementsOf(doc).filter((s) => s.Effect === "Allow");
const actionsOf = (s: Statement): string[] => asList(s.Action);

interface Actor {
  readonly id: string;
  readonly documents: PolicyDocument[];
}

// ------------------------------------------------------------------ AssumeRole

function assumeLabel(role: RoleModel, statement: Statement): string {
  const docs = [role.trust.document, { Version: "2012-10-17", Statement: [statement] } as PolicyDocument];
  const mfa = docs.some((d) => conditionValues(d, "aws:MultiFactorAuthPresent").length > 0);
  const externalId = conditionValues(role.trust.document, "sts:ExternalId").length > 0;
  const needs = [mfa ? "MFA" : "", externalId ? "ExternalId" : ""].filter(Boolean);
  return needs.length ? `AssumeRole (${needs.join(", ")})` : "AssumeRole";
}

function assumeEdges(model: StackModel, actor: Actor): GraphEdge[] {
  const out: GraphEdge[] = [];
  for (const s of actor.documents.flatMap(allows)) {
    if (!actionsOf(s).some((a) => a === "sts:AssumeRole" || a === "sts:*")) continue;
    for (const role of model.roles.filter((r) => asList(s.Resource).includes(r.arn))) {
      out.push({ from: actor.id, to: roleTarget(model, role), label: assumeLabel(role, s) });
    }
  }
  return out;
}

/** A function's execution role is drawn as the function. */
function roleTarget(model: StackModel, role: RoleModel): string {
  const fn = model.functions.find((f) => f.roleArn === role.arn);
  return fn ? nodeId("lambda", fn.name) : nodeId("role", role.name);
}

// ------------------------------------------------------------------ S3 access

const onBucket = (bucket: BucketModel, r: string): boolean => r === bucket.arn || r.startsWith(`${bucket.arn}/`);

function s3Label(bucket: BucketModel, statements: Statement[]): string | undefined {
  const actions = [...new Set(statements.flatMap(actionsOf).filter((a) => a.startsWith("s3:")))];
  if (actions.length === 0) return undefined;
  const prefixes = [
    ...new Set(
      statements
        .flatMap((s) => asList(s.Resource))
        .filter((r) => r.startsWith(`${bucket.arn}/`))
        .map((r) => r.slice(bucket.arn.length + 1)),
    ),
  ].filter((p) => p !== "*");
  return prefixes.length ? `${actions.join(", ")} on ${prefixes.join(", ")}` : actions.join(", ");
}

function s3Edges(model: StackModel, actor: Actor): GraphEdge[] {
  const statements = actor.documents.flatMap(allows);
  const out: GraphEdge[] = [];
  for (const bucket of model.buckets) {
    const label = s3Label(
      bucket,
      statements.filter((s) => asList(s.Resource).some((r) => onBucket(bucket, r))),
    );
    if (label) out.push({ from: actor.id, to: nodeId("bucket", bucket.name), label });
  }
  return out;
}

// ------------------------------------------------------------------ nodes

function actors(model: StackModel): { nodes: GraphNode[]; actors: Actor[] } {
  const execRoles = new Set(model.functions.map((f) => f.roleArn));
  const nodes: GraphNode[] = [];
  const list: Actor[] = [];
  for (const g of model.groups) {
    nodes.push({ id: nodeId("group", g.name), kind: "group", name: g.name, account: g.account });
    list.push({ id: nodeId("group", g.name), documents: g.inline.map((p) => p.document) });
  }
  for (const r of model.roles.filter((x) => !execRoles.has(x.arn))) {
    nodes.push({ id: nodeId("role", r.name), kind: "role", name: r.name, account: r.account });
    list.push({ id: nodeId("role", r.name), documents: r.inline.map((p) => p.document) });
  }
  for (const f of model.functions) {
    nodes.push({ id: nodeId("lambda", f.name), kind: "lambda", name: f.name, account: f.account });
    const role = model.roles.find((r) => r.arn === f.roleArn);
    list.push({ id: nodeId("lambda", f.name), documents: role ? role.inline.map((p) => p.document) : [] });
  }
  for (const b of model.buckets) nodes.push({ id: nodeId("bucket", b.name), kind: "bucket", name: b.name, account: b.account });
  return { nodes, actors: list };
}

function triggerEdges(extras: StackExtras): GraphEdge[] {
  return extras.notifications.map((n) => ({ from: nodeId("bucket", n.bucket), to: nodeId("lambda", n.functionName), label: n.events.join(", ") }));
}

function byAccount(model: StackModel, nodes: GraphNode[]): AccountGroup[] {
  const seen = new Set<string>();
  const out: AccountGroup[] = [];
  for (const [alias, id] of Object.entries(model.accounts)) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ alias, id, nodes: nodes.filter((n) => n.account === id) });
  }
  return out;
}

export function buildGraph(model: StackModel, extras: StackExtras): AccessGraph {
  const { nodes, actors: list } = actors(model);
  const edges = [...list.flatMap((a) => [...assumeEdges(model, a), ...s3Edges(model, a)]), ...triggerEdges(extras)];
  return { accounts: byAccount(model, nodes), edges };
}
