import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConsumerAccess } from "../../modules/consumer-access";
import { BucketShare } from "../../modules/bucket-share";
import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import type { TfJson } from "../../lib/model/stack-model";
import { parseAccessArgs, UsageError } from "../../tools/access/args";
import { runAccessCli } from "../../tools/access/cli";
import { loadStackJson, matrixOf, readGuardrails, type Guardrails } from "../../tools/access/api";
import { GuardrailInputError, mapGuardrails, readGuardrail } from "../../tools/access/guardrails";
import { diffStack } from "../../tools/access/review";
import type { Cell, StackMatrix } from "../../tools/access/types";

/** Issue 22 item 1: the organisation's SCPs and RCPs decide cells too, and name themselves when they refuse. */

const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
const OBJECT = "data-b/reports/x.json";

/** Account B shares data-b with account A's reader (read on reports/), both halves in the stack. */
function shareTf(grant = true): TfJson {
  return synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
    if (!grant) return;
    const reader = new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER, grants: [share.s3Grant("read", "reports/")] });
    share.addGrant({ principal: reader, level: "read", prefix: "reports/" });
  }).tf;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-guardrails-"));
function file(name: string, content: unknown): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(content));
  return f;
}

const DENY_READS = { Version: "2012-10-17", Statement: [{ Sid: "NoObjectReads", Effect: "Deny", Action: "s3:GetObject", Resource: "*" }] };
/** As `aws organizations describe-policy --policy-id p-... > scp.json` saves it: the document is a string. */
const SCP_FILE = file("scp.json", {
  Policy: { PolicySummary: { Id: "p-abcd1234", Name: "DenyObjectReads", Type: "SERVICE_CONTROL_POLICY" }, Content: JSON.stringify(DENY_READS) },
});
/** The data-perimeter RCP: nobody outside the Organization reaches the account's S3 resources. */
const RCP_FILE = file("perimeter.json", {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnforceOrgIdentities",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: "*",
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" }, Bool: { "aws:PrincipalIsAWSService": "false" } },
    },
  ],
});

const readerCell = (m: StackMatrix): Cell | undefined =>
  m.cells.find((c) => c.principal.includes("reader") && c.action === "s3:GetObject" && c.resource === OBJECT && c.context === "");
const matrix = (tf: TfJson, guardrails?: Guardrails): Promise<StackMatrix> => matrixOf(loadStackJson("g", tf), { guardrails });

describe("the access matrix within the organisation's guardrails", () => {
  const tf = shareTf();

  it("without guardrails the reader reads reports/ (the baseline the guardrail tests change)", async () => {
    expect(readerCell(await matrix(tf))).toMatchObject({ decision: "Allowed" });
  });

  it("an SCP (saved describe-policy output) that denies the read: Denied, naming the SCP and its statement", async () => {
    const cell = readerCell(await matrix(tf, readGuardrails({ scp: [SCP_FILE] })));
    expect(cell).toMatchObject({ decision: "Denied" });
    expect(cell?.deciding).toEqual([{ effect: "Deny", source: "scp", policy: "DenyObjectReads", sid: "NoObjectReads" }]);
  });

  it("an SCP mapped to another account does not touch the reader's account", async () => {
    const map = file("map.json", { ous: { "ou-ab12-prod": [ACCOUNT_B] }, policies: { DenyObjectReads: ["ou-ab12-prod"] } });
    const g = readGuardrails({ scp: [SCP_FILE], map });
    expect(g.policies[0].accounts).toEqual([ACCOUNT_B]);
    expect(readerCell(await matrix(tf, g))).toMatchObject({ decision: "Allowed" });
  });

  it("an RCP of the bucket's account (the data perimeter) refuses a principal outside the Organization, naming the RCP", async () => {
    const m = await matrix(tf, readGuardrails({ rcp: [RCP_FILE] }));
    const cell = readerCell(m);
    expect(cell).toMatchObject({ decision: "Denied" });
    expect(cell?.deciding).toEqual([expect.objectContaining({ effect: "Deny", source: "rcp", policy: "perimeter", sid: "EnforceOrgIdentities" })]);
  });

  it("with the Organization's accounts known (the map's organization), the perimeter lets members through and still refuses the third account", async () => {
    const map = file("org.json", { organization: { id: "o-a1b2c3d4e5", accounts: ["ou-ab12-all"] }, ous: { "ou-ab12-all": [ACCOUNT_A, ACCOUNT_B] } });
    const m = await matrix(tf, readGuardrails({ rcp: [RCP_FILE], map }));
    expect(readerCell(m)).toMatchObject({ decision: "Allowed" });
    const outsider = m.cells.filter((c) => c.principal === "probe/999999999999" && c.resource.startsWith("data-b") && c.action.startsWith("s3:"));
    expect(outsider.length).toBeGreaterThan(0);
    for (const c of outsider) {
      expect(c.decision).toBe("Denied");
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "rcp", policy: "perimeter" }));
    }
    // members are not refused by the perimeter (whatever else decides their cells)
    const members = m.cells.filter((c) => /^(role\/reader|probe\/account_[ab])$/.test(c.principal));
    expect(members.length).toBeGreaterThan(0);
    for (const c of members) expect(c.deciding.filter((d) => d.source === "rcp")).toEqual([]);
  });

  it("a deny-list SCP that denies nothing relevant leaves every Allowed cell as it was (FullAWSAccess beside it)", async () => {
    const other = file("other.json", { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "ec2:*", Resource: "*" }] });
    const keys = (m: StackMatrix): string[] =>
      m.cells
        .filter((c) => c.decision === "Allowed")
        .map((c) => c.key)
        .sort();
    expect(keys(await matrix(tf, readGuardrails({ scp: [other] })))).toEqual(keys(await matrix(tf)));
  });

  it("a diff does not report as NEW the access a guardrail refuses", async () => {
    const before = shareTf(false);
    const guardrails = readGuardrails({ scp: [SCP_FILE] });
    const plain = await diffStack("g", before, tf);
    const guarded = await diffStack("g", before, tf, [], new Map(), { guardrails });
    const reads = (cells: readonly Cell[]): string[] => cells.filter((c) => c.action === "s3:GetObject" && c.principal.includes("reader")).map((c) => c.key);
    expect(reads(plain.added).length).toBeGreaterThan(0);
    expect(reads(guarded.added)).toEqual([]);
    // what the SCP does not refuse (the listing) stays NEW
    expect(guarded.added.some((c) => c.action === "s3:ListBucket" && c.principal.includes("reader"))).toBe(true);
  });
});

describe("the jest matcher", () => {
  const json = JSON.stringify(shareTf());

  it("toAllowWithinGuardrails: Allowed with the guardrails applied; .not when one refuses", async () => {
    await expect(json).toAllow("role/reader", "s3:GetObject", OBJECT);
    await expect(json).toAllowWithinGuardrails(
      readGuardrails({ rcp: [RCP_FILE], map: file("org2.json", { organization: { id: "o-a1b2c3d4e5", accounts: [ACCOUNT_A, ACCOUNT_B] } }) }),
      "role/reader",
      "s3:GetObject",
      OBJECT,
    );
    await expect(json).not.toAllowWithinGuardrails(readGuardrails({ scp: [SCP_FILE] }), "role/reader", "s3:GetObject", OBJECT);
  });

  it("refuses a computed matrix (it must re-decide the cells), with the fix", async () => {
    const m = await matrix(shareTf());
    await expect(expect(m).toAllowWithinGuardrails(readGuardrails({ scp: [SCP_FILE] }), "role/reader", "s3:GetObject", OBJECT)).rejects.toThrow(
      /give it the stack or the JSON of Testing.synth/,
    );
  });
});

describe("guardrail inputs", () => {
  it("refuses a file with no policy in it, naming the file and the forms it takes", () => {
    expect(() => readGuardrail("scp", file("empty.json", { hello: 1 }))).toThrow(GuardrailInputError);
    expect(() => readGuardrail("scp", file("empty2.json", { hello: 1 }))).toThrow(/empty2\.json: no "Statement".*describe-policy/);
    expect(() => readGuardrail("rcp", path.join(dir, "missing.json"))).toThrow(/--rcp .*missing\.json: no such file/);
  });

  it("refuses a map naming a policy no file holds, or a target that is neither an account nor a listed OU", () => {
    const p = [readGuardrail("scp", SCP_FILE)];
    expect(() => mapGuardrails(p, { policies: { Nope: [ACCOUNT_A] } })).toThrow(/names policy "Nope".*DenyObjectReads/);
    expect(() => mapGuardrails(p, { policies: { DenyObjectReads: ["ou-unknown"] } })).toThrow(/"ou-unknown" is neither a 12-digit account id nor an OU/);
  });

  it("the CLI takes --scp/--rcp repeatable and --guardrail-map only with them; a bad file is a usage error (exit 2) with one message", async () => {
    expect(parseAccessArgs(["--scp", "a.json", "--scp", "b.json", "--rcp", "c.json"])).toMatchObject({ scp: ["a.json", "b.json"], rcp: ["c.json"] });
    expect(() => parseAccessArgs(["--guardrail-map", "m.json"])).toThrow(UsageError);
    const errs: string[] = [];
    const code = await runAccessCli(
      ["--outdir", dir, "--scp", path.join(dir, "missing.json")],
      () => undefined,
      (s) => errs.push(s),
    );
    expect(code).toBe(2);
    expect(errs.join("\n")).toMatch(/^--scp .*missing\.json: no such file$/);
  });
});
