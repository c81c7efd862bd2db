import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { BucketShare } from "../../modules/bucket-share";
import { CiRole, CiSubject } from "../../modules/ci-role";
import type { Acknowledgement } from "../../lib/checks/acknowledge";
import type { TfJson } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";
import type { Cell, StackMatrix } from "../../tools/access/types";
import { stackFromJson } from "../../tools/access/load";
import { computeMatrix } from "../../tools/access/matrix";
import { allowed, matrixOfJson } from "./helpers";

/**
 * A GitHub Actions CI role of account A (its OIDC provider created there),
 * granted write on artifacts/ of account B's share: the role is assumable
 * only with the pinned audience and subject.
 */
const OIDC = "oidc/token.actions.githubusercontent.com";
const ROLE = "role/artifacts-ci";
const MAIN = "repo:octo-org/octo-repo:ref:refs/heads/main";

function synthCi(subjects: CiSubject[], acks: Acknowledgement[] = []): TfJson {
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "artifacts-b" });
    const role = new CiRole(scope, "ci", { provider: p.a, accountId: ACCOUNT_A, roleName: "artifacts-ci", subjects, acknowledge: acks });
    share.grant(role, { level: "write", prefix: "artifacts/" });
  });
  return tf;
}

const matrixWith = (subjects: CiSubject[], acks: Acknowledgement[] = []): Promise<StackMatrix> => matrixOfJson("ci-role", synthCi(subjects, acks));

const assumeCells = (m: StackMatrix): Cell[] => m.cells.filter((c) => c.action === "sts:AssumeRoleWithWebIdentity" && !c.via);
const decisions = (m: StackMatrix): Record<string, string> => Object.fromEntries(assumeCells(m).map((c) => [c.context, c.decision]));

describe("access matrix of a CI role (GitHub Actions, branch main)", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixWith([{ repository: "octo-org/octo-repo", branch: "main" }]);
  });

  it("the OIDC provider's tokens assume the role only with the pinned aud and sub", () => {
    expect(decisions(m)).toEqual({
      [`aud=sts.amazonaws.com,sub=${MAIN}`]: "Allowed",
      // another repository of the same owner
      "aud=sts.amazonaws.com,sub=repo:octo-org/other-repo:ref:refs/heads/main": "Denied",
      // a pull request's workflow of the same repository
      "aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:pull_request": "Denied",
      // a token requested for another audience, and one without aud
      [`aud=wrong-audience,sub=${MAIN}`]: "Denied",
      [`no-aud,sub=${MAIN}`]: "Denied",
    });
    for (const c of assumeCells(m)) expect(c.principal).toBe(OIDC);
    const ok = assumeCells(m).find((c) => c.decision === "Allowed");
    expect(ok?.deciding).toEqual([expect.objectContaining({ effect: "Allow", source: "trust", sid: "AssumeWithWebIdentity" })]);
    expect(ok?.external).toBe(true);
  });

  it("the jest matchers read the same cells (what a user's own test of a CI role writes)", async () => {
    await expect(m).toAllow(OIDC, "sts:AssumeRoleWithWebIdentity", ROLE, `aud=sts.amazonaws.com,sub=${MAIN}`);
    await expect(m).toDeny(OIDC, "sts:AssumeRoleWithWebIdentity", ROLE, "aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:pull_request");
    await expect(m).toAllow(OIDC, "s3:PutObject", "artifacts-b/artifacts/x.json");
    // (the token holder has no direct S3 cells: what it may read is what the role may)
    await expect(m).toDeny(ROLE, "s3:GetObject", "artifacts-b/artifacts/x.json");
  });

  it("a diff's pruned, Allowed-only evaluation finds the same Allowed cells", async () => {
    const s = stackFromJson("ci-role", synthCi([{ repository: "octo-org/octo-repo", branch: "main" }]));
    const pruned = await computeMatrix(s.name, s.model, s.extras, { allowedOnly: true });
    expect(pruned.cells.map((c) => c.key).sort()).toEqual(
      allowed(m)
        .map((c) => c.key)
        .sort(),
    );
  });

  it("no IAM principal can use the web identity action, and no probe can sts:AssumeRole the CI role", () => {
    expect(m.cells.filter((c) => c.action === "sts:AssumeRoleWithWebIdentity" && c.principal !== OIDC)).toEqual([]);
    expect(allowed(m).filter((c) => c.action === "sts:AssumeRole" && c.resource === ROLE)).toEqual([]);
  });

  it("through the role, the token writes under artifacts/ of the other account's bucket, and nothing else", () => {
    const via = allowed(m).filter((c) => c.principal === OIDC && c.via?.role === ROLE);
    for (const c of via) expect(c.via?.context).toBe(`aud=sts.amazonaws.com,sub=${MAIN}`);
    expect(via.map((c) => `${c.action} ${c.resource} ${c.context}`.trim()).sort()).toEqual([
      "kms:Decrypt key(artifacts-b) via-s3",
      "kms:GenerateDataKey key(artifacts-b) via-s3",
      "s3:PutObject artifacts-b/artifacts/x.json",
      "s3:PutObject artifacts-b/artifacts/x.json sse=aws:kms,kms-key=bucket",
    ]);
  });

  it("the probes discriminate: with the sub condition removed from the trust, anyone's repository's token is Allowed", async () => {
    const tf = synthCi([{ repository: "octo-org/octo-repo", branch: "main" }]);
    const copy = JSON.parse(JSON.stringify(tf)) as TfJson;
    const role = Object.values(copy.resource?.aws_iam_role ?? {})[0];
    const trust = JSON.parse(String(role.assume_role_policy)) as PolicyDocument;
    delete trust.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"];
    role.assume_role_policy = JSON.stringify(trust);
    const d = decisions(await matrixOfJson("ci-role-unpinned", copy));
    expect(d).toEqual({
      "aud=sts.amazonaws.com,sub=repo:someone-else/their-repo:ref:refs/heads/main": "Allowed",
      "aud=sts.amazonaws.com,sub=repo:someone-else/other-repo:ref:refs/heads/main": "Allowed",
      "aud=sts.amazonaws.com,sub=repo:someone-else/their-repo:pull_request": "Allowed",
      "aud=wrong-audience,sub=repo:someone-else/their-repo:ref:refs/heads/main": "Denied",
      "no-aud,sub=repo:someone-else/their-repo:ref:refs/heads/main": "Denied",
    });
  });
});

describe("access matrix of CI roles with an environment, an acknowledged pattern and acknowledged pull requests", () => {
  it("an environment subject: the environment's token Allowed; another repository, a pull request and a missing aud Denied", async () => {
    const m = await matrixWith([{ repository: "octo-org/octo-repo", environment: "prod" }]);
    const d = decisions(m);
    expect(d["aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:environment:prod"]).toBe("Allowed");
    expect(d["aud=sts.amazonaws.com,sub=repo:octo-org/other-repo:environment:prod"]).toBe("Denied");
    expect(d["aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:pull_request"]).toBe("Denied");
    expect(d["no-aud,sub=repo:octo-org/octo-repo:environment:prod"]).toBe("Denied");
  });

  it("an acknowledged release/* pattern matches a release branch (StringLike), not another repository; pull requests only once acknowledged", async () => {
    const m = await matrixWith(
      [
        { repository: "octo-org/octo-repo", branch: "release/*" },
        { repository: "octo-org/octo-repo", pullRequest: true },
      ],
      [
        { rule: "web-identity-wildcard-subject", reason: "release branches are protected" },
        { rule: "web-identity-pull-request", reason: "PR builds upload previews" },
      ],
    );
    const d = decisions(m);
    expect(d["aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:ref:refs/heads/release/sample"]).toBe("Allowed");
    expect(d["aud=sts.amazonaws.com,sub=repo:octo-org/octo-repo:pull_request"]).toBe("Allowed");
    expect(d["no-aud,sub=repo:octo-org/octo-repo:pull_request"]).toBe("Denied");
    expect(Object.entries(d).filter(([k, v]) => k.includes("other-repo") && v !== "Denied")).toEqual([]);
  });
});
