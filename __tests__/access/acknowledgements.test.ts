import * as fs from "fs";
import * as path from "path";
import { synthAcknowledgedShare } from "../../lib/checks/acknowledge.fixture";
import { runCli } from "./helpers";

/** Acknowledged check warnings are part of the review: every output of xacct-access shows them with their reason. */

const REASON = "the partner account decides which of its roles read";

const synthDir = (): string => synthAcknowledgedShare([{ rule: "account-root-principal", reason: REASON }]).dir;

describe("xacct-access shows acknowledgements", () => {
  const dir = synthDir();
  const file = path.join(dir, "stacks", "acks", "cdk.tf.json");

  it("text and markdown: the rule, the resource and the reason", async () => {
    const text = (await runCli("--outdir", dir)).out;
    expect(text).toMatch(new RegExp(`ACKNOWLEDGED  \\[account-root-principal\\] aws_s3_bucket_policy\\.[\\w]+: ${REASON}`));
    const md = (await runCli("--outdir", dir, "--markdown")).out;
    expect(md).toContain("Acknowledged check warnings:");
    expect(md).toMatch(new RegExp(`\\| \`account-root-principal\` \\| \`aws_kms_key\\.[\\w]+\` \\| ${REASON} \\|`));
  });

  it("json: an acknowledgements list per stack", async () => {
    const json = JSON.parse((await runCli("--outdir", dir, "--json")).out) as { stacks: { acknowledgements: { rule: string; reason: string }[] }[] };
    expect(json.stacks[0].acknowledgements.map((a) => [a.rule, a.reason])).toEqual([
      ["account-root-principal", REASON],
      ["account-root-principal", REASON],
    ]);
  });

  it("sarif: suppressed results with the reason as justification, on the line of the resource in cdk.tf.json", async () => {
    type Result = {
      ruleId: string;
      suppressions?: { justification: string }[];
      locations: { physicalLocation: { region: { startLine: number } }; logicalLocations?: { fullyQualifiedName: string }[] }[];
    };
    const sarif = JSON.parse((await runCli("--outdir", dir, "--sarif")).out) as { runs: { results: Result[] }[] };
    const results = sarif.runs[0].results;
    const acks = results.filter((r) => r.ruleId === "acknowledged-finding");
    expect(acks).toHaveLength(2);
    expect(acks.map((r) => r.suppressions?.[0].justification)).toEqual([REASON, REASON]);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    // Every result (external-access notes included) sits on the line that opens its resource's block.
    for (const r of results) {
      const address = r.locations[0].logicalLocations?.[0].fullyQualifiedName ?? "";
      const line = r.locations[0].physicalLocation.region.startLine;
      expect(line).toBeGreaterThan(1);
      expect(lines[line - 1].trim()).toBe(`"${address.split(".")[1]}": {`);
    }
  });
});
