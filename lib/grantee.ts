import type { TerraformResource } from "./framework";

/**
 * Something that can be named as a principal in a policy: an ARN, plus the
 * resource that creates it when it lives in the same stack. AWS rejects a
 * bucket, key or trust policy that names a principal that does not exist yet,
 * so modules make the policy depend on that resource.
 */
export interface IGrantee {
  readonly principalArn: string;
  readonly dependable?: TerraformResource;
  /**
   * The principal's unique id (`AROA...`, a Terraform reference) when it is
   * created in the same stack: policies naming it carry it (see
   * {@link principalsPolicyId}) so that replacing the principal re-applies them.
   */
  readonly uniqueId?: string;
  /**
   * Set when the principal is given by pattern (`Principals.roleByName`,
   * `rolePattern`, `permissionSet` in lib/principals.ts): `principalArn` is
   * then an `ArnLike` pattern, and every policy names the account principal
   * narrowed by `aws:PrincipalArn` instead of naming it.
   * @default none (a principal ARN)
   */
  readonly principalPattern?: PrincipalPatternInfo;
}

/** A principal given by `aws:PrincipalArn` pattern (see lib/principals.ts). */
export interface PrincipalPatternInfo {
  /** The one account the pattern is inside (literal). */
  readonly accountId: string;
  readonly partition: string;
  /** `arn:<partition>:iam::<account>:role/<path><name pattern>` */
  readonly arnLike: string;
  /** How the access review names it (`sso:DataReaders@111111111111`). */
  readonly label: string;
}

export type GranteeLike = string | IGrantee;

export const toGrantee = (g: GranteeLike): IGrantee => (typeof g === "string" ? { principalArn: g } : g);

/**
 * The `Id` of a policy that names principals created in the same stack: their
 * unique ids, as Terraform references.
 *
 * Why: AWS stores a principal ARN in a trust, bucket or key policy as the
 * principal's unique id. When the role is deleted and recreated (a
 * `terraform apply -replace`, a rename and back) the new role gets a new id,
 * the stored policy still points at the old one and every request is denied,
 * while Terraform sees no difference in the policy text. With the unique id
 * inside the policy document, a replaced role makes the policy "known after
 * apply": Terraform plans an in-place update of every policy that names the
 * role, and the update makes AWS resolve the ARN to the new role. The Id
 * element is free text that grants nothing (IAM JSON policy elements: Id).
 * Principals given only as ARN strings (other stacks) have no id to track.
 * @returns undefined when no grantee has a unique id
 */
export function principalsPolicyId(gs: readonly IGrantee[]): string | undefined {
  const ids = [...new Set(gs.flatMap((g) => (g.uniqueId ? [g.uniqueId] : [])))];
  return ids.length ? `principals-${ids.join("-")}` : undefined;
}

export const dependablesOf = (gs: readonly IGrantee[]): TerraformResource[] => gs.flatMap((g) => (g.dependable ? [g.dependable] : []));

/**
 * Add a `depends_on` entry to a resource after it was constructed. cdktf only
 * turns dependables passed to the constructor into plain addresses, so an
 * entry added later is written as the address itself (`aws_iam_role.name`).
 */
export function addDependency(resource: TerraformResource, on: TerraformResource): void {
  const address = `${on.terraformResourceType}.${on.friendlyUniqueId}`;
  const current = resource.dependsOn ?? [];
  if (!current.includes(address)) resource.dependsOn = [...current, address];
}
