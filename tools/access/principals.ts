import type { ModelPolicy, StackModel } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import type { MatrixPrincipal, NamedPolicy, PolicySource } from "./types";

/**
 * Who asks: every role and group (as one member) of the stack, plus probes
 * that must be stopped — someone else in each of the stack's accounts and in
 * a third account, each with a broad identity policy, and anonymous.
 */

export const THIRD_ACCOUNT = "999999999999";
/** Session name of every role principal (what the ARN of a role session needs). */
export const SESSION_NAME = "access-matrix";
const PROBE_ROLE = "someone-else";

/** What an account's administrators could give anyone: the resource side must stop it cross-account. */
export const BROAD_PROBE_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Sid: "BroadProbe", Effect: "Allow", Action: ["s3:*", "kms:*", "sts:AssumeRole"], Resource: "*" }],
};

const named = (p: ModelPolicy, source: PolicySource): NamedPolicy => ({ name: p.address, source, document: p.document });
const sessionArn = (account: string, roleName: string): string => `arn:aws:sts::${account}:assumed-role/${roleName}/${SESSION_NAME}`;

function rolePrincipals(model: StackModel): MatrixPrincipal[] {
  return model.roles.map((r) => ({
    label: `role/${r.name}`,
    kind: "role",
    arn: sessionArn(r.account, r.name),
    principalArn: r.arn,
    account: r.account,
    identityPolicies: r.inline.map((p) => named(p, "role-inline")),
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
      identityPolicies: g.inline.map((p) => named(p, "group-inline")),
      crossAccountOnly: false,
    };
  });
}

function probe(label: string, account: string, kind: "account-probe" | "third-account"): MatrixPrincipal {
  return {
    label,
    kind,
    arn: sessionArn(account, PROBE_ROLE),
    principalArn: `arn:aws:iam::${account}:role/${PROBE_ROLE}`,
    account,
    identityPolicies: [{ name: "broad-probe-policy", source: "probe-identity", document: BROAD_PROBE_POLICY }],
    crossAccountOnly: kind === "account-probe",
  };
}

function accountProbes(model: StackModel): MatrixPrincipal[] {
  const seen = new Set<string>();
  const out: MatrixPrincipal[] = [];
  for (const [alias, account] of Object.entries(model.accounts)) {
    if (seen.has(account)) continue;
    seen.add(account);
    out.push(probe(`probe/${alias}`, account, "account-probe"));
  }
  return out;
}

export const ANONYMOUS: MatrixPrincipal = { label: "anonymous", kind: "anonymous", identityPolicies: [], crossAccountOnly: false };

export function principalsOf(model: StackModel): MatrixPrincipal[] {
  return [
    ...rolePrincipals(model),
    ...groupMembers(model),
    ...accountProbes(model),
    probe(`probe/${THIRD_ACCOUNT}`, THIRD_ACCOUNT, "third-account"),
    ANONYMOUS,
  ];
}
