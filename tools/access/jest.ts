/**
 * xacct-s3/access/jest: jest matchers for access contracts, backed by the
 * same evaluator as xacct-access. Set up once, no import in the test files:
 *
 *   // jest.config.js: registers the matchers in every test file
 *   setupFilesAfterEnv: ["xacct-s3/access/jest"],
 *   // tsconfig.json: declares their types globally (jest.Matchers)
 *   "compilerOptions": \{ "types": ["node", "jest", "xacct-s3/access/jest"] \}
 *
 * (an own setup file may `require("xacct-s3/access/jest")` instead; without the "types" entry,
 * one `import "xacct-s3/access/jest";` in any .d.ts or test file of the project gives the types).
 * Then, in a test (the matchers are async: await them; a call without await fails its test):
 *
 *   const json = Testing.synth(stack);
 *   await expect(json).toAllow("role/app", "s3:GetObject", "my-bucket/data/x.json");
 *   await expect(json).toDeny("anonymous", "s3:GetObject", "my-bucket/data/x.json");
 *   await expect(json).toAllow("role/app", "s3:ListBucket", "my-bucket", "prefix=data/");
 *   await expect(json).toGrantExactly(["role/app s3:GetObject my-bucket/data/x.json", ...]);
 *   // your own code's AWS calls (the CallContract type of the built-in handlers' tables):
 *   await expect(json).toAllowCalls("role/app-exec", MY_CALLS, \{ bucket: "my-bucket", prefix: "data/" \});
 *
 * The subject is the JSON string of `Testing.synth(stack)`, its parsed object,
 * a cdktf stack, or a computed matrix. Principals, resources and contexts are
 * the labels of the access matrix (`xacct-access --all` lists them):
 * `role/<name>`, `user/<name>`, `member/<group>`, a principal ARN the policies
 * name, `org/<id>`, `service/<name>`, `probe/<account>`, `anonymous`;
 * `<bucket>`, `<bucket>/<prefix>x.json`, `key(<bucket>)`, `role/<name>`.
 * `context` is the probe's context label (`prefix=data/`, `mfa`, `no-tls`, ...):
 * omitted, it means the request without extra context.
 * Cells reached through sts:AssumeRole count for the principal that assumed.
 *
 * @packageDocumentation
 */
import { setImmediate } from "timers";
import type { TfJson } from "../../lib/model/stack-model";
import type { CallContract } from "../../handlers/shared/call-contract";
import { proveDeclaredCalls, type CallTarget } from "./calls";
import { diffAllowed } from "./diff";
import { formatDeciding } from "./format";
import type { Guardrails } from "./guardrails";
import { stackFromJson } from "./load";
import { computeMatrix } from "./matrix";
import type { Cell, StackMatrix } from "./types";

/** What the matchers accept. */
export type AccessSubject = string | TfJson | StackMatrix | { toTerraform(): unknown; node?: { id?: string } };

const isMatrix = (x: unknown): x is StackMatrix => typeof x === "object" && x !== null && Array.isArray((x as StackMatrix).cells);
const isStack = (x: unknown): x is { toTerraform(): unknown; node?: { id?: string } } =>
  typeof x === "object" && x !== null && typeof (x as { toTerraform?: unknown }).toTerraform === "function";

const byString = new Map<string, Promise<StackMatrix>>();
const byObject = new WeakMap<object, Promise<StackMatrix>>();

function fromTf(name: string, tf: TfJson, guardrails?: Guardrails): Promise<StackMatrix> {
  const s = stackFromJson(name, tf);
  return computeMatrix(s.name, s.model, s.extras, { guardrails });
}

const withGuardrails = new WeakMap<Guardrails, Map<unknown, Promise<StackMatrix>>>();

/** The subject's matrix decided within the organisation's guardrails (computed once per subject and guardrails). */
function guardedMatrixOf(subject: AccessSubject, guardrails: Guardrails): Promise<StackMatrix> {
  if (isMatrix(subject)) {
    throw new Error(
      "toAllowWithinGuardrails re-decides the cells with the guardrails: give it the stack or the JSON of Testing.synth(stack), not a computed matrix",
    );
  }
  let byGuardrails = withGuardrails.get(guardrails);
  if (!byGuardrails) {
    byGuardrails = new Map();
    withGuardrails.set(guardrails, byGuardrails);
  }
  let m = byGuardrails.get(subject);
  if (!m) {
    if (isStack(subject)) {
      const { Testing } = require("../../lib/framework") as typeof import("../../lib/framework");
      m = fromTf(subject.node?.id ?? "stack", JSON.parse(Testing.synth(subject as Parameters<typeof Testing.synth>[0])) as TfJson, guardrails);
    } else m = fromTf("stack", typeof subject === "string" ? (JSON.parse(subject) as TfJson) : subject, guardrails);
    byGuardrails.set(subject, m);
  }
  return m;
}

/** The subject's matrix (computed once per subject). */
export function matrixOfSubject(subject: AccessSubject): Promise<StackMatrix> {
  if (isMatrix(subject)) return Promise.resolve(subject);
  if (typeof subject === "string") {
    let m = byString.get(subject);
    if (!m) {
      let tf: TfJson;
      try {
        tf = JSON.parse(subject) as TfJson;
      } catch (e) {
        throw new Error(`expected the JSON string of Testing.synth(stack), got text that is not JSON (${(e as Error).message})`, { cause: e });
      }
      m = fromTf("stack", tf);
      byString.set(subject, m);
    }
    return m;
  }
  let m = byObject.get(subject);
  if (!m) {
    if (isStack(subject)) {
      // cdktf is the user's dependency already; loaded only when a stack object is given.
      const { Testing } = require("../../lib/framework") as typeof import("../../lib/framework");
      m = fromTf(subject.node?.id ?? "stack", JSON.parse(Testing.synth(subject as Parameters<typeof Testing.synth>[0])) as TfJson);
    } else m = fromTf("stack", subject);
    byObject.set(subject, m);
  }
  return m;
}

const shown = (c: Cell): string => `${c.key} ${c.decision}`;

function matching(m: StackMatrix, principal: string, action: string, resource: string, context: string): Cell[] {
  return m.cells.filter((c) => c.principal === principal && c.action === action && c.resource === resource && c.context === context);
}

function near(m: StackMatrix, principal: string, action: string, resource: string): string {
  const cells = m.cells.filter((c) => c.principal === principal && c.action === action && c.resource === resource);
  if (cells.length) return `cells of ${principal} ${action} ${resource}:\n  ${cells.map(shown).join("\n  ")}`;
  const principals = m.principals.includes(principal) ? "" : `no principal ${JSON.stringify(principal)}; principals: ${m.principals.join(", ")}`;
  return (
    principals ||
    `no probe ${action} ${resource} for ${principal}; its probes: ${[...new Set(m.cells.filter((c) => c.principal === principal).map((c) => `${c.action} ${c.resource}`))].join(", ")}`
  );
}

const what = (p: string, a: string, r: string, ctx: string): string => `${p} ${a} ${r}${ctx ? ` [${ctx}]` : ""}`;

interface Result {
  pass: boolean;
  message: () => string;
}

async function allow(subject: AccessSubject, principal: string, action: string, resource: string, context = "", guardrails?: Guardrails): Promise<Result> {
  const m = await (guardrails ? guardedMatrixOf(subject, guardrails) : matrixOfSubject(subject));
  const cells = matching(m, principal, action, resource, context);
  const allowed = cells.filter((c) => c.decision === "Allowed");
  return allowed.length
    ? {
        pass: true,
        message: () => `expected ${what(principal, action, resource, context)} not to be Allowed, but it is: ${allowed.map((c) => c.key).join("; ")}`,
      }
    : {
        pass: false,
        message: () => `expected ${what(principal, action, resource, context)} to be Allowed, but it is not.\n${near(m, principal, action, resource)}`,
      };
}

async function deny(subject: AccessSubject, principal: string, action: string, resource: string, context = ""): Promise<Result> {
  const m = await matrixOfSubject(subject);
  const cells = matching(m, principal, action, resource, context);
  if (cells.length === 0) {
    return {
      pass: false,
      message: () =>
        `${what(principal, action, resource, context)} is not a cell of the matrix, so it cannot be shown Denied.\n${near(m, principal, action, resource)}`,
    };
  }
  const allowed = cells.filter((c) => c.decision === "Allowed");
  return allowed.length
    ? {
        pass: false,
        message: () => `expected ${what(principal, action, resource, context)} to be Denied, but Allowed: ${allowed.map((c) => c.key).join("; ")}`,
      }
    : { pass: true, message: () => `expected ${what(principal, action, resource, context)} not to be Denied, but it is` };
}

async function grantExactly(subject: AccessSubject, expected: readonly string[]): Promise<Result> {
  const m = await matrixOfSubject(subject);
  const d = diffAllowed(m, expected);
  const pass = d.unexpected.length === 0 && d.missing.length === 0;
  const list = (title: string, xs: string[]): string => (xs.length ? `\n${title} (${xs.length}):\n  ${xs.join("\n  ")}` : "");
  return {
    pass,
    message: () =>
      pass
        ? "expected the Allowed cells to differ from the given list, but they are exactly it"
        : `the Allowed cells differ from the expected ones${list("Allowed but not expected (more access than designed)", d.unexpected)}${list("expected but not Allowed (designed access that does not work)", d.missing)}`,
  };
}

/** The subject as a loaded stack (model + extras): the call proof needs the policies, not a matrix. */
function stackOfSubject(subject: AccessSubject) {
  if (isMatrix(subject))
    throw new Error("toAllowCalls proves calls against the policies: give it the stack or the JSON of Testing.synth(stack), not a computed matrix");
  if (isStack(subject)) {
    const { Testing } = require("../../lib/framework") as typeof import("../../lib/framework");
    return stackFromJson(subject.node?.id ?? "stack", JSON.parse(Testing.synth(subject as Parameters<typeof Testing.synth>[0])) as TfJson);
  }
  return stackFromJson("stack", typeof subject === "string" ? (JSON.parse(subject) as TfJson) : subject);
}

async function allowCalls(subject: AccessSubject, principal: string, calls: CallContract, target?: Partial<CallTarget>): Promise<Result> {
  const s = stackOfSubject(subject);
  const proofs = await proveDeclaredCalls(s.model, s.extras, principal, calls, target);
  const refused = proofs.flatMap((p) =>
    p.checks
      .filter((c) => c.decision !== "Allowed")
      .map((c) => `${p.principal} ${c.call}: ${c.action} ${c.resource}${c.context ? ` [${c.context}]` : ""}: ${formatDeciding(c.deciding)}`),
  );
  const unused = proofs.flatMap((p) => p.unused.map((u) => `${p.principal}: ${u}`));
  const proven = proofs.flatMap((p) => p.proven.map((id) => `${p.principal} ${id}`));
  const list = (title: string, xs: string[]): string => (xs.length ? `\n${title} (${xs.length}):\n  ${xs.join("\n  ")}` : "");
  return refused.length === 0
    ? { pass: true, message: () => `expected a call of ${principal} to be refused, but every declared call is Allowed${list("proven", proven)}` }
    : {
        pass: false,
        message: () =>
          `expected every declared call of ${principal} to be Allowed${list("refused", refused)}${list("proven", proven)}${list("granted but used by no declared call", unused)}`,
      };
}

// ------------------------------------------------------------------ a forgotten await
//
// The matchers are async (the evaluator is). `expect(x).toAllow(...)` without `await` used to
// reject after its test had finished, and that rejection ended the whole jest run with no
// summary. Each call is tracked until its verdict; an afterEach (registered when this module is
// a setup file) fails the test whose call is still pending ("this matcher is async: await
// expect(...).toAllow()"), and the orphaned call then settles quietly. The verdict waits one
// macrotask (the real setImmediate of node's timers module, which jest's fake timers leave
// alone), so a call that was not awaited is always still pending when its test's afterEach runs.

interface MatcherContext {
  readonly isNot?: boolean;
  readonly currentTestName?: string;
}

interface PendingCall {
  readonly matcher: string;
  readonly test: string | undefined;
  orphaned: boolean;
}

const pending = new Set<PendingCall>();

/** The message of a matcher call its test did not await. */
export const notAwaitedMessage = (matcher: string, test: string | undefined): string =>
  `this matcher is async: await expect(...).${matcher}(...)${test ? ` (in "${test}")` : ""}; without await its verdict comes after the test has ended`;

function tracked(ctx: unknown, matcher: string, verdict: () => Promise<Result>): Promise<Result> {
  const c = (typeof ctx === "object" && ctx !== null ? ctx : {}) as MatcherContext;
  const call: PendingCall = { matcher, test: c.currentTestName, orphaned: false };
  pending.add(call);
  // An orphaned call's afterEach already failed its test: settle so that jest throws nothing.
  const quiet = (): Result => ({ pass: c.isNot !== true, message: () => notAwaitedMessage(matcher, call.test) });
  return new Promise<void>((resolve) => setImmediate(resolve)).then(verdict).then(
    (r) => {
      pending.delete(call);
      return call.orphaned ? quiet() : r;
    },
    (e: unknown) => {
      pending.delete(call);
      if (call.orphaned) return quiet();
      throw e;
    },
  );
}

/** The calls still pending when a test ends (marked orphaned): the afterEach check fails the test with them. */
export function takeNotAwaited(): string[] {
  const out: string[] = [];
  for (const call of pending) {
    if (call.orphaned) continue;
    call.orphaned = true;
    out.push(notAwaitedMessage(call.matcher, call.test));
  }
  return out;
}

export function toAllow(this: unknown, subject: AccessSubject, principal: string, action: string, resource: string, context = ""): Promise<Result> {
  return tracked(this, "toAllow", () => allow(subject, principal, action, resource, context));
}

export function toDeny(this: unknown, subject: AccessSubject, principal: string, action: string, resource: string, context = ""): Promise<Result> {
  return tracked(this, "toDeny", () => deny(subject, principal, action, resource, context));
}

/** Exactly these Allowed cells (cell keys, as `xacct-access` prints them): nothing more, nothing less. */
export function toGrantExactly(this: unknown, subject: AccessSubject, expected: readonly string[]): Promise<Result> {
  return tracked(this, "toGrantExactly", () => grantExactly(subject, expected));
}

/**
 * Allowed within the organisation's guardrails: the cell is Allowed with the
 * SCPs of the principal's account and the RCPs of the resource's account
 * applied (`readGuardrails({ scp, rcp, map })` from `xacct-s3/access`).
 * `.not` asserts that the policies or a guardrail refuse it.
 */
export function toAllowWithinGuardrails(
  this: unknown,
  subject: AccessSubject,
  guardrails: Guardrails,
  principal: string,
  action: string,
  resource: string,
  context = "",
): Promise<Result> {
  return tracked(this, "toAllowWithinGuardrails", () => allow(subject, principal, action, resource, context, guardrails));
}

/**
 * Every IAM action each declared call needs is Allowed, with the call's real
 * principal, resource and context (`calls`: a CallContract, the type of the
 * built-in handlers' tables in handlers/<handler>/calls.contract.ts).
 * `principal`: `role/<name>` or the role ARN (the function's execution role or
 * your consumer role). `target`: where the calls go (bucket, prefix, kmsKeyArn,
 * roleArn, ...); default the environment of the stack's function whose
 * execution role `principal` is. `.not` asserts that some call is refused.
 */
export function toAllowCalls(this: unknown, subject: AccessSubject, principal: string, calls: CallContract, target?: Partial<CallTarget>): Promise<Result> {
  return tracked(this, "toAllowCalls", () => allowCalls(subject, principal, calls, target));
}

export const accessMatchers = { toAllow, toDeny, toGrantExactly, toAllowWithinGuardrails, toAllowCalls };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** The subject's access matrix allows this cell (direct or through sts:AssumeRole). Async: await it. */
      toAllow(principal: string, action: string, resource: string, context?: string): Promise<R>;
      /** The cell is in the matrix and Denied. Async: await it. */
      toDeny(principal: string, action: string, resource: string, context?: string): Promise<R>;
      /** The Allowed cells are exactly these keys. Async: await it. */
      toGrantExactly(expected: readonly string[]): Promise<R>;
      /** Allowed with the organisation's SCPs and RCPs applied (`readGuardrails` of xacct-s3/access). Async: await it. */
      toAllowWithinGuardrails(guardrails: Guardrails, principal: string, action: string, resource: string, context?: string): Promise<R>;
      /** Every declared AWS call of `principal` (a CallContract) is Allowed with its real context. Async: await it. */
      toAllowCalls(principal: string, calls: CallContract, target?: Partial<CallTarget>): Promise<R>;
    }
  }
}

const jestGlobals = globalThis as { expect?: { extend?: (m: Record<string, unknown>) => void }; afterEach?: (fn: () => void) => void };
if (jestGlobals.expect?.extend) {
  jestGlobals.expect.extend(accessMatchers);
  // Loaded as a setup file (or from a test file): fail a test that did not await one of these matchers.
  jestGlobals.afterEach?.(() => {
    const missed = takeNotAwaited();
    if (missed.length) throw new Error(missed.join("\n"));
  });
}
