import type { StackModel } from "../../lib/model/stack-model";
import { cellKey } from "./cell-key";
import { probeId, requestClass } from "./classes";
import { evaluatePolicies, type Evaluation, withGrants } from "./evaluate";
import { principalsOf } from "./principals";
import { probesOf } from "./probes";
import { seedsOf, type Seeds } from "./seeds";
import type { StackExtras } from "./stack-extras";
import type { Cell, Hop, MatrixPrincipal, Probe, StackMatrix } from "./types";

/**
 * principal × probe → Allowed/Denied, then the second hop: whoever may
 * sts:AssumeRole a role of the stack gets that role's Allowed cells, marked
 * "via <role>". One hop only (role chaining is not followed).
 */

interface DirectCell extends Cell {
  readonly probe: Probe;
}

/**
 * Probes of an account's own resources by "someone else" in that account are
 * skipped for S3 and KMS (same account: its IAM decides, these stacks' resource
 * policies cannot). Trust policies are still probed: they decide even in-account.
 */
function applies(principal: MatrixPrincipal, probe: Probe): boolean {
  return !(principal.crossAccountOnly && probe.assumesRole === undefined && probe.resourceAccount === principal.account);
}

const isExternal = (p: MatrixPrincipal, account: string): boolean => p.account === undefined || p.kind === "organization" || p.account !== account;

/** Engine results by request class and probe: share one between the two sides of a diff. */
export type EvaluationMemo = Map<string, Evaluation>;

export interface MatrixOptions {
  /** Principals, accounts, prefixes to probe beyond the stack's own (a diff passes the union of both sides). */
  readonly seeds?: Seeds;
  readonly memo?: EvaluationMemo;
}

async function directCells(principal: MatrixPrincipal, probes: readonly Probe[], memo: EvaluationMemo): Promise<DirectCell[]> {
  const out: DirectCell[] = [];
  for (const probe of probes.filter((p) => applies(principal, p))) {
    const key = `${requestClass(principal, probe)}#${probeId(probe)}`;
    let policies = memo.get(key);
    if (!policies) {
      policies = await evaluatePolicies(principal, probe);
      memo.set(key, policies);
    }
    const { decision, deciding } = withGrants(policies, principal, probe);
    const id = { principal: principal.label, action: probe.action, resource: probe.resourceLabel, context: probe.contextLabel };
    out.push({ ...id, decision, deciding, key: cellKey(id), external: isExternal(principal, probe.resourceAccount), probe });
  }
  return out;
}

/** The least-demanding AssumeRole of `role` the principal is allowed (probes are ordered from fewest conditions). */
function hopTo(cells: readonly DirectCell[], role: MatrixPrincipal): Hop | undefined {
  const assume = cells.find((c) => c.decision === "Allowed" && c.probe.assumesRole === role.roleArn);
  return assume && { role: role.label, context: assume.context, deciding: assume.deciding };
}

function viaCells(principal: MatrixPrincipal, role: MatrixPrincipal, hop: Hop, roleCells: readonly DirectCell[]): Cell[] {
  return roleCells
    .filter((c) => c.decision === "Allowed" && c.probe.assumesRole === undefined)
    .map((c) => {
      const id = { principal: principal.label, action: c.action, resource: c.resource, context: c.context, via: hop };
      return { ...id, decision: c.decision, deciding: c.deciding, key: cellKey(id), external: c.external || isExternal(principal, role.account ?? "") };
    });
}

const strip = ({ probe: _probe, ...cell }: DirectCell): Cell => cell;

export async function computeMatrix(stack: string, model: StackModel, extras: StackExtras, opts: MatrixOptions = {}): Promise<StackMatrix> {
  const seeds = opts.seeds ?? seedsOf(model);
  const memo = opts.memo ?? new Map<string, Evaluation>();
  const principals = principalsOf(model, seeds);
  const probes = probesOf(model, extras, seeds);
  const direct = new Map<MatrixPrincipal, DirectCell[]>();
  for (const p of principals) direct.set(p, await directCells(p, probes, memo));

  const roles = principals.filter((p) => p.roleArn !== undefined);
  const cells: Cell[] = [];
  for (const p of principals) {
    const own = direct.get(p) ?? [];
    cells.push(...own.map(strip));
    // A service principal's AssumeRole is the service running as the role: the role's own cells show that access.
    if (p.kind === "service") continue;
    for (const role of roles.filter((r) => r !== p)) {
      const hop = hopTo(own, role);
      if (hop) cells.push(...viaCells(p, role, hop, direct.get(role) ?? []));
    }
  }
  return { stack, accounts: model.accounts, principals: principals.map((p) => p.label), probeCount: probes.length, cells };
}
