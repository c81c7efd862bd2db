import * as fs from "fs";
import * as path from "path";
import { checkModel } from "../../lib/checks/policy-checks";
import { TerraformStack, Testing } from "../../lib/framework";
import { statementsOf } from "../../lib/model/stack-model";
import { DataPerimeter } from "../../lib/perimeter";
import { PERIMETER_SID, PolicyDocument, scalableKeyPolicy, Statement } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, expectConfigError, only, parsePolicy, providers, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { AssumableRole } from "../assumable-role";
import { ConsumerAccess } from "../consumer-access";
import { BucketShare, BucketShareProps } from ".";

/** The opt-in data perimeter (#22 item 2) on the shares and roles. */

const ORG = "o-a1b2c3d4e5";
const ROLE_A = `arn:aws:iam::${ACCOUNT_A}:role/consumer`;
const ROLE_C = `arn:aws:iam::${ACCOUNT_C}:role/partner`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const shareProps = (p: Providers, extra: Partial<BucketShareProps> = {}): BucketShareProps => ({
  provider: p.b,
  accountId: ACCOUNT_B,
  bucketName: "perimeter-data",
  grants: [{ principal: ROLE_A, level: "read", prefix: "reports/" }],
  perimeter: { organizationId: ORG },
  ...extra,
});

const perimeterStatement = (doc: PolicyDocument): Statement | undefined => statementsOf(doc).find((s) => s.Sid === PERIMETER_SID);

describe("BucketShare with a data perimeter", () => {
  const { tf } = synthModule((scope, p) => {
    new BucketShare(scope, "share", shareProps(p));
  });

  it("denies every S3 action on the bucket to principals outside the Organization, AWS services excepted (AWS's identity-perimeter statement)", () => {
    const doc = parsePolicy(only(tf, "aws_s3_bucket_policy").policy);
    expect(doc.Statement[1]).toEqual({
      Sid: "EnforceIdentityPerimeter",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::perimeter-data", "arn:aws:s3:::perimeter-data/*"],
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG }, BoolIfExists: { "aws:PrincipalIsAWSService": "false" } },
    });
  });

  it("denies every KMS action on the key the same way", () => {
    const doc = parsePolicy(only(tf, "aws_kms_key").policy);
    expect(perimeterStatement(doc)).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: "*",
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG } },
    });
  });

  it("emits the matching RCP (S3, STS, KMS) as an output", () => {
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("perimeter-rcp"));
    const rcp = parsePolicy(out?.[1].value);
    expect(rcp.Statement.map((s) => s.Sid)).toEqual(["EnforceOrgIdentities", "EnforceConfusedDeputyProtection"]);
    expect(rcp.Statement[0]).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Resource: "*",
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG } },
    });
    expect(rcp.Statement[0].Action).toEqual(expect.arrayContaining(["s3:*", "kms:*", "sts:AssumeRole"]));
    expect(rcp.Statement[0].Action).not.toContain("sts:AssumeRoleWithWebIdentity");
    expect(rcp.Statement[1].Condition).toEqual({
      StringNotEqualsIfExists: { "aws:SourceOrgID": ORG },
      Null: { "aws:SourceAccount": "false" },
      Bool: { "aws:PrincipalIsAWSService": "true" },
    });
  });

  it("writes the RCP to xacct/<id>.rcp.json in the stack's output directory", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "perimeter");
    new BucketShare(stack, "share", shareProps(providers(stack)));
    const file = path.join(Testing.fullSynth(stack), "stacks", "perimeter", "xacct", "share.rcp.json");
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as PolicyDocument;
    expect(doc.Statement[0].Sid).toBe("EnforceOrgIdentities");
  });

  it("puts aws:ResourceOrgID beside aws:ResourceAccount in the grant's identity statements (S3 and KMS)", () => {
    let orgOfGrant: string | undefined;
    const { tf: t } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", shareProps(p));
      share.grant(new ConsumerAccess(scope, "consumer", { provider: p.a, accountId: ACCOUNT_A, roleArn: ROLE_A }), { level: "read", prefix: "reports/" });
      orgOfGrant = share.s3Grant("read", "reports/").resourceOrgId;
    });
    expect(orgOfGrant).toBe(ORG);
    const doc = parsePolicy(only(t, "aws_iam_role_policy").policy);
    for (const s of doc.Statement) expect(s.Condition?.StringEquals).toMatchObject({ "aws:ResourceOrgID": ORG });
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["Grant1ListBucket", "Grant1Objects", "Grant1KmsKey"]);
  });

  it("records the Organization's accounts for the access review (owner and granted principals)", () => {
    const marker = Object.values(tf.locals ?? {}).find((m) => (m as Record<string, unknown>).xacct_resource === "perimeter") as Record<string, string>;
    expect(marker).toMatchObject({ organization_id: ORG, member_accounts: JSON.stringify([ACCOUNT_A, ACCOUNT_B]) });
  });

  it("adds the Deny to every access point policy in access-point mode, and to the delegating bucket policy", () => {
    const { tf: t } = synthModule((scope, p) => {
      new BucketShare(scope, "share", shareProps(p, { accessPoints: true, region: "us-east-1" }));
    });
    const aps = Object.values(resourcesOf(t, "aws_s3_access_point"));
    expect(aps).toHaveLength(1);
    const ap = parsePolicy(aps[0].policy);
    const arn = `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${String(aps[0].name)}`;
    expect(perimeterStatement(ap)).toMatchObject({ Effect: "Deny", Action: "s3:*", Resource: [arn, `${arn}/object/*`] });
    expect(perimeterStatement(parsePolicy(only(t, "aws_s3_bucket_policy").policy))).toBeDefined();
  });

  it("leaves every policy as it was without the prop (no Deny, no aws:ResourceOrgID, no RCP output, no marker)", () => {
    const { tf: t } = synthModule((scope, p) => {
      new BucketShare(scope, "share", { ...shareProps(p), perimeter: undefined });
    });
    expect(JSON.stringify(t)).not.toMatch(/EnforceIdentityPerimeter|ResourceOrgID|perimeter-rcp|"perimeter"/);
  });
});

describe("perimeter checks at synth", () => {
  const build =
    (perimeter: DataPerimeter, extra: Partial<BucketShareProps> = {}) =>
    () =>
      synthModule((scope, p) => {
        new BucketShare(scope, "share", shareProps(p, { perimeter, ...extra }));
      });

  it.each(["o-abc", "O-A1B2C3D4E5", "a1b2c3d4e5", "o-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q"])("refuses the Organization id %s", (id) => {
    expectConfigError(build({ organizationId: id }), "BucketShare(share).perimeter.organizationId", "o-a1b2c3d4e5");
  });

  it("refuses a grant to a principal of an account declared outside the Organization", () => {
    expectConfigError(
      build({ organizationId: ORG, outsideAccounts: [ACCOUNT_C] }, { grants: [{ principal: ROLE_C, level: "read" }] }),
      "BucketShare(share).grants[0].principal",
      "trustedOutsideAccounts",
    );
  });

  it("lets it through when the account is trusted with a reason: the Deny (and the RCP) then exempt it by aws:PrincipalAccount", () => {
    const { tf } = build(
      { organizationId: ORG, outsideAccounts: [ACCOUNT_C], trustedOutsideAccounts: [{ account: ACCOUNT_C, reason: "the auditors' account" }] },
      { grants: [{ principal: ROLE_C, level: "read" }] },
    )();
    const deny = perimeterStatement(parsePolicy(only(tf, "aws_s3_bucket_policy").policy));
    expect(deny?.Condition?.StringNotEqualsIfExists).toEqual({ "aws:PrincipalOrgID": ORG, "aws:PrincipalAccount": ACCOUNT_C });
    const rcp = parsePolicy(Object.entries(tf.output ?? {}).find(([k]) => k.includes("perimeter-rcp"))?.[1].value);
    expect(rcp.Statement[0].Condition?.StringNotEqualsIfExists).toEqual({ "aws:PrincipalOrgID": ORG, "aws:PrincipalAccount": ACCOUNT_C });
    const marker = Object.values(tf.locals ?? {}).find((m) => (m as Record<string, unknown>).xacct_resource === "perimeter") as Record<string, string>;
    // The trusted account passes by aws:PrincipalAccount, not as a member.
    expect(marker.member_accounts).toBe(JSON.stringify([ACCOUNT_B]));
    expect(marker.trusted_accounts).toBe(JSON.stringify([ACCOUNT_C]));
  });

  it("refuses a trusted account without a reason", () => {
    expectConfigError(
      build({ organizationId: ORG, trustedOutsideAccounts: [{ account: ACCOUNT_C, reason: " " }] }),
      "BucketShare(share).perimeter.trustedOutsideAccounts[0].reason",
      "must say why",
    );
  });

  it("refuses an Organization grant of another Organization", () => {
    expectConfigError(
      build({ organizationId: ORG }, { grants: [{ organizationId: "o-zzzzzzzzzz", level: "read" }] }),
      "BucketShare(share).grants[0].organizationId",
      "could never be used",
    );
  });

  it("refuses the owner's own account declared outside", () => {
    expectConfigError(build({ organizationId: ORG, outsideAccounts: [ACCOUNT_B] }), "BucketShare(share).perimeter", "must be a member");
  });

  it("refuses, on a role, a trusted principal of an account declared outside", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          const share = new BucketShare(scope, "share", shareProps(p));
          new AssumableRole(scope, "role", {
            provider: p.b,
            accountId: ACCOUNT_B,
            roleName: "reader",
            trustedPrincipals: [ROLE_C],
            access: share.s3Grant("read"),
            perimeter: { organizationId: ORG, outsideAccounts: [ACCOUNT_C] },
          });
        }),
      "AssumableRole(role).trustedPrincipals[0]",
      "outside o-a1b2c3d4e5",
    );
  });

  it("refuses, on a role, a grant on a bucket of another Organization's perimeter", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          const share = new BucketShare(scope, "share", shareProps(p, { perimeter: { organizationId: "o-zzzzzzzzzz" } }));
          new ConsumerAccess(scope, "consumer", {
            provider: p.a,
            accountId: ACCOUNT_A,
            roleArn: ROLE_A,
            grants: [share.s3Grant("read")],
            perimeter: { organizationId: ORG },
          });
        }),
      "ConsumerAccess(consumer).grants[0]",
      "could never be used",
    );
  });
});

describe("the perimeter on an existing bucket", () => {
  it("puts the Deny in the emitted bucket-policy and key-policy statements (the key's owners add it), and emits the RCP file", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "existing");
    BucketShare.fromExistingBucket(stack, "theirs", {
      provider: providers(stack).b,
      accountId: ACCOUNT_B,
      bucketName: "their-data",
      policy: "emit",
      kmsKeyArn: KEY,
      grants: [{ principal: ROLE_A, level: "read" }],
      perimeter: { organizationId: ORG },
    });
    const dir = path.join(Testing.fullSynth(stack), "stacks", "existing", "xacct");
    expect(fs.readdirSync(dir).sort()).toEqual(["theirs.bucket-policy.json", "theirs.key-policy.json", "theirs.rcp.json"]);
    const read = (f: string): PolicyDocument => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as PolicyDocument;
    expect(perimeterStatement(read("theirs.bucket-policy.json"))).toMatchObject({
      Action: "s3:*",
      Resource: ["arn:aws:s3:::their-data", "arn:aws:s3:::their-data/*"],
    });
    // The principal got a KMS grant: the only statement the key's owners must add is the perimeter Deny.
    expect(read("theirs.key-policy.json").Statement.map((s) => s.Sid)).toEqual([PERIMETER_SID]);
  });
});

describe("AssumableRole with a data perimeter", () => {
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { ...shareProps(p), perimeter: undefined, grants: [] });
    new AssumableRole(scope, "role", {
      provider: p.b,
      accountId: ACCOUNT_B,
      roleName: "reader",
      trustedPrincipals: [ROLE_A],
      access: share.s3Grant("read"),
      perimeter: { organizationId: ORG },
    });
  });

  it("denies sts:AssumeRole from outside the Organization in its trust policy (AWS's iam_role_trust_policy.json form)", () => {
    const role = Object.values(resourcesOf(tf, "aws_iam_role"))[0];
    expect(perimeterStatement(parsePolicy(role.assume_role_policy))).toEqual({
      Sid: "EnforceIdentityPerimeter",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "sts:AssumeRole",
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORG }, BoolIfExists: { "aws:PrincipalIsAWSService": "false" } },
    });
  });

  it("adds aws:ResourceOrgID to a grant from a share without a perimeter", () => {
    const doc = parsePolicy(only(tf, "aws_iam_role_policy").policy);
    expect(doc.Statement.map((s) => s.Condition?.StringEquals?.["aws:ResourceOrgID"])).toEqual([ORG, ORG, ORG]);
  });

  it("emits no RCP of its own (the shares do)", () => {
    expect(Object.keys(tf.output ?? {}).filter((k) => k.includes("perimeter-rcp"))).toEqual([]);
  });
});

describe("the perimeter's statements and the policy-size check", () => {
  /** Trusted principals of distinct accounts until the trust policy is just under 2,048 characters without the perimeter. */
  const roleTrusting = (n: number, perimeter: DataPerimeter | undefined) =>
    synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { ...shareProps(p), perimeter: undefined, grants: [] });
      new AssumableRole(scope, "role", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "reader",
        trustedPrincipals: Array.from({ length: n }, (_, i) => `arn:aws:iam::${String(400000000000 + i)}:role/consumer-role-${i}`),
        access: share.s3Grant("read"),
        perimeter,
      });
    });
  const trustSize = (n: number, perimeter?: DataPerimeter): number =>
    String(Object.values(resourcesOf(roleTrusting(n, perimeter).tf, "aws_iam_role"))[0].assume_role_policy).length;

  it("the Deny costs a fixed ~200 characters (measured), and the check counts it", () => {
    const n = 1;
    const cost = trustSize(n, { organizationId: ORG }) - trustSize(n);
    expect(cost).toBeGreaterThan(150);
    expect(cost).toBeLessThan(260);
    // The largest n that fits without the perimeter, then the perimeter pushes it over: policy-size fails.
    let fits = 1;
    while (trustSize(fits + 1) <= 2048) fits++;
    expect(trustSize(fits)).toBeGreaterThan(2048 - cost);
    const findings = checkModel(roleTrusting(fits, { organizationId: ORG }).model).filter((f) => f.check === "policy-size");
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("trust policy");
    expect(checkModel(roleTrusting(fits, undefined).model).filter((f) => f.check === "policy-size")).toEqual([]);
  });
});

describe("the perimeter in the scalable key policy", () => {
  it("keeps the Deny second when the key policy falls back to consumer accounts (per-account form)", () => {
    const grants = [
      {
        principals: Array.from({ length: 800 }, (_, i) => `arn:aws:iam::${String(500000000000 + i)}:role/consumer-with-a-long-name-${i}`),
        level: "read" as const,
      },
    ];
    const input = { partition: "aws", ownerAccountId: ACCOUNT_B, region: "us-east-1", grants, bucketArn: "arn:aws:s3:::b", bucketKey: true };
    const plain = scalableKeyPolicy(input);
    const withPerimeter = scalableKeyPolicy({ ...input, perimeter: { organizationId: ORG } });
    expect(plain.form).toBe("per-account");
    expect(withPerimeter.form).toBe("per-account");
    expect(withPerimeter.document.Statement[1]).toMatchObject({ Sid: PERIMETER_SID, Effect: "Deny", Action: "kms:*" });
    expect(withPerimeter.document.Statement.slice(2)).toEqual(plain.document.Statement.slice(1));
  });
});
