/**
 * xacct-s3/access: the access review as a library.
 *
 * ```ts
 *   import { loadSynthDir, matrixOf, diffPlanFile, diffSynthDirs, renderDiff } from "xacct-s3/access";
 * ```
 *
 * Evaluation needs the optional peer dependency `@cloud-copilot/iam-simulate`
 * (AGPL-3.0, loaded on first use; README "Licence of the access review").
 * Nothing here synthesizes an app: give it your synthesized cdktf.out, a
 * `Testing.synth(stack)` JSON string, or a `terraform show -json` plan.
 *
 * @packageDocumentation
 */
export * from "./api";
export { runAccessCli } from "./cli";
