import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "..";
import { TerraformStack, Testing } from "../../lib/framework";
import { TfJson } from "../../lib/model/stack-model";

/** Build the app with a given context, and return each stack's synthesized JSON. */
function synthAll(context: Record<string, unknown> = {}): Record<string, TfJson> {
  const app = Testing.app({ context: { xacct: context } });
  buildApp(app);
  const out: Record<string, TfJson> = {};
  for (const c of app.node.children) if (TerraformStack.isStack(c)) out[c.node.id] = JSON.parse(Testing.synth(c)) as TfJson;
  return out;
}

const stacks = synthAll();

describe.each(["assume-role", "bucket-policy", "three-account"])("stack %s", (name) => {
  const tf = stacks[name];

  it("fully synthesizes (assets and all) into a stack directory", () => {
    const app = Testing.app({ context: { xacct: {} } });
    buildApp(app);
    const stack = app.node.children.find((c) => c.node.id === name) as TerraformStack;
    const dir = Testing.fullSynth(stack);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
    expect(Object.keys(json.resource ?? {}).length).toBeGreaterThan(5);
    // Each Lambda's bundle is copied next to the stack, where archive_file zips it at plan time.
    for (const d of Object.values(json.data?.archive_file ?? {})) {
      expect(fs.existsSync(path.join(dir, "stacks", name, String(d.source_dir), "index.js"))).toBe(true);
    }
  });

  it("pins every AWS provider to its account with an alias", () => {
    const aws = tf.provider?.aws ?? [];
    expect(aws.length).toBeGreaterThanOrEqual(2);
    for (const p of aws) {
      expect(typeof p.alias).toBe("string");
      expect(p.allowed_account_ids).toHaveLength(1);
      expect(p.region).toBe("us-east-1");
      // The emulator's endpoints and skip flags never appear in the default synth.
      expect(p.endpoints).toBeUndefined();
      expect(p.skip_credentials_validation).toBeUndefined();
    }
  });

  it("keeps state in a local file per stack, outside cdktf.out", () => {
    const local = (tf as { terraform: { backend: { local: { path: string } } } }).terraform.backend.local;
    expect(local.path).toBe(path.join(process.cwd(), "state", `${name}.tfstate`));
  });

  it("writes depends_on as plain addresses of resources that exist (what terraform accepts)", () => {
    const all = Object.entries(tf.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([n, a]) => ({ address: `${type}.${n}`, a })));
    const addresses = new Set(all.map((r) => r.address));
    const deps = all.flatMap((r) => (r.a.depends_on as string[] | undefined) ?? []);
    expect(deps.length).toBeGreaterThan(0);
    for (const d of deps) {
      expect(d).toMatch(/^[a-z0-9_]+\.[\w-]+$/);
      expect(addresses.has(d)).toBe(true);
    }
  });

  it("puts every resource on an aliased provider", () => {
    for (const [type, byName] of Object.entries(tf.resource ?? {})) {
      for (const attrs of Object.values(byName)) {
        expect([type, attrs.provider]).toEqual([type, expect.stringMatching(/^aws\.[a-z_]+$/)]);
      }
    }
  });
});

describe("outputs", () => {
  const names = (tf: TfJson): string[] => Object.keys(tf.output ?? {}).sort();
  it("assume-role and bucket-policy export what reviewers and the e2e tier read", () => {
    const common = ["bucket_arn", "bucket_name", "kms_key_arn", "lambda_function_name", "lambda_role_arn"];
    expect(names(stacks["assume-role"])).toEqual([...common, "target_role_arn"].sort());
    expect(names(stacks["bucket-policy"])).toEqual(common);
  });

  it("three-account exports its principals and buckets", () => {
    expect(names(stacks["three-account"])).toEqual(
      [
        "batch_operations_role_arn",
        "developer_role_arn",
        "developers_group_name",
        "processor_function_arn",
        "processor_function_name",
        "processor_role_arn",
        "production_bucket_name",
        "reporting_bucket_name",
        "reporting_writer_role_arn",
        "tester_role_arn",
        "testers_group_name",
        // the AWS CLI profiles of the human groups (AssumableRole.addAssumingGroup, #17 item 6)
        "developer-role-developers-cli-profile",
        "tester-role-testers-cli-profile",
      ].sort(),
    );
  });
});

describe("account placement", () => {
  const aliasAccount = (tf: TfJson): Record<string, string> =>
    Object.fromEntries((tf.provider?.aws ?? []).map((p) => [String(p.alias), (p.allowed_account_ids as string[])[0]]));

  it("two-account stacks: bucket and key in B, Lambda in A", () => {
    for (const name of ["assume-role", "bucket-policy"]) {
      const tf = stacks[name];
      expect(aliasAccount(tf)).toEqual({ account_a: "111111111111", account_b: "222222222222" });
      expect(Object.values(tf.resource?.aws_s3_bucket ?? {}).map((b) => b.provider)).toEqual(["aws.account_b"]);
      expect(Object.values(tf.resource?.aws_lambda_function ?? {}).map((b) => b.provider)).toEqual(["aws.account_a"]);
    }
  });

  it("three-account: groups in development, data and processor in production, reports in reporting", () => {
    const tf = stacks["three-account"];
    expect(aliasAccount(tf)).toEqual({ development: "111111111111", production: "222222222222", reporting: "333333333333" });
    expect(Object.values(tf.resource?.aws_iam_group ?? {}).map((g) => g.provider)).toEqual(["aws.development", "aws.development"]);
    const buckets = Object.values(tf.resource?.aws_s3_bucket ?? {}).map((b) => [b.bucket, b.provider]);
    expect(buckets).toEqual(
      expect.arrayContaining([
        ["xacct-prod-data-222222222222-us-east-1", "aws.production"],
        ["xacct-reporting-333333333333-us-east-1", "aws.reporting"],
      ]),
    );
    expect(Object.values(tf.resource?.aws_lambda_function ?? {}).map((f) => f.provider)).toEqual(["aws.production"]);
  });
});

describe("three-account processorQueue", () => {
  const tf = synthAll({ processorQueue: true })["three-account"];
  const res = (type: string) => Object.values(tf.resource?.[type] ?? {});

  it("routes the data bucket's events through a queue (with DLQ) in production to the processor", () => {
    expect(
      res("aws_sqs_queue")
        .map((q) => [q.name, q.provider])
        .sort(),
    ).toEqual([
      ["xacct-metadata-processor-failures", "aws.production"],
      ["xacct-metadata-processor-s3-events", "aws.production"],
      ["xacct-metadata-processor-s3-events-dlq", "aws.production"],
    ]);
    const [n] = res("aws_s3_bucket_notification");
    expect(n.provider).toBe("aws.production");
    expect(n.lambda_function).toBeUndefined();
    expect((n.queue as Record<string, unknown>[])[0].events).toEqual(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
    expect(res("aws_lambda_permission")).toEqual([]);
    expect(res("aws_lambda_event_source_mapping").map((m) => m.function_response_types)).toEqual([["ReportBatchItemFailures"]]);
    const [qp] = res("aws_sqs_queue_policy");
    expect(JSON.parse(String(qp.policy)).Statement[0].Condition).toEqual({
      ArnEquals: { "aws:SourceArn": "arn:aws:s3:::xacct-prod-data-222222222222-us-east-1" },
      StringEquals: { "aws:SourceAccount": "222222222222" },
    });
    expect(tf.output?.processor_queue_url.value).toMatch(/^\$\{aws_sqs_queue\.[\w-]+\.url\}$/);
  });

  it("is off by default: direct invocation, no event queue", () => {
    const d = stacks["three-account"];
    expect(Object.keys(d.resource ?? {})).not.toContain("aws_lambda_event_source_mapping");
    expect(d.output?.processor_queue_url).toBeUndefined();
  });
});

describe("a replaced principal re-applies every policy that names it", () => {
  // AWS stores a principal ARN as the principal's unique id: each policy naming a role of the
  // same stack carries that role's unique_id (policy Id), so `terraform apply -replace` on the
  // role plans an update of those policies. e2e: "replace-plan" shows it with real terraform.
  const policiesNaming = (tf: TfJson, role: string): string[] =>
    Object.entries(tf.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([, a]) => [a.policy, a.assume_role_policy].some((p) => typeof p === "string" && p.includes(`\${aws_iam_role.${role}.unique_id}`)))
        .map(([n]) => `${type}.${n}`),
    );
  const roleNamed = (tf: TfJson, name: string): string => Object.entries(tf.resource?.aws_iam_role ?? {}).find(([, a]) => a.name === name)?.[0] ?? "(none)";

  it("bucket-policy: the Lambda role's bucket policy and key policy", () => {
    const tf = stacks["bucket-policy"];
    expect(policiesNaming(tf, roleNamed(tf, "xacct-direct-writer-exec")).sort()).toEqual([
      expect.stringMatching(/^aws_kms_key\.shared-bucket_key_/),
      expect.stringMatching(/^aws_s3_bucket_policy\.shared-bucket_policy_/),
    ]);
  });

  it("assume-role and three-account: the trust policy of the role the Lambda assumes", () => {
    const ar = stacks["assume-role"];
    expect(policiesNaming(ar, roleNamed(ar, "xacct-writer-exec"))).toEqual([expect.stringMatching(/^aws_iam_role\.target-role_/)]);
    const three = stacks["three-account"];
    expect(policiesNaming(three, roleNamed(three, "xacct-metadata-processor-exec"))).toEqual([expect.stringMatching(/^aws_iam_role\.reporting-writer-role_/)]);
  });
});

describe("configuration targets", () => {
  it("the emulator target adds endpoints, path-style S3 and a deployer role per account", () => {
    const tf = synthAll({ target: "emulator", emulatorEndpoint: "http://127.0.0.1:4599" })["assume-role"];
    for (const p of tf.provider?.aws ?? []) {
      expect(p.s3_use_path_style).toBe(true);
      expect((p.endpoints as Record<string, string>[])[0].s3).toBe("http://127.0.0.1:4599");
      expect((p.assume_role as Record<string, string>[])[0].role_arn).toMatch(/^arn:aws:iam::\d{12}:role\/xacct-emulator-deployer$/);
    }
  });

  it("assume-role names the target role targetRoleName", () => {
    const tf = synthAll({ targetRoleName: "data-drop-writer" })["assume-role"];
    const roles = Object.values(tf.resource?.aws_iam_role ?? {}).map((r) => r.name);
    expect(roles).toContain("data-drop-writer");
    expect(tf.output?.target_role_arn.value).toBe("arn:aws:iam::222222222222:role/data-drop-writer");
  });

  it("the S3 backend locks with a lockfile and encrypts", () => {
    const app = Testing.app({ context: { xacct: { backend: { type: "s3", bucket: "team-tf-state" } } } });
    buildApp(app);
    const stack = app.node.children.find((c) => c.node.id === "assume-role") as TerraformStack;
    const s3 = (JSON.parse(Testing.synth(stack)) as { terraform: { backend: { s3: Record<string, unknown> } } }).terraform.backend.s3;
    expect(s3).toMatchObject({ bucket: "team-tf-state", key: "xacct/assume-role.tfstate", encrypt: true, use_lockfile: true, region: "us-east-1" });
  });
});

describe("cdktf synth with bad configuration", () => {
  const runMain = (env: Record<string, string>) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-out-"));
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "main.ts"], {
      cwd: path.resolve(__dirname, "..", ".."),
      env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
      encoding: "utf8",
    });
    return { ...r, outdir };
  };

  it.each([
    [{ XACCT_ACCOUNT_A: "1234" }, "Configuration error: accounts.a.id: must be a 12-digit AWS account id"],
    [{ XACCT_ACCOUNT_B: "111111111111" }, "Configuration error: accounts.b.id: must differ from accounts.a.id"],
    [{ XACCT_BUCKET_NAME: "Bad..Name" }, "Configuration error: bucketName:"],
    [{ XACCT_SESSION_DURATION: "7200" }, "Configuration error: sessionDurationSeconds: 7200 s exceeds maxSessionDurationSeconds (3600 s)"],
    // Synthesized before, and every invocation would have failed: a Lambda's AssumeRole is role chaining (max 1 h).
    [
      { XACCT_SESSION_DURATION: "7200", XACCT_MAX_SESSION_DURATION: "7200" },
      "Configuration error: sessionDurationSeconds: 7200 s is over 3600 s: a Lambda function assuming a role is role chaining",
    ],
    [{ XACCT_TARGET_ROLE_NAME: "bad role!" }, "Configuration error: targetRoleName: must be 1-64 characters"],
  ])("%j fails with one clear message and writes nothing", (env, message) => {
    const r = runMain(env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(path.join(r.outdir, "stacks"))).toBe(false);
    expect(fs.existsSync(path.join(r.outdir, "manifest.json"))).toBe(false);
  });
});
