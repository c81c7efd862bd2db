import type { StackMatrix } from "./types";

/** Allowed cells compared with a hand-written expectation (or another matrix). */

export interface MatrixDiff {
  /** Allowed but not expected: more access than designed. */
  readonly unexpected: string[];
  /** Expected but not Allowed: designed access that does not work. */
  readonly missing: string[];
}

export function allowedKeys(matrix: StackMatrix): string[] {
  return [...new Set(matrix.cells.filter((c) => c.decision === "Allowed").map((c) => c.key))].sort();
}

export function diffAllowed(matrix: StackMatrix, expected: readonly string[]): MatrixDiff {
  const actual = new Set(allowedKeys(matrix));
  const want = new Set(expected);
  return {
    unexpected: [...actual].filter((k) => !want.has(k)).sort(),
    missing: [...want].filter((k) => !actual.has(k)).sort(),
  };
}

/** What changed between two matrices of the same stack (e.g. before and after a policy edit). */
export const diffMatrices = (before: StackMatrix, after: StackMatrix): MatrixDiff => diffAllowed(after, allowedKeys(before));
