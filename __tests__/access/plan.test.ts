import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildStackModel } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import { diffPlan } from "../../tools/access";
import { parsePlanJson, PlanInputError } from "../../tools/access/plan";
import { BUCKET_POLICY_EXPECTED, DIRECT_BUCKET } from "./expected";
import { runCli, synthesized } from "./helpers";
import { FixtureResource, planJson, resourcesOfStack } from "./plan-fixture";

/** `xacct-access plan`: access before and after a saved plan, from `terraform show -json` output. */

const PARTNER = "arn:aws:iam::444455556666:role/partner-reader";

/** The bucket-policy stack as deployed (prior state), and as planned with one more statement in its bucket policy. */
function deployedBucketPolicyStack(): { providers: ReturnType<typeof resourcesOfStack>["providers"]; resources: FixtureResource[] } {
  const tf = synthesized()["bucket-policy"];
  const model = buildStackModel(tf);
  return resourcesOfStack(tf, (value) => model.resolve(value));
}

function withBucketStatement(resources: readonly FixtureResource[], statement: PolicyDocument["Statement"][number]): FixtureResource[] {
  return resources.map((r) => {
    if (r.type !== "aws_s3_bucket_policy") return r;
    const doc = JSON.parse(String(r.values.policy)) as PolicyDocument;
    return { ...r, values: { ...r.values, policy: JSON.stringify({ ...doc, Statement: [...doc.Statement, statement] }) } };
  });
}

const grantPartner = {
  Sid: "Partner",
  Effect: "Allow" as const,
  Principal: { AWS: PARTNER },
  Action: "s3:GetObject",
  Resource: `arn:aws:s3:::${DIRECT_BUCKET}/incoming/*`,
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-plan-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const writePlan = (name: string, content: unknown): string => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
};
const cli = runCli;

describe("plan diff of a deployed cdktf stack", () => {
  it("a new principal granted in the bucket policy: exactly its new cell is NEW, nothing REMOVED", async () => {
    const { providers, resources } = deployedBucketPolicyStack();
    const d = await diffPlan(planJson({ providers, before: resources, after: withBucketStatement(resources, grantPartner) }));
    const s = d.stacks[0];
    expect(s.added.map((c) => c.key)).toEqual([`${PARTNER} s3:GetObject ${DIRECT_BUCKET}/incoming/x.json`]);
    expect(s.added[0].external).toBe(true);
    expect(s.added[0].deciding).toContainEqual(expect.objectContaining({ effect: "Allow", source: "bucket", sid: "Partner" }));
    expect(s.removed).toEqual([]);
    expect(s.unchanged).toBe(BUCKET_POLICY_EXPECTED.length);
    expect(s.unknown).toEqual([]);
  });

  it("no change: nothing NEW or REMOVED, every Allowed cell UNCHANGED", async () => {
    const { providers, resources } = deployedBucketPolicyStack();
    const d = await diffPlan(planJson({ providers, before: resources, after: resources }));
    expect([d.stacks[0].added, d.stacks[0].removed, d.stacks[0].unchanged]).toEqual([[], [], BUCKET_POLICY_EXPECTED.length]);
  });

  it("removing the Lambda's key grant: its two KMS cells are REMOVED, with the deciding statements of before", async () => {
    const { providers, resources } = deployedBucketPolicyStack();
    const after = resources.map((r) => {
      if (r.type !== "aws_kms_key") return r;
      const doc = JSON.parse(String(r.values.policy)) as PolicyDocument;
      return { ...r, values: { ...r.values, policy: JSON.stringify({ ...doc, Statement: doc.Statement.filter((x) => x.Sid !== "CrossAccountUse1") }) } };
    });
    const d = await diffPlan(planJson({ providers, before: resources, after }));
    expect(d.stacks[0].removed.map((c) => c.key).sort()).toEqual([
      `role/xacct-direct-writer-exec kms:Decrypt key(${DIRECT_BUCKET}) [via-s3]`,
      `role/xacct-direct-writer-exec kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3]`,
    ]);
    expect(d.stacks[0].removed[0].deciding).toContainEqual(expect.objectContaining({ source: "key", sid: "CrossAccountUse1" }));
    expect(d.stacks[0].added).toEqual([]);
  });

  it("a policy known only after apply is reported UNKNOWN (and fails --fail-on new-external), never dropped", async () => {
    const { providers, resources } = deployedBucketPolicyStack();
    const bp = resources.find((r) => r.type === "aws_s3_bucket_policy") as FixtureResource;
    const plan = planJson({
      providers,
      before: resources,
      after: withBucketStatement(resources, grantPartner),
      unknown: { [`aws_s3_bucket_policy.${bp.name}`]: { policy: true } },
    });
    const d = await diffPlan(plan);
    expect(d.stacks[0].unknown).toEqual([{ address: `aws_s3_bucket_policy.${bp.name}`, attribute: "policy" }]);
    // what the bucket policy allowed before is undecided, not REMOVED
    expect(d.stacks[0].removed).toEqual([]);
    expect(d.stacks[0].undecided.map((c) => c.key).sort()).toEqual(BUCKET_POLICY_EXPECTED.filter((k) => k.includes(" s3:")).sort());
    const file = writePlan("unknown.json", plan);
    const r = await cli("plan", file);
    expect(r.code).toBe(3);
    expect(r.out).toContain(`UNKNOWN  aws_s3_bucket_policy.${bp.name}: policy (known after apply`);
    expect((await cli("plan", file, "--fail-on", "never")).code).toBe(0);
  });

  it("a new role's computed inline_policy / managed_policy_arns (not set in the configuration) are not reported unknown", async () => {
    const role: FixtureResource = {
      type: "aws_iam_role",
      name: "new_role",
      values: { name: "new-role", assume_role_policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }), inline_policy: [], managed_policy_arns: [] },
      computed: ["inline_policy", "managed_policy_arns"],
    };
    const configured: FixtureResource = { ...role, name: "configured", values: { ...role.values, name: "configured" }, computed: ["managed_policy_arns"] };
    const unknown = { inline_policy: true, managed_policy_arns: true, arn: true };
    const d = await diffPlan(
      planJson({
        providers: [{ key: "aws", account: "111111111111" }],
        before: [],
        after: [role, configured],
        unknown: { "aws_iam_role.new_role": unknown, "aws_iam_role.configured": unknown },
      }),
    );
    expect(d.stacks[0].unknown).toEqual([{ address: "aws_iam_role.configured", attribute: "inline_policy" }]);
  });

  it("exit codes: 3 on NEW cross-account access (default), 0 with --fail-on never, 0 when nothing is new", async () => {
    const { providers, resources } = deployedBucketPolicyStack();
    const grant = writePlan("grant.json", planJson({ providers, before: resources, after: withBucketStatement(resources, grantPartner) }));
    const same = writePlan("same.json", planJson({ providers, before: resources, after: resources }));
    const r = await cli("plan", grant);
    expect(r.code).toBe(3);
    expect(r.out).toContain(`NEW      ${PARTNER} s3:GetObject ${DIRECT_BUCKET}/incoming/x.json  (cross-account/public)`);
    expect(r.out).toContain("1 NEW (1 cross-account/public), 0 REMOVED");
    expect((await cli("plan", grant, "--fail-on", "never")).code).toBe(0);
    expect((await cli("plan", same)).code).toBe(0);
    expect((await cli("plan", same, "--fail-on", "new-any")).code).toBe(0);
  });
});

describe("plan input errors: one message naming what was expected, exit code 2", () => {
  const EXPECTED = "expected the JSON of a saved plan: terraform plan -out=tfplan && terraform show -json tfplan > plan.json";
  it.each([
    ["truncated", '{"format_version":"1.2","planned_values":{"root_', "it is not valid JSON, truncated or not JSON at all"],
    ["empty", "", "it is empty"],
    ["not a plan", '{"hello":"world"}', 'no "format_version", so not terraform show -json output'],
    ["a state", '{"format_version":"1.0","values":{"root_module":{}}}', "this is a Terraform state (terraform show -json without a plan file), not a plan"],
    ["no resource values", '{"format_version":"1.2","resource_changes":[]}', 'a plan without resource values ("planned_values" is missing)'],
    ["an array", "[]", "not a JSON object"],
  ])("%s", async (name, text, message) => {
    expect(() => parsePlanJson(text, "p.json")).toThrow(PlanInputError);
    expect(() => parsePlanJson(text, "p.json")).toThrow(`p.json: ${message}`);
    const r = await cli("plan", writePlan(`${name}.json`, text));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain(EXPECTED);
  });

  it("a missing file, or no file given", async () => {
    const r = await cli("plan", path.join(tmp, "nope.json"));
    expect([r.code, r.err]).toEqual([2, expect.stringContaining("nope.json: no such file")]);
    expect((await cli("plan")).code).toBe(2);
  });
});
