import { accountOfArn, asList, StackModel, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { conditionValues } from "./conditions";
import { grantedPrefixes } from "./prefixes";

/**
 * What the policies themselves name, as seeds of the probe set: every AWS
 * principal ARN, account (root or bare id), Organization (aws:PrincipalOrgID)
 * and service principal that any trust, bucket, key, access point or identity
 * policy (or KMS grant) names. A diff seeds both sides with the union of both
 * sides' seeds, so before and after are asked the same questions.
 */
export interface Seeds {
  /** IAM role/user (or role session) ARNs, sorted. */
  readonly principalArns: readonly string[];
  /** 12-digit account ids named by a root ARN, a bare id or any IAM ARN, plus the stack's own accounts. */
  readonly accounts: readonly string[];
  readonly organizations: readonly string[];
  readonly services: readonly string[];
  /**
   * Role patterns (`ArnLike aws:PrincipalArn` values with `*` or `?`, and the
   * patterns of principals whose identity side the stack emits), sorted:
   * each becomes a class of principals (see principals.ts). @default []
   */
  readonly principalPatterns?: readonly string[];
  /** Bucket name → key prefixes the policies (or the stack's functions) name on it. */
  readonly prefixes: Readonly<Record<string, readonly string[]>>;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function statementPrincipals(s: Statement): { aws: string[]; services: string[] } {
  const raw = (s as { Principal?: unknown; NotPrincipal?: unknown }).Principal ?? (s as { NotPrincipal?: unknown }).NotPrincipal;
  if (raw === undefined || raw === "*" || typeof raw !== "object" || raw === null) return { aws: [], services: [] };
  const p = raw as { AWS?: string | string[]; Service?: string | string[] };
  return { aws: asList(p.AWS), services: asList(p.Service) };
}

export function seedsOf(model: StackModel): Seeds {
  const arns: string[] = [];
  const accounts: string[] = Object.values(model.accounts);
  const orgs: string[] = [];
  const services: string[] = [];
  const patterns: string[] = (model.patternPrincipals ?? []).map((p) => p.arnLike);
  const docs: PolicyDocument[] = model.policies.map((p) => p.document);
  for (const doc of docs) {
    for (const s of statementsOf(doc)) {
      const { aws, services: svc } = statementPrincipals(s);
      services.push(...svc);
      for (const a of aws) {
        if (/^\d{12}$/.test(a)) accounts.push(a);
        else if (a !== "*") {
          const account = accountOfArn(a);
          if (account) accounts.push(account);
          if (!/:root$/.test(a) && /^arn:[\w-]+:(iam|sts)::\d{12}:(role|user|assumed-role)\//.test(a)) arns.push(a);
        }
      }
    }
    orgs.push(...conditionValues(doc, "aws:PrincipalOrgID"));
    // Role patterns (Principals.rolePattern / permissionSet): a class of principals each.
    patterns.push(...conditionValues(doc, "aws:PrincipalArn").filter((x) => /[*?]/.test(x) && /^arn:[\w-]+:iam::\d{12}:role\//.test(x)));
    // `Principal: "*"` narrowed by a condition names its principals there
    for (const a of conditionValues(doc, "aws:PrincipalArn").filter((x) => !/[*?]/.test(x))) {
      if (/^arn:[\w-]+:iam::\d{12}:(role|user)\//.test(a)) arns.push(a);
      const account = accountOfArn(a);
      if (account) accounts.push(account);
    }
    accounts.push(...conditionValues(doc, "aws:PrincipalAccount").filter((x) => /^\d{12}$/.test(x)));
  }
  for (const k of model.keys) {
    for (const g of k.grants) {
      if (/^arn:[\w-]+:(iam|sts)::\d{12}:(role|user|assumed-role)\//.test(g.grantee)) arns.push(g.grantee);
      const account = accountOfArn(g.grantee);
      if (account) accounts.push(account);
    }
  }
  const prefixes = Object.fromEntries(model.buckets.map((b) => [b.name, grantedPrefixes(model, b)]));
  return {
    principalArns: sorted(arns),
    accounts: sorted(accounts),
    organizations: sorted(orgs.filter((o) => !o.includes("*"))),
    services: sorted(services),
    principalPatterns: sorted(patterns),
    prefixes,
  };
}

export function mergeSeeds(...all: readonly Seeds[]): Seeds {
  return {
    principalArns: sorted(all.flatMap((s) => s.principalArns)),
    accounts: sorted(all.flatMap((s) => s.accounts)),
    organizations: sorted(all.flatMap((s) => s.organizations)),
    services: sorted(all.flatMap((s) => s.services)),
    principalPatterns: sorted(all.flatMap((s) => s.principalPatterns ?? [])),
    prefixes: Object.fromEntries([...new Set(all.flatMap((s) => Object.keys(s.prefixes)))].map((b) => [b, sorted(all.flatMap((s) => s.prefixes[b] ?? []))])),
  };
}
