import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { accessPointDataPlaneGap, canonicalPolicy, deployedAccessPoints, xmlText } from "../flows/access-points";
import { appliedReplication, isMotoLoss, replicationMismatches } from "../flows/replication";
import { readSkips } from "../flows/checkov";
import { cdktfArgs } from "./cdktf";
import { CONCURRENT_STACKS, runStacks } from "../harness";
import { stackSettings, type StackName } from "./context";
import { applySubstitutes, parseSubstitutes } from "./substitutes";
import { classifyDrifts, drifts, missingFromMirror, policiesNamingRoles, replacePlanProblems, Terraform, type PlanJson } from "./terraform";

/**
 * The e2e tier's own decisions, unit-tested: what a re-plan may differ in,
 * how substitute providers rewrite a synth, which checkov skips are justified,
 * and which providers a mirror lacks. (The tier itself runs with `npm run test:e2e`.)
 */

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "xacct-e2e-lib-"));

function plan(type: string, before: Record<string, unknown>, after: Record<string, unknown>, actions = ["update"]): PlanJson {
  return { resource_changes: [{ address: `${type}.x`, type, change: { actions, before, after } }] };
}

describe("re-plan drift classification", () => {
  test("no-op and read changes are not drift", () => {
    expect(drifts(plan("aws_s3_bucket", { a: 1 }, { a: 1 }, ["no-op"]))).toEqual([]);
    expect(drifts(plan("aws_s3_bucket", {}, {}, ["read"]))).toEqual([]);
  });

  test("a documented emulator gap in its exact shape is known, not unexplained", () => {
    const d = drifts(plan("aws_lambda_function", { logging_config: [] }, { logging_config: [{ log_format: "JSON" }] }));
    expect(classifyDrifts(d)).toEqual({ unexplained: [], known: ["moto-lambda-logging-config (aws_lambda_function.logging_config)"] });
  });

  test("an SQS redrive policy moto re-serialized with spaces is known; a changed one is not", () => {
    const dlq = "arn:aws:sqs:us-east-1:222222222222:q-dlq";
    const spaced = `{"deadLetterTargetArn": "${dlq}", "maxReceiveCount": 5}`;
    const compact = `{"deadLetterTargetArn":"${dlq}","maxReceiveCount":5}`;
    expect(classifyDrifts(drifts(plan("aws_sqs_queue", { redrive_policy: spaced }, { redrive_policy: compact })))).toEqual({
      unexplained: [],
      known: ["moto-sqs-redrive-policy-format (aws_sqs_queue.redrive_policy)"],
    });
    expect(classifyDrifts(drifts(plan("aws_sqs_queue", { redrive_policy: spaced }, { redrive_policy: compact.replace("5", "3") }))).unexplained).toHaveLength(
      1,
    );
  });

  test("the same attribute changing in another shape still fails", () => {
    const d = drifts(plan("aws_lambda_function", { logging_config: [{ log_format: "Text" }] }, { logging_config: [{ log_format: "JSON" }] }));
    expect(classifyDrifts(d).unexplained).toEqual([expect.stringContaining("aws_lambda_function.x.logging_config")]);
  });

  test("any other attribute, or a replace, is unexplained", () => {
    expect(classifyDrifts(drifts(plan("aws_s3_bucket", { policy: "a" }, { policy: "b" }))).unexplained).toHaveLength(1);
    expect(classifyDrifts(drifts(plan("aws_iam_role", {}, {}, ["delete", "create"]))).unexplained).toEqual(["aws_iam_role.x: delete+create"]);
  });

  test("empty-to-empty differences (null vs []) are not reported", () => {
    expect(drifts(plan("aws_s3_bucket", { tags: null, policy: "a" }, { tags: [], policy: "b" }))[0].attributes.map((a) => a.name)).toEqual(["policy"]);
  });
});

describe("substitute providers", () => {
  test("parses what providers.sh prints, and refuses a malformed entry", () => {
    expect(parseSubstitutes("aws 6.25.0 6.48.0-dev.x;substitute archive 2.7.1 1.3.0")).toEqual([
      { name: "aws", wanted: "6.25.0", built: "6.48.0-dev.x" },
      { name: "archive", wanted: "2.7.1", built: "1.3.0" },
    ]);
    expect(parseSubstitutes(undefined)).toEqual([]);
    expect(() => parseSubstitutes("aws 6.25.0")).toThrow(/NAME WANTED BUILT/);
  });

  const stack = (dir: string): string => {
    const file = path.join(dir, "cdk.tf.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" }, archive: { source: "archive", version: "2.7.1" } } },
        data: { archive_file: { bundle: { type: "zip", output_file_mode: "0644" } } },
      }),
    );
    return file;
  };

  test("rewrites the required versions, drops only what the older major lacks, and says so", () => {
    const dir = tmp();
    const file = stack(dir);
    const changes = applySubstitutes(dir, parseSubstitutes("aws 6.25.0 6.48.0-dev.x;archive 2.7.1 1.3.0"));
    const j = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(j.terraform.required_providers.aws.version).toBe("6.48.0-dev.x");
    expect(j.terraform.required_providers.archive.version).toBe("1.3.0");
    expect(j.data.archive_file.bundle).toEqual({ type: "zip" });
    expect(changes).toEqual([
      "hashicorp/aws 6.48.0-dev.x instead of 6.25.0",
      "hashicorp/archive 1.3.0 instead of 2.7.1",
      expect.stringMatching(/^dropped data\.archive_file\.bundle\.output_file_mode: /),
    ]);
  });

  test("a substitute for another version than the synth pins is refused", () => {
    const dir = tmp();
    stack(dir);
    expect(() => applySubstitutes(dir, parseSubstitutes("aws 6.20.0 6.48.0-dev.x"))).toThrow(/requires aws 6.25.0, but the substitute stands in for 6.20.0/);
  });

  test("no substitutes: the synth is left untouched", () => {
    const dir = tmp();
    const file = stack(dir);
    const before = fs.readFileSync(file, "utf8");
    expect(applySubstitutes(dir, [])).toEqual([]);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});

describe("replace-plan (a replaced role re-applies the policies naming it)", () => {
  const json = {
    resource: {
      aws_iam_role: { writer: { name: "w" }, target: { name: "t", assume_role_policy: '{"Id":"principals-${aws_iam_role.writer.unique_id}"}' } },
      aws_s3_bucket_policy: { p: { policy: '{"Id":"principals-${aws_iam_role.writer.unique_id}"}' }, q: { policy: "{}" } },
    },
  };
  const change = (address: string, ...actions: string[]) => ({ address, type: address.split(".")[0], change: { actions, before: null, after: null } });

  test("finds the policies carrying each role's unique_id", () => {
    expect([...policiesNamingRoles(json)]).toEqual([["aws_iam_role.writer", ["aws_iam_role.target", "aws_s3_bucket_policy.p"]]]);
  });

  test("passes when the role is replaced and each dependent policy updated in place", () => {
    const plan: PlanJson = {
      resource_changes: [
        change("aws_iam_role.writer", "delete", "create"),
        change("aws_iam_role.target", "update"),
        change("aws_s3_bucket_policy.p", "update"),
      ],
    };
    expect(replacePlanProblems(plan, "aws_iam_role.writer", ["aws_iam_role.target", "aws_s3_bucket_policy.p"])).toEqual([]);
  });

  test("names a dependent policy the plan leaves alone (what a recreated role used to get)", () => {
    const plan: PlanJson = { resource_changes: [change("aws_iam_role.writer", "create", "delete"), change("aws_s3_bucket_policy.p", "no-op")] };
    expect(replacePlanProblems(plan, "aws_iam_role.writer", ["aws_s3_bucket_policy.p"])).toEqual([
      "aws_s3_bucket_policy.p: no-op, expected an in-place update",
    ]);
  });
});

describe("checkov skips", () => {
  test("each skip carries the comment on its line; other lists are ignored", () => {
    const file = path.join(tmp(), ".checkov.yaml");
    fs.writeFileSync(
      file,
      ["framework:", "  - terraform_json", "skip-check:", "  - CKV_AWS_1  # a reason given here", "  - CKV_AWS_2", "other:", "  - CKV_AWS_3 # not a skip"].join(
        "\n",
      ),
    );
    expect(readSkips(file)).toEqual([
      { id: "CKV_AWS_1", reason: "a reason given here", line: 4 },
      { id: "CKV_AWS_2", reason: "", line: 5 },
    ]);
  });

  test("the checked-in config: every skip has a reason of several words", () => {
    const skips = readSkips(path.join(__dirname, "..", "..", ".checkov.yaml"));
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.filter((s) => s.reason.split(/\s+/).length < 3)).toEqual([]);
  });
});

describe("provider mirror lookup", () => {
  test("names the provider the mirror lacks, for the exact version", () => {
    const root = tmp();
    const mirror = path.join(root, "mirror");
    fs.mkdirSync(path.join(mirror, "registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64"), { recursive: true });
    const rc = path.join(root, "terraformrc");
    fs.writeFileSync(rc, `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, "cdk.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" }, archive: { source: "hashicorp/archive", version: "2.7.1" } } },
      }),
    );
    const missing = missingFromMirror(path.join(dir, "cdk.tf.json"), rc, "linux_amd64");
    expect(missing).toEqual([expect.stringMatching(/^registry\.terraform\.io\/hashicorp\/archive 2\.7\.1 /)]);
  });

  test("a CLI config without a mirror (registry installs) reports nothing missing", () => {
    const rc = path.join(tmp(), "terraformrc");
    fs.writeFileSync(rc, 'plugin_cache_dir = "/tmp/x"\n');
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" } } } }));
    expect(missingFromMirror(path.join(dir, "cdk.tf.json"), rc)).toEqual([]);
  });
});

describe("runStacks: the demo stacks side by side, any other stack after them", () => {
  // A flow that records when each stack starts and ends, finishing in the order of `delays`.
  const recorder = (delays: Record<string, number>) => {
    const events: string[] = [];
    const flow = async (stack: string): Promise<string> => {
      events.push(`start ${stack}`);
      await new Promise((r) => setTimeout(r, delays[stack] ?? 0));
      events.push(`end ${stack}`);
      return `result ${stack}`;
    };
    return { events, flow };
  };
  const all = ["assume-role", "bucket-policy", "three-account", "access-points"] as StackName[];

  it("starts the three demo stacks before any of them ends; another stack starts only after all of them", async () => {
    const { events, flow } = recorder({ "assume-role": 30, "bucket-policy": 10, "three-account": 20 });
    const results = await runStacks(all, false, flow);
    expect(results).toEqual(all.map((s) => `result ${s}`)); // in the order asked, whatever the finishing order
    expect(events.slice(0, 3).sort()).toEqual(["start assume-role", "start bucket-policy", "start three-account"]);
    expect(events.indexOf("start access-points")).toBeGreaterThan(events.indexOf("end assume-role"));
    expect(CONCURRENT_STACKS).toEqual(["assume-role", "bucket-policy", "three-account"]);
  });

  it("--serial: one after another, in the order asked", async () => {
    const { events, flow } = recorder({ "assume-role": 20, "bucket-policy": 5 });
    await runStacks(["assume-role", "bucket-policy"] as StackName[], true, flow);
    expect(events).toEqual(["start assume-role", "end assume-role", "start bucket-policy", "end bucket-policy"]);
  });
});

describe("terraform init of stacks side by side", () => {
  it("runs one init at a time (they share the plugin cache, not safe for concurrent installs), other commands side by side", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-init-"));
    // A fake terraform: records "<command> start|end" around a short sleep, in one file for all.
    const bin = path.join(dir, "terraform");
    const events = path.join(dir, "events");
    fs.writeFileSync(bin, `#!/bin/sh\necho "$1 start" >> ${events}\nsleep 0.3\necho "$1 end" >> ${events}\n`, { mode: 0o755 });
    const tfs = [1, 2, 3].map((i) => new Terraform({ dir, env: process.env, logDir: path.join(dir, `logs-${i}`), bin }));
    await Promise.all(tfs.map((tf) => tf.init()));
    expect(fs.readFileSync(events, "utf8").trim().split("\n")).toEqual(["init start", "init end", "init start", "init end", "init start", "init end"]);
    fs.writeFileSync(events, "");
    await Promise.all(tfs.map((tf) => tf.validate()));
    expect(fs.readFileSync(events, "utf8").trim().split("\n").slice(0, 3)).toEqual(["validate start", "validate start", "validate start"]);
  });
});

describe("access-points flow", () => {
  test("only the opt-in stack is named in XACCT_STACKS for its synth", () => {
    expect(stackSettings("access-points")).toEqual({ XACCT_STACKS: "access-points" });
    expect(stackSettings("assume-role")).toEqual({});
    expect(stackSettings("three-account")).toEqual({});
  });

  test("policies compare as JSON: key order does not matter, values and array order do", () => {
    const a = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"]}]}';
    expect(canonicalPolicy(a)).toBe(canonicalPolicy('{"Statement":[{"Action":["s3:GetObject","s3:ListBucket"],"Effect":"Allow"}],"Version":"2012-10-17"}'));
    expect(canonicalPolicy(a)).not.toBe(canonicalPolicy(a.replace("Allow", "Deny")));
    expect(canonicalPolicy(a)).not.toBe(canonicalPolicy(a.replace('"s3:GetObject","s3:ListBucket"', '"s3:ListBucket","s3:GetObject"')));
  });

  test("xmlText reads the first element and decodes entities (GetAccessPointPolicy returns the policy escaped)", () => {
    const xml = "<GetAccessPointPolicyResult><Policy>{&quot;a&quot;:&quot;x&amp;y&quot;}</Policy></GetAccessPointPolicyResult>";
    expect(xmlText(xml, "Policy")).toBe('{"a":"x&y"}');
    expect(xmlText(xml, "Bucket")).toBeUndefined();
  });

  test("deployedAccessPoints reads the managed aws_s3_access_point resources of the state", () => {
    const state = {
      values: {
        root_module: {
          resources: [
            {
              address: "aws_s3_access_point.a",
              mode: "managed" as const,
              type: "aws_s3_access_point",
              name: "a",
              values: { name: "ap-a", account_id: "222222222222", bucket: "b1", policy: "{}" },
            },
            { address: "aws_s3_bucket.b", mode: "managed" as const, type: "aws_s3_bucket", name: "b", values: { bucket: "b1" } },
          ],
        },
      },
    };
    expect(deployedAccessPoints(state)).toEqual([{ name: "ap-a", accountId: "222222222222", bucket: "b1", policy: "{}" }]);
  });

  test("the data-plane gap names the error and the emulator's limitation", () => {
    expect(accessPointDataPlaneGap("getaddrinfo ENOTFOUND x")).toMatch(/ENOTFOUND.*s3-accesspoint.*caller's account/);
  });
});

describe("cdktf deploy/destroy of an already synthesized stack", () => {
  test("names the stack and its outdir, never re-synthesizes, never prompts", () => {
    const stackDir = path.join("/r", "synth", "emulator-bucket-policy", "stacks", "bucket-policy");
    expect(cdktfArgs("deploy", stackDir)).toEqual([
      "deploy",
      "bucket-policy",
      "--skip-synth",
      "--output",
      path.join("/r", "synth", "emulator-bucket-policy"),
      "--auto-approve",
    ]);
    expect(cdktfArgs("destroy", stackDir)).toEqual([
      "destroy",
      "bucket-policy",
      "--skip-synth",
      "--output",
      path.join("/r", "synth", "emulator-bucket-policy"),
      "--auto-approve",
    ]);
  });
});

describe("replication flow", () => {
  const state = {
    values: {
      root_module: {
        resources: [
          {
            address: "aws_s3_bucket_replication_configuration.r",
            mode: "managed",
            type: "aws_s3_bucket_replication_configuration",
            name: "r",
            values: {
              bucket: "src",
              role: "arn:aws:iam::222222222222:role/xacct-replication",
              rule: [
                {
                  id: "writer-prefix",
                  filter: [{ prefix: "incoming/" }],
                  delete_marker_replication: [{ status: "Disabled" }],
                  source_selection_criteria: [{ sse_kms_encrypted_objects: [{ status: "Enabled" }] }],
                  destination: [
                    {
                      bucket: "arn:aws:s3:::backup",
                      account: "444444444444",
                      access_control_translation: [{ owner: "Destination" }],
                      encryption_configuration: [{ replica_kms_key_id: "arn:aws:kms:us-east-1:444444444444:key/k" }],
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
    },
  };
  const answer = {
    Role: "arn:aws:iam::222222222222:role/xacct-replication",
    Rules: [
      {
        ID: "writer-prefix",
        Status: "Enabled" as const,
        Filter: { Prefix: "incoming/" },
        DeleteMarkerReplication: { Status: "Disabled" as const },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: "Enabled" as const } },
        Destination: {
          Bucket: "arn:aws:s3:::backup",
          Account: "444444444444",
          AccessControlTranslation: { Owner: "Destination" as const },
          EncryptionConfiguration: { ReplicaKmsKeyID: "arn:aws:kms:us-east-1:444444444444:key/k" },
        },
      },
    ],
  };

  test("the applied configuration (state) agrees with GetBucketReplication's answer, and each difference is named", () => {
    const applied = appliedReplication(state as never);
    expect(applied.rules).toEqual([
      {
        id: "writer-prefix",
        prefix: "incoming/",
        destinationBucket: "arn:aws:s3:::backup",
        account: "444444444444",
        owner: "Destination",
        replicaKey: "arn:aws:kms:us-east-1:444444444444:key/k",
        sseKms: true,
        deleteMarkers: "Disabled",
      },
    ]);
    expect(replicationMismatches(applied, answer)).toEqual([]);
    const noOverride = { ...answer, Rules: [{ ...answer.Rules[0], Destination: { ...answer.Rules[0].Destination, AccessControlTranslation: undefined } }] };
    expect(replicationMismatches(applied, noOverride)).toEqual(["rule writer-prefix Destination.AccessControlTranslation.Owner: undefined != Destination"]);
    expect(replicationMismatches(applied, { Role: "x", Rules: [] })).toEqual([
      `Role x != arn:aws:iam::222222222222:role/xacct-replication`,
      "0 rule(s), applied 1",
      "rule writer-prefix missing",
    ]);
  });

  test("what moto 5.2.5 never returns (Filter.Prefix, SSE-KMS selection) is a recorded loss; any other difference fails", () => {
    const applied = appliedReplication(state as never);
    const moto = { ...answer, Rules: [{ ...answer.Rules[0], Filter: { Prefix: "" }, SourceSelectionCriteria: undefined }] };
    const m = replicationMismatches(applied, moto);
    expect(m).toHaveLength(2);
    expect(m.every(isMotoLoss)).toBe(true);
    const wrongPrefix = { ...answer, Rules: [{ ...answer.Rules[0], Filter: { Prefix: "other/" } }] };
    expect(replicationMismatches(applied, wrongPrefix).filter((x) => !isMotoLoss(x))).toEqual(["rule writer-prefix Filter.Prefix: other/ != incoming/"]);
  });

  test("the re-plan drift of moto's replication read-back is a known gap only in its exact shape", () => {
    const configured = [
      {
        id: "writer-prefix",
        priority: 1,
        status: "Enabled",
        filter: [{ prefix: "incoming/", tag: [], and: [] }],
        delete_marker_replication: [{ status: "Disabled" }],
        source_selection_criteria: [{ sse_kms_encrypted_objects: [{ status: "Enabled" }], replica_modifications: [] }],
        destination: [{ bucket: "arn:aws:s3:::backup", account: "444444444444", access_control_translation: [{ owner: "Destination" }] }],
      },
    ];
    const readBack = [{ ...configured[0], filter: [{ prefix: "", tag: [], and: [] }], source_selection_criteria: [] }];
    const plan = (before: unknown, after: unknown): PlanJson => ({
      resource_changes: [
        {
          address: "aws_s3_bucket_replication_configuration.r",
          type: "aws_s3_bucket_replication_configuration",
          change: { actions: ["update"], before: { rule: before }, after: { rule: after } },
        },
      ],
    });
    expect(classifyDrifts(drifts(plan(readBack, configured)))).toEqual({
      unexplained: [],
      known: ["moto-replication-rule-readback (aws_s3_bucket_replication_configuration.rule)"],
    });
    const otherDestination = [{ ...readBack[0], destination: [{ ...readBack[0].destination[0], account: "555555555555" }] }];
    expect(classifyDrifts(drifts(plan(otherDestination, configured))).unexplained).toHaveLength(1);
  });

  test("replication is an opt-in stack: named in XACCT_STACKS for its synth", () => {
    expect(stackSettings("replication")).toEqual({ XACCT_STACKS: "replication" });
  });
});
