import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TfJson } from "../../lib/model/stack-model";
import { runCli } from "./helpers";

/**
 * A user's own synthesized stack (not one of ours): read as it is, never
 * synthesized over; the principals the policies name are probed. The stack
 * shares a bucket with three accounts, an Organization and a named role.
 */

const OWNER = "123456789012";
const BUCKET = "user-data-bucket";
const ARN = `arn:aws:s3:::${BUCKET}`;
const PARTNER_ROLE = "arn:aws:iam::777777777777:role/partner-etl";

function userStack(extra: object[] = []): TfJson {
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Accounts",
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::210987654321:root", "arn:aws:iam::310987654321:root", "410987654321"] },
        Action: "s3:GetObject",
        Resource: `${ARN}/shared/*`,
      },
      {
        Sid: "Org",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${ARN}/org/*`,
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-user12345" } },
      },
      { Sid: "Partner", Effect: "Allow", Principal: { AWS: PARTNER_ROLE }, Action: ["s3:GetObject", "s3:PutObject"], Resource: `${ARN}/partner/*` },
      ...extra,
    ],
  };
  return {
    provider: { aws: [{ region: "eu-west-1", allowed_account_ids: [OWNER] }] },
    resource: {
      aws_s3_bucket: { data: { bucket: BUCKET } },
      aws_s3_bucket_policy: { data: { bucket: "${aws_s3_bucket.data.id}", policy: JSON.stringify(policy) } },
    },
  };
}

function outdirWith(tf: TfJson): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-user-"));
  fs.mkdirSync(path.join(dir, "stacks", "user-app"), { recursive: true });
  fs.writeFileSync(path.join(dir, "stacks", "user-app", "cdk.tf.json"), JSON.stringify(tf));
  return dir;
}

const cli = runCli;

interface MatrixJson {
  schema: string;
  version: number;
  stacks: { stack: string; principals: string[]; cells: { key: string; external: boolean }[] }[];
}

describe("xacct-access on a user's stacks", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const dir = (tf: TfJson): string => {
    const d = outdirWith(tf);
    dirs.push(d);
    return d;
  };

  it("reads them as they are, says how old they are, and synthesizes nothing", async () => {
    const d = dir(userStack());
    const r = await cli("--outdir", d);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^1 stack in .*, synthesized \d+ s ago \(oldest: user-app, /m);
    expect(r.err).not.toContain("synthesizing");
    expect(fs.readdirSync(path.join(d, "stacks"))).toEqual(["user-app"]);
  });

  it("probes every account, Organization and role the policies name: each gets exactly its grant (this bucket has no TLS-only statement, so without TLS too)", async () => {
    const r = await cli("--outdir", dir(userStack()), "--json");
    const m = (JSON.parse(r.out) as MatrixJson).stacks[0];
    expect(m.principals).toEqual(
      expect.arrayContaining([
        PARTNER_ROLE,
        "probe/210987654321",
        "probe/310987654321",
        "probe/410987654321",
        "probe/777777777777",
        "org/o-user12345",
        "probe/999999999999",
        "anonymous",
      ]),
    );
    const granted = [
      `${PARTNER_ROLE} s3:GetObject ${BUCKET}/partner/x.json`,
      `${PARTNER_ROLE} s3:PutObject ${BUCKET}/partner/x.json`,
      `org/o-user12345 s3:GetObject ${BUCKET}/org/x.json`,
      ...["210987654321", "310987654321", "410987654321"].map((a) => `probe/${a} s3:GetObject ${BUCKET}/shared/x.json`),
    ];
    expect(m.cells.map((c) => c.key).sort()).toEqual([...granted, ...granted.map((k) => `${k} [no-tls]`)].sort());
    expect(m.cells.every((c) => c.external)).toBe(true);
  });

  it("--sarif on the matrix: a note per Allowed cross-account or public cell, at the stack's cdk.tf.json", async () => {
    const d = dir(userStack());
    const sarif = JSON.parse((await cli("--outdir", d, "--sarif")).out) as {
      version: string;
      runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    expect(sarif.version).toBe("2.1.0");
    const results = sarif.runs[0].results;
    expect(results).toHaveLength(12);
    expect(new Set(results.map((r) => `${r.ruleId} ${r.level} ${r.locations[0].physicalLocation.artifactLocation.uri}`))).toEqual(
      new Set([`external-access note ${d}/stacks/user-app/cdk.tf.json`]),
    );
  });

  it("also the principals and accounts that aws:PrincipalArn / aws:PrincipalAccount conditions name", async () => {
    const viaCondition = [
      {
        Sid: "ByArn",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${ARN}/by-arn/*`,
        Condition: { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::520987654321:role/auditor" } },
      },
      {
        Sid: "ByAccount",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${ARN}/by-account/*`,
        Condition: { StringEquals: { "aws:PrincipalAccount": "620987654321" } },
      },
    ];
    const m = (JSON.parse((await cli("--outdir", dir(userStack(viaCondition)), "--json")).out) as MatrixJson).stacks[0];
    const keys = m.cells.map((c) => c.key);
    expect(keys).toContain(`arn:aws:iam::520987654321:role/auditor s3:GetObject ${BUCKET}/by-arn/x.json`);
    expect(keys).toContain(`probe/620987654321 s3:GetObject ${BUCKET}/by-account/x.json`);
    expect(
      keys
        .filter((k) => k.includes("/by-arn/") || k.includes("/by-account/"))
        .filter((k) => !k.includes("no-tls"))
        .sort(),
    ).toEqual(
      [`arn:aws:iam::520987654321:role/auditor s3:GetObject ${BUCKET}/by-arn/x.json`, `probe/620987654321 s3:GetObject ${BUCKET}/by-account/x.json`].sort(),
    );
  });

  it("no stacks: one message naming what was expected, exit code 2", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-empty-"));
    dirs.push(empty);
    const r = await cli("--outdir", empty);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no synthesized stacks in ${empty}: expected ${path.join(empty, "stacks", "<stack>", "cdk.tf.json")}; run cdktf synth`);
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  describe("diff --base", () => {
    const grant = { Sid: "Oops", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${ARN}/public/*` };

    /** `Principal: "*"` on public/: every principal probed (8) may read it, over TLS and without. */
    const EVERYONE = [
      PARTNER_ROLE,
      "probe/210987654321",
      "probe/310987654321",
      "probe/410987654321",
      "probe/777777777777",
      "org/o-user12345",
      "probe/999999999999",
      "anonymous",
    ];
    const publicCells = EVERYONE.flatMap((p) => [`${p} s3:GetObject ${BUCKET}/public/x.json`, `${p} s3:GetObject ${BUCKET}/public/x.json [no-tls]`]).sort();

    it("NEW public access: listed first in markdown, exit code 3; --fail-on never: 0", async () => {
      const base = dir(userStack());
      const head = dir(userStack([grant]));
      const r = await cli("diff", "--base", base, "--outdir", head, "--markdown");
      expect(r.code).toBe(3);
      const lines = r.out.split("\n");
      expect(lines[0]).toMatch(/^\*\*Access review\*\* \(.* -> .*\): 16 NEW \(16 cross-account\/public\), 0 REMOVED, 12 UNCHANGED Allowed cells$/);
      expect(lines[2]).toBe("#### NEW cross-account or public access");
      expect(r.out).toContain(`| user-app | \`anonymous\` | \`s3:GetObject\` | \`${BUCKET}/public/x.json\` |`);
      expect(r.out.indexOf("anonymous")).toBeLessThan(r.out.indexOf("<details>"));
      expect((await cli("diff", "--base", base, "--outdir", head, "--fail-on", "never")).code).toBe(0);
    });

    it("--stack limits the diff; a stack on neither side is a usage error", async () => {
      const base = dir(userStack());
      const head = dir(userStack([grant]));
      expect((await cli("diff", "--base", base, "--outdir", head, "--stack", "user-app", "--fail-on", "never")).out).toContain("== user-app: 16 NEW");
      const r = await cli("diff", "--base", base, "--outdir", head, "--stack", "nope");
      expect([r.code, r.err]).toEqual([2, expect.stringContaining("no stack nope; stacks: user-app")]);
    });

    it("the same stacks: exit code 0, nothing NEW even with --fail-on new-any", async () => {
      const r = await cli("diff", "--base", dir(userStack()), "--outdir", dir(userStack()), "--fail-on", "new-any");
      expect(r.code).toBe(0);
      expect(r.out).toContain("0 NEW (0 cross-account/public), 0 REMOVED, 12 UNCHANGED Allowed cells");
    });

    it("--json: the documented schema; --sarif: SARIF 2.1.0 with a result per NEW/REMOVED cell", async () => {
      const base = dir(userStack());
      const head = dir(userStackWithout("Partner", [grant]));
      const j = JSON.parse((await cli("diff", "--base", base, "--outdir", head, "--json")).out) as {
        schema: string;
        version: number;
        summary: Record<string, number>;
        stacks: {
          stack: string;
          added: { key: string; external: boolean; deciding: unknown[] }[];
          removed: { key: string }[];
          unchanged: number;
          unknown: unknown[];
        }[];
      };
      expect([j.schema, j.version]).toEqual(["xacct-access/diff", 1]);
      expect(j.summary).toEqual({ added: 16, addedExternal: 16, removed: 4, unchanged: 8, unknown: 0 });
      expect(j.stacks[0].added.map((c) => c.key).sort()).toEqual(publicCells);
      expect(j.stacks[0].added.every((c) => c.external && c.deciding.length > 0)).toBe(true);
      expect(j.stacks[0].removed.map((c) => c.key).sort()).toEqual(
        ["GetObject", "PutObject"]
          .flatMap((a) => [`${PARTNER_ROLE} s3:${a} ${BUCKET}/partner/x.json`, `${PARTNER_ROLE} s3:${a} ${BUCKET}/partner/x.json [no-tls]`])
          .sort(),
      );
      const sarif = JSON.parse((await cli("diff", "--base", base, "--outdir", head, "--sarif")).out) as {
        version: string;
        runs: {
          tool: { driver: { name: string } };
          results: { ruleId: string; level: string; locations: { logicalLocations?: { fullyQualifiedName: string }[] }[] }[];
        }[];
      };
      expect(sarif.version).toBe("2.1.0");
      expect(sarif.runs[0].tool.driver.name).toBe("xacct-access");
      const count = (rule: string): number => sarif.runs[0].results.filter((x) => x.ruleId === rule).length;
      expect([count("new-external-access"), count("removed-access"), sarif.runs[0].results.length]).toEqual([16, 4, 20]);
      expect(sarif.runs[0].results[0].locations[0].logicalLocations?.[0].fullyQualifiedName).toBe("aws_s3_bucket_policy.data");
    });
  });

  it("usage errors: exit code 2 with the usage", async () => {
    for (const argv of [["diff"], ["--fail-on", "sometimes"], ["frobnicate"], ["--json", "--sarif"]]) {
      const r = await cli(...argv);
      expect([argv.join(" "), r.code]).toEqual([argv.join(" "), 2]);
      expect(r.err).toContain("usage: xacct-access");
    }
  });
});

function userStackWithout(sid: string, extra: object[]): TfJson {
  const tf = userStack(extra);
  const bp = tf.resource?.aws_s3_bucket_policy?.data as { policy: string };
  const doc = JSON.parse(bp.policy) as { Statement: { Sid: string }[] };
  bp.policy = JSON.stringify({ ...doc, Statement: doc.Statement.filter((s) => s.Sid !== sid) });
  return tf;
}

describe("resources the stack's identity policies name but do not create", () => {
  it("are probed for the stack's own principals only, with the owner's policy assumed to allow", async () => {
    const role = {
      name: "app",
      assume_role_policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    };
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "PartnerIn", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::partner-bucket/in/*" },
        { Sid: "PartnerRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::777777777777:role/partner-writer" },
      ],
    };
    const tf: TfJson = {
      provider: { aws: [{ region: "eu-west-1", allowed_account_ids: [OWNER] }] },
      resource: { aws_iam_role: { app: role }, aws_iam_role_policy: { app: { role: "${aws_iam_role.app.name}", policy: JSON.stringify(policy) } } },
    };
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-outside-"));
    fs.mkdirSync(path.join(d, "stacks", "s"), { recursive: true });
    fs.writeFileSync(path.join(d, "stacks", "s", "cdk.tf.json"), JSON.stringify(tf));
    const m = (JSON.parse((await cli("--outdir", d, "--json")).out) as { stacks: { cells: { key: string; deciding: { source: string }[] }[] }[] }).stacks[0];
    fs.rmSync(d, { recursive: true, force: true });
    const outside = m.cells.filter((c) => c.key.includes("partner-"));
    expect(outside.map((c) => c.key).sort()).toEqual([
      "role/app s3:GetObject partner-bucket/in/x.json",
      "role/app sts:AssumeRole arn:aws:iam::777777777777:role/partner-writer",
    ]);
    for (const c of outside) expect(c.deciding.map((x) => x.source).sort()).toEqual(["not-in-stack", "role-inline"]);
  });
});
