import * as fs from "fs";
import * as path from "path";
import { checkModel } from "../../lib/checks/policy-checks";
import { TerraformStack, Testing } from "../../lib/framework";
import { asList, principalArns, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { Principals } from "../../lib/principals";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, providers, resourcesOf, synthModule } from "../../lib/testing";
import { AssumableRole } from "../assumable-role";
import { BucketShare } from "../bucket-share";
import { PermissionSetPolicy } from ".";

/**
 * Principals given by pattern (#20): a role that does not exist yet, an IAM
 * path pattern, an Identity Center permission set. Every document that grants
 * them names the account principal narrowed by `ArnLike aws:PrincipalArn`,
 * never a role ARN.
 */
const ROOT_A = `arn:aws:iam::${ACCOUNT_A}:root`;
const SSO = `arn:aws:iam::${ACCOUNT_A}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataReaders_*`;
const NOT_YET = `arn:aws:iam::${ACCOUNT_A}:role/teams/data-readers`;

/** Every principal ARN named in a Principal element of `doc`. */
const principalsIn = (doc: PolicyDocument): string[] => statementsOf(doc).flatMap(principalArns);
const grantStatements = (doc: PolicyDocument): Statement[] => statementsOf(doc).filter((s) => s.Effect === "Allow" && principalArns(s).includes(ROOT_A));

describe("Principals factories", () => {
  it("build the ArnLike patterns, inside one account and one path", () => {
    expect(Principals.roleByName(ACCOUNT_A, "data-readers", { path: "/teams/" }).principalArn).toBe(NOT_YET);
    expect(Principals.rolePattern(ACCOUNT_A, "/teams/*").principalArn).toBe(`arn:aws:iam::${ACCOUNT_A}:role/teams/*`);
    expect(Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" }).principalArn).toBe(SSO);
    expect(Principals.permissionSet(ACCOUNT_A, "DataReaders").principalArn).toBe(
      `arn:aws:iam::${ACCOUNT_A}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataReaders_*`,
    );
    expect(Principals.permissionSet(ACCOUNT_A, "DataReaders").principalPattern.label).toBe(`sso:DataReaders@${ACCOUNT_A}`);
    expect(Principals.rolePattern(ACCOUNT_A, "/teams/*").principalPattern.label).toBe(`pattern:/teams/*@${ACCOUNT_A}`);
  });

  it("refuse a wildcard account, a wildcard crossing the path, users, and the whole account unless acknowledged", () => {
    expectConfigError(() => Principals.rolePattern("*", "/teams/*"), 'Principals.rolePattern("/teams/*").accountId', "one literal 12-digit");
    expectConfigError(() => Principals.rolePattern(ACCOUNT_A, "/te*/readers"), 'Principals.rolePattern("/te*/readers").pattern', "crosses IAM paths");
    expectConfigError(() => Principals.rolePattern(ACCOUNT_A, "/*/readers"), 'Principals.rolePattern("/*/readers").pattern', "crosses IAM paths");
    expectConfigError(() => Principals.rolePattern(ACCOUNT_A, "user/alice*"), 'Principals.rolePattern("user/alice*").pattern', "users");
    expectConfigError(
      () => Principals.rolePattern(ACCOUNT_A, `arn:aws:iam::${ACCOUNT_A}:role/x*`),
      `Principals.rolePattern("arn:aws:iam::${ACCOUNT_A}:role/x*").pattern`,
      "not a role path pattern",
    );
    expectConfigError(() => Principals.rolePattern(ACCOUNT_A, "/*"), 'Principals.rolePattern("/*").pattern', "anyRoleOfAccount: true");
    expect(Principals.rolePattern(ACCOUNT_A, "/*", { anyRoleOfAccount: true }).principalArn).toBe(`arn:aws:iam::${ACCOUNT_A}:role/*`);
    expectConfigError(() => Principals.roleByName(ACCOUNT_A, "readers*"), 'Principals.roleByName("readers*").roleName', "Principals.rolePattern");
    expectConfigError(() => Principals.roleByName(ACCOUNT_A, "r", { path: "/te*/" }), 'Principals.roleByName("r").path', "without wildcards");
    expectConfigError(() => Principals.permissionSet(ACCOUNT_A, "Data*"), 'Principals.permissionSet("Data*").permissionSetName', "no wildcards");
    expectConfigError(
      () => Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "*-west-1" }),
      'Principals.permissionSet("DataReaders").region',
      "region code",
    );
  });

  it("refuse a hand-made pattern that crosses accounts or paths where it is used", () => {
    const forged = {
      principalArn: "arn:aws:iam::*:role/*",
      principalPattern: { accountId: ACCOUNT_A, partition: "aws", arnLike: "arn:aws:iam::*:role/*", label: "x" },
    };
    expect(() =>
      synthModule((scope, p) => {
        new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b", grants: [{ principal: forged, level: "read" }] });
      }),
    ).toThrow(/BucketShare\(share\)\.grants\[0\]\.principal.*inside account 111111111111/);
  });
});

describe("a grant to a role that does not exist yet", () => {
  const { tf, model } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
    share.grant(Principals.roleByName(ACCOUNT_A, "data-readers", { path: "/teams/" }), { level: "read", prefix: "reports/" });
  });
  const bucket = parsePolicy(only(tf, "aws_s3_bucket_policy").policy);
  const key = parsePolicy(only(tf, "aws_kms_key").policy);

  it("synthesizes with no role ARN in any Principal (no invalid-principal risk at apply)", () => {
    for (const doc of [bucket, key]) {
      expect(principalsIn(doc).filter((a) => a.includes(":role/"))).toEqual([]);
      expect(JSON.stringify(doc)).not.toContain("arn-like:");
    }
  });

  it("names the account principal narrowed by ArnLike aws:PrincipalArn in the bucket and key policies", () => {
    expect(grantStatements(bucket)).toEqual([
      expect.objectContaining({
        Sid: "Grant1ByArnListBucket",
        Condition: { ArnLike: { "aws:PrincipalArn": NOT_YET }, StringLike: { "s3:prefix": "reports/*" } },
      }),
      expect.objectContaining({
        Sid: "Grant1ByArnObjects",
        Resource: "arn:aws:s3:::data-b/reports/*",
        Condition: { ArnLike: { "aws:PrincipalArn": NOT_YET } },
      }),
    ]);
    expect(grantStatements(key)).toEqual([
      expect.objectContaining({
        Sid: "CrossAccountUse1ByArn",
        Action: "kms:Decrypt",
        Condition: expect.objectContaining({ ArnLike: { "aws:PrincipalArn": NOT_YET } }),
      }),
    ]);
  });

  it("needs no depends_on on a role, and passes the account-root-principal check (narrowed root is the safe form)", () => {
    expect(only(tf, "aws_s3_bucket_policy").depends_on ?? []).toEqual([expect.stringContaining("aws_s3_bucket_public_access_block")]);
    expect(checkModel(model).filter((f) => f.check === "account-root-principal")).toEqual([]);
  });
});

describe("named and pattern principals on one level and prefix", () => {
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b", encryption: "s3" });
    share.grant(`arn:aws:iam::${ACCOUNT_A}:role/named`, { level: "read" });
    share.grant(Principals.rolePattern(ACCOUNT_A, "/teams/*"), { level: "read" });
    share.grant(Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" }), { level: "read" });
  });
  const bucket = parsePolicy(only(tf, "aws_s3_bucket_policy").policy);
  it("keep the named principals' statement and add one narrowed statement for all patterns", () => {
    const grants = statementsOf(bucket).filter((s) => s.Sid?.startsWith("Grant"));
    expect(grants.map((s) => [s.Sid, s.Principal, s.Condition])).toEqual([
      ["Grant1BucketAndObjects", { AWS: `arn:aws:iam::${ACCOUNT_A}:role/named` }, undefined],
      ["Grant1ByArnBucketAndObjects", { AWS: ROOT_A }, { ArnLike: { "aws:PrincipalArn": [SSO, `arn:aws:iam::${ACCOUNT_A}:role/teams/*`] } }],
    ]);
  });
});

describe("access-point mode", () => {
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b", accessPoints: true });
    share.grant(Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" }), { level: "read", prefix: "r/" });
  });
  it("gives the permission set its access point, whose policy names the account narrowed by aws:PrincipalArn", () => {
    const ap = only(tf, "aws_s3_access_point");
    expect(String(ap.name)).toMatch(/^awsreservedsso-datareaders-r-/);
    const doc = parsePolicy(ap.policy);
    expect(statementsOf(doc).map((s) => [s.Principal, s.Condition?.ArnLike])).toEqual([
      [{ AWS: ROOT_A }, { "aws:PrincipalArn": SSO }],
      [{ AWS: ROOT_A }, { "aws:PrincipalArn": SSO }],
    ]);
  });
});

describe("AssumableRole trusting a pattern", () => {
  const { tf, model } = synthModule((scope, p) => {
    new AssumableRole(scope, "role", {
      provider: p.b,
      accountId: ACCOUNT_B,
      roleName: "target",
      trustedPrincipals: [Principals.rolePattern(ACCOUNT_A, "/ci/deploy-*")],
      access: { bucketArn: "arn:aws:s3:::data-b", prefix: "", level: "read" },
    });
  });
  it("trusts the account narrowed by aws:PrincipalArn, without an account-root finding", () => {
    expect(statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy))).toEqual([
      {
        Sid: "AssumeFromPrincipalPatterns",
        Effect: "Allow",
        Principal: { AWS: ROOT_A },
        Action: "sts:AssumeRole",
        Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_A}:role/ci/deploy-*` } },
      },
    ]);
    expect(checkModel(model).filter((f) => f.check === "account-root-principal")).toEqual([]);
  });
});

describe("an existing bucket's key", () => {
  it("gets no KMS grant for a pattern (a grant needs one existing principal): its key-policy statement is emitted for the key's owners", () => {
    const { tf } = synthModule((scope, p) => {
      const share = BucketShare.fromExistingBucket(scope, "theirs", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: "their-data",
        kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        policy: "emit",
      });
      share.grant(Principals.permissionSet(ACCOUNT_A, "DataReaders"), { level: "read" });
      share.grant(`arn:aws:iam::${ACCOUNT_A}:role/named`, { level: "read" });
    });
    expect(Object.values(resourcesOf(tf, "aws_kms_grant")).map((g) => g.grantee_principal)).toEqual([`arn:aws:iam::${ACCOUNT_A}:role/named`]);
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("key-policy-statements"));
    expect(statementsOf(parsePolicy(out?.[1].value))).toEqual([
      expect.objectContaining({
        Principal: { AWS: ROOT_A },
        Action: "kms:Decrypt",
        Condition: expect.objectContaining({ ArnLike: { "aws:PrincipalArn": expect.stringContaining("AWSReservedSSO_DataReaders_*") } }),
      }),
    ]);
  });
});

describe("PermissionSetPolicy", () => {
  it("emits the permission set's inline policy as an output and xacct/<id>.permission-set-policy.json", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "sso");
    const p = providers(stack);
    const share = new BucketShare(stack, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
    const readers = new PermissionSetPolicy(stack, "data-readers", {
      permissionSet: Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" }),
    });
    share.grant(readers, { level: "read", prefix: "reports/" });
    const outdir = Testing.fullSynth(stack);
    const doc = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "sso", "xacct", "data-readers.permission-set-policy.json"), "utf8")) as PolicyDocument;
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["Grant1ListBucket", "Grant1Objects", "Grant1KmsKey"]);
    expect(asList(doc.Statement[1].Resource)).toEqual(["arn:aws:s3:::data-b/reports/*"]);
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "sso", "cdk.tf.json"), "utf8")) as { output: Record<string, { value: string }> };
    const out = Object.entries(tf.output).find(([k]) => k.includes("permission-set-inline-policy"));
    expect(JSON.parse(out?.[1].value ?? "{}")).toEqual(doc);
  });

  it("is read back by the model as the set's roles' identity policy", () => {
    const { model } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
      share.grant(new PermissionSetPolicy(scope, "ps", { permissionSet: Principals.permissionSet(ACCOUNT_A, "DataReaders") }), { level: "read" });
    });
    expect(model.patternPrincipals).toEqual([
      expect.objectContaining({ label: `sso:DataReaders@${ACCOUNT_A}`, account: ACCOUNT_A, arnLike: expect.stringContaining("AWSReservedSSO_DataReaders_*") }),
    ]);
    expect(model.patternPrincipals?.[0].inline[0].document.Statement.length).toBeGreaterThan(0);
  });

  it("refuses something other than a permission set, and an empty policy", () => {
    expectConfigError(
      () => synthModule((scope) => new PermissionSetPolicy(scope, "ps", { permissionSet: Principals.rolePattern(ACCOUNT_A, "/teams/*") })),
      "PermissionSetPolicy(ps).permissionSet",
      "Principals.permissionSet",
    );
    expect(() => synthModule((scope) => new PermissionSetPolicy(scope, "ps", { permissionSet: Principals.permissionSet(ACCOUNT_A, "X") }))).toThrow(
      /PermissionSetPolicy\(ps\)\.grants/,
    );
  });
});

describe("account-root-principal check", () => {
  const findings = (Condition?: Statement["Condition"]) => {
    const { model } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b", encryption: "s3" });
      share.addToResourcePolicy({
        Sid: "Mine",
        Effect: "Allow",
        Principal: { AWS: ROOT_A },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::data-b/*",
        ...(Condition ? { Condition } : {}),
      });
    });
    return checkModel(model).filter((f) => f.check === "account-root-principal");
  };
  it("still flags a bare root, and a narrowing that leaves the root's account", () => {
    expect(findings()).toHaveLength(1);
    expect(findings({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/readers" } })).toHaveLength(1);
    expect(findings({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_B}:role/readers` } })).toHaveLength(1);
    expect(findings({ ArnNotLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_A}:role/readers` } })).toHaveLength(1);
  });
  it("accepts the root narrowed by aws:PrincipalArn inside its account", () => {
    expect(findings({ ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_A}:role/teams/*` } })).toEqual([]);
  });
});
