import * as path from "path";
import { ENGINE_PACKAGE, loadEngine, s3ArnShape } from "../../tools/access/evaluate";

/** The resource-type memo (tools/access/evaluate.ts) answers exactly as the engine does, for every ARN shape the probes use. */

type Fn = ((service: string, action: string, resource: string) => Promise<{ key: string }[]>) & { memoized?: true; original?: Fn };

const mod = (): { getResourceTypesForAction: Fn } =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(path.dirname(require.resolve(ENGINE_PACKAGE)), "simulation_engine", "resourceTypes.js")) as { getResourceTypesForAction: Fn };

describe("engine resource-type memo", () => {
  beforeAll(() => loadEngine());

  it("is installed in the engine's module when the engine loads", () => {
    expect(mod().getResourceTypesForAction.memoized).toBe(true);
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
