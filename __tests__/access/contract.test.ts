import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct, TerraformStack, Testing } from "../../lib/framework";
import { buildStackModel, type TfJson } from "../../lib/model/stack-model";
import { ACCOUNT_A, ACCOUNT_B, providers } from "../../lib/testing";
import { BucketShare, GrantContract } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import type { S3Grant } from "../../lib/policy";
import { runAccessCli } from "../../tools/access/cli";
import { boundaryPrefixes, loadSide, verifyContract, type ContractVerification } from "../../tools/access/contract";
import { planJson, resourcesOfStack } from "./plan-fixture";

/** Producer and consumer in separate apps: `xacct-access contract verify`. */

const VIEWER = `arn:aws:iam::${ACCOUNT_A}:role/report-viewer`;
const APPLIED_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/0000aaaa-11bb-22cc-33dd-444455556666`;
const KEY_REFERENCE = /\$\{aws_kms_key\.[\w-]+\.arn\}/g;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-contract-"));
afterAll(() => process.env.KEEP_TMP || fs.rmSync(tmp, { recursive: true, force: true }));

/** Synthesize one stack into `<tmp>/<dir>/stacks/<name>/cdk.tf.json` (a cdktf.out directory). */
function outdirOf(dir: string, name: string, build: (scope: Construct) => void): { outdir: string; tf: TfJson } {
  const stack = new TerraformStack(Testing.app(), name);
  build(stack);
  const json = Testing.synth(stack);
  const outdir = path.join(tmp, dir);
  fs.mkdirSync(path.join(outdir, "stacks", name), { recursive: true });
  fs.writeFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), json);
  return { outdir, tf: JSON.parse(json) as TfJson };
}

/** The owner: a new bucket and key, read on reports/ for the viewer, contract published. */
const owner = outdirOf("owner", "data-share", (scope) => {
  const p = providers(scope);
  const share = new BucketShare(scope, "reports", { provider: p.b, accountId: ACCOUNT_B, bucketName: "acme-reports" });
  share.grant(VIEWER, { level: "read", prefix: "reports/" });
  share.publishContract();
});
/** `terraform output -raw ...` after the owner's apply: the key's ARN is known. */
const applied = String(Object.entries(owner.tf.output ?? {}).find(([k]) => k.includes("contract"))?.[1].value).replace(KEY_REFERENCE, APPLIED_KEY);

/** A consumer app built from the applied contract; `tamper` changes the identity side it takes. */
function consumer(dir: string, tamper?: (g: S3Grant) => S3Grant): string {
  return outdirOf(dir, "analytics", (scope) => {
    const p = providers(scope);
    const contract = GrantContract.fromJson(scope, "reports", applied);
    const viewer = new ConsumerAccess(scope, "viewer", { provider: p.a, accountId: ACCOUNT_A, roleArn: VIEWER });
    if (tamper) contract.grantsFor(VIEWER).forEach((g) => viewer.addS3Grant(tamper(g.s3Grant)));
    else contract.bind(viewer);
  }).outdir;
}

const verify = (ownerSide: string, consumerSide: string): Promise<ContractVerification> => verifyContract(loadSide(ownerSide), loadSide(consumerSide));
const disagreements = (v: ContractVerification): string[] =>
  v.principals.flatMap((p) =>
    p.cells.filter((c) => c.verdict !== "granted" && c.verdict !== "denied").map((c) => `${c.verdict} ${c.action} ${c.resource} ${c.context}`.trim()),
  );

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAccessCli(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("xacct-access contract verify", () => {
  const matching = consumer("matching");

  it("boundary probes: the prefixes, their parents and a same-named sibling", () => {
    expect(boundaryPrefixes(["reports/2026/", ""])).toEqual(["reports/", "reports/2026-sibling/", "reports/2026/"]);
  });

  it("a consumer built from the contract agrees with the owner, cell by cell (the new key matched through the contract)", async () => {
    const v = await verify(owner.outdir, matching);
    expect(disagreements(v)).toEqual([]);
    expect(v.agree).toBe(true);
    const [p] = v.principals;
    expect(p).toMatchObject({ principal: VIEWER, bucket: "acme-reports", contract: [{ level: "read", prefix: "reports/" }], kms: [] });
    const granted = p.cells.filter((c) => c.verdict === "granted").map((c) => `${c.action} ${c.resource} ${c.context}`.trim());
    expect(granted).toEqual(
      expect.arrayContaining([
        "s3:GetObject acme-reports/reports/x.json",
        "s3:ListBucket acme-reports prefix=reports/",
        "kms:Decrypt key(acme-reports) via-s3",
      ]),
    );
    // Beyond the contract: the sibling, another prefix, writing: both sides deny.
    const denied = p.cells.filter((c) => c.verdict === "denied").map((c) => `${c.action} ${c.resource}`);
    expect(denied).toEqual(
      expect.arrayContaining([
        "s3:GetObject acme-reports/reports-sibling/x.json",
        "s3:GetObject acme-reports/other/x.json",
        "s3:PutObject acme-reports/reports/x.json",
      ]),
    );
    expect(p.notes.join("\n")).toContain(`taken as ${APPLIED_KEY}`);
  });

  it("catches a consumer asking for a wider prefix", async () => {
    const v = await verify(
      owner.outdir,
      consumer("wider", (g) => ({ ...g, prefix: "" })),
    );
    expect(v.agree).toBe(false);
    expect(disagreements(v)).toEqual(
      expect.arrayContaining([
        "consumer-asks-more s3:GetObject acme-reports/other/x.json",
        "consumer-asks-more s3:GetObject acme-reports/reports-sibling/x.json",
      ]),
    );
    expect(disagreements(v).every((d) => d.startsWith("consumer-asks-more"))).toBe(true);
  });

  it("catches a consumer asking to write where the owner granted read", async () => {
    const v = await verify(
      owner.outdir,
      consumer("write", (g) => ({ ...g, level: "readwrite" })),
    );
    expect(v.agree).toBe(false);
    expect(disagreements(v)).toContain("consumer-asks-more s3:PutObject acme-reports/reports/x.json");
  });

  it("catches a missing KMS side: the consumer's identity without the key", async () => {
    const v = await verify(
      owner.outdir,
      consumer("no-kms", (g) => ({ ...g, kmsKeyArn: undefined })),
    );
    expect(v.agree).toBe(false);
    expect(v.principals[0].kms).toEqual([
      { request: "s3:GetObject acme-reports/reports/x.json", kms: "kms:Decrypt via S3 on key(acme-reports)", missing: ["identity"] },
    ]);
    expect(disagreements(v)).toContain("unused kms:Decrypt key(acme-reports) via-s3");
  });

  it("catches a missing KMS side: the owner's key policy without the consumer", async () => {
    const tf = JSON.parse(JSON.stringify(owner.tf)) as TfJson;
    const [name] = Object.keys(tf.resource?.aws_kms_key ?? {});
    const keys = tf.resource?.aws_kms_key as Record<string, Record<string, unknown>>;
    keys[name].policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Owner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:root` }, Action: "kms:*", Resource: "*" }],
    });
    const dir = path.join(tmp, "owner-bare-key");
    fs.mkdirSync(path.join(dir, "stacks", "data-share"), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", "data-share", "cdk.tf.json"), JSON.stringify(tf));
    const v = await verify(dir, matching);
    expect(v.principals[0].kms).toEqual([expect.objectContaining({ missing: ["key policy"] })]);
    expect(disagreements(v)).toContain("consumer-asks-more kms:Decrypt key(acme-reports) via-s3");
  });

  it("reads the owner's side from a plan.json (after apply: the key's ARN and the contract output known)", async () => {
    const model = buildStackModel(owner.tf);
    const { providers: ps, resources } = resourcesOfStack(owner.tf, (s) => model.resolve(s));
    // After apply, the plan knows the key's ARN wherever it is used (key, bucket encryption, policies).
    const placeholder = model.keys[0].arn;
    const known = JSON.parse(JSON.stringify(resources).split(placeholder).join(APPLIED_KEY)) as typeof resources;
    const withArn = known.map((r) => (r.type === "aws_kms_key" ? { ...r, values: { ...r.values, arn: APPLIED_KEY } } : r));
    const plan = planJson({ providers: ps, before: withArn, after: withArn }) as unknown as { planned_values: Record<string, unknown> };
    plan.planned_values.outputs = { contract: { value: applied } };
    const file = path.join(tmp, "owner-plan.json");
    fs.writeFileSync(file, JSON.stringify(plan));
    const v = await verify(file, matching);
    expect(disagreements(v)).toEqual([]);
    expect(v.principals[0].notes).toEqual([]);
    expect(
      (
        await verify(
          file,
          consumer("plan-wider", (g) => ({ ...g, prefix: "" })),
        )
      ).agree,
    ).toBe(false);
  });

  it("an existing bucket's KMS grant (no kms:ViaService) is wider than the identity: shown, not a disagreement", async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const existing = outdirOf("owner-existing", "data-share", (scope) => {
      const p = providers(scope);
      const share = BucketShare.fromExistingBucket(scope, "reports", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: "acme-reports",
        kmsKeyArn: key,
        policy: "emit",
      });
      share.grant(VIEWER, { level: "read", prefix: "reports/" });
      share.publishContract();
    });
    const text = String(Object.entries(existing.tf.output ?? {}).find(([k]) => k.includes("contract"))?.[1].value);
    const viewer = outdirOf("consumer-existing", "analytics", (scope) => {
      const p = providers(scope);
      GrantContract.fromJson(scope, "reports", text).bind(new ConsumerAccess(scope, "viewer", { provider: p.a, accountId: ACCOUNT_A, roleArn: VIEWER }));
    });
    const v = await verify(existing.outdir, viewer.outdir);
    expect(v.agree).toBe(true);
    expect(disagreements(v)).toEqual(["owner-wider kms:Decrypt key(acme-reports)", "owner-wider kms:Decrypt key(acme-reports) via-s3,other-bucket"]);
    expect(v.principals[0].cells.find((c) => c.action === "kms:Decrypt" && c.context === "via-s3")?.verdict).toBe("granted");
  });

  describe("the CLI", () => {
    it("exits 0 when the sides agree, 4 when they disagree; --json", async () => {
      const ok = await cli("contract", "verify", "--owner", owner.outdir, "--consumer", matching);
      expect(ok.code).toBe(0);
      expect(ok.out).toContain("the two sides agree");
      const bad = await cli("contract", "verify", "--owner", owner.outdir, "--consumer", path.join(tmp, "write"), "--json");
      expect(bad.code).toBe(4);
      const json = JSON.parse(bad.out) as { schema: string; version: number; agree: boolean; principals: { cells: { verdict: string }[] }[] };
      expect(json).toMatchObject({ schema: "xacct-access/contract-verify", version: 1, agree: false });
      expect(json.principals[0].cells.some((c) => c.verdict === "consumer-asks-more")).toBe(true);
      const text = await cli("contract", "verify", "--owner", owner.outdir, "--consumer", path.join(tmp, "write"));
      expect(text.out).toMatch(
        /ASKS MORE\s+s3:PutObject acme-reports\/reports\/x\.json: the consumer's identity allows it, the owner's side does not \(.*Grant1/,
      );
      expect(text.out).toContain("the two sides DISAGREE for 1 of 1 principal(s)");
    });

    it("exits 2 on usage and input errors", async () => {
      expect((await cli("contract", "verify", "--owner", owner.outdir)).err).toContain("needs --owner and --consumer");
      expect((await cli("contract", "check", "--owner", owner.outdir, "--consumer", matching)).code).toBe(2);
      expect((await cli("--owner", owner.outdir)).code).toBe(2);
      const none = outdirOf("no-contract", "plain", (scope) => {
        const p = providers(scope);
        new ConsumerAccess(scope, "viewer", {
          provider: p.a,
          accountId: ACCOUNT_A,
          roleArn: VIEWER,
          assumeRoles: [{ roleArn: `arn:aws:iam::${ACCOUNT_B}:role/x`, maxSessionDurationSeconds: 3600, requireMfa: false }],
        });
      });
      const r = await cli("contract", "verify", "--owner", none.outdir, "--consumer", none.outdir);
      expect(r.code).toBe(2);
      expect(r.err).toContain("no grant contract in");
      expect((await cli("contract", "verify", "--owner", path.join(tmp, "missing.json"), "--consumer", matching)).code).toBe(2);
    });
  });
});
