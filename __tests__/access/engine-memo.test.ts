import * as path from "path";
import { fastCaseInsensitive, s3ArnShape } from "../../tools/access/engine-speedups";
import { ENGINE_PACKAGE, loadEngine } from "../../tools/access/evaluate";

/** The resource-type memo (tools/access/engine-speedups.ts) answers exactly as the engine does, for every ARN shape the probes use. */

type Fn = ((service: string, action: string, resource: string) => Promise<{ key: string }[]>) & { xacctSpeedup?: true; original?: Fn };

const mod = (): { getResourceTypesForAction: Fn } =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(path.dirname(require.resolve(ENGINE_PACKAGE)), "simulation_engine", "resourceTypes.js")) as { getResourceTypesForAction: Fn };

describe("engine resource-type memo", () => {
  beforeAll(() => loadEngine());

  it("is installed in the engine's module when the engine loads", () => {
    expect(mod().getResourceTypesForAction.xacctSpeedup).toBe(true);
  });

  it("gives the engine's own answer for bucket, object, access point and other ARNs", async () => {
    const fn = mod().getResourceTypesForAction;
    const original = fn.original as Fn;
    const cases: [string, string, string][] = [];
    for (const action of ["GetObject", "PutObject", "ListBucket", "GetObjectVersion", "DeleteObject", "PutBucketPolicy", "AbortMultipartUpload"]) {
      for (const r of [
        "arn:aws:s3:::data-b",
        "arn:aws:s3:::other-bucket",
        "arn:aws:s3:::data-b/reports/x.json",
        "arn:aws:s3:::b/deep/er/key",
        "arn:aws:s3:us-east-1:222222222222:accesspoint/ap-1/object/k",
      ]) {
        cases.push(["s3", action, r]);
      }
    }
    cases.push(
      ["kms", "Decrypt", "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
      ["sts", "AssumeRole", "arn:aws:iam::222222222222:role/r"],
    );
    for (const [s, a, r] of cases) {
      const [memo, real] = await Promise.all([fn(s, a, r).then(names, errorOf), original(s, a, r).then(names, errorOf)]);
      expect([a, r, memo]).toEqual([a, r, real]);
    }
  });

  it("treats only plain S3 bucket and object ARNs as shapes", () => {
    expect(s3ArnShape("arn:aws:s3:::a/b/c")).toBe("arn:aws:s3:::bucket/key");
    expect(s3ArnShape("arn:aws:s3:::a")).toBe("arn:aws:s3:::bucket");
    expect(s3ArnShape("arn:aws:s3:::a*")).toBe("arn:aws:s3:::a*");
    expect(s3ArnShape("arn:aws:s3:us-east-1:1:accesspoint/x")).toBe("arn:aws:s3:us-east-1:1:accesspoint/x");
  });
});

const names = (types: { key: string }[]): string => JSON.stringify(types);
const errorOf = (e: unknown): string => `error: ${(e as Error).message}`;

/** The policy library's case-insensitive comparison, replaced by a faster one for printable ASCII (tools/access/engine-speedups.ts): same answers. */
type Eq = ((a: string, b: string) => boolean) & { xacctSpeedup?: true; original?: (a: string, b: string) => boolean };
const policyUtils = (): { caseInsensitiveEquals: Eq; caseInsensitiveEndsWith: (v: string, s: string) => boolean } =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(path.dirname(require.resolve("@cloud-copilot/iam-policy", { paths: [path.dirname(require.resolve(ENGINE_PACKAGE))] })), "utils.js")) as {
    caseInsensitiveEquals: Eq;
    caseInsensitiveEndsWith: (v: string, s: string) => boolean;
  };

describe("engine case-insensitive comparison", () => {
  beforeAll(() => loadEngine());

  it("is installed in the policy library when the engine loads (this process's collator agrees on printable ASCII)", () => {
    expect(policyUtils().caseInsensitiveEquals.xacctSpeedup).toBe(true);
  });

  it("is not installed over a comparison that disagrees on printable ASCII (another locale's case rules)", () => {
    expect(fastCaseInsensitive((a, b) => a === b)).toBeUndefined();
    expect(fastCaseInsensitive((a, b) => a.localeCompare(b, "tr", { sensitivity: "accent" }) === 0)).toBeUndefined();
    expect(fastCaseInsensitive((a, b) => a.localeCompare(b, "en", { sensitivity: "accent" }) === 0)).toBeDefined();
  });

  it("answers as localeCompare does, for operators, ASCII pairs and non-ASCII text", () => {
    const { caseInsensitiveEquals: eq, caseInsensitiveEndsWith: endsWith } = policyUtils();
    const original = eq.original as (a: string, b: string) => boolean;
    const words = ["StringLikeIfExists", "stringlikeifexists", "STRINGLIKEIFEXISTS", "IfExists", "ifexists", "ForAllValues", "ForAnyValue", "forallvalues:"];
    const odd = ["ÍfExists", "ifexiſts", "İfExists", "ıfexists", "straße", "STRASSE", "e\u0301", "é", "a\u0000", "a", "", " ", "a b", "a-b", "ab"];
    const all = [...words, ...odd];
    for (const a of all) for (const b of all) expect([a, b, eq(a, b)]).toEqual([a, b, original(a, b)]);
    for (const a of all) for (const b of ["IfExists", "ifexists", "S"]) expect([a, b, endsWith(a, b)]).toEqual([a, b, original(a.slice(-b.length), b)]);
    // random printable ASCII strings differing only in case, or in one character
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 1 + (next() % 12) }, () => String.fromCharCode(0x20 + (next() % 95))).join("");
      const flipped = [...s].map((c) => (next() % 2 ? c.toUpperCase() : c.toLowerCase())).join("");
      const changed = s.slice(0, -1) + String.fromCharCode(0x20 + (next() % 95));
      expect([s, flipped, eq(s, flipped)]).toEqual([s, flipped, original(s, flipped)]);
      expect([s, changed, eq(s, changed)]).toEqual([s, changed, original(s, changed)]);
    }
  });
});
