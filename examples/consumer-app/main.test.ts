import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing, TerraformStack } from "cdktf";
import { AUDITORS, BUCKET, buildApp, ECS_TASK_ROLE, KEY_ARN, ORGANIZATION } from "./main";

type Tf = { resource?: Record<string, Record<string, Record<string, unknown>>>; output?: Record<string, { value: unknown }> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const resources = (tf: Tf, type: string): Record<string, unknown>[] => Object.values(tf.resource?.[type] ?? {});
const statements = (json: unknown): Statement[] => list((JSON.parse(String(json)) as { Statement: Statement | Statement[] }).Statement);

function synthAll(): Record<string, Tf> {
  const app = buildApp(Testing.app());
  const out: Record<string, Tf> = {};
  for (const c of app.node.children) if (TerraformStack.isStack(c)) out[c.node.id] = JSON.parse(Testing.synth(c)) as Tf;
  return out;
}

describe("the example app, built on the installed xacct-s3 package", () => {
  const stacks = synthAll();
  const share = stacks["reports-share"];
  const fns = stacks["analytics-functions"];
  /** Every policy document the share stack writes or emits (resources and outputs). */
  const shareText = JSON.stringify(share);

  it("shares the existing bucket without managing it", () => {
    expect(resources(share, "aws_s3_bucket")).toEqual([]);
    expect(resources(share, "aws_kms_key")).toEqual([]);
    expect(shareText).toContain(BUCKET);
  });

  it("gives the ECS task role of the other account read on reports/ only: S3 and the bucket's key", () => {
    const policies = resources(share, "aws_iam_role_policy").filter((p) => String(p.role).includes("report-viewer-task"));
    expect(policies).toHaveLength(1);
    const st = statements(policies[0].policy);
    const objectRead = st.find((s) => list(s.Action).includes("s3:GetObject"));
    expect(list(objectRead?.Resource)).toEqual([`arn:aws:s3:::${BUCKET}/reports/*`]);
    expect(st.some((s) => list(s.Action).includes("s3:PutObject"))).toBe(false);
    expect(st.some((s) => list(s.Action).includes("kms:Decrypt") && list(s.Resource).includes(KEY_ARN))).toBe(true);
    expect(shareText).toContain(ECS_TASK_ROLE);
  });

  it("grants the Organization with aws:PrincipalOrgID", () => {
    expect(shareText).toContain(ORGANIZATION);
    expect(shareText).toContain("aws:PrincipalOrgID");
  });

  it("has an assumable role with ExternalId, MFA and a 2 h maximum", () => {
    const [role] = resources(share, "aws_iam_role").filter((r) => r.name === "acme-report-auditor");
    expect(role.max_session_duration).toBe(7200);
    const trust = statements(role.assume_role_policy);
    const conditions = JSON.stringify(trust.map((s) => s.Condition));
    expect(conditions).toContain("sts:ExternalId");
    expect(conditions).toContain("acme-audit-2026");
    expect(conditions).toContain("aws:MultiFactorAuthPresent");
    expect(JSON.stringify(trust)).toContain(AUDITORS);
  });

  it("runs the team's own TypeScript handler and a Python handler from a directory", () => {
    const functions = resources(fns, "aws_lambda_function");
    const ts = functions.find((f) => f.function_name === "acme-ingest");
    const py = functions.find((f) => f.function_name === "acme-report-summary");
    expect(ts).toMatchObject({ handler: "index.handler", runtime: expect.stringMatching(/^nodejs/) });
    expect(py).toMatchObject({ handler: "app.handler", runtime: "python3.12" });
    // Both keep the archive's hash, so a code change redeploys.
    for (const f of [ts, py]) expect(String(f?.source_code_hash)).toMatch(/data\.archive_file\./);
  });

  it("a deliberately broken policy stops synth with the check id, and no stack JSON is written", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "example-broken-"));
    const app = buildApp(new App({ outdir }), { brokenPolicy: true });
    expect(() => app.synth()).toThrow(/\[list-bucket-on-object-arn\]/);
    const stacksDir = path.join(outdir, "stacks");
    const written = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).filter((s) => fs.existsSync(path.join(stacksDir, s, "cdk.tf.json"))) : [];
    expect(written).toEqual([]);
  });

  it("the same app without the broken policy synthesizes both stacks", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "example-clean-"));
    buildApp(new App({ outdir })).synth();
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["analytics-functions", "reports-share"]);
  });
});
