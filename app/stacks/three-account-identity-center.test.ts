import { checkModel } from "../../lib/checks";
import { Testing } from "../../lib/framework";
import { buildStackModel, statementsOf, TfJson } from "../../lib/model/stack-model";
import { parsePolicy } from "../../lib/testing";
import { stackFromJson } from "../../tools/access/load";
import { computeMatrix } from "../../tools/access/matrix";
import { loadConfig } from "../config";
import { ThreeAccountStack } from "./three-account";

/** Seed 004's layout with Developers/Testers as Identity Center permission sets (XACCT_HUMANS=identity-center, #20 item 1). */
describe("ThreeAccountStack with humans: identity-center", () => {
  const config = loadConfig({ env: { XACCT_HUMANS: "identity-center" } });
  const stack = new ThreeAccountStack(Testing.app(), "three-account", config);
  const tf = JSON.parse(Testing.synth(stack)) as TfJson;
  const model = buildStackModel(tf);
  const dev = config.accounts.development.id;
  const p = config.namePrefix;

  it("creates no IAM group; each human role trusts its permission set's roles by aws:PrincipalArn, without an MFA condition", () => {
    expect(tf.resource?.aws_iam_group).toBeUndefined();
    const role = Object.values(tf.resource?.aws_iam_role ?? {}).find((r) => r.name === `${p}-developer-upload-download`);
    expect(statementsOf(parsePolicy(role?.assume_role_policy))).toEqual([
      {
        Sid: "AssumeFromPrincipalPatterns",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${dev}:root` },
        Action: "sts:AssumeRole",
        Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${dev}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_${p}-Developers_*` } },
      },
    ]);
  });

  it("emits each permission set's inline policy (assume exactly its role), and the checks report no error", () => {
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("developers-permission-set") && k.includes("permission-set-inline-policy"));
    expect(statementsOf(parsePolicy(out?.[1].value))).toEqual([
      {
        Sid: "AssumeRole1",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: `arn:aws:iam::${config.accounts.production.id}:role/${p}-developer-upload-download`,
      },
    ]);
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
  });

  it("the access matrix: the Developers set assumes the developer role only; Testers, another set and a same-named role outside aws-reserved/ do not", async () => {
    const s = stackFromJson("three-account", tf);
    const m = await computeMatrix(s.name, s.model, s.extras);
    const assumes = (who: string, role: string): string | undefined =>
      m.cells.find((c) => c.principal === who && c.action === "sts:AssumeRole" && c.resource === `role/${role}` && c.via === undefined && c.context === "")
        ?.decision;
    const upload = `${p}-developer-upload-download`;
    expect(assumes(`sso:${p}-Developers@${dev}`, upload)).toBe("Allowed");
    expect(assumes(`sso:${p}-Testers@${dev}`, upload)).toBe("Denied");
    expect(assumes(`sso:OtherSet@${dev}`, upload)).toBe("Denied");
    expect(assumes(`not-sso:${p}-Developers@${dev}`, upload)).toBe("Denied");
    expect(assumes(`sso:${p}-Testers@${dev}`, `${p}-tester-view-only`)).toBe("Allowed");
  });
});
