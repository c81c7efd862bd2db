/**
 * The one place that imports the CDK for Terraform framework.
 *
 * HashiCorp deprecated cdktf in December 2025 (0.21.0 is final). Every module,
 * stack and test imports framework symbols from here, so a move to the
 * community fork is a change to this file (and package.json) only.
 */
export {
  Annotations,
  App,
  Aspects,
  Fn,
  Lazy,
  LocalBackend,
  S3Backend,
  TerraformAsset,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformStack,
  Testing,
  TerraformResource,
  Token,
  AssetType,
} from "cdktf";
export type { IAspect, ISynthesisSession, ITerraformDependable } from "cdktf";
export { Construct } from "constructs";
export type { IConstruct } from "constructs";

/**
 * Run `fn` when cdktf synthesizes the construct's stack (after the aspects,
 * so after the policy checks), e.g. to write a file next to the stack JSON.
 * cdktf's own TerraformAsset uses this hook; it is keyed by a global symbol,
 * so it works with any copy of cdktf.
 */
export function onSynthesize(construct: import("constructs").IConstruct, fn: (session: import("cdktf").ISynthesisSession) => void): void {
  Object.defineProperty(construct, Symbol.for("cdktf/customSynthesis"), { value: { onSynthesize: fn }, enumerable: false });
}
