import { checkModel } from "../../lib/checks/policy-checks";
import { statementsOf } from "../../lib/model/stack-model";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { Construct } from "../../lib/framework";
import { AssumableRole } from "../assumable-role";
import { BucketShare } from "../bucket-share";
import { ConsumerAccess, ConsumerAccessProps } from ".";

const TASK_ROLE = `arn:aws:iam::${ACCOUNT_A}:role/ecs/reports-task`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const consumer = (scope: Construct, p: Providers, props: Partial<ConsumerAccessProps> = {}): ConsumerAccess =>
  new ConsumerAccess(scope, "task", { provider: p.a, accountId: ACCOUNT_A, roleArn: TASK_ROLE, ...props });

describe("ConsumerAccess on an existing ECS task role", () => {
  const { tf, model } = synthModule((scope, p) => {
    const share = BucketShare.fromExistingBucket(scope, "theirs", {
      provider: p.b,
      accountId: ACCOUNT_B,
      bucketName: "their-data",
      policy: "emit",
      kmsKeyArn: KEY,
    });
    consumer(scope, p).useBucket(share, "read", "reports/");
  });
  const policy = only(tf, "aws_iam_role_policy");

  it("adds one inline policy to the role, named by the role name parsed from the ARN (path dropped)", () => {
    expect(policy).toMatchObject({ role: "reports-task", name: "xacct-access", provider: "aws.account_a" });
    expect(resourcesOf(tf, "aws_iam_role")).toEqual({});
  });

  it("holds exactly the identity half of the grant: ListBucket on the prefix, GetObject under it, Decrypt on the key", () => {
    expect(statementsOf(parsePolicy(policy.policy))).toEqual([
      // Only on the owner's bucket (aws:ResourceAccount): not on a same-named bucket of another account.
      {
        Sid: "Grant1ListBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: "arn:aws:s3:::their-data",
        Condition: { StringLike: { "s3:prefix": "reports/*" }, StringEquals: { "aws:ResourceAccount": "222222222222" } },
      },
      {
        Sid: "Grant1Objects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: "arn:aws:s3:::their-data/reports/*",
        Condition: { StringEquals: { "aws:ResourceAccount": "222222222222" } },
      },
      // Only as S3 calls it on the role's behalf, in the key's region (kms:ViaService).
      {
        Sid: "Grant1KmsKey",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: KEY,
        Condition: {
          StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::their-data", "arn:aws:s3:::their-data/*"] },
        },
      },
    ]);
  });

  it("is named in the bucket's statements and gets a KMS grant: useBucket did both halves", () => {
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("bucket-policy-statements"));
    expect(JSON.stringify(parsePolicy(out?.[1].value))).toContain(TASK_ROLE);
    expect(only(tf, "aws_kms_grant")).toMatchObject({ grantee_principal: TASK_ROLE, operations: ["Decrypt"] });
  });

  it("passes every check, the existing role included in the model", () => {
    expect(model.roles.map((r) => [r.arn, r.existing])).toEqual([[TASK_ROLE, true]]);
    // Only the share's KMS grant is flagged: its bucket's Bucket Key setting is not stated, so it cannot be constrained (#17 item 2).
    expect(checkModel(model).map((f) => [f.check, f.address.split(".")[0]])).toEqual([["kms-grant-unconstrained", "aws_kms_grant"]]);
  });
});

describe("ConsumerAccess variants", () => {
  it("share.addGrant({ principal: consumer }) names the role ARN in a new bucket's policy and key policy", () => {
    const { tf, model } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "new-data" });
      const c = consumer(scope, p);
      c.addS3Grant(share.addGrant({ principal: c, level: "write", prefix: "in/" }));
    });
    expect(JSON.stringify(parsePolicy(only(tf, "aws_s3_bucket_policy").policy))).toContain(TASK_ROLE);
    expect(JSON.stringify(parsePolicy(only(tf, "aws_kms_key").policy))).toContain(TASK_ROLE);
    expect(checkModel(model)).toEqual([]);
  });

  it("sts:AssumeRole on exactly the AssumableRole, with MFA when the role demands it", () => {
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "new-data" });
      const role = new AssumableRole(scope, "target", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "ci-target",
        externalId: "ext-1",
        requireMfa: true,
        access: share.s3Grant("read"),
      });
      const c = consumer(scope, p, { roleArn: `arn:aws:iam::${ACCOUNT_A}:role/ci`, assumeRoles: [role] });
      role.addTrustedPrincipal(c);
    });
    const ci = Object.values(resourcesOf(tf, "aws_iam_role_policy")).find((r) => r.role === "ci");
    expect(statementsOf(parsePolicy(ci?.policy))).toEqual([
      {
        Sid: "AssumeRole1",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: `arn:aws:iam::${ACCOUNT_B}:role/ci-target`,
        Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
      },
    ]);
  });

  it("the policy-size check applies to the role's inline policy", () => {
    const { model } = synthModule((scope, p) => {
      consumer(scope, p, {
        grants: Array.from({ length: 60 }, (_, i) => ({
          bucketArn: `arn:aws:s3:::bucket-number-${i}`,
          prefix: `some/longer/prefix/${i}/`,
          level: "readwrite" as const,
          kmsKeyArn: KEY,
        })),
      });
    });
    expect(checkModel(model).map((f) => [f.check, f.address])).toEqual([["policy-size", expect.stringMatching(/^aws_iam_role_policy\./)]]);
  });
});

describe("ConsumerAccess bad input", () => {
  const F = "ConsumerAccess(task)";
  const build = (props: Partial<ConsumerAccessProps>) =>
    synthModule((scope, p) => consumer(scope, p, { grants: [{ bucketArn: "arn:aws:s3:::b", prefix: "", level: "read" }], ...props }));
  it.each([
    [{ roleArn: `arn:aws:iam::${ACCOUNT_B}:role/x` }, `${F}.roleArn`, "not of the consuming account 111111111111"],
    [{ roleArn: `arn:aws:iam::${ACCOUNT_A}:user/x` }, `${F}.roleArn`, "is not an IAM role ARN"],
    [{ roleArn: "reports-task" }, `${F}.roleArn`, "is not an IAM role ARN"],
    [{ accountId: "1" }, `${F}.accountId`, "12-digit"],
    [{ grants: [{ bucketArn: "arn:aws:s3:::b", prefix: "../x", level: "read" as const }] }, `${F}.grants[0].prefix`, '".."'],
    [{ grants: [] }, `${F}.grants`, "empty policy"],
  ])("%j fails naming %s", (props, field, hint) => {
    expectConfigError(() => build(props), field, hint);
  });
});
