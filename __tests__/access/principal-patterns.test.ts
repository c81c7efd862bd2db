import { Principals } from "../../lib/principals";
import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { AssumableRole } from "../../modules/assumable-role";
import { BucketShare } from "../../modules/bucket-share";
import { PermissionSetPolicy } from "../../modules/permission-set-policy";
import type { Cell, StackMatrix } from "../../tools/access/types";
import { loadStackJson, matrixOf } from "../../tools/access";
import type { TfJson } from "../../lib/model/stack-model";
import { matrixOfJson } from "./helpers";

/**
 * Principals given by pattern (#20) in the access review: each pattern is a
 * class of principals (`sso:DataReaders@111111111111`,
 * `pattern:/teams/*@111111111111`) plus the near misses the resource side
 * must stop (another permission set's role, a same-named role outside
 * `aws-reserved/sso.amazonaws.com/`, a same-named role outside the path).
 */
const SSO_LABEL = `sso:DataReaders@${ACCOUNT_A}`;
const OTHER_SET = `sso:OtherSet@${ACCOUNT_A}`;
const NOT_SSO = `not-sso:DataReaders@${ACCOUNT_A}`;
const TEAMS = `pattern:/teams/*@${ACCOUNT_A}`;
const OUTSIDE_TEAMS = `outside:/teams/*@${ACCOUNT_A}`;

const decision = (m: StackMatrix, principal: string, action: string, resource: string, context = ""): Cell["decision"] | undefined =>
  m.cells.find((c) => c.principal === principal && c.action === action && c.resource === resource && c.context === context && c.via === undefined)?.decision;
/** The cell exists (the principal was asked) and is not Allowed. */
const expectDenied = (d: Cell["decision"] | undefined): void => {
  expect(d).toBeDefined();
  expect(d).not.toBe("Allowed");
};

describe("access matrix of grants to a permission set, a path pattern and a role that does not exist yet", () => {
  let m: StackMatrix;
  let synthesizedTf: TfJson;
  beforeAll(async () => {
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
      // The identity side of the permission set is emitted (and read back as the set's roles' policy).
      const readers = new PermissionSetPolicy(scope, "data-readers", {
        permissionSet: Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" }),
      });
      share.grant(readers, { level: "read", prefix: "reports/" });
      share.grant(Principals.rolePattern(ACCOUNT_A, "/teams/*"), { level: "read", prefix: "teams/" });
      share.grant(Principals.roleByName(ACCOUNT_A, "not-yet", { path: "/later/" }), { level: "write", prefix: "in/" });
      new AssumableRole(scope, "target", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "sso-target",
        trustedPrincipals: [Principals.permissionSet(ACCOUNT_A, "DataReaders", { region: "eu-west-1" })],
        access: share.s3Grant("read", "reports/"),
      });
    });
    synthesizedTf = tf;
    m = await matrixOfJson("patterns", tf);
  });

  it("the fast evaluation (request classes, trimmed policies) equals the exhaustive reference, cell for cell", async () => {
    const stack = loadStackJson("patterns", synthesizedTf);
    expect(await matrixOf(stack)).toEqual(await matrixOf(stack, { exhaustive: true }));
  }, 120_000);

  it("shows each pattern as a class of principals, with its near misses", () => {
    expect(m.principals).toEqual(expect.arrayContaining([SSO_LABEL, OTHER_SET, NOT_SSO, TEAMS, OUTSIDE_TEAMS, `arn:aws:iam::${ACCOUNT_A}:role/later/not-yet`]));
  });

  it("a permission-set role session of the named set reads under reports/ (and decrypts via S3); nothing outside it", () => {
    expect(decision(m, SSO_LABEL, "s3:GetObject", "data-b/reports/x.json")).toBe("Allowed");
    expect(decision(m, SSO_LABEL, "s3:ListBucket", "data-b", "prefix=reports/")).toBe("Allowed");
    expect(decision(m, SSO_LABEL, "kms:Decrypt", "key(data-b)", "via-s3")).toBe("Allowed");
    expectDenied(decision(m, NOT_SSO, "kms:Decrypt", "key(data-b)", "via-s3"));
    expectDenied(decision(m, SSO_LABEL, "s3:GetObject", "data-b/teams/x.json"));
    expectDenied(decision(m, SSO_LABEL, "s3:PutObject", "data-b/reports/x.json"));
  });

  it("another permission set's role and a same-named role outside aws-reserved/sso.amazonaws.com/ are Denied", () => {
    for (const who of [OTHER_SET, NOT_SSO]) {
      expectDenied(decision(m, who, "s3:GetObject", "data-b/reports/x.json"));
      expectDenied(decision(m, who, "s3:ListBucket", "data-b", "prefix=reports/"));
      expect(m.cells.filter((c) => c.principal === who && c.decision === "Allowed")).toEqual([]);
    }
  });

  it("the trust of a role trusts the permission set's roles only", () => {
    const assume = (who: string): Cell["decision"] | undefined =>
      m.cells.find((c) => c.principal === who && c.action === "sts:AssumeRole" && c.resource === "role/sso-target" && c.via === undefined)?.decision;
    // The member has no sts:AssumeRole in its emitted identity policy: the trust alone does not let it in.
    expectDenied(assume(OTHER_SET));
    expectDenied(assume(NOT_SSO));
  });

  it("a path pattern's member reads under teams/; the same name outside the path does not", () => {
    // The member's identity policy is unknown (account A is in the stack): the resource side alone does not let it in.
    expectDenied(decision(m, TEAMS, "s3:GetObject", "data-b/teams/x.json"));
    expect(m.cells.filter((c) => c.principal === OUTSIDE_TEAMS && c.decision === "Allowed")).toEqual([]);
  });
});

describe("a path pattern of an account outside the stack", () => {
  it("lets its member (broad identity policy) in under the prefix, not a same-named role outside the path", async () => {
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b" });
      share.grant(Principals.rolePattern("444444444444", "/teams/*"), { level: "read", prefix: "teams/" });
    });
    const m = await matrixOfJson("outside", tf);
    expect(decision(m, "pattern:/teams/*@444444444444", "s3:GetObject", "data-b/teams/x.json")).toBe("Allowed");
    expectDenied(decision(m, "pattern:/teams/*@444444444444", "s3:GetObject", "data-b/other/x.json"));
    expectDenied(decision(m, "outside:/teams/*@444444444444", "s3:GetObject", "data-b/teams/x.json"));
  });
});
