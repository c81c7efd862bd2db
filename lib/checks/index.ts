import { Annotations, App, IAspect, IConstruct, TerraformLocal, TerraformResource, TerraformStack } from "../framework";
import { buildStackModel, TfJson } from "../model/stack-model";
import { acknowledgementReason, type AcknowledgementRecord } from "./acknowledge";
import { checkModel, Finding } from "./policy-checks";
import { unaliasedProviderErrors } from "./providers";

export { checkModel, hasSizeLimit, POLICY_SIZE_LIMITS, policySize, RULES, ruleById } from "./policy-checks";
export type { SizedKind } from "./policy-checks";
export type { Finding, Rule } from "./policy-checks";

/**
 * Context key that switches the synth-time policy checks off for an app or a
 * stack (`"context": { "xacct:skipPolicyChecks": true }` in cdktf.json, or
 * `new App({ context: { ... } })`). The only opt-out; the checks are never lost silently.
 */
export const SKIP_POLICY_CHECKS_CONTEXT = "xacct:skipPolicyChecks";

/*
 * How the checks run (issue 9): every module of the library calls
 * ensurePolicyChecks(this) in its constructor. That adds, once per stack, a
 * constructs validation (`node.addValidation`). cdktf's StackSynthesizer
 * calls `stack.runAllValidations()` before it writes the stack's JSON and
 * throws on any error, even when the cdktf CLI asks to continue past error
 * annotations. Validations are plain method calls on the construct node, so
 * they survive a second copy of cdktf/constructs in node_modules (a `file:`
 * install), unlike Aspects, which cdktf keys by a per-copy Symbol.
 *
 * Stacks are written one after the other, so the first of our validations to
 * run in a synth (the one of the first checked stack) checks EVERY checked
 * stack of the app and fails for all of them: no stack JSON is written when
 * any stack has an error. The marks below use Symbol.for, shared by every
 * copy of this library loaded in the process, so two copies never register
 * (or report) twice.
 */
const CHECKED = Symbol.for("xacct-s3/policy-checks/checked");
const GATED = Symbol.for("xacct-s3/policy-checks/gated");
const APP_MEMO = Symbol.for("xacct-s3/policy-checks/app");

type Marked = { [CHECKED]?: true; [GATED]?: true };
type MemoHolder = { [APP_MEMO]?: Map<IConstruct, string[]> };

/** The stack a construct is in (or the construct itself), found without instanceof so any cdktf copy works. */
function enclosingStack(scope: IConstruct): TerraformStack | undefined {
  const scopes = scope.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) if (TerraformStack.isStack(scopes[i])) return scopes[i] as TerraformStack;
  return undefined;
}

const skipped = (stack: IConstruct): boolean => {
  const v: unknown = stack.node.tryGetContext(SKIP_POLICY_CHECKS_CONTEXT);
  return v === true || v === "true";
};

const stacksOf = (root: IConstruct): TerraformStack[] => root.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
const mark = (o: object, m: symbol): void => void Object.defineProperty(o, m, { value: true, enumerable: false });

/**
 * Make sure the policy checks run on the stack that holds `scope` (idempotent).
 * Every module of the library calls this in its constructor; call it for a
 * stack of your own that holds no module of the library but should be checked.
 */
export function ensurePolicyChecks(scope: IConstruct): void {
  const stack = enclosingStack(scope);
  if (!stack || (stack as Marked)[CHECKED]) return;
  mark(stack, CHECKED);
  // Gate every stack that exists now (stacks are synthesized in creation order, so a stack
  // created later is written after these): whichever gate runs first checks the whole app.
  for (const s of stacksOf(stack.node.root)) {
    if ((s as Marked)[GATED]) continue;
    mark(s, GATED);
    s.node.addValidation({ validate: () => validateStack(s) });
  }
}

/** The validation of one stack: the errors of every checked stack when it runs first in a synth, else its own (memoized). */
function validateStack(stack: TerraformStack): string[] {
  const root = stack.node.root as IConstruct & MemoHolder;
  const all = stacksOf(root);
  const first = all.find((s) => (s as Marked)[GATED]);
  let memo = root[APP_MEMO];
  // The first gated stack opens every synth (cdktf synthesizes stacks in findAll order): re-check all.
  if (!memo || stack === first) {
    memo = new Map();
    for (const s of all) if ((s as Marked)[CHECKED]) memo.set(s, skipped(s) ? [] : reportFindings(s));
    Object.defineProperty(root, APP_MEMO, { value: memo, configurable: true, enumerable: false, writable: true });
  }
  if (stack !== first) return memo.get(stack) ?? [];
  const errors = memo;
  return all.flatMap((s) => (errors.get(s) ?? []).map((e) => (s === stack ? e : `(stack ${s.node.path}) ${e}`)));
}

/** Warnings become annotations on the resource to fix (unless acknowledged); errors are returned. */
function reportFindings(stack: TerraformStack): string[] {
  const findings = checkStack(stack);
  const byAddress = new Map<string, IConstruct>();
  for (const c of stack.node.findAll()) {
    if (TerraformResource.isTerraformResource(c)) byAddress.set(`${c.terraformResourceType}.${stack.getLogicalId(c)}`, c);
    // Statements that only exist as emitted text are modelled at their `locals` entry (the
    // library's own modules create them, with the library's cdktf: instanceof is safe here).
    else if (c instanceof TerraformLocal) byAddress.set(`local.${stack.getLogicalId(c)}`, c);
  }
  const errors: string[] = [...unaliasedProviderErrors(stack)];
  const acknowledged: AcknowledgementRecord[] = [];
  for (const f of findings) {
    const target = byAddress.get(f.address) ?? stack;
    const reason = f.acknowledgement && acknowledgementReason(target, f.acknowledgement);
    if (f.acknowledgement && reason) {
      acknowledged.push({ rule: f.acknowledgement, reason, address: f.address, message: f.message });
      continue;
    }
    const text = `[${f.check}] ${f.message}`;
    if (f.level === "error") errors.push(`${text} (at ${f.address})`);
    else if (!target.node.metadata.some((m) => m.data === text)) Annotations.of(target).addWarning(text);
  }
  // Written into the stack JSON (`"//": { "xacct": { "acknowledgements": [...] } }`), where
  // xacct-access reads them back: a reviewer sees every silenced warning and its reason.
  // Only when there are some: a stack without acknowledgements keeps its JSON unchanged.
  if (acknowledged.length) stack.addOverride(ACKNOWLEDGEMENTS_OVERRIDE, acknowledged);
  return errors;
}

const ACKNOWLEDGEMENTS_OVERRIDE = "//.xacct.acknowledgements";

/** The findings for one stack, before acknowledgements. */
export function checkStack(stack: TerraformStack): Finding[] {
  return checkModel(buildStackModel(stack.toTerraform() as TfJson));
}

/**
 * Kept for apps written before the checks ran on their own: an Aspect that
 * makes sure every stack it visits is checked. Adding it changes nothing for
 * a stack that holds a module of the library (no finding is reported twice).
 */
export class PolicyChecks implements IAspect {
  public visit(node: IConstruct): void {
    if (TerraformStack.isStack(node)) ensurePolicyChecks(node);
  }
}

/**
 * Check every stack of the app, including stacks that hold no module of the
 * library. Optional (modules turn the checks on for their stack) and idempotent.
 */
export function registerPolicyChecks(app: App): void {
  for (const c of app.node.findAll()) if (TerraformStack.isStack(c)) ensurePolicyChecks(c);
}
