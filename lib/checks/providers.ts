import { IConstruct, TerraformProvider, TerraformStack } from "../framework";

/**
 * Stack-level check of the synth-time gate (lib/checks/index.ts): at most one AWS provider
 * without `alias` per stack. Terraform keeps one default (un-aliased) configuration per
 * provider, and every resource that names no provider uses it; the library's modules pass
 * their `provider` explicitly, but with two un-aliased AWS providers the configurations are
 * no longer told apart by Terraform, and the resources can silently use the wrong account's.
 * https://developer.hashicorp.com/terraform/language/providers/configuration#alias-multiple-provider-configurations
 * https://developer.hashicorp.com/terraform/language/providers/configuration#default-provider-configurations
 */
export const UNALIASED_PROVIDERS_CHECK = "unaliased-providers";

/** The errors of one stack: one when it holds two or more AWS providers without `alias`, naming their construct paths. */
export function unaliasedProviderErrors(stack: TerraformStack): string[] {
  const unaliased = stack.node
    .findAll()
    .filter((c: IConstruct): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === "aws" && enclosing(c) === stack)
    .filter((p) => p.alias === undefined || p.alias === "");
  if (unaliased.length < 2) return [];
  const paths = unaliased.map((p) => p.node.path);
  return [
    `[${UNALIASED_PROVIDERS_CHECK}] ${unaliased.length} AWS providers without alias in stack ${stack.node.path}: ${paths.join(", ")}. ` +
      `Terraform has one default configuration per provider, so their resources could all be created with one provider's account. ` +
      `Give each provider an alias (new AwsProvider(this, "b", { alias: "b", ... })) and pass it as the modules' provider.`,
  ];
}

/** The stack a construct belongs to (its nearest enclosing stack). */
function enclosing(c: IConstruct): TerraformStack | undefined {
  const scopes = c.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) if (TerraformStack.isStack(scopes[i])) return scopes[i] as TerraformStack;
  return undefined;
}
