import type { ITerraformDependable } from "./framework";

/**
 * Something that can be named as a principal in a policy: an ARN, plus the
 * resource that creates it when it lives in the same stack. AWS rejects a
 * bucket, key or trust policy that names a principal that does not exist yet,
 * so modules make the policy depend on that resource.
 */
export interface IGrantee {
  readonly principalArn: string;
  readonly dependable?: ITerraformDependable;
}

export type GranteeLike = string | IGrantee;

export const toGrantee = (g: GranteeLike): IGrantee => (typeof g === "string" ? { principalArn: g } : g);

export const dependablesOf = (gs: readonly IGrantee[]): ITerraformDependable[] =>
  gs.flatMap((g) => (g.dependable ? [g.dependable] : []));
