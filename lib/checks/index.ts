import { Annotations, App, Aspects, IAspect, IConstruct, TerraformLocal, TerraformResource, TerraformStack } from "../framework";
import { buildStackModel, TfJson } from "../model/stack-model";
import { isAcknowledged } from "./acknowledge";
import { checkModel, Finding } from "./policy-checks";

export { checkModel, POLICY_SIZE_LIMITS, policySize } from "./policy-checks";
export type { Finding } from "./policy-checks";

/**
 * Runs the policy checks on each stack at synth: the stack is rendered to
 * Terraform JSON, read back as a {@link buildStackModel model}, and every
 * finding becomes an Annotation on the resource to fix. Error annotations fail
 * `cdktf synth`; acknowledged warnings are dropped.
 */
export class PolicyChecks implements IAspect {
  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const stack = node;
    const findings = checkStack(stack);
    const byAddress = new Map<string, IConstruct>();
    for (const c of stack.node.findAll()) {
      if (c instanceof TerraformResource) byAddress.set(`${c.terraformResourceType}.${stack.getLogicalId(c)}`, c);
      // Statements that only exist as emitted text are modelled at their `locals` entry.
      if (c instanceof TerraformLocal) byAddress.set(`local.${stack.getLogicalId(c)}`, c);
    }
    for (const f of findings) {
      const target = byAddress.get(f.address) ?? stack;
      if (f.acknowledgement && isAcknowledged(target, f.acknowledgement)) continue;
      const text = `[${f.check}] ${f.message}`;
      if (f.level === "error") Annotations.of(target).addError(text);
      else Annotations.of(target).addWarning(text);
    }
  }
}

/** The findings for one stack, before acknowledgements. */
export function checkStack(stack: TerraformStack): Finding[] {
  return checkModel(buildStackModel(stack.toTerraform() as TfJson));
}

/**
 * Add the checks to every stack of the app (cdktf invokes aspects per stack,
 * starting at the stack, so an aspect on the app itself would never run).
 */
export function registerPolicyChecks(app: App): void {
  const checks = new PolicyChecks();
  for (const c of app.node.findAll()) if (TerraformStack.isStack(c)) Aspects.of(c).add(checks);
}
