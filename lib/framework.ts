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
  TerraformOutput,
  TerraformStack,
  Testing,
  TerraformResource,
  Token,
  AssetType,
} from "cdktf";
export type { IAspect, ITerraformDependable, TerraformProvider } from "cdktf";
export { Construct } from "constructs";
export type { IConstruct } from "constructs";
