import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing, TerraformStack } from "cdktf";
import {
  ANALYTICS,
  AUDITORS,
  BUCKET,
  buildApp,
  DATA,
  ECS_TASK_ROLE,
  KEY_ARN,
  LANDING_AUDIT_FUNCTION,
  LANDING_BUCKET,
  ORGANIZATION,
  UPLOADER_FUNCTION,
} from "./main";

type Tf = { resource?: Record<string, Record<string, Record<string, unknown>>>; output?: Record<string, { value: unknown }> };
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

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

  describe("the landing bucket in access-point mode", () => {
    const landing = stacks["landing"];
    const fn = (name: string): { environment?: { variables?: Record<string, string> }[] | { variables?: Record<string, string> } } =>
      resources(landing, "aws_lambda_function").find((f) => f.function_name === name) as never;
    const env = (name: string): Record<string, string> => {
      const e = fn(name).environment;
      return (Array.isArray(e) ? e[0]?.variables : e?.variables) ?? {};
    };
    /** The statements of the execution role of construct `id` (its role policy names the role by reference). */
    const rolePolicy = (id: string): Statement[] =>
      resources(landing, "aws_iam_role_policy").flatMap((p) => (String(p.role).includes(`aws_iam_role.${id}_role`) ? statements(p.policy) : []));
    const apArn = (env: Record<string, string>): string => env.TARGET_BUCKET;

    it("creates one access point per consumer, in the data account, for the bucket", () => {
      const aps = resources(landing, "aws_s3_access_point");
      expect(aps).toHaveLength(2);
      for (const ap of aps) expect(ap).toMatchObject({ bucket: expect.stringContaining(LANDING_BUCKET) });
    });

    it("each Lambda addresses its own access point (not the bucket name), from its grant alone", () => {
      const up = env(UPLOADER_FUNCTION);
      const audit = env(LANDING_AUDIT_FUNCTION);
      for (const e of [up, audit]) expect(apArn(e)).toMatch(new RegExp(`^arn:aws:s3:us-east-1:${DATA}:accesspoint/`));
      expect(apArn(up)).not.toBe(apArn(audit));
      expect(up.TARGET_PREFIX).toBe("uploads/");
      expect(audit.TARGET_PREFIX).toBe("uploads/");
    });

    it("the built-in writer may put through its access point; the team's own code only reads through its own", () => {
      const up = rolePolicy("uploader");
      const audit = rolePolicy("landing-audit");
      expect(up.length).toBeGreaterThan(0);
      expect(audit.length).toBeGreaterThan(0);
      const resOf = (st: Statement[], action: string): string[] => st.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));
      expect(resOf(up, "s3:PutObject").some((r) => r.startsWith(`${apArn(env(UPLOADER_FUNCTION))}/object/uploads/`))).toBe(true);
      expect(resOf(audit, "s3:GetObject").some((r) => r.startsWith(`${apArn(env(LANDING_AUDIT_FUNCTION))}/object/uploads/`))).toBe(true);
      expect(resOf(audit, "s3:PutObject")).toEqual([]);
      expect(JSON.stringify(landing)).toContain(ANALYTICS);
    });
  });

  it("a deliberately broken policy stops synth with the check id, and no stack JSON is written", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "example-broken-"));
    const app = buildApp(new App({ outdir }), { brokenPolicy: true });
    expect(() => app.synth()).toThrow(/\[list-bucket-on-object-arn\]/);
    const stacksDir = path.join(outdir, "stacks");
    const written = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).filter((s) => fs.existsSync(path.join(stacksDir, s, "cdk.tf.json"))) : [];
    expect(written).toEqual([]);
  });

  it("the same app without the broken policy synthesizes every stack", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "example-clean-"));
    buildApp(new App({ outdir })).synth();
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["analytics-functions", "landing", "people-and-ci", "reports-share"]);
  });
});
