import type { StackModel } from "../../model/stack-model";
import type { AcknowledgeableRule } from "../acknowledge";

/**
 * A finding of the synth-time policy checks: the classic cross-account
 * pitfalls, found in the synthesized policies before anything is deployed.
 * Errors fail synth; warnings print unless the resource acknowledges them.
 */
export interface Finding {
  readonly level: "error" | "warning";
  /** Terraform address of the resource to fix. */
  readonly address: string;
  /** Id of the rule that found it. */
  readonly check: string;
  readonly message: string;
  /** A warning that an acknowledgement of this rule silences. */
  readonly acknowledgement?: AcknowledgeableRule;
}

/** One synth-time check: what it is, what AWS behaviour it rests on, and how it looks at a stack. */
export interface Rule {
  /** Stable id, printed as `[id]` in every finding and used to acknowledge a warning. */
  readonly id: string;
  /** `error` fails synth; `warning` prints unless acknowledged. */
  readonly severity: "error" | "warning";
  /** One line: what the rule finds and why it matters. */
  readonly explanation: string;
  /** The AWS documentation the rule rests on. */
  readonly docs: readonly string[];
  /** The findings for one stack. */
  check(model: StackModel): Finding[];
}
