import * as fs from "fs";
import * as path from "path";
import { statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";

/**
 * The organisation's guardrails as inputs of the access review: service
 * control policies (SCPs: the most the principals of an account may do) and
 * resource control policies (RCPs: the most anyone may do to the resources of
 * an account; they cover S3, STS and KMS among others). A request the
 * identity and resource policies allow is still refused when a guardrail
 * that applies does not allow it.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 */

export type GuardrailKind = "scp" | "rcp";

export interface GuardrailPolicy {
  readonly kind: GuardrailKind;
  /** The policy's name (describe-policy's PolicySummary.Name, else the file's base name): what decisions cite. */
  readonly name: string;
  readonly document: PolicyDocument;
  /**
   * The accounts the policy applies to (attached to them, their OU or the root).
   * @default every account
   */
  readonly accounts?: readonly string[];
}

export interface Guardrails {
  readonly policies: readonly GuardrailPolicy[];
  /**
   * The Organization and its member accounts: their principals' requests carry
   * `aws:PrincipalOrgID`, requests to their resources `aws:ResourceOrgID` (what
   * data-perimeter guardrails test).
   * @default unknown: no request carries either key
   */
  readonly organization?: { readonly id: string; readonly accounts: readonly string[] };
}

export class GuardrailInputError extends Error {}

interface DescribePolicyOutput {
  readonly Policy?: { readonly PolicySummary?: { readonly Name?: string; readonly Id?: string; readonly Type?: string }; readonly Content?: string };
}

function parseDocument(file: string, text: string): { name?: string; document: PolicyDocument } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GuardrailInputError(`${file}: not JSON (${(e as Error).message}); give one policy document or the output of aws organizations describe-policy`);
  }
  const described = (json as DescribePolicyOutput).Policy;
  if (described?.Content !== undefined) {
    try {
      return { name: described.PolicySummary?.Name ?? described.PolicySummary?.Id, document: JSON.parse(described.Content) as PolicyDocument };
    } catch (e) {
      throw new GuardrailInputError(`${file}: Policy.Content is not a JSON policy document (${(e as Error).message})`);
    }
  }
  const doc = json as Partial<PolicyDocument>;
  if (doc === null || typeof doc !== "object" || doc.Statement === undefined) {
    throw new GuardrailInputError(
      `${file}: no "Statement": give one policy document ({"Version": ..., "Statement": [...]}) or the output of aws organizations describe-policy`,
    );
  }
  return { document: doc as PolicyDocument };
}

/** Read one `--scp` / `--rcp` file: a policy document, or the saved output of `aws organizations describe-policy`. */
export function readGuardrail(kind: GuardrailKind, file: string): GuardrailPolicy {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new GuardrailInputError(`--${kind} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const { name, document } = parseDocument(file, text);
  return { kind, name: name ?? path.basename(file).replace(/\.json$/, ""), document };
}

/**
 * The mapping file (`--guardrail-map`): which accounts each policy applies to,
 * directly or through OUs. Policies it does not name apply to every account.
 *
 * ```json
 *   { "organization": { "id": "o-a1b2c3d4e5", "accounts": ["ou-ab12-workloads", "333333333333"] },
 *     "ous": { "ou-ab12-workloads": ["111111111111", "222222222222"] },
 *     "policies": { "DenyLeavingOrg": ["ou-ab12-workloads"], "ProdOnly": ["222222222222"] } }
 * ```
 */
export interface GuardrailMap {
  /** The Organization's id and its member accounts (or OUs). */
  readonly organization?: { readonly id: string; readonly accounts: readonly string[] };
  readonly ous?: Readonly<Record<string, readonly string[]>>;
  readonly policies: Readonly<Record<string, readonly string[]>>;
}

const ACCOUNT = /^\d{12}$/;

export function readGuardrailMap(file: string): GuardrailMap {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new GuardrailInputError(`--guardrail-map ${file}: ${(e as Error).message}`);
  }
  const m = json as Partial<GuardrailMap>;
  if (m === null || typeof m !== "object" || (m.policies !== undefined && (typeof m.policies !== "object" || m.policies === null))) {
    throw new GuardrailInputError(`--guardrail-map ${file}: needs "policies": { "<policy name>": ["<account id or ou-...>", ...] }`);
  }
  return { ...m, policies: m.policies ?? {} };
}

/** Apply the mapping: each policy it names gets the accounts of its targets (OUs expanded). */
export function mapGuardrails(policies: readonly GuardrailPolicy[], map: GuardrailMap | undefined): Guardrails {
  if (!map) return { policies };
  const known = new Set(policies.map((p) => p.name));
  for (const name of Object.keys(map.policies)) {
    if (!known.has(name))
      throw new GuardrailInputError(
        `--guardrail-map names policy ${JSON.stringify(name)}, which no --scp/--rcp file holds (names: ${[...known].join(", ") || "none"})`,
      );
  }
  const expand = (target: string): readonly string[] => {
    if (ACCOUNT.test(target)) return [target];
    const ou = map.ous?.[target];
    if (!ou) throw new GuardrailInputError(`--guardrail-map: ${JSON.stringify(target)} is neither a 12-digit account id nor an OU listed under "ous"`);
    return ou;
  };
  const org = map.organization;
  if (org !== undefined && (typeof org.id !== "string" || !/^o-[a-z0-9]{10,32}$/.test(org.id) || !Array.isArray(org.accounts))) {
    throw new GuardrailInputError(`--guardrail-map: "organization" needs {"id": "o-...", "accounts": ["<account id>" | "ou-...", ...]}`);
  }
  return {
    policies: policies.map((p) => {
      const targets = map.policies[p.name];
      return targets === undefined ? p : { ...p, accounts: [...new Set(targets.flatMap(expand))] };
    }),
    ...(org ? { organization: { id: org.id, accounts: [...new Set(org.accounts.flatMap(expand))] } } : {}),
  };
}

/** AWS attaches FullAWSAccess to every root, OU and account unless the organisation replaced it (an allow-list strategy). */
const FULL_AWS_ACCESS: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

const hasAllow = (d: PolicyDocument): boolean => statementsOf(d).some((s) => s.Effect === "Allow");

/** The engine's input shape (`@cloud-copilot/iam-simulate` SimulationOrgPolicies): one entry per level of the OU hierarchy. */
export interface OrgPolicyLevel {
  readonly orgIdentifier: string;
  readonly policies: { name: string; policy: PolicyDocument }[];
}

const appliesTo = (p: GuardrailPolicy, account: string | undefined): boolean =>
  account !== undefined && (p.accounts === undefined || p.accounts.includes(account));

/**
 * The guardrails of one request, as levels for the engine: SCPs of the
 * principal's account, RCPs of the resource's account. Each policy is a level
 * of its own: a policy with no Allow statement (a deny list) sits beside
 * FullAWSAccess as AWS attaches it by default; a policy with Allow statements
 * is taken as its level's allow list. AWS service principals are not subject
 * to SCPs or RCPs (nor the anonymous principal and web identities to SCPs:
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 */
export function levelsFor(g: Guardrails | undefined, kind: GuardrailKind, account: string | undefined, principalKind: string): OrgPolicyLevel[] {
  if (!g || principalKind === "service") return [];
  // SCPs limit the IAM users and roles of member accounts; a web identity (federated) caller is neither.
  if (kind === "scp" && (principalKind === "anonymous" || principalKind === "federated")) return [];
  return g.policies
    .filter((p) => p.kind === kind && appliesTo(p, account))
    .map((p) => ({
      orgIdentifier: `${kind}:${p.name}`,
      policies:
        hasAllow(p.document) || kind === "rcp"
          ? [{ name: p.name, policy: p.document }]
          : [
              { name: "FullAWSAccess", policy: FULL_AWS_ACCESS },
              { name: p.name, policy: p.document },
            ],
    }));
}

/** A stable fingerprint of the guardrails (evaluation memo keys must differ between runs with different guardrails). */
export const guardrailsKey = (g: Guardrails | undefined): string =>
  g && (g.policies.length || g.organization)
    ? JSON.stringify([g.policies.map((p) => [p.kind, p.name, p.accounts ?? "*"]), ...(g.organization ? [g.organization.id, g.organization.accounts] : [])])
    : "";

/**
 * The guardrails with the stack's data perimeter added: the perimeter's member
 * accounts join the Organization (its id when the guardrails name none). A
 * `--guardrail-map` Organization of another id is an error: one review, one Organization.
 */
export function withPerimeterOrganization(
  g: Guardrails | undefined,
  perimeter: { readonly organizationId: string; readonly memberAccounts: readonly string[] } | undefined,
): Guardrails | undefined {
  if (!perimeter) return g;
  const org = g?.organization;
  if (org && org.id !== perimeter.organizationId) {
    throw new GuardrailInputError(
      `--guardrail-map names Organization ${org.id}, the stack's data perimeter ${perimeter.organizationId}: the access review models one Organization`,
    );
  }
  const accounts = [...new Set([...(org?.accounts ?? []), ...perimeter.memberAccounts])].sort();
  return { policies: g?.policies ?? [], organization: { id: perimeter.organizationId, accounts } };
}

/** The Organization keys a request carries when its principal's / resource's account is a member. */
export function organizationContext(
  g: Guardrails | undefined,
  principalAccount: string | undefined,
  resourceAccount: string | undefined,
): Record<string, string> {
  const org = g?.organization;
  if (!org) return {};
  const out: Record<string, string> = {};
  if (principalAccount !== undefined && org.accounts.includes(principalAccount)) out["aws:PrincipalOrgID"] = org.id;
  if (resourceAccount !== undefined && org.accounts.includes(resourceAccount)) out["aws:ResourceOrgID"] = org.id;
  return out;
}
