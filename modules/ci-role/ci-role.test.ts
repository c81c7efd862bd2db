import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readAcknowledgements } from "../../lib/checks/acknowledge";
import { checkModel } from "../../lib/checks/policy-checks";
import { App, Construct, TerraformStack } from "../../lib/framework";
import { statementsOf } from "../../lib/model/stack-model";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, providers, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { BucketShare } from "../bucket-share";
import { CiRole, CiRoleProps } from ".";

const GITHUB_PROVIDER = `arn:aws:iam::${ACCOUNT_A}:oidc-provider/token.actions.githubusercontent.com`;

const ciRole = (scope: Construct, p: Providers, props: Partial<CiRoleProps> = {}): CiRole =>
  new CiRole(scope, "ci", {
    provider: p.a,
    accountId: ACCOUNT_A,
    roleName: "artifacts-ci",
    subjects: [{ repository: "octo-org/octo-repo", branch: "main" }],
    ...props,
  });

/** Build the role alone (no grant needed: the policy is only rendered at synth). */
const build = (props: Partial<CiRoleProps>): void => {
  synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
    share.grant(ciRole(scope, p, props), { level: "write", prefix: "artifacts/" });
  });
};

describe("CiRole for GitHub Actions, granted write on another account's share", () => {
  const { tf, model } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
    const role = ciRole(scope, p, {
      subjects: [
        { repository: "octo-org/octo-repo", branch: "main" },
        { repository: "octo-org/octo-repo", tag: "v1.2.3" },
        { repository: "octo-org/octo-repo", environment: "prod" },
        { repository: "octo-org/octo-repo", branch: "feature/x+y@2" },
      ],
      maxSessionDurationSeconds: 7200,
    });
    share.grant(role, { level: "write", prefix: "artifacts/" });
  });
  const role = only(tf, "aws_iam_role");

  it("creates GitHub's OIDC provider with the sts.amazonaws.com audience and no thumbprint (IAM verifies GitHub with its trusted CAs)", () => {
    const provider = only(tf, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"], provider: "aws.account_a" });
    expect(provider).not.toHaveProperty("thumbprint_list");
    // IAM refuses a trust naming a provider that does not exist yet.
    expect(role.depends_on).toEqual([expect.stringMatching(/^aws_iam_openid_connect_provider\./)]);
  });

  it("trusts the provider for sts:AssumeRoleWithWebIdentity with aud and each sub pinned exactly", () => {
    expect(parsePolicy(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AssumeWithWebIdentity",
          Effect: "Allow",
          Principal: { Federated: GITHUB_PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [
                "repo:octo-org/octo-repo:environment:prod",
                "repo:octo-org/octo-repo:ref:refs/heads/feature/x+y@2",
                "repo:octo-org/octo-repo:ref:refs/heads/main",
                "repo:octo-org/octo-repo:ref:refs/tags/v1.2.3",
              ],
            },
          },
        },
      ],
    });
    expect(role.max_session_duration).toBe(7200);
  });

  it("gets the identity side of the grant, and the bucket policy names the role (both sides of one share.grant call)", () => {
    const policy = parsePolicy(only(tf, "aws_iam_role_policy").policy);
    expect(statementsOf(policy).map((s) => s.Sid)).toEqual(["Grant1Objects", "Grant1KmsKey"]);
    expect(statementsOf(policy)[0]).toMatchObject({ Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::artifacts-b/artifacts/*" });
    const bucket = parsePolicy(only(tf, "aws_s3_bucket_policy").policy);
    const grant = statementsOf(bucket).find((s) => s.Sid === "Grant1Objects");
    expect(grant).toMatchObject({ Principal: { AWS: `arn:aws:iam::${ACCOUNT_A}:role/artifacts-ci` }, Resource: "arn:aws:s3:::artifacts-b/artifacts/*" });
  });

  it("passes the synth-time checks without a finding (aud and sub pinned, no wildcard, no pull request)", () => {
    expect(checkModel(model)).toEqual([]);
  });
});

describe("CiRole variants", () => {
  it("GitLab: gitlab.com by default, aud = the issuer URL, project_path subjects", () => {
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
      share.grant(ciRole(scope, p, { issuer: { kind: "gitlab" }, subjects: [{ repository: "group/sub/project", tag: "v1" }] }), { level: "read" });
    });
    expect(only(tf, "aws_iam_openid_connect_provider")).toMatchObject({ url: "https://gitlab.com", client_id_list: ["https://gitlab.com"] });
    expect(statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy))[0].Condition).toEqual({
      StringEquals: { "gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "project_path:group/sub/project:ref_type:tag:ref:v1" },
    });
  });

  it("a self-managed GitLab with its own audience, trusting an existing provider by ARN (no provider created)", () => {
    const arn = `arn:aws:iam::${ACCOUNT_A}:oidc-provider/gitlab.example.com`;
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
      const r = ciRole(scope, p, {
        issuer: { kind: "gitlab", url: "https://gitlab.example.com", audiences: ["aws-artifacts"] },
        oidcProvider: { arn },
        subjects: [{ repository: "platform/app", branch: "main" }],
      });
      share.grant(r, { level: "write", prefix: "artifacts/" });
    });
    expect(resourcesOf(tf, "aws_iam_openid_connect_provider")).toEqual({});
    const trust = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy))[0];
    expect(trust.Principal).toEqual({ Federated: arn });
    expect(trust.Condition).toEqual({
      StringEquals: { "gitlab.example.com:aud": "aws-artifacts", "gitlab.example.com:sub": "project_path:platform/app:ref_type:branch:ref:main" },
    });
  });

  it("a generic issuer: raw subjects; thumbprints when given", () => {
    const { tf } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
      const r = ciRole(scope, p, {
        issuer: { kind: "generic", url: "https://ci.example.org/oidc", audiences: ["aws"] },
        oidcProvider: { create: true, thumbprints: ["ABCDEF0123456789ABCDEF0123456789ABCDEF01"] },
        subjects: [{ subject: "pipeline:deploy" }],
      });
      share.grant(r, { level: "read" });
    });
    expect(only(tf, "aws_iam_openid_connect_provider")).toMatchObject({
      url: "https://ci.example.org/oidc",
      thumbprint_list: ["abcdef0123456789abcdef0123456789abcdef01"],
    });
    expect(statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy))[0]).toMatchObject({
      Principal: { Federated: `arn:aws:iam::${ACCOUNT_A}:oidc-provider/ci.example.org/oidc` },
      Condition: { StringEquals: { "ci.example.org/oidc:aud": "aws", "ci.example.org/oidc:sub": "pipeline:deploy" } },
    });
  });

  it("acknowledged wildcard and pull-request subjects: patterns in a StringLike statement of their own, aud still pinned; the checks' warnings recorded with their reasons", () => {
    const { tf, model } = synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
      const r = ciRole(scope, p, {
        subjects: [
          { repository: "octo-org/octo-repo", branch: "main" },
          { repository: "octo-org/octo-repo", branch: "release/*" },
          { repository: "octo-org/octo-repo", pullRequest: true },
        ],
        acknowledge: [
          { rule: "web-identity-wildcard-subject", reason: "release branches are protected" },
          { rule: "web-identity-pull-request", reason: "read-only cache for PR builds" },
        ],
      });
      share.grant(r, { level: "read", prefix: "cache/" });
    });
    const statements = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(statements.map((s) => [s.Sid, s.Condition])).toEqual([
      [
        "AssumeWithWebIdentity",
        {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:octo-org/octo-repo:pull_request", "repo:octo-org/octo-repo:ref:refs/heads/main"],
          },
        },
      ],
      [
        "AssumeWithWebIdentitySubjectPattern",
        {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          StringLike: { "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/heads/release/*" },
        },
      ],
    ]);
    // The synth checks warn about both (silenced by the role's acknowledgements: see the app synth below).
    expect(checkModel(model).map((f) => f.check)).toEqual(expect.arrayContaining(["web-identity-wildcard-subject", "web-identity-pull-request"]));
  });

  it("synthesized by an app, the stack JSON records both acknowledged warnings with their reasons (what xacct-access shows)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-ci-"));
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, "ci");
    const p = providers(stack);
    const share = new BucketShare(stack, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
    share.grant(
      ciRole(stack, p, {
        subjects: [
          { repository: "octo-org/octo-repo", branch: "release/*" },
          { repository: "octo-org/octo-repo", pullRequest: true },
        ],
        acknowledge: [
          { rule: "web-identity-wildcard-subject", reason: "release branches are protected" },
          { rule: "web-identity-pull-request", reason: "read-only cache for PR builds" },
        ],
      }),
      { level: "read", prefix: "cache/" },
    );
    app.synth();
    const json: unknown = JSON.parse(fs.readFileSync(path.join(dir, "stacks", "ci", "cdk.tf.json"), "utf8"));
    expect(readAcknowledgements(json).map((a) => [a.rule, a.reason, a.address.split(".")[0]])).toEqual([
      ["web-identity-wildcard-subject", "release branches are protected", "aws_iam_role"],
      ["web-identity-pull-request", "read-only cache for PR builds", "aws_iam_role"],
    ]);
  });
});

describe("CiRole config errors name the field and the fix", () => {
  const cases: [string, Partial<CiRoleProps>, string, string][] = [
    ["no subject", { subjects: [] }, "CiRole(ci).subjects", "without a pinned sub, every repository"],
    [
      "a wildcard branch, not acknowledged",
      { subjects: [{ repository: "octo-org/octo-repo", branch: "*" }] },
      "CiRole(ci).subjects[0]",
      'add { rule: "web-identity-wildcard-subject"',
    ],
    [
      "a wildcard repository, not acknowledged",
      { subjects: [{ repository: "octo-org/*", branch: "main" }] },
      "CiRole(ci).subjects[0]",
      "has a wildcard: the trust would match it with StringLike",
    ],
    [
      "a raw wildcard subject, not acknowledged",
      { subjects: [{ subject: "repo:octo-org/octo-repo:*" }] },
      "CiRole(ci).subjects[0]",
      "web-identity-wildcard-subject",
    ],
    [
      "pull requests, not acknowledged",
      { subjects: [{ repository: "octo-org/octo-repo", pullRequest: true }] },
      "CiRole(ci).subjects[0].pullRequest",
      'add { rule: "web-identity-pull-request"',
    ],
    [
      "a wildcard ack does not cover pull requests",
      {
        subjects: [{ repository: "octo-org/octo-repo", pullRequest: true }],
        acknowledge: [{ rule: "web-identity-wildcard-subject", reason: "x" }],
      },
      "CiRole(ci).subjects[0].pullRequest",
      "web-identity-pull-request",
    ],
    [
      "a repository without a ref",
      { subjects: [{ repository: "octo-org/octo-repo" }] },
      "CiRole(ci).subjects[0]",
      "exactly one of branch, tag, environment, pullRequest",
    ],
    ["branch and tag at once", { subjects: [{ repository: "octo-org/octo-repo", branch: "main", tag: "v1" }] }, "CiRole(ci).subjects[0]", "(got branch + tag)"],
    [
      "a branch with a colon (the claim's separator)",
      { subjects: [{ repository: "octo-org/octo-repo", branch: "a:b" }] },
      "CiRole(ci).subjects[0].branch",
      "no space, :",
    ],
    [
      "an environment with a colon",
      { subjects: [{ repository: "octo-org/octo-repo", environment: "prod:eu" }] },
      "CiRole(ci).subjects[0].environment",
      "any characters but :",
    ],
    ["a repository without an owner", { subjects: [{ repository: "octo-repo", branch: "main" }] }, "CiRole(ci).subjects[0].repository", '"owner/name"'],
    [
      "subject and repository at once",
      { subjects: [{ subject: "repo:a/b:ref:refs/heads/main", repository: "a/b", branch: "main" }] },
      "CiRole(ci).subjects[0]",
      "not both",
    ],
    [
      "a GitLab environment",
      { issuer: { kind: "gitlab" }, subjects: [{ repository: "group/project", environment: "prod" }] },
      "CiRole(ci).subjects[0].environment",
      "pin a branch or tag",
    ],
    [
      "a generic issuer without url",
      { issuer: { kind: "generic", audiences: ["aws"] }, subjects: [{ subject: "x" }] },
      "CiRole(ci).issuer.url",
      "must be the issuer URL",
    ],
    [
      "a generic issuer without audiences",
      { issuer: { kind: "generic", url: "https://ci.example.org" }, subjects: [{ subject: "x" }] },
      "CiRole(ci).issuer.audiences",
      "must name at least one audience",
    ],
    [
      "a generic issuer with repository subjects",
      { issuer: { kind: "generic", url: "https://ci.example.org", audiences: ["aws"] }, subjects: [{ repository: "a/b", branch: "main" }] },
      "CiRole(ci).subjects[0].subject",
      "is required for a generic issuer",
    ],
    [
      "another GitHub URL",
      { issuer: { kind: "github", url: "https://github.example.com" } },
      "CiRole(ci).issuer.url",
      'use kind "generic" for GitHub Enterprise Server',
    ],
    ["a trailing slash in the URL", { issuer: { kind: "gitlab", url: "https://gitlab.example.com/" } }, "CiRole(ci).issuer.url", "without a trailing slash"],
    ["an empty audience list", { issuer: { kind: "github", audiences: [] } }, "CiRole(ci).issuer.audiences", "at least one audience"],
    ["a wildcard audience", { issuer: { kind: "github", audiences: ["sts.*"] } }, "CiRole(ci).issuer.audiences[0]", "without * or ?"],
    [
      "an existing provider of another account",
      { oidcProvider: { arn: `arn:aws:iam::${ACCOUNT_B}:oidc-provider/token.actions.githubusercontent.com` } },
      "CiRole(ci).oidcProvider.arn",
      "of its own account 111111111111",
    ],
    [
      "an existing provider of another issuer",
      { oidcProvider: { arn: `arn:aws:iam::${ACCOUNT_A}:oidc-provider/gitlab.com` } },
      "CiRole(ci).oidcProvider.arn",
      "would never match its tokens",
    ],
    ["a bad thumbprint", { oidcProvider: { create: true, thumbprints: ["abc"] } }, "CiRole(ci).oidcProvider.thumbprints[0]", "40 hex digits"],
    ["a session over 12 h", { maxSessionDurationSeconds: 50000 }, "CiRole(ci).maxSessionDurationSeconds", "from 3600 (1 h) to 43200 (12 h)"],
    [
      "an acknowledgement without reason",
      { acknowledge: [{ rule: "web-identity-pull-request", reason: " " }] },
      "CiRole(ci).acknowledge[0].reason",
      "without a reason is refused",
    ],
  ];
  it.each(cases)("%s", (_name, props, field, hint) => expectConfigError(() => build(props), field, hint));

  it("a role that no grant reaches fails synth (an empty policy)", () => {
    expectConfigError(() => synthModule((scope, p) => void ciRole(scope, p)), "CiRole(ci).grants", "share.grant(ciRole");
  });
});
