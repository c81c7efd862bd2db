import { diffPlan } from "../../tools/access";
import type { Cell } from "../../tools/access/types";
import { planJson, type FixtureResource } from "./plan-fixture";

/**
 * A plain-HCL plan creating every policy resource type `plan` covers: the
 * NEW cells show each one is read (trust and inline_policy of aws_iam_role,
 * role/group/user policies, a managed policy and its attachments, a key policy
 * set by aws_kms_key_policy, a KMS grant, an access point and its policy, an
 * Organization grant, a service principal, a role of another account).
 */

const A = "111111111111";
const BUCKET = "data-bkt";
const B_ARN = `arn:aws:s3:::${BUCKET}`;
const AP_ARN = `arn:aws:s3:us-east-1:${A}:accesspoint/ap1`;
const KEY_ARN = `arn:aws:kms:us-east-1:${A}:key/k-1`;
const SHARED = `arn:aws:iam::${A}:policy/shared`;
const doc = (...Statement: object[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string, Resource: string, extra: object = {}): object => ({ Effect: "Allow", Action, Resource, ...extra });
const r = (type: string, name: string, values: Record<string, unknown>): FixtureResource => ({ type, name, values });

const RESOURCES: FixtureResource[] = [
  r("aws_s3_bucket", "data", { bucket: BUCKET, arn: B_ARN }),
  r("aws_s3_bucket_policy", "data", {
    bucket: BUCKET,
    policy: doc(
      { Sid: "AccountB", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "s3:GetObject", Resource: `${B_ARN}/*` },
      {
        Sid: "Org",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:ListBucket",
        Resource: B_ARN,
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
      },
      {
        Sid: "ToAccessPoints",
        Effect: "Allow",
        Principal: "*",
        Action: "*",
        Resource: [B_ARN, `${B_ARN}/*`],
        Condition: { StringEquals: { "s3:DataAccessPointAccount": A } },
      },
    ),
  }),
  r("aws_iam_role", "app", {
    name: "app",
    arn: `arn:aws:iam::${A}:role/app`,
    assume_role_policy: doc({
      Sid: "Trust",
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com", AWS: "arn:aws:iam::333333333333:role/ci" },
      Action: "sts:AssumeRole",
    }),
    inline_policy: [{ name: "inl", policy: doc({ Sid: "Inline", ...allow("s3:GetObject", `${B_ARN}/inline/*`) }) }],
  }),
  r("aws_iam_role_policy", "app_extra", { role: "app", policy: doc({ Sid: "Extra", ...allow("s3:PutObject", `${B_ARN}/extra/*`) }) }),
  r("aws_iam_policy", "shared", { name: "shared", arn: SHARED, policy: doc({ Sid: "Shared", ...allow("s3:DeleteObject", `${B_ARN}/shared/*`) }) }),
  r("aws_iam_role_policy_attachment", "app_shared", { role: "app", policy_arn: SHARED }),
  r("aws_iam_role_policy_attachment", "app_readonly", { role: "app", policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
  r("aws_iam_group", "devs", { name: "devs", arn: `arn:aws:iam::${A}:group/devs` }),
  r("aws_iam_group_policy", "devs", { group: "devs", policy: doc({ Sid: "Devs", ...allow("s3:GetObject", `${B_ARN}/devs/*`) }) }),
  r("aws_iam_group_policy_attachment", "devs_shared", { group: "devs", policy_arn: SHARED }),
  r("aws_iam_user", "alice", { name: "alice", arn: `arn:aws:iam::${A}:user/alice` }),
  r("aws_iam_user_policy", "alice", { user: "alice", policy: doc({ Sid: "Alice", ...allow("s3:PutObject", `${B_ARN}/alice/*`) }) }),
  r("aws_iam_user_policy_attachment", "alice_shared", { user: "alice", policy_arn: SHARED }),
  r("aws_kms_key", "k", {
    arn: KEY_ARN,
    key_id: "k-1",
    policy: doc({ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "kms:*", Resource: "*" }),
  }),
  r("aws_kms_key_policy", "k", {
    key_id: "k-1",
    policy: doc(
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "kms:*", Resource: "*" },
      { Sid: "AccountBDecrypt", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "kms:Decrypt", Resource: "*" },
    ),
  }),
  r("aws_kms_grant", "g", { key_id: "k-1", grantee_principal: "arn:aws:iam::444444444444:role/grantee", operations: ["Decrypt"] }),
  // A grant constrained to an encryption context (plan values: the constraints block with a null for the other map).
  r("aws_kms_grant", "pinned", {
    key_id: "k-1",
    grantee_principal: "arn:aws:iam::666666666666:role/pinned",
    operations: ["Decrypt"],
    constraints: [{ encryption_context_equals: null, encryption_context_subset: { "aws:s3:arn": B_ARN } }],
  }),
  r("aws_s3_access_point", "ap", { bucket: BUCKET, name: "ap1", account_id: A, arn: AP_ARN }),
  r("aws_s3control_access_point_policy", "ap", {
    access_point_arn: AP_ARN,
    policy: doc({
      Sid: "Reader",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::555555555555:role/reader" },
      Action: "s3:GetObject",
      Resource: `${AP_ARN}/object/reports/*`,
    }),
  }),
];

describe("plan: every covered policy resource type", () => {
  let added: Cell[];
  let notEvaluated: readonly string[];
  beforeAll(async () => {
    const d = await diffPlan(planJson({ providers: [{ key: "aws", account: A }], before: [], after: RESOURCES }));
    added = [...d.stacks[0].added];
    notEvaluated = d.stacks[0].notEvaluated;
  });

  it("lists an attached policy whose document is not in the plan as not evaluated", () => {
    expect(notEvaluated).toEqual([
      `aws_iam_role_policy_attachment.app_readonly: arn:aws:iam::aws:policy/ReadOnlyAccess attached to arn:aws:iam::${A}:role/app (document not in the stack: not evaluated)`,
    ]);
  });
  const has = (key: string): Cell | undefined => added.find((c) => c.key === key);

  it.each([
    ["trust: a role of another account", "arn:aws:iam::333333333333:role/ci sts:AssumeRole role/app", "trust", "Trust"],
    ["trust: a service principal", "service/ec2.amazonaws.com sts:AssumeRole role/app", "trust", "Trust"],
    ["aws_iam_role inline_policy", `role/app s3:GetObject ${BUCKET}/inline/x.json`, "role-inline", "Inline"],
    ["aws_iam_role_policy", `role/app s3:PutObject ${BUCKET}/extra/x.json`, "role-inline", "Extra"],
    ["aws_iam_policy + role attachment", `role/app s3:DeleteObject ${BUCKET}/shared/x.json`, "managed", "Shared"],
    ["aws_iam_group_policy", `member/devs s3:GetObject ${BUCKET}/devs/x.json`, "group-inline", "Devs"],
    ["aws_iam_policy + group attachment", `member/devs s3:DeleteObject ${BUCKET}/shared/x.json`, "managed", "Shared"],
    ["aws_iam_user_policy", `user/alice s3:PutObject ${BUCKET}/alice/x.json`, "user-inline", "Alice"],
    ["aws_iam_policy + user attachment", `user/alice s3:DeleteObject ${BUCKET}/shared/x.json`, "managed", "Shared"],
    ["aws_s3_bucket_policy: an account root", `probe/222222222222 s3:GetObject ${BUCKET}/inline/x.json`, "bucket", "AccountB"],
    ["aws_s3_bucket_policy: an Organization", `org/o-abc123 s3:ListBucket ${BUCKET} [prefix=alice/]`, "bucket", "Org"],
    ["aws_kms_key_policy", "probe/222222222222 kms:Decrypt key/k", "key", "AccountBDecrypt"],
    ["aws_kms_grant (as a key-policy statement)", "arn:aws:iam::444444444444:role/grantee kms:Decrypt key/k", "key", "KmsGrant1"],
    ["aws_s3_access_point + policy", "arn:aws:iam::555555555555:role/reader s3:GetObject ap/ap1/reports/x.json", "access-point", "Reader"],
  ])("%s", (_what, key, source, sid) => {
    const c = has(key);
    expect(c?.key).toBe(key);
    expect(c?.deciding).toContainEqual(expect.objectContaining({ effect: "Allow", source, ...(sid ? { sid } : {}) }));
  });

  it("and nothing beyond what they grant", () => {
    const keys = added.map((c) => c.key);
    for (const k of [
      "probe/999999999999 s3:ListBucket data-bkt [prefix=alice/]",
      "arn:aws:iam::444444444444:role/grantee kms:GenerateDataKey key/k",
      // the constrained grant: no encryption context in a direct call, so not even its Decrypt
      "arn:aws:iam::666666666666:role/pinned kms:Decrypt key/k",
      "probe/222222222222 kms:GenerateDataKey key/k",
      "arn:aws:iam::555555555555:role/reader s3:GetObject ap/ap1/other/x.json",
      "anonymous s3:GetObject ap/ap1/reports/x.json",
      `arn:aws:iam::555555555555:role/reader s3:GetObject ${BUCKET}/reports/x.json`,
    ]) {
      expect(keys).not.toContain(k);
    }
    // the access point grant also needs the bucket's delegation: both statements decide
    expect(has("arn:aws:iam::555555555555:role/reader s3:GetObject ap/ap1/reports/x.json")?.deciding).toContainEqual(
      expect.objectContaining({ source: "bucket", sid: "ToAccessPoints" }),
    );
  });
});

it("an access point grant without the bucket's delegation to access points grants nothing", async () => {
  const noDelegation = RESOURCES.map((x) =>
    x.type === "aws_s3_bucket_policy"
      ? {
          ...x,
          values: {
            ...x.values,
            policy: doc(...(JSON.parse(String(x.values.policy)) as { Statement: { Sid: string }[] }).Statement.filter((s) => s.Sid !== "ToAccessPoints")),
          },
        }
      : x,
  );
  const d = await diffPlan(planJson({ providers: [{ key: "aws", account: A }], before: [], after: noDelegation }));
  expect(d.stacks[0].added.filter((c) => c.resource.startsWith("ap/"))).toEqual([]);
});

describe("plan: the account of a provider without allowed_account_ids", () => {
  const grant = (bucketAccountRole: string): FixtureResource[] => [
    r("aws_s3_bucket", "data", { bucket: BUCKET, arn: B_ARN }),
    r("aws_s3_bucket_policy", "data", {
      bucket: BUCKET,
      policy: doc({ Sid: "Role", Effect: "Allow", Principal: { AWS: bucketAccountRole }, Action: "s3:GetObject", Resource: `${B_ARN}/*` }),
    }),
  ];
  const same = "arn:aws:iam::123456789012:role/reader";

  it("comes from data.aws_caller_identity: a role of that account is not cross-account", async () => {
    const plan = planJson({ providers: [{ key: "aws" }], before: [], after: grant(same) });
    (plan.planned_values?.root_module?.resources ?? []).push({
      address: "data.aws_caller_identity.current",
      mode: "data",
      type: "aws_caller_identity",
      name: "current",
      values: { account_id: "123456789012" },
    });
    const d = await diffPlan(plan);
    expect(d.stacks[0].added.find((c) => c.principal === same)).toEqual(expect.objectContaining({ external: false }));
  });

  it("without any hint the bucket's account is unknown and the grant counts as cross-account", async () => {
    const d = await diffPlan(planJson({ providers: [{ key: "aws" }], before: [], after: grant(same) }));
    expect(d.stacks[0].added.find((c) => c.principal === same)).toEqual(expect.objectContaining({ external: true }));
  });
});
