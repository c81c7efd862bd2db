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
}

export type GranteeLike = string | IGrantee;

export const toGrantee = (g: GranteeLike): IGrantee => (typeof g === "string" ? { principalArn: g } : g);

export const dependablesOf = (gs: readonly IGrantee[]): TerraformResource[] =>
  gs.flatMap((g) => (g.dependable ? [g.dependable] : []));

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
