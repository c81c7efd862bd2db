/**
 * An access contract, as a platform team writes it: jest matchers from
 * "xacct-s3/access/jest" (the same IAM evaluation as the xacct-access CLI) over
 * the synthesized share stack. The evaluator, @cloud-copilot/iam-simulate
 * (AGPL-3.0), is an optional peer dependency: this app installs it as a
 * devDependency, the library itself never loads it. No import here: jest.config.js
 * registers the matchers (setupFilesAfterEnv) and tsconfig.json's "types" declares them.
 */
import { Testing, TerraformStack } from "cdktf";
import { ANALYTICS, ARTIFACTS_BUCKET, BUCKET, buildApp, CI_ROLE, SITE_REPOSITORY } from "./main";

describe("who may use the shared reports bucket", () => {
  const app = buildApp(Testing.app());
  const share = app.node.children.find((c) => TerraformStack.isStack(c) && c.node.id === "reports-share") as TerraformStack;
  const json = Testing.synth(share);

  it("the ECS task role of the analytics account reads and lists reports/ only", async () => {
    await expect(json).toAllow("role/report-viewer-task", "s3:GetObject", `${BUCKET}/reports/x.json`);
    await expect(json).toAllow("role/report-viewer-task", "s3:ListBucket", BUCKET, "prefix=reports/");
    await expect(json).toDeny("role/report-viewer-task", "s3:GetObject", `${BUCKET}/other/x.json`);
    await expect(json).toDeny("role/report-viewer-task", "s3:PutObject", `${BUCKET}/reports/x.json`);
  });

  it("nobody reads anonymously or without TLS", async () => {
    await expect(json).toDeny("anonymous", "s3:GetObject", `${BUCKET}/reports/x.json`);
    await expect(json).toDeny("role/report-viewer-task", "s3:GetObject", `${BUCKET}/reports/x.json`, "no-tls");
  });
});

describe("people (Identity Center), CI (GitHub Actions OIDC) and a role that does not exist yet, on the artifacts bucket", () => {
  const app = buildApp(Testing.app());
  const stack = app.node.children.find((c) => TerraformStack.isStack(c) && c.node.id === "people-and-ci") as TerraformStack;
  const json = Testing.synth(stack);
  const SSO = `sso:DataReaders@${ANALYTICS}`;
  const OIDC = "oidc/token.actions.githubusercontent.com";
  const MAIN = `repo:${SITE_REPOSITORY}:ref:refs/heads/main`;

  it("a session of the DataReaders permission set reads site/; another set's role and a same-named role outside Identity Center do not", async () => {
    await expect(json).toAllow(SSO, "s3:GetObject", `${ARTIFACTS_BUCKET}/site/x.json`);
    await expect(json).toDeny(SSO, "s3:PutObject", `${ARTIFACTS_BUCKET}/site/x.json`);
    await expect(json).toDeny(`sso:OtherSet@${ANALYTICS}`, "s3:GetObject", `${ARTIFACTS_BUCKET}/site/x.json`);
    await expect(json).toDeny(`not-sso:DataReaders@${ANALYTICS}`, "s3:GetObject", `${ARTIFACTS_BUCKET}/site/x.json`);
  });

  it("the site's workflow on main assumes the CI role and publishes under site/; a pull request or another repository cannot", async () => {
    await expect(json).toAllow(OIDC, "sts:AssumeRoleWithWebIdentity", `role/${CI_ROLE}`, `aud=sts.amazonaws.com,sub=${MAIN}`);
    await expect(json).toDeny(OIDC, "sts:AssumeRoleWithWebIdentity", `role/${CI_ROLE}`, `aud=sts.amazonaws.com,sub=repo:${SITE_REPOSITORY}:pull_request`);
    await expect(json).toAllow(`role/${CI_ROLE}`, "s3:PutObject", `${ARTIFACTS_BUCKET}/site/x.json`);
    await expect(json).toDeny(`role/${CI_ROLE}`, "s3:PutObject", `${ARTIFACTS_BUCKET}/etl/x.json`);
  });

  it("no policy names a role ARN in Principal (the not-yet-existing role, the permission set's roles): the account, narrowed by aws:PrincipalArn", () => {
    type Doc = { Statement: { Principal?: { AWS?: string | string[] }; Condition?: Record<string, Record<string, string | string[]>> }[] };
    const tf = JSON.parse(json) as { resource: Record<string, Record<string, { policy?: string }>> };
    const docs = ["aws_s3_bucket_policy", "aws_kms_key"].flatMap((t) => Object.values(tf.resource[t] ?? {}).map((r) => JSON.parse(r.policy ?? "{}") as Doc));
    const principals = docs.flatMap((d) => d.Statement.flatMap((st) => [st.Principal?.AWS ?? []].flat()));
    const arnLike = docs.flatMap((d) => d.Statement.flatMap((st) => [st.Condition?.ArnLike?.["aws:PrincipalArn"] ?? []].flat()));
    expect(principals.filter((p) => /:role\/(teams\/etl|aws-reserved\/)/.test(p))).toEqual([]);
    expect(principals).toContain(`arn:aws:iam::${ANALYTICS}:root`);
    expect(arnLike).toEqual(expect.arrayContaining([`arn:aws:iam::${ANALYTICS}:role/teams/etl`, expect.stringContaining("AWSReservedSSO_DataReaders_")]));
  });
});
