import { buildApp } from "..";
import { ACCESS_POINT_DEMO_CONSUMERS } from "../config";
import { Testing, TerraformStack } from "../../lib/framework";

/** buildApp (app/index.ts) builds only the stacks the `stacks` setting names, so other stacks' settings are never read. */
describe("stack selection (setting stacks / XACCT_STACKS)", () => {
  const built = (xacct: Record<string, unknown>): string[] =>
    buildApp(Testing.app({ context: { xacct } }))
      .node.children.filter((c) => TerraformStack.isStack(c))
      .map((c) => c.node.id);

  it("builds all three by default", () => {
    expect(built({})).toEqual(["assume-role", "bucket-policy", "three-account"]);
  });

  it("builds the opt-in access-points stack only when listed, with ACCESS_POINT_DEMO_CONSUMERS consumers", () => {
    expect(built({})).not.toContain("access-points");
    const app = buildApp(Testing.app({ context: { xacct: { stacks: "access-points" } } }));
    const stacks = app.node.children.filter((c) => TerraformStack.isStack(c));
    expect(stacks.map((c) => c.node.id)).toEqual(["access-points"]);
    const json = JSON.parse(Testing.synth(stacks[0])) as { resource: Record<string, Record<string, unknown>> };
    // One access point per generated consumer plus the writer's own.
    expect(Object.keys(json.resource.aws_s3_access_point)).toHaveLength(ACCESS_POINT_DEMO_CONSUMERS + 1);
  });

  it("builds only the named stack, even when another stack's settings are invalid", () => {
    expect(built({ stacks: ["assume-role"], accounts: { production: { id: "111111111111" } }, reportingBucketName: "Not_A_Bucket" })).toEqual(["assume-role"]);
  });
});
