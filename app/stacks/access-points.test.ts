import { checkModel, hasSizeLimit, policySize, POLICY_SIZE_LIMITS } from "../../lib/checks";
import { loadConfig } from "../config";
import { Testing } from "../../lib/framework";
import { buildStackModel, TfJson } from "../../lib/model/stack-model";
import { AccessPointShareStack, generatedConsumers } from "./access-points";

/** The access-point example stack with a few hundred generated consumers, synthesized as the app would. */
describe("AccessPointShareStack with 300 generated consumers", () => {
  const app = Testing.app();
  const config = loadConfig({ env: {} });
  const stack = new AccessPointShareStack(app, "access-points", config, { consumers: 300 });
  const tf = JSON.parse(Testing.synth(stack)) as TfJson;
  const model = buildStackModel(tf);

  it("creates one access point per consumer plus the writer's", () => {
    expect(Object.keys(tf.resource?.aws_s3_access_point ?? {})).toHaveLength(301);
    expect(model.accessPoints).toHaveLength(301);
  });

  it("keeps every policy under its AWS limit, and the checks report no error", () => {
    expect(model.policies.length).toBeGreaterThan(300);
    for (const p of model.policies) {
      if (!hasSizeLimit(p.kind)) continue;
      const limit = POLICY_SIZE_LIMITS[p.kind].limit;
      expect({ address: p.address, fits: policySize(p) <= limit }).toEqual({ address: p.address, fits: true });
    }
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
  });

  it("names no consumer in the bucket policy, and the writer targets its access point", () => {
    const bucketPolicy = model.policies.find((p) => p.kind === "bucket");
    expect(bucketPolicy?.json).not.toContain(generatedConsumers(1)[0].principal);
    expect(bucketPolicy?.json).toContain("s3:DataAccessPointAccount");
    const fn = model.functions[0];
    expect(Object.values(fn.environment).some((x) => /:accesspoint\//.test(x))).toBe(true);
  });
});

describe("AccessPointShareStack follows XACCT_ACCESS_LOGS (#17 item 8)", () => {
  it.each([
    ["true", 1],
    ["false", 0],
  ])("XACCT_ACCESS_LOGS=%s: %i access logging configuration(s)", (value, n) => {
    const app = Testing.app();
    const config = loadConfig({ env: { XACCT_ACCESS_LOGS: value } });
    const stack = new AccessPointShareStack(app, "access-points", config, { consumers: 2 });
    const tf = JSON.parse(Testing.synth(stack)) as TfJson;
    expect(Object.keys(tf.resource?.aws_s3_bucket_logging ?? {})).toHaveLength(n);
  });
});
