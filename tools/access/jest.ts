/**
 * xacct-s3/access/jest: jest matchers for access contracts, backed by the
 * same evaluator as xacct-access. In a jest setup file:
 *
 *   import "xacct-s3/access/jest";
 *
 * then, in a test (the matchers are async: await them):
 *
 *   const json = Testing.synth(stack);
 *   await expect(json).toAllow("role/app", "s3:GetObject", "my-bucket/data/x.json");
 *   await expect(json).toDeny("anonymous", "s3:GetObject", "my-bucket/data/x.json");
 *   await expect(json).toAllow("role/app", "s3:ListBucket", "my-bucket", "prefix=data/");
 *   await expect(json).toGrantExactly(["role/app s3:GetObject my-bucket/data/x.json", ...]);
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
import type { TfJson } from "../../lib/model/stack-model";
import { diffAllowed } from "./diff";
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

function fromTf(name: string, tf: TfJson): Promise<StackMatrix> {
  const s = stackFromJson(name, tf);
  return computeMatrix(s.name, s.model, s.extras);
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
  return principals || `no probe ${action} ${resource} for ${principal}; its probes: ${[...new Set(m.cells.filter((c) => c.principal === principal).map((c) => `${c.action} ${c.resource}`))].join(", ")}`;
}

const what = (p: string, a: string, r: string, ctx: string): string => `${p} ${a} ${r}${ctx ? ` [${ctx}]` : ""}`;

interface Result {
  pass: boolean;
  message: () => string;
}

export async function toAllow(this: unknown, subject: AccessSubject, principal: string, action: string, resource: string, context = ""): Promise<Result> {
  const m = await matrixOfSubject(subject);
  const cells = matching(m, principal, action, resource, context);
  const allowed = cells.filter((c) => c.decision === "Allowed");
  return allowed.length
    ? { pass: true, message: () => `expected ${what(principal, action, resource, context)} not to be Allowed, but it is: ${allowed.map((c) => c.key).join("; ")}` }
    : { pass: false, message: () => `expected ${what(principal, action, resource, context)} to be Allowed, but it is not.\n${near(m, principal, action, resource)}` };
}

export async function toDeny(this: unknown, subject: AccessSubject, principal: string, action: string, resource: string, context = ""): Promise<Result> {
  const m = await matrixOfSubject(subject);
  const cells = matching(m, principal, action, resource, context);
  if (cells.length === 0) {
    return { pass: false, message: () => `${what(principal, action, resource, context)} is not a cell of the matrix, so it cannot be shown Denied.\n${near(m, principal, action, resource)}` };
  }
  const allowed = cells.filter((c) => c.decision === "Allowed");
  return allowed.length
    ? { pass: false, message: () => `expected ${what(principal, action, resource, context)} to be Denied, but Allowed: ${allowed.map((c) => c.key).join("; ")}` }
    : { pass: true, message: () => `expected ${what(principal, action, resource, context)} not to be Denied, but it is` };
}

/** Exactly these Allowed cells (cell keys, as `xacct-access` prints them): nothing more, nothing less. */
export async function toGrantExactly(this: unknown, subject: AccessSubject, expected: readonly string[]): Promise<Result> {
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

export const accessMatchers = { toAllow, toDeny, toGrantExactly };

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
    }
  }
}

const globalExpect = (globalThis as { expect?: { extend?: (m: Record<string, unknown>) => void } }).expect;
if (globalExpect?.extend) globalExpect.extend(accessMatchers);
