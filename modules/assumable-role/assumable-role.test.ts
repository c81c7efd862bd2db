import { IamRole } from "../../lib/framework/aws";
import { Construct } from "../../lib/framework";
import { statementsOf } from "../../lib/model/stack-model";
import { S3Grant } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, resourcesOf, synthModule } from "../../lib/testing";
import { AssumableRole, AssumableRoleProps } from ".";

const CALLER = `arn:aws:iam::${ACCOUNT_A}:role/caller`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const GRANT: S3Grant = { bucketArn: "arn:aws:s3:::data-b", prefix: "in/", level: "readwrite", kmsKeyArn: KEY };

function role(props: Partial<AssumableRoleProps> = {}) {
  return synthModule((scope, p) => {
    new AssumableRole(scope, "role", {
      provider: p.b,
      accountId: ACCOUNT_B,
      roleName: "writer-target",
      trustedPrincipals: [CALLER],
      access: GRANT,
      ...props,
    });
  });
}

describe("AssumableRole trust policy", () => {
  it("trusts exactly the named principal, with no conditions by default", () => {
    const { tf } = role();
    const trust = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(trust).toEqual([{ Sid: "AssumeFromNamedPrincipals", Effect: "Allow", Principal: { AWS: CALLER }, Action: "sts:AssumeRole" }]);
  });

  it("requires the ExternalId and MFA when asked", () => {
    const { tf } = role({ externalId: "partner-7", requireMfa: true });
    const [s] = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(s.Condition).toEqual({
      StringEquals: { "sts:ExternalId": "partner-7" },
      Bool: { "aws:MultiFactorAuthPresent": "true" },
    });
  });

  it("sets the maximum session duration", () => {
    expect(role().json).toHaveResourceWithProperties(IamRole, { name: "writer-target", max_session_duration: 3600 });
    expect(role({ maxSessionDurationSeconds: 43200 }).json).toHaveResourceWithProperties(IamRole, { max_session_duration: 43200 });
  });

  it("refuses an account root unless acknowledged", () => {
    expect(() => role({ trustedPrincipals: [`arn:aws:iam::${ACCOUNT_A}:root`] })).toThrow(/trusts every principal of that account/);
    const { tf } = role({
      trustedPrincipals: [`arn:aws:iam::${ACCOUNT_A}:root`],
      acknowledge: [{ rule: "account-root-principal", reason: "test: the whole account is meant" }],
    });
    expect(only(tf, "aws_iam_role").assume_role_policy).toContain(`arn:aws:iam::${ACCOUNT_A}:root`);
  });

  it("adds principals after construction, and fails synth when there are none", () => {
    const { tf } = synthModule((scope, p) => {
      const r = new AssumableRole(scope, "role", { provider: p.b, accountId: ACCOUNT_B, roleName: "t", access: GRANT });
      r.addTrustedPrincipal(CALLER);
      r.addTrustedPrincipal(`arn:aws:iam::${ACCOUNT_A}:role/other`);
    });
    const [s] = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(s.Principal).toEqual({ AWS: [CALLER, `arn:aws:iam::${ACCOUNT_A}:role/other`].sort() });
    expect(() => role({ trustedPrincipals: [] })).toThrow(/trustedPrincipals: must name at least one principal/);
  });
});

describe("AssumableRole permissions", () => {
  const { tf } = role();
  const s = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));

  it("lists the bucket only under its prefix", () => {
    expect(s[0]).toEqual({
      Sid: "ListBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: "arn:aws:s3:::data-b",
      Condition: { StringLike: { "s3:prefix": "in/*" } }, // "in/*" also matches "in/"
    });
  });

  it("reads and writes objects under the prefix only", () => {
    expect(s[1]).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload"],
      Resource: "arn:aws:s3:::data-b/in/*",
    });
  });

  it("uses exactly the bucket's key", () => {
    expect(s[2]).toMatchObject({ Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY });
    // Only through S3, in the key's region: never Decrypt/GenerateDataKey on the key directly.
    // ... and for this bucket only (bucket-key setting unknown: bucket or object ARN as context)
    expect(s[2].Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::data-b", "arn:aws:s3:::data-b/*"] },
    });
  });

  it("has no KMS statement for an SSE-S3 bucket", () => {
    const plain = role({ access: { ...GRANT, kmsKeyArn: undefined } });
    expect(JSON.stringify(only(plain.tf, "aws_iam_role_policy").policy)).not.toContain("kms:");
  });
});

describe("AssumableRole groups of another account", () => {
  it("creates a group whose policy may assume exactly this role, with MFA", () => {
    const { tf } = synthModule((scope, p) => {
      const r = new AssumableRole(scope, "role", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "dev-upload",
        requireMfa: true,
        access: GRANT,
        acknowledge: [{ rule: "account-root-principal", reason: "test: the whole account is meant" }],
      });
      r.addAssumingGroup("devs", { provider: p.a, accountId: ACCOUNT_A, groupName: "Developers" });
    });
    expect(only(tf, "aws_iam_group")).toMatchObject({ name: "Developers", provider: "aws.account_a" });
    const [g] = statementsOf(parsePolicy(only(tf, "aws_iam_group_policy").policy));
    expect(g).toEqual({
      Sid: "AssumeOneRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: `arn:aws:iam::${ACCOUNT_B}:role/dev-upload`,
      Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
    });
    expect(Object.keys(resourcesOf(tf, "aws_iam_role"))).toHaveLength(1);
  });

  const humanRole = (group: Partial<Parameters<AssumableRole["addAssumingGroup"]>[1]> = {}, maxSessionDurationSeconds = 7200) =>
    synthModule((scope, p) => {
      const r = new AssumableRole(scope, "role", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "dev-upload",
        requireMfa: true,
        maxSessionDurationSeconds,
        access: GRANT,
      });
      r.addAssumingGroup("devs", { provider: p.a, accountId: ACCOUNT_A, groupName: "Developers", ...group });
    }).tf;

  it("trusts only the IAM users of the group's account, with MFA no older than the role's maximum session and the session named after the user", () => {
    const tf = humanRole();
    const trust = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(trust).toEqual([
      {
        Sid: `AssumeAsIamUserOf${ACCOUNT_A}`,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_A}:root` },
        Action: "sts:AssumeRole",
        Condition: {
          ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_A}:user/*` },
          StringEquals: { "sts:RoleSessionName": "${aws:username}" },
          Bool: { "aws:MultiFactorAuthPresent": "true" },
          NumericLessThan: { "aws:MultiFactorAuthAge": "7200" },
        },
      },
    ]);
    // Terraform would read ${aws:username} as its own interpolation: it is written $${aws:username}.
    expect(String(only(tf, "aws_iam_role").assume_role_policy)).toContain('"sts:RoleSessionName":"$${aws:username}"');
  });

  it("narrows the trust to an IAM path and a principal tag when asked", () => {
    const [t] = statementsOf(
      parsePolicy(only(humanRole({ userPath: "/humans/", principalTag: { key: "team", value: "data" } }), "aws_iam_role").assume_role_policy),
    );
    expect(t.Condition?.ArnLike).toEqual({ "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT_A}:user/humans/*` });
    expect(t.Condition?.StringEquals).toEqual({ "sts:RoleSessionName": "${aws:username}", "aws:PrincipalTag/team": "data" });
  });

  it("needs no account-root acknowledgement: the account is narrowed to its IAM users", () => {
    expect(() => humanRole()).not.toThrow();
  });

  it.each([
    [{ userPath: "humans" }, "userPath", "begins and ends with"],
    [{ principalTag: { key: "bad key!", value: "x" } }, "principalTag", "tag key"],
  ])("%j fails naming %s", (group, field, hint) => {
    expectConfigError(() => humanRole(group), `AssumableRole(role).addAssumingGroup(devs).${field}`, hint);
  });
});

describe("AssumableRole AWS CLI profile of an assuming group (#17 item 6)", () => {
  const group = (requireMfa: boolean, groupMfa?: boolean) =>
    synthModule((scope, p) => {
      const r = new AssumableRole(scope, "role", {
        provider: p.b,
        accountId: ACCOUNT_B,
        roleName: "dev-upload",
        requireMfa,
        maxSessionDurationSeconds: 7200,
        access: GRANT,
      });
      r.addAssumingGroup("devs", { provider: p.a, accountId: ACCOUNT_A, groupName: "Developers", ...(groupMfa === undefined ? {} : { requireMfa: groupMfa }) });
      profiles.push(r.cliProfiles);
    }).tf;
  const profiles: Record<string, string>[] = [];
  const outputOf = (tf: ReturnType<typeof group>): { description?: string; value: string } => {
    const outs = Object.entries(tf.output ?? {}).filter(([k]) => k.includes("devs-cli-profile"));
    expect(outs).toHaveLength(1);
    return outs[0][1] as { description?: string; value: string };
  };

  it("is a Terraform output: role_arn, role_session_name (the trust wants the IAM user name; the CLI's default botocore-session-<epoch> is refused), mfa_serial, duration_seconds", () => {
    const out = outputOf(group(true));
    expect(out.value).toBe(
      [
        "[profile developers]",
        `role_arn = arn:aws:iam::${ACCOUNT_B}:role/dev-upload`,
        `# the profile holding your IAM user's access keys in account ${ACCOUNT_A}`,
        "source_profile = <your source profile>",
        "# must be exactly your IAM user name (aws iam get-user --query User.UserName): the role refuses any other session name",
        "role_session_name = <your IAM user name>",
        `mfa_serial = arn:aws:iam::${ACCOUNT_A}:mfa/<your MFA device name>`,
        "duration_seconds = 7200",
        "",
      ].join("\n"),
    );
    expect(out.description).toContain("~/.aws/config");
    expect(profiles[profiles.length - 1]).toEqual({ devs: out.value });
    // Nothing Terraform would interpolate.
    expect(out.value).not.toContain("${");
  });

  it("is named <role id>-<group id>-cli-profile; a second role of the same id with a group of the same id in the stack is refused", () => {
    expect(Object.keys(group(true).output ?? {})).toEqual(["role-devs-cli-profile"]);
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          for (const parent of ["one", "two"]) {
            const r = new AssumableRole(new Construct(scope, parent), "role", {
              provider: p.b,
              accountId: ACCOUNT_B,
              roleName: `dev-${parent}`,
              access: GRANT,
            });
            r.addAssumingGroup("devs", { provider: p.a, accountId: ACCOUNT_A, groupName: `Developers-${parent}` });
          }
        }),
      "AssumableRole(role).addAssumingGroup(devs).id",
      "already has an output role-devs-cli-profile",
    );
  });

  it("has mfa_serial when the trust or the group's policy asks for MFA, and not otherwise", () => {
    expect(outputOf(group(false)).value).not.toContain("mfa_serial");
    expect(outputOf(group(false, true)).value).toContain("mfa_serial");
    expect(outputOf(group(true, false)).value).toContain("mfa_serial");
  });
});

describe("AssumableRole bad input", () => {
  it.each([
    [{ roleName: "bad name!" }, "AssumableRole(role).roleName", "1-64 characters"],
    [{ maxSessionDurationSeconds: 60 }, "AssumableRole(role).maxSessionDurationSeconds", "3600 (1 h) to 43200 (12 h)"],
    [{ maxSessionDurationSeconds: 50000 }, "AssumableRole(role).maxSessionDurationSeconds", "3600 (1 h) to 43200 (12 h)"],
    [{ externalId: "x" }, "AssumableRole(role).externalId", "2-1224"],
    [{ trustedPrincipals: ["not-an-arn"] }, "AssumableRole(role).trustedPrincipals[0]", "is not an IAM principal ARN"],
    [{ access: { ...GRANT, prefix: "/x/" } }, "AssumableRole(role).access.prefix", 'must not start with "/"'],
  ])("%j fails naming %s", (props, field, hint) => {
    expectConfigError(() => role(props), field, hint);
  });
});
