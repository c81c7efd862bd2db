import { statementsOf, type ModelPolicy, type StackModel } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import { seedsOf, type Seeds } from "./seeds";
import type { MatrixPrincipal, NamedPolicy, PolicySource } from "./types";

/**
 * Who asks: every role, user and group (as one member) of the stack; every
 * principal the policies name (role/user ARNs, account roots, Organizations,
 * services: see seeds.ts); and probes that must be stopped — someone else in
 * each account named, someone in a third account, and anonymous.
 */

export const THIRD_ACCOUNT = "999999999999";
/** The account of the representative member of an Organization granted by aws:PrincipalOrgID. */
export const ORG_MEMBER_ACCOUNT = "888888888888";
/** With a data perimeter: the account and Organization of a principal of ANOTHER Organization (the perimeter must deny it). */
export const OTHER_ORG_ACCOUNT = "777777777777";
export const OTHER_ORG_ID = "o-otherorg000";
/** Its row label. */
export const OTHER_ORG_LABEL = `probe/other-org`;
/** Session name of every role principal (what the ARN of a role session needs). */
export const SESSION_NAME = "access-matrix";
const PROBE_ROLE = "someone-else";

/** What an account's administrators could give anyone: the resource side must stop it cross-account. */
export const BROAD_PROBE_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Sid: "BroadProbe", Effect: "Allow", Action: ["s3:*", "kms:*", "sts:AssumeRole"], Resource: "*" }],
};
const BROAD: NamedPolicy = { name: "broad-probe-policy", source: "probe-identity", document: BROAD_PROBE_POLICY };

const named = (p: ModelPolicy, source: PolicySource): NamedPolicy => ({ name: p.address, source, document: p.document });
const sessionArn = (account: string, roleName: string): string => `arn:aws:sts::${account}:assumed-role/${roleName}/${SESSION_NAME}`;
const SOURCE_OF_KIND: Record<ModelPolicy["kind"], PolicySource> = {
  bucket: "bucket",
  key: "key",
  trust: "trust",
  "role-inline": "role-inline",
  "group-inline": "group-inline",
  "user-inline": "user-inline",
  managed: "managed",
  "access-point": "access-point",
};
const identity = (ps: readonly ModelPolicy[]): NamedPolicy[] => ps.map((p) => named(p, SOURCE_OF_KIND[p.kind]));

function rolePrincipals(model: StackModel): MatrixPrincipal[] {
  return model.roles.map((r) => ({
    label: `role/${r.name}`,
    kind: "role",
    arn: sessionArn(r.account, r.name),
    principalArn: r.arn,
    account: r.account,
    identityPolicies: identity(r.inline),
    crossAccountOnly: false,
    roleArn: r.arn,
  }));
}

function groupMembers(model: StackModel): MatrixPrincipal[] {
  return model.groups.map((g) => {
    const user = `arn:aws:iam::${g.account}:user/${g.name}-member`;
    return {
      label: `member/${g.name}`,
      kind: "group-member",
      arn: user,
      principalArn: user,
      account: g.account,
      identityPolicies: identity(g.inline),
      crossAccountOnly: false,
    };
  });
}

function users(model: StackModel): MatrixPrincipal[] {
  return model.users.map((u) => ({
    label: `user/${u.name}`,
    kind: "user",
    arn: u.arn,
    principalArn: u.arn,
    account: u.account,
    identityPolicies: identity(u.inline),
    crossAccountOnly: false,
  }));
}

function probe(label: string, account: string, kind: "account-probe" | "third-account", crossAccountOnly: boolean): MatrixPrincipal {
  return {
    label,
    kind,
    arn: sessionArn(account, PROBE_ROLE),
    principalArn: `arn:aws:iam::${account}:role/${PROBE_ROLE}`,
    account,
    identityPolicies: [BROAD],
    crossAccountOnly,
  };
}

/**
 * A principal the policies name that the stack does not create. In one of the
 * stack's accounts its identity policies are unknown, so it has none (what the
 * resource policies alone give it); in any other account it has the broad
 * policy (its administrators may give it anything: the resource side decides).
 */
function external(arn: string, stackAccounts: ReadonlySet<string>): MatrixPrincipal | undefined {
  const m = /^arn:([\w-]+):(iam|sts)::(\d{12}):(role|user|assumed-role)\/(?:.*\/)?([^/]+?)(?:\/([^/]+))?$/.exec(arn);
  if (!m) return undefined;
  const [, partition, , account, type] = m;
  const session = type === "assumed-role" ? /assumed-role\/([^/]+)\//.exec(arn)?.[1] : undefined;
  const principalArn = session ? `arn:${partition}:iam::${account}:role/${session}` : arn;
  const roleName = type === "role" ? arn.slice(arn.lastIndexOf("/") + 1) : undefined;
  const inStack = stackAccounts.has(account);
  return {
    label: arn,
    kind: "external",
    arn: roleName ? sessionArn(account, roleName) : arn,
    principalArn,
    account,
    identityPolicies: inStack ? [] : [BROAD],
    crossAccountOnly: false,
  };
}

/** The unique suffix of the sample Identity Center roles (16 characters, as in AWS's example). */
export const SSO_SAMPLE_SUFFIX = "0123456789abcdef";
/** The permission set of the "another permission set" probe. */
const OTHER_SET = "OtherSet";
const SSO_PATTERN = /^arn:([\w-]+):iam::(\d{12}):role\/aws-reserved\/sso\.amazonaws\.com\/([^/]+)\/AWSReservedSSO_([\w+=,.@-]+)_\*$/;
/** One concrete value of a pattern: `*` and `?` filled in (`member`, `x`), the SSO region `*` as `us-east-1`. */
const sample = (pattern: string, star = "member"): string => pattern.replace(/\*/g, star).replace(/\?/g, "x");

/**
 * A role pattern (`ArnLike aws:PrincipalArn`, from Principals.rolePattern /
 * permissionSet / a PermissionSetPolicy) as classes of principals: one member
 * of the class (labelled like the grant: `sso:DataReaders@111111111111`,
 * `pattern:/teams/*@111111111111`), and the near misses the resource side
 * must stop: for a permission set, the role of another permission set and a
 * role of the same name outside `aws-reserved/sso.amazonaws.com/`; for a
 * path pattern, a role of the same name outside the path. The member's
 * identity policy is the one the stack emits for it (PermissionSetPolicy),
 * else none in the stack's accounts and the broad probe policy elsewhere (as
 * for any principal the stack names but does not create); the near misses
 * get the broad probe policy (their admins may give them anything).
 */
function patternClasses(pattern: string, model: StackModel, stackAccounts: ReadonlySet<string>): MatrixPrincipal[] {
  const m = /^arn:([\w-]+):iam::(\d{12}):role(\/.*)$/.exec(pattern);
  if (!m) return [];
  const [, partition, account, rest] = m;
  const emitted = (model.patternPrincipals ?? []).find((p) => p.arnLike === pattern);
  const memberPolicies = emitted ? identity(emitted.inline) : stackAccounts.has(account) ? [] : [BROAD];
  const role = (label: string, kind: MatrixPrincipal["kind"], principalArn: string, policies: NamedPolicy[], crossAccountOnly: boolean): MatrixPrincipal => ({
    label,
    kind,
    arn: sessionArn(account, principalArn.slice(principalArn.lastIndexOf("/") + 1)),
    principalArn,
    account,
    identityPolicies: policies,
    crossAccountOnly,
  });
  const iam = (path: string): string => `arn:${partition}:iam::${account}:role${path}`;
  const sso = SSO_PATTERN.exec(pattern);
  if (sso) {
    const [, , , region, set] = sso;
    const at = region === "*" ? "us-east-1" : region;
    const other = set === OTHER_SET ? `${OTHER_SET}2` : OTHER_SET;
    const ssoRole = (name: string): string => iam(`/aws-reserved/sso.amazonaws.com/${at}/AWSReservedSSO_${name}_${SSO_SAMPLE_SUFFIX}`);
    return [
      role(`sso:${set}@${account}`, "external", ssoRole(set), memberPolicies, false),
      role(`sso:${other}@${account}`, "account-probe", ssoRole(other), [BROAD], stackAccounts.has(account)),
      role(`not-sso:${set}@${account}`, "account-probe", iam(`/AWSReservedSSO_${set}_${SSO_SAMPLE_SUFFIX}`), [BROAD], stackAccounts.has(account)),
    ];
  }
  const member = iam(sample(rest));
  const name = member.slice(member.lastIndexOf("/") + 1);
  const outside = iam(`/${name}`);
  return [
    role(`pattern:${rest}@${account}`, "external", member, memberPolicies, false),
    ...(outside !== member ? [role(`outside:${rest}@${account}`, "account-probe", outside, [BROAD], stackAccounts.has(account))] : []),
  ];
}

const organization = (id: string): MatrixPrincipal => ({
  ...probe(`org/${id}`, ORG_MEMBER_ACCOUNT, "account-probe", false),
  kind: "organization",
  context: { "aws:PrincipalOrgID": id },
});

const service = (name: string): MatrixPrincipal => ({ label: `service/${name}`, kind: "service", arn: name, identityPolicies: [], crossAccountOnly: false });

/**
 * The IAM OIDC providers a trust policy names (`Principal: { Federated: "arn:...:oidc-provider/<issuer>" }`):
 * whoever holds a token of that issuer, asking `sts:AssumeRoleWithWebIdentity` as the
 * provider (the request context carries the token's claims: see webIdentityProbes).
 * No identity policies: the caller is not an IAM principal, the trust alone decides
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html).
 */
function federatedPrincipals(model: StackModel): MatrixPrincipal[] {
  const arns = model.roles.flatMap((r) =>
    statementsOf(r.trust.document).flatMap((s) => {
      const p = s.Principal;
      return p !== undefined && p !== "*" ? [p.Federated ?? []].flat().filter((a) => /^arn:[\w-]+:iam::\d{12}:oidc-provider\/./.test(a)) : [];
    }),
  );
  return [...new Set(arns)].sort().map((arn) => ({
    label: `oidc/${arn.slice(arn.indexOf(":oidc-provider/") + ":oidc-provider/".length)}`,
    kind: "federated",
    arn,
    account: arn.split(":")[4],
    identityPolicies: [],
    crossAccountOnly: false,
  }));
}

export const ANONYMOUS: MatrixPrincipal = { label: "anonymous", kind: "anonymous", identityPolicies: [], crossAccountOnly: false };

/**
 * A principal of another Organization, with what its administrators could give
 * it (the broad probe policy): only a stack with a data perimeter asks it, so
 * the matrices of stacks without one are unchanged.
 */
const otherOrganization = (): MatrixPrincipal => ({
  ...probe(OTHER_ORG_LABEL, OTHER_ORG_ACCOUNT, "third-account", false),
  context: { "aws:PrincipalOrgID": OTHER_ORG_ID },
});

/** The principals of `model`, plus those `seeds` (default: the model's own) name; `otherOrganization` adds {@link OTHER_ORG_LABEL}. */
export function principalsOf(model: StackModel, seeds: Seeds = seedsOf(model), opts: { readonly otherOrganization?: boolean } = {}): MatrixPrincipal[] {
  const own = [...rolePrincipals(model), ...users(model), ...groupMembers(model)];
  const ownArns = new Set(own.map((p) => p.principalArn));
  const stackAccounts = new Set(Object.values(model.accounts));
  const aliasOf = new Map<string, string>();
  for (const [alias, account] of Object.entries(model.accounts)) if (!aliasOf.has(account)) aliasOf.set(account, alias);
  const accounts = [...new Set([...Object.values(model.accounts), ...seeds.accounts])].filter(
    (a) => a !== THIRD_ACCOUNT && a !== ORG_MEMBER_ACCOUNT && !(opts.otherOrganization && a === OTHER_ORG_ACCOUNT),
  );
  return [
    ...own,
    ...seeds.principalArns.filter((a) => !ownArns.has(a)).flatMap((a) => external(a, stackAccounts) ?? []),
    ...(seeds.principalPatterns ?? []).flatMap((p) => patternClasses(p, model, stackAccounts)),
    ...accounts.map((a) => probe(`probe/${aliasOf.get(a) ?? a}`, a, "account-probe", stackAccounts.has(a))),
    ...seeds.organizations.map(organization),
    ...seeds.services.map(service),
    ...(opts.otherOrganization ? [otherOrganization()] : []),
    ...federatedPrincipals(model),
    probe(`probe/${THIRD_ACCOUNT}`, THIRD_ACCOUNT, "third-account", false),
    ANONYMOUS,
  ];
}
