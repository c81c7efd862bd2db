import type { TfJson } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import type { MatrixDiff } from "../../tools/access/diff";
import { runAccessCli } from "../../tools/access/cli";
import { stackFromJson } from "../../tools/access/load";
import { computeMatrix } from "../../tools/access/matrix";
import { synthStacks } from "../../app/synth";
import type { Cell, StackMatrix } from "../../tools/access/types";

/** Shared by the access-matrix tests: synthesize, compute, compare, mutate. */

const synthCache = new Map<string, Record<string, TfJson>>();

/** The stacks synthesized with `context.xacct = context` (once per context per test file). */
export function synthesized(context: Record<string, unknown> = {}): Record<string, TfJson> {
  const key = JSON.stringify(context);
  const hit = synthCache.get(key);
  if (hit) return hit;
  const stacks = synthStacks(context);
  synthCache.set(key, stacks);
  return stacks;
}

export const matrixOfJson = (name: string, tf: TfJson): Promise<StackMatrix> => {
  const s = stackFromJson(name, tf);
  return computeMatrix(s.name, s.model, s.extras);
};

export const matrixOf = (name: string, context: Record<string, unknown> = {}): Promise<StackMatrix> => matrixOfJson(name, synthesized(context)[name]);

export const NO_DIFF: MatrixDiff = { unexpected: [], missing: [] };

export const allowed = (m: StackMatrix): Cell[] => m.cells.filter((c) => c.decision === "Allowed");
export const cellsOf = (m: StackMatrix, principal: string): Cell[] => m.cells.filter((c) => c.principal === principal);

/** A deep copy of `tf` with one policy document (found by resource type and name prefix) rewritten. */
export function withPolicy(
  tf: TfJson,
  type: "aws_s3_bucket_policy" | "aws_iam_role_policy" | "aws_kms_key",
  namePrefix: string,
  edit: (doc: PolicyDocument) => void,
): TfJson {
  const copy = JSON.parse(JSON.stringify(tf)) as TfJson;
  const byName = copy.resource?.[type] ?? {};
  const names = Object.keys(byName).filter((n) => n.startsWith(namePrefix));
  if (names.length !== 1) throw new Error(`expected one ${type} named ${namePrefix}*, found ${names.join(", ") || "none"}`);
  const attrs = byName[names[0]];
  const doc = JSON.parse(String(attrs.policy)) as PolicyDocument;
  edit(doc);
  attrs.policy = JSON.stringify(doc);
  return copy;
}

const DESTRUCTIVE = ["s3:DeleteObject", "s3:DeleteBucket", "s3:PutBucketPolicy"];

/**
 * What must hold in every stack whatever its design: nothing without TLS
 * (denied by the bucket policy's own statement), nothing for probes outside
 * the stack, anonymous or the third account, no destructive S3 action, nothing
 * outside the prefix of a bucket whose grants are all prefix-scoped.
 */
export function itDeniesTheUsualSuspects(matrix: () => StackMatrix, scopedBuckets: readonly string[]): void {
  it("denies every request without TLS, by the bucket policy's DenyInsecureTransport", () => {
    const noTls = matrix().cells.filter((c) => c.context.split(",").includes("no-tls"));
    expect(noTls.length).toBeGreaterThan(0);
    for (const c of noTls) {
      expect([c.key, c.decision]).toEqual([c.key, "Denied"]);
      // (a PutObject with a wrong encryption header also meets an SSE-KMS pinning deny)
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "DenyInsecureTransport" }));
    }
  });

  it("gives anonymous and the third account nothing", () => {
    for (const p of ["anonymous", "probe/999999999999"]) {
      expect(cellsOf(matrix(), p).length).toBeGreaterThan(0);
      expect(allowed(matrix()).filter((c) => c.principal === p)).toEqual([]);
    }
  });

  it("allows no DeleteObject, DeleteBucket or PutBucketPolicy to anyone", () => {
    expect(allowed(matrix()).filter((c) => DESTRUCTIVE.includes(c.action))).toEqual([]);
  });

  it("allows nothing under the wrong prefix of a prefix-scoped bucket, nor listing it or the whole bucket", () => {
    const outside = (c: Cell): boolean =>
      scopedBuckets.some((b) => c.resource.startsWith(`${b}/other/`) || (c.resource === b && /(^|,)(prefix=other\/|no-prefix)(,|$)/.test(c.context)));
    expect(matrix().cells.filter(outside).length).toBeGreaterThan(0);
    expect(allowed(matrix()).filter(outside)).toEqual([]);
  });
}

/** `xacct-access <argv>` in process: exit code, stdout and stderr. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAccessCli(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}
