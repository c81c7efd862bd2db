import type { StackModel } from "../../lib/model/stack-model";
import { cellKey } from "./cell-key";
import { probeId, requestClass } from "./classes";
import { evaluatePolicies, type EvaluateOptions, type Evaluation } from "./evaluate";
import { guardrailsKey, withPerimeterOrganization, type Guardrails } from "./guardrails";
import { OTHER_ORG_LABEL, principalsOf } from "./principals";
import { probesOf, WEB_IDENTITY_ACTION } from "./probes";
import { deniedByConstruction } from "./relevance";
import { OWN_KINDS, probeSelection } from "./selection";
import { seedsOf, type Seeds } from "./seeds";
import type { StackExtras } from "./stack-extras";
import type { Cell, Hop, MatrixPerimeter, MatrixPrincipal, Probe, StackMatrix } from "./types";

/**
 * principal × probe → Allowed/Denied, then the second hop: whoever may
 * sts:AssumeRole a role of the stack gets that role's Allowed cells, marked
 * "via <role>". One hop only (role chaining is not followed).
 */

/** A principal's direct cells, with the probe each answers (parallel arrays: no per-cell wrapper). */
interface DirectCells {
  readonly cells: Cell[];
  readonly probes: Probe[];
  /** Cells evaluated, Denied ones included even when not kept. */
  evaluated: number;
}

/**
 * Probes of an account's own resources by "someone else" in that account are
 * skipped for S3 and KMS (same account: its IAM decides, these stacks' resource
 * policies cannot). Trust policies are still probed: they decide even in-account.
 */
function applies(principal: MatrixPrincipal, probe: Probe): boolean {
  // A web identity token is exchanged only with sts:AssumeRoleWithWebIdentity, which no IAM principal signs.
  if ((principal.kind === "federated") !== (probe.action === WEB_IDENTITY_ACTION)) return false;
  if (probe.outside) return OWN_KINDS.has(principal.kind);
  return !(principal.crossAccountOnly && probe.assumesRole === undefined && probe.resourceAccount === principal.account);
}

/**
 * Cross-account or public. An AWS service principal (`service/lambda.amazonaws.com` in a trust
 * policy) is its own class: the service acts for the account that configures it (a Lambda
 * function's execution role), so a new service trust is not `new-external`. A web identity
 * (a CI job's OIDC token) comes from outside AWS: external, whatever account its provider is in.
 */
const isExternal = (p: MatrixPrincipal, account: string): boolean =>
  p.kind !== "service" && (p.account === undefined || p.kind === "organization" || p.kind === "federated" || p.account !== account);

/** Engine results by request class and probe: share one between the two sides of a diff. */
export type EvaluationMemo = Map<string, Evaluation>;

export interface MatrixOptions {
  /** Principals, accounts, prefixes to probe beyond the stack's own (a diff passes the union of both sides). */
  readonly seeds?: Seeds;
  readonly memo?: EvaluationMemo;
  /** Keep only Allowed cells (what a diff compares): far fewer objects for large plans. */
  readonly allowedOnly?: boolean;
  /**
   * Reference mode: every principal asked every probe, whole resource policies
   * handed to the engine (the engine before issue #22). Without it, a diff
   * (allowedOnly) asks each principal only the probes an Allow statement that
   * can apply to it can match (selection.ts; the others are Denied by
   * construction, counted in `evaluated`), and every evaluation sees only the
   * resource-policy statements that can apply.
   */
  readonly exhaustive?: boolean;
  /** The organisation's SCPs and RCPs: every cell is decided with them (a cell only they refuse names them). */
  readonly guardrails?: Guardrails;
}

/**
 * How many probes apply to a principal (what a skipped probe still counts in
 * `evaluated`, as the reference mode asks them all): every probe of the stack
 * but, for an account's "someone else", those of its own account's resources
 * (roles' trust aside), and resources outside the stack but for its own principals.
 */
function applicableCounter(probes: readonly Probe[]): (p: MatrixPrincipal) => number {
  let inside = 0;
  let outside = 0;
  const ownAccount = new Map<string, number>();
  for (const q of probes) {
    if (q.outside) outside++;
    else {
      inside++;
      if (q.assumesRole === undefined) ownAccount.set(q.resourceAccount, (ownAccount.get(q.resourceAccount) ?? 0) + 1);
    }
  }
  return (p) => inside - (p.crossAccountOnly ? (ownAccount.get(p.account as string) ?? 0) : 0) + (OWN_KINDS.has(p.kind) ? outside : 0);
}

async function directCells(
  principal: MatrixPrincipal,
  probes: readonly Probe[],
  memo: EvaluationMemo,
  allowedOnly: boolean,
  eval_: EvaluateOptions,
  /** `guardrailsKey(eval_.guardrails)`, computed once per matrix. */
  guard: string,
): Promise<DirectCells> {
  const out: DirectCells = { cells: [], probes: [], evaluated: 0 };
  for (const probe of probes) {
    if (!applies(principal, probe)) continue;
    out.evaluated++;
    // A diff compares Allowed cells only: a cross-account request no resource-policy Allow can apply to is Denied by construction.
    if (allowedOnly && !eval_.exhaustive && deniedByConstruction(principal, probe)) continue;
    // Guardrails differ by account: with them, principals of one class but other accounts are asked apart.
    const key = `${guard ? `${guard}|${principal.account ?? ""}|${principal.kind}|` : ""}${requestClass(principal, probe)}#${probeId(probe)}`;
    let policies = memo.get(key);
    if (!policies) {
      policies = await evaluatePolicies(principal, probe, eval_);
      memo.set(key, policies);
    }
    const { decision, deciding } = policies;
    if (allowedOnly && decision !== "Allowed") continue;
    const id = { principal: principal.label, action: probe.action, resource: probe.resourceLabel, context: probe.contextLabel };
    out.cells.push({
      principal: id.principal,
      action: id.action,
      resource: id.resource,
      context: id.context,
      decision,
      deciding,
      key: cellKey(id),
      external: isExternal(principal, probe.resourceAccount),
    });
    out.probes.push(probe);
  }
  return out;
}

/**
 * The roles the principal may assume, each with its least-demanding allowed
 * AssumeRole (probes are ordered from fewest conditions), in the order of
 * `roles`: found from the principal's own cells, not by asking every role
 * (principals × roles, issue #22).
 */
function hopsOf(
  p: MatrixPrincipal,
  own: DirectCells,
  rolesByArn: ReadonlyMap<string, readonly MatrixPrincipal[]>,
  order: ReadonlyMap<MatrixPrincipal, number>,
): [MatrixPrincipal, Hop][] {
  const hops = new Map<MatrixPrincipal, Hop>();
  own.cells.forEach((c, j) => {
    const arn = own.probes[j].assumesRole;
    if (c.decision !== "Allowed" || arn === undefined) return;
    for (const role of rolesByArn.get(arn) ?? []) {
      if (role !== p && !hops.has(role)) hops.set(role, { role: role.label, context: c.context, deciding: c.deciding });
    }
  });
  return [...hops].sort(([a], [b]) => (order.get(a) as number) - (order.get(b) as number));
}

function viaCells(principal: MatrixPrincipal, role: MatrixPrincipal, hop: Hop, roleCells: DirectCells): Cell[] {
  return roleCells.cells
    .filter((c, j) => c.decision === "Allowed" && roleCells.probes[j].assumesRole === undefined)
    .map((c) => {
      const id = { principal: principal.label, action: c.action, resource: c.resource, context: c.context, via: hop };
      return { ...id, decision: c.decision, deciding: c.deciding, key: cellKey(id), external: c.external || isExternal(principal, role.account ?? "") };
    });
}

/** One line per attached policy whose document the stack (or plan) does not hold. */
export const notEvaluated = (model: StackModel): string[] =>
  model.unreadAttachments.map((u) => `${u.address}: ${u.policyArn} attached to ${u.attachedTo} (document not in the stack: not evaluated)`);

export async function computeMatrix(stack: string, model: StackModel, extras: StackExtras, opts: MatrixOptions = {}): Promise<StackMatrix> {
  const seeds = opts.seeds ?? seedsOf(model);
  const memo = opts.memo ?? new Map<string, Evaluation>();
  const principals = principalsOf(model, seeds, { otherOrganization: extras.perimeter !== undefined });
  const probes = probesOf(model, extras, seeds);
  const direct = new Map<MatrixPrincipal, DirectCells>();
  const exhaustive = opts.exhaustive ?? false;
  const allowedOnly = opts.allowedOnly ?? false;
  // A diff (Allowed cells only) asks each principal the probes an Allow that can apply to it can match (selection.ts).
  const selection = allowedOnly && !exhaustive ? probeSelection(probes) : undefined;
  const applicable = applicableCounter(probes);
  let evaluated = 0;
  // A data perimeter in the stack: its accounts are of its Organization (aws:PrincipalOrgID / aws:ResourceOrgID).
  const guardrails = withPerimeterOrganization(opts.guardrails, extras.perimeter);
  const evalOptions: EvaluateOptions = { exhaustive, guardrails };
  const guard = guardrailsKey(guardrails);
  for (const p of principals) {
    const d = await directCells(p, selection ? selection.select(p) : probes, memo, allowedOnly, evalOptions, guard);
    evaluated += selection ? applicable(p) : d.evaluated;
    direct.set(p, d);
  }

  const roles = principals.filter((p) => p.roleArn !== undefined);
  const order = new Map(roles.map((r, i) => [r, i]));
  const rolesByArn = new Map<string, MatrixPrincipal[]>();
  for (const r of roles) {
    const same = rolesByArn.get(r.roleArn as string);
    if (same) same.push(r);
    else rolesByArn.set(r.roleArn as string, [r]);
  }
  const cells: Cell[] = [];
  for (const p of principals) {
    const own = direct.get(p) as DirectCells;
    cells.push(...own.cells);
    // A service principal's AssumeRole is the service running as the role: the role's own cells show that access.
    if (p.kind === "service") continue;
    for (const [role, hop] of hopsOf(p, own, rolesByArn, order)) cells.push(...viaCells(p, role, hop, direct.get(role) as DirectCells));
  }
  const viaCount = cells.length - [...direct.values()].reduce((n, d) => n + d.cells.length, 0);
  const other = principals.find((p) => p.label === OTHER_ORG_LABEL);
  const perimeter: MatrixPerimeter | undefined =
    extras.perimeter && guardrails?.organization
      ? {
          organizationId: extras.perimeter.organizationId,
          memberAccounts: guardrails.organization.accounts,
          trustedAccounts: extras.perimeter.trustedAccounts,
          otherOrganization: {
            asked: other ? (direct.get(other)?.evaluated ?? 0) : 0,
            allowed: cells.filter((c) => c.principal === OTHER_ORG_LABEL && c.decision === "Allowed").length,
          },
        }
      : undefined;
  return {
    stack,
    accounts: model.accounts,
    principals: principals.map((p) => p.label),
    probeCount: probes.length,
    cells,
    evaluated: evaluated + viaCount,
    notEvaluated: notEvaluated(model),
    acknowledgements: extras.acknowledgements,
    ...(perimeter ? { perimeter } : {}),
  };
}
