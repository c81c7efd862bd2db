import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "./errors";
import { Construct, Lazy, onSynthesize, TerraformLocal, TerraformOutput, TerraformStack } from "./framework";
import { EXISTING_BUCKET_MARKER } from "./model/stack-model";
import { PerimeterInput, perimeterRcp, PolicyDocument, renderPolicy, S3Grant } from "./policy";
import * as v from "./validate";

/**
 * The opt-in data perimeter of a share (`BucketShare`, `BucketShare.fromExistingBucket`)
 * or a role (`AssumableRole`, `ConsumerAccess`, `LambdaWriter`): AWS's identity and
 * resource perimeter (https://github.com/aws-samples/data-perimeter-policy-examples)
 * around what this library creates.
 *
 * On a share: the bucket policy, every access point policy and the key policy
 * deny principals outside the Organization (AWS service principals excepted);
 * the identity side of each grant (`share.grant()`, `s3Grant()`) holds only
 * while `aws:ResourceOrgID` is the Organization; and the matching resource
 * control policy is emitted for the Organization's administrators (a Terraform
 * output and `xacct/<id>.rcp.json` next to the stack JSON). On a role: its
 * S3/KMS statements carry `aws:ResourceOrgID`, and an `AssumableRole`'s trust
 * policy denies sts:AssumeRole from outside the Organization.
 *
 * A grant to a principal of an account declared in `outsideAccounts` fails
 * synth (the perimeter would deny it: a grant that can never be used), unless
 * the account is listed in `trustedOutsideAccounts` with a reason.
 *
 * @example
 * ```ts
 * new BucketShare(this, "share", { ..., perimeter: { organizationId: "o-a1b2c3d4e5" } });
 * ```
 */
export interface DataPerimeter {
  /** The Organization: `o-` and 10 to 32 lowercase letters or digits. */
  readonly organizationId: string;
  /**
   * Accounts known to be outside the Organization: granting one of their
   * principals fails synth unless the account is in `trustedOutsideAccounts`.
   * @default []
   */
  readonly outsideAccounts?: readonly string[];
  /**
   * Accounts outside the Organization whose principals may still be granted
   * (a partner, a vendor): the perimeter's Deny exempts them by
   * `aws:PrincipalAccount`, as AWS's examples exempt third parties, and so does
   * the emitted RCP. Each needs the reason a reviewer reads.
   * @default []
   */
  readonly trustedOutsideAccounts?: readonly PerimeterTrustedAccount[];
}

/** An account outside the Organization let through the perimeter, and why. */
export interface PerimeterTrustedAccount {
  /** 12-digit account id. */
  readonly account: string;
  /** Why its principals are trusted: required, non-empty. */
  readonly reason: string;
}

/** A validated perimeter: the policy builders' input plus what the grant checks need. */
export interface ResolvedPerimeter extends PerimeterInput {
  readonly organizationId: string;
  readonly trustedAccounts: readonly string[];
  /** Declared outside and not trusted: grants to them fail synth. */
  readonly outsideAccounts: readonly string[];
  /** The field of the perimeter prop, for error messages. */
  readonly field: string;
}

/** Validate a `perimeter` prop; `ownerAccount` (the resource's account) must not be declared outside. */
export function resolvePerimeter(field: string, value: DataPerimeter | undefined, ownerAccount?: string): ResolvedPerimeter | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw new ConfigError(field, `must be { organizationId: "o-..." } (got ${JSON.stringify(value)})`);
  const organizationId = v.organizationId(`${field}.organizationId`, value.organizationId);
  const trusted = (value.trustedOutsideAccounts ?? []).map((t, i) => {
    const f = `${field}.trustedOutsideAccounts[${i}]`;
    const account = v.accountId(`${f}.account`, t?.account);
    if (typeof t.reason !== "string" || t.reason.trim() === "") {
      throw new ConfigError(
        `${f}.reason`,
        `must say why principals of ${account} (outside ${organizationId}) are let through the perimeter (got ${JSON.stringify(t.reason)})`,
      );
    }
    return account;
  });
  const outside = (value.outsideAccounts ?? []).map((a, i) => v.accountId(`${field}.outsideAccounts[${i}]`, a));
  if (ownerAccount !== undefined && (outside.includes(ownerAccount) || trusted.includes(ownerAccount))) {
    throw new ConfigError(
      field,
      `declares the resources' own account ${ownerAccount} outside ${organizationId}: the perimeter keeps them to its Organization, so their account must be a member (aws:ResourceOrgID)`,
    );
  }
  return {
    organizationId,
    trustedAccounts: [...new Set(trusted)].sort(),
    outsideAccounts: [...new Set(outside.filter((a) => !trusted.includes(a)))].sort(),
    field,
  };
}

/**
 * Refuse a grant the perimeter would deny: a principal of an account declared
 * outside the Organization (and not trusted), or another Organization.
 */
export function checkPerimeterGrant(
  p: ResolvedPerimeter | undefined,
  grantField: string,
  grant: { account?: string; organizationId?: string },
  principalField = `${grantField}.principal`,
): void {
  if (p === undefined) return;
  if (grant.organizationId !== undefined && grant.organizationId !== p.organizationId) {
    throw new ConfigError(
      `${grantField}.organizationId`,
      `grants Organization ${grant.organizationId}, but ${p.field} denies every principal outside ${p.organizationId}: the grant could never be used. Grant ${p.organizationId}, or drop the perimeter`,
    );
  }
  if (grant.account !== undefined && p.outsideAccounts.includes(grant.account)) {
    throw new ConfigError(
      principalField,
      `is a principal of ${grant.account}, which ${p.field}.outsideAccounts declares outside ${p.organizationId}: the perimeter would deny it. Remove the grant, or move the account to ${p.field}.trustedOutsideAccounts with the reason (it is then exempted from the Deny by aws:PrincipalAccount)`,
    );
  }
}

/** What a perimeter marker (`locals`, key `xacct_resource` = "perimeter") tells the access review. */
export interface PerimeterMarker {
  readonly xacct_resource: "perimeter";
  readonly organization_id: string;
  /** JSON list: the accounts of the perimeter's Organization this stack knows of (the owner, and the granted principals' accounts not declared outside). */
  readonly member_accounts: string;
  /** JSON list: trusted accounts outside the Organization. */
  readonly trusted_accounts: string;
  /** JSON list: accounts declared outside the Organization. */
  readonly outside_accounts: string;
}

/** The directory, inside the stack's output directory, of the emitted hand-off files (as for `BucketShare.fromExistingBucket`). */
export const HANDOFF_DIR = "xacct";

/**
 * Write JSON hand-off documents next to the stack JSON at synth, each the
 * value of a Terraform output (so `terraform output` shows the same text),
 * unless the checks failed the synth. An output whose document has no
 * statement writes no file.
 */
export function emitHandOffFiles(scope: Construct, entries: readonly { readonly file: string; readonly output: TerraformOutput }[]): void {
  const stack = TerraformStack.of(scope);
  onSynthesize(scope, (session) => {
    if (stack.node.findAll().some((c) => c.node.metadata.some((m) => m.type === "@cdktf/error"))) return;
    const dir = path.dirname(path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath));
    const outputs = (stack.toTerraform() as { output?: Record<string, { value: string }> }).output ?? {};
    for (const e of entries) {
      const json = outputs[stack.getLogicalId(e.output)]?.value;
      if (json === undefined || (JSON.parse(json) as PolicyDocument).Statement.length === 0) continue;
      fs.mkdirSync(path.dirname(path.join(dir, e.file)), { recursive: true });
      fs.writeFileSync(path.join(dir, e.file), `${JSON.stringify(JSON.parse(json) as PolicyDocument, null, 2)}\n`);
    }
  });
}

/**
 * The hand-off of a share's perimeter: the RCP as a Terraform output and
 * `xacct/<id>.rcp.json`, and the marker the access review reads (which
 * accounts are of the Organization). `memberAccounts` is read at synth, so
 * grants added later count.
 */
export function emitPerimeter(
  scope: Construct,
  id: string,
  label: string,
  p: ResolvedPerimeter,
  memberAccounts: () => readonly string[],
  /** `rcp: false`: the marker only; `writeFile: false`: the caller writes the RCP file with its own hand-off files (one writer per construct). */
  opts: { readonly rcp?: boolean; readonly writeFile?: boolean } = {},
): { rcpFile?: string; rcpOutput?: TerraformOutput } {
  const list = (xs: readonly string[]): string => JSON.stringify([...new Set(xs)].sort());
  new TerraformLocal(scope, "xacct-perimeter", {
    [EXISTING_BUCKET_MARKER]: "perimeter",
    organization_id: p.organizationId,
    member_accounts: Lazy.stringValue({
      produce: () => list(memberAccounts().filter((a) => !p.outsideAccounts.includes(a) && !p.trustedAccounts.includes(a))),
    }),
    trusted_accounts: list(p.trustedAccounts),
    outside_accounts: list(p.outsideAccounts),
  } satisfies Record<keyof PerimeterMarker, unknown>);
  // A role's perimeter (AssumableRole, ConsumerAccess, LambdaWriter) only tells the review its accounts: the RCP comes with the shares.
  if (opts.rcp === false) return {};
  const rcpFile = `${HANDOFF_DIR}/${id}.rcp.json`;
  const rcpOutput = new TerraformOutput(scope, "perimeter-rcp", {
    description: `${label}: the resource control policy of its data perimeter (${p.organizationId}), for the Organization's administrators to attach`,
    value: renderPolicy(perimeterRcp(p)),
  });
  if (opts.writeFile !== false) emitHandOffFiles(scope, [{ file: rcpFile, output: rcpOutput }]);
  return { rcpFile, rcpOutput };
}

/**
 * A grant as a role with a perimeter uses it: its identity statements also
 * hold only while `aws:ResourceOrgID` is the Organization (a grant from a
 * share with a perimeter already says so; one of another Organization is refused).
 */
export function grantWithinPerimeter<G extends S3Grant>(p: ResolvedPerimeter | undefined, field: string, grant: G): G {
  if (p === undefined) return grant;
  if (grant.resourceOrgId !== undefined && grant.resourceOrgId !== p.organizationId) {
    throw new ConfigError(
      field,
      `is a grant on a bucket of Organization ${grant.resourceOrgId}, but ${p.field} keeps this role to ${p.organizationId} (aws:ResourceOrgID): it could never be used`,
    );
  }
  return { ...grant, resourceOrgId: p.organizationId };
}
