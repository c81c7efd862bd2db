import { buildApp } from "../main";
import { Testing, TerraformStack } from "../lib/framework";

/** main.ts builds only the stacks the `stacks` setting names, so other stacks' settings are never read. */
describe("stack selection (setting stacks / XACCT_STACKS)", () => {
  const built = (xacct: Record<string, unknown>): string[] =>
    buildApp(Testing.app({ context: { xacct } }))
      .node.children.filter((c) => TerraformStack.isStack(c))
      .map((c) => c.node.id);

  it("builds all three by default", () => {
    expect(built({})).toEqual(["assume-role", "bucket-policy", "three-account"]);
  });

  it("builds only the named stack, even when another stack's settings are invalid", () => {
    expect(built({ stacks: ["assume-role"], accounts: { production: { id: "111111111111" } }, reportingBucketName: "Not_A_Bucket" })).toEqual(["assume-role"]);
  });
});
