import { loadStackJson, matrixOf as apiMatrixOf } from "../../tools/access";
import { GuardrailInputError, withPerimeterOrganization } from "../../tools/access/guardrails";
import { OTHER_ORG_LABEL } from "../../tools/access/principals";
import type { StackMatrix } from "../../tools/access/types";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TfJson } from "../../lib/model/stack-model";
import { synthToOutdir } from "../../app/synth";
import {
  ASSUME_ROLE_EXPECTED,
  BUCKET_POLICY_EXPECTED,
  DIRECT_BUCKET,
  DIRECT_EXEC,
  PROD_BUCKET,
  SHARED_BUCKET,
  THREE_ACCOUNT_EXPECTED,
  UPLOAD_ROLE,
} from "./expected";
import { allowed, cellsOf, matrixOf, matrixOfJson, runCli, synthesized, withPolicy } from "./helpers";
import { synthModule } from "../../lib/testing";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import { accessPointName } from "../../lib/policy";

/** The data perimeter (#22 item 2) as the access review decides it: the demo stacks with `perimeter.organizationId` set. */

const ORG = "o-a1b2c3d4e5";
const ACCOUNT_A = "111111111111";
const ACCOUNT_B = "222222222222";
const PERIMETER = { perimeter: { organizationId: ORG } };

describe.each([
  ["assume-role", ASSUME_ROLE_EXPECTED, SHARED_BUCKET],
  ["bucket-policy", BUCKET_POLICY_EXPECTED, DIRECT_BUCKET],
  ["three-account", THREE_ACCOUNT_EXPECTED, PROD_BUCKET],
] as const)("%s with the data perimeter on", (stack, expected, bucket) => {
  let on: StackMatrix;
  let off: StackMatrix;
  beforeAll(async () => {
    [on, off] = await Promise.all([matrixOf(stack, PERIMETER), matrixOf(stack)]);
  });

  it("keeps every designed cell: the Organization's members pass the perimeter and aws:ResourceOrgID", async () => {
    await expect(on).toGrantExactly(expected);
  });

  it("asks a principal of another Organization, and only with the perimeter on", () => {
    expect(on.principals).toContain(OTHER_ORG_LABEL);
    expect(off.principals).not.toContain(OTHER_ORG_LABEL);
    expect(on.perimeter).toMatchObject({ organizationId: ORG, otherOrganization: { allowed: 0 } });
    expect(on.perimeter?.otherOrganization.asked).toBeGreaterThan(0);
    expect(off.perimeter).toBeUndefined();
  });

  it("denies the other Organization's principal (broad identity policy of its own) by the perimeter's explicit Deny on the bucket and the key", () => {
    const cells = cellsOf(on, OTHER_ORG_LABEL);
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((c) => c.decision === "Allowed")).toEqual([]);
    const onBucket = cells.filter((c) => c.resource.startsWith(bucket) && c.context === "");
    expect(onBucket.length).toBeGreaterThan(0);
    for (const c of onBucket) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "EnforceIdentityPerimeter" }));
    const onKey = cells.filter((c) => c.action.startsWith("kms:") && c.context === "");
    expect(onKey.length).toBeGreaterThan(0);
    for (const c of onKey) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "key", sid: "EnforceIdentityPerimeter" }));
  });

  it("changes nothing else: the same Allowed cells as without the perimeter", () => {
    const key = (m: StackMatrix): string[] =>
      allowed(m)
        .map((c) => `${c.principal} ${c.action} ${c.resource} ${c.context} ${c.via?.role ?? ""}`)
        .sort();
    expect(key(on)).toEqual(key(off));
  });
});

describe("the perimeter and the roles' trust policies", () => {
  it("denies sts:AssumeRole of the demo's roles to the other Organization by the trust policy's perimeter Deny", async () => {
    const m = await matrixOf("three-account", PERIMETER);
    const assume = cellsOf(m, OTHER_ORG_LABEL).filter((c) => c.action === "sts:AssumeRole" && c.resource.endsWith(UPLOAD_ROLE.replace(/^role\//, "")));
    expect(assume.length).toBeGreaterThan(0);
    for (const c of assume) {
      expect(c.decision).toBe("Denied");
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "trust", sid: "EnforceIdentityPerimeter" }));
    }
  });

  it("denies what an account outside any Organization asks (no aws:PrincipalOrgID at all) by the same Deny", async () => {
    const m = await matrixOf("bucket-policy", PERIMETER);
    const third = cellsOf(m, "probe/999999999999").filter((c) => c.resource.startsWith(DIRECT_BUCKET) && c.context === "");
    expect(third.length).toBeGreaterThan(0);
    for (const c of third) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", sid: "EnforceIdentityPerimeter" }));
    // The writer (account a, a member) still writes: its identity statements carry aws:ResourceOrgID, which its requests meet.
    await expect(m).toAllow(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/incoming/x.json`);
  });
});

describe("the review takes Organization membership from the perimeter (mutations of the stack JSON)", () => {
  /** bucket-policy with the perimeter, its perimeter markers' member accounts replaced by `members`. */
  const withMembers = (members: string[]): Promise<StackMatrix> => {
    const tf = JSON.parse(JSON.stringify(synthesized(PERIMETER)["bucket-policy"])) as TfJson;
    for (const m of Object.values(tf.locals ?? {}) as Record<string, unknown>[]) {
      if (m.xacct_resource === "perimeter") m.member_accounts = JSON.stringify(members);
    }
    return matrixOfJson("bucket-policy", tf);
  };
  const PUT = `${DIRECT_BUCKET}/incoming/x.json`;

  it("a writer whose account is not of the Organization is denied by the perimeter Deny (no aws:PrincipalOrgID)", async () => {
    const m = await withMembers([ACCOUNT_B]);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", PUT);
    const c = cellsOf(m, DIRECT_EXEC).find((x) => x.action === "s3:PutObject" && x.resource === PUT && x.context === "");
    expect(c?.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "EnforceIdentityPerimeter" }));
  });

  it("a bucket whose account is not of the Organization gets nothing from the writer's identity statements (aws:ResourceOrgID absent)", async () => {
    const m = await withMembers([ACCOUNT_A]);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", PUT);
    const c = cellsOf(m, DIRECT_EXEC).find((x) => x.action === "s3:PutObject" && x.resource === PUT && x.context === "");
    expect(c?.deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow" }));
    expect(c?.deciding).not.toContainEqual(expect.objectContaining({ effect: "Deny" }));
  });

  it("without the markers (a plan holds no locals) the perimeter is read from the policies: the stack's accounts as members, the same cells", async () => {
    for (const stack of ["bucket-policy", "three-account"]) {
      const tf = JSON.parse(JSON.stringify(synthesized(PERIMETER)[stack])) as TfJson;
      for (const [k, m] of Object.entries(tf.locals ?? {})) if ((m as Record<string, unknown>).xacct_resource === "perimeter") delete tf.locals?.[k];
      const [bare, marked] = await Promise.all([matrixOfJson(stack, tf), matrixOf(stack, PERIMETER)]);
      expect(bare.principals).toContain(OTHER_ORG_LABEL);
      const key = (m: StackMatrix): string[] =>
        allowed(m)
          .map((c) => `${c.principal} ${c.action} ${c.resource} ${c.context} ${c.via?.role ?? ""}`)
          .sort();
      expect(key(bare)).toEqual(key(marked));
    }
  });

  it("both accounts members: allowed (the unmutated stack)", async () => {
    await expect(await withMembers([ACCOUNT_A, ACCOUNT_B])).toAllow(DIRECT_EXEC, "s3:PutObject", PUT);
  });
});

describe("npm run access with XACCT_PERIMETER_ORG_ID (the demo app, synthesized like cdktf synth)", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-perimeter-out-"));
  interface Json {
    stacks: { stack: string; allowed: number; cells: { key: string; principal: string; decision: string; deciding: { sid?: string }[] }[] }[];
  }
  beforeAll(() => {
    const saved = process.env.XACCT_PERIMETER_ORG_ID;
    process.env.XACCT_PERIMETER_ORG_ID = ORG;
    try {
      synthToOutdir(outdir);
    } finally {
      if (saved === undefined) delete process.env.XACCT_PERIMETER_ORG_ID;
      else process.env.XACCT_PERIMETER_ORG_ID = saved;
    }
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it("writes each share's RCP next to its stack", () => {
    expect(fs.readdirSync(path.join(outdir, "stacks", "three-account", "xacct")).sort()).toEqual(["production-bucket.rcp.json", "reporting-bucket.rcp.json"]);
    expect(fs.readdirSync(path.join(outdir, "stacks", "bucket-policy", "xacct"))).toEqual(["shared-bucket.rcp.json"]);
  });

  it("shows probe/other-org in every stack, every one of its cells Denied", async () => {
    const { code, out } = await runCli("--outdir", outdir, "--json", "--all");
    expect(code).toBe(0);
    const json = JSON.parse(out) as Json;
    for (const s of json.stacks) {
      const other = s.cells.filter((c) => c.principal === OTHER_ORG_LABEL);
      expect(other.length).toBeGreaterThan(0);
      expect(other.filter((c) => c.decision === "Allowed")).toEqual([]);
    }
    const text = await runCli("--outdir", outdir, "--stack", "bucket-policy", "--all");
    expect(text.out).toMatch(
      /DATA PERIMETER {2}o-a1b2c3d4e5 \(members: 111111111111, 222222222222\): probe\/other-org, a principal of another Organization, Denied on all \d+ probes/,
    );
    expect(text.out).toMatch(
      /probe\/other-org\s+s3:PutObject\s+xacct-direct-222222222222-us-east-1\/incoming\/x\.json\s+Denied\s+Deny in bucket policy \S+#EnforceIdentityPerimeter/,
    );
  });

  it("the emitted RCP given back as --rcp (the Organization as its admins would apply it) refuses nothing designed", async () => {
    const rcp = path.join(outdir, "stacks", "bucket-policy", "xacct", "shared-bucket.rcp.json");
    const plain = JSON.parse((await runCli("--outdir", outdir, "--stack", "bucket-policy", "--json", "--all")).out) as Json;
    const guarded = JSON.parse((await runCli("--outdir", outdir, "--stack", "bucket-policy", "--json", "--all", "--rcp", rcp)).out) as Json;
    expect(guarded.stacks[0].allowed).toBe(plain.stacks[0].allowed);
    const other = guarded.stacks[0].cells.filter((c) => c.principal === OTHER_ORG_LABEL && c.key.includes("incoming/x.json"));
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((c) => c.decision === "Denied")).toBe(true);
  });
});

describe("a trusted account outside the Organization (trustedOutsideAccounts)", () => {
  const PARTNER = "arn:aws:iam::444455556666:role/partner-reader";
  const { tf } = synthModule((scope, p) => {
    new BucketShare(scope, "share", {
      provider: p.b,
      accountId: ACCOUNT_B,
      bucketName: "perimeter-partner",
      grants: [{ principal: PARTNER, level: "read", prefix: "out/" }],
      perimeter: { organizationId: ORG, trustedOutsideAccounts: [{ account: "444455556666", reason: "the auditors" }] },
    });
  });

  it("reads through the perimeter: aws:PrincipalAccount lifts the Deny (it carries no aws:PrincipalOrgID)", async () => {
    const m = await matrixOfJson("partner", tf);
    await expect(m).toAllow(PARTNER, "s3:GetObject", "perimeter-partner/out/x.json");
    await expect(m).toDeny(OTHER_ORG_LABEL, "s3:GetObject", "perimeter-partner/out/x.json");
  });

  it("is denied by the perimeter once the exemption is taken out of the Deny (the engine decides on it)", async () => {
    const mutated = withPolicy(tf, "aws_s3_bucket_policy", "share_policy", (doc) => {
      const deny = doc.Statement.find((s) => s.Sid === "EnforceIdentityPerimeter");
      delete deny?.Condition?.StringNotEqualsIfExists["aws:PrincipalAccount"];
    });
    const m = await matrixOfJson("partner", mutated);
    await expect(m).toDeny(PARTNER, "s3:GetObject", "perimeter-partner/out/x.json");
  });
});

describe("the perimeter in access-point mode", () => {
  const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", {
      provider: p.b,
      accountId: ACCOUNT_B,
      bucketName: "perimeter-ap",
      accessPoints: true,
      region: "us-east-1",
      perimeter: { organizationId: ORG },
    });
    new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER }).useBucket(share, "read", "data/");
  });
  const ap = `ap/${accessPointName("perimeter-ap", READER, "read", "data/")}`;

  it("lets the member read through its access point and denies the other Organization at the access point policy's own Deny", async () => {
    const m = await matrixOfJson("ap", tf);
    await expect(m).toAllow("role/reader", "s3:GetObject", `${ap}/data/x.json`);
    const other = cellsOf(m, OTHER_ORG_LABEL).filter((c) => c.resource.startsWith(ap) && c.context === "");
    expect(other.length).toBeGreaterThan(0);
    for (const c of other) {
      expect(c.decision).toBe("Denied");
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "access-point", sid: "EnforceIdentityPerimeter" }));
    }
  });
});

describe("the perimeter beside --guardrail-map", () => {
  it("joins the map's Organization (same id: the members are the union) and refuses another id", () => {
    const perimeter = { organizationId: ORG, memberAccounts: [ACCOUNT_A] };
    expect(withPerimeterOrganization({ policies: [], organization: { id: ORG, accounts: [ACCOUNT_B] } }, perimeter)?.organization).toEqual({
      id: ORG,
      accounts: [ACCOUNT_A, ACCOUNT_B],
    });
    expect(withPerimeterOrganization(undefined, perimeter)).toEqual({ policies: [], organization: { id: ORG, accounts: [ACCOUNT_A] } });
    expect(withPerimeterOrganization(undefined, undefined)).toBeUndefined();
    expect(() => withPerimeterOrganization({ policies: [], organization: { id: "o-zzzzzzzzzz", accounts: [] } }, perimeter)).toThrow(GuardrailInputError);
  });
});

describe("fast evaluation = exhaustive reference, with the perimeter on", () => {
  it("the demo stacks' perimeter matrices are identical cell for cell", async () => {
    for (const [name, tf] of Object.entries(synthesized(PERIMETER))) {
      const stack = loadStackJson(name, tf);
      const [fast, reference] = [await apiMatrixOf(stack), await apiMatrixOf(stack, { exhaustive: true })];
      expect(fast.cells.length).toBeGreaterThan(0);
      expect(fast).toEqual(reference);
    }
  }, 180_000);
});
