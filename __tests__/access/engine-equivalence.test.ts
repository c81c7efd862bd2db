import * as fs from "fs";
import * as path from "path";
import { diffPlan, loadStackJson, matrixOf } from "../../tools/access";
import { generatedPlan } from "../../bench/access-plans";
import { synthesized } from "./helpers";

/**
 * The faster evaluation (trimmed resource policies; a diff skipping probes no
 * applicable Allow can reach) against the reference mode (`exhaustive`: every
 * probe, whole policies: the engine before issue #22), both computed here.
 */
const fixture = (name: string): string => path.join(__dirname, "fixtures", name);

describe("fast evaluation = exhaustive reference", () => {
  it("the demo stacks' matrices are identical cell for cell", async () => {
    for (const [name, tf] of Object.entries(synthesized())) {
      const stack = loadStackJson(name, tf);
      const [fast, reference] = [await matrixOf(stack), await matrixOf(stack, { exhaustive: true })];
      expect(fast.cells.length).toBeGreaterThan(0);
      expect(fast).toEqual(reference);
    }
  }, 120_000);

  it.each(["bucket-policy.create.plan.json", "bucket-policy.replan.plan.json"])(
    "the real plan %s diffs identically",
    async (file) => {
      const text = fs.readFileSync(fixture(file), "utf8");
      expect(await diffPlan(text, { file })).toEqual(await diffPlan(text, { file, exhaustive: true }));
    },
    60_000,
  );

  it.each([12, 40])(
    "a generated plan of %i consumers, each on its own prefix, diffs identically",
    async (n) => {
      const plan = JSON.stringify(generatedPlan(n, 4));
      const fast = await diffPlan(plan, { file: "g.json" });
      expect(fast.stacks[0].added.length).toBeGreaterThan(0);
      expect(fast).toEqual(await diffPlan(plan, { file: "g.json", exhaustive: true }));
    },
    120_000,
  );
});
