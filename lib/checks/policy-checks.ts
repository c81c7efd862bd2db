import type { StackModel } from "../model/stack-model";
import { type Finding, runRules } from "./rules";

/**
 * The classic cross-account pitfalls, found in the synthesized policies
 * before anything is deployed: one rule a file under ./rules, listed in
 * ./rules/index.ts. Errors fail synth; warnings print unless the resource
 * acknowledges them.
 */
export type { Finding, Rule } from "./rules";
export { RULES, ruleById } from "./rules";
export { hasSizeLimit, POLICY_SIZE_LIMITS, policySize } from "./rules/policy-size";
export type { SizedKind } from "./rules/policy-size";
export { CALLER_CONDITION_KEYS } from "./rules/wildcard-principal";
export { ROLE_CHAINING_MAX_SECONDS } from "./rules/role-chaining-session";

/** Every finding of every rule for one stack model. */
export function checkModel(model: StackModel): Finding[] {
  return runRules(model);
}
