import * as path from "path";
import { diffPlanFile } from "../../tools/access";
import { BUCKET_POLICY_EXPECTED } from "./expected";
import { runCli } from "./helpers";

/**
 * Plans made by real terraform (1.11.4, hashicorp/aws 6.48.0-dev built from source as the
 * offline substitute for 6.25.0) against the moto emulator, by `bash e2e/run.sh` on 2026-11-25
 * (regenerated after the SSE-KMS pin and kms:ViaService policies), then `terraform show -json`:
 * - bucket-policy.create.plan.json: the first plan (nothing deployed: prior_state empty);
 * - bucket-policy.replan.plan.json: the plan right after apply (prior_state = the deployed state).
 * The provider keys in them are moto's fixed "test" values.
 */
const fixture = (name: string): string => path.join(__dirname, "fixtures", name);

describe("plans of real terraform", () => {
  it("after apply: the same access before and after, every designed cell UNCHANGED", async () => {
    const d = await diffPlanFile(fixture("bucket-policy.replan.plan.json"));
    const s = d.stacks[0];
    expect([s.added, s.removed, s.unknown, s.undecided]).toEqual([[], [], [], []]);
    // The fixture's policies predate #17: no s3:GetObjectVersion in the read level, no key pin to the
    // bucket, so they still allow the key's two calls via S3 for another bucket (via-s3,other-bucket), and
    // no aws:ResourceAccount, so the writer's PutObject and GetObject on a same-named bucket of another
    // account (owner=other-account) are allowed too.
    expect(s.unchanged).toBe(BUCKET_POLICY_EXPECTED.filter((c) => !c.includes(" s3:GetObjectVersion ")).length + 2 + 2);
    expect(s.accounts).toEqual({ account_a: "111111111111", account_b: "222222222222" });
    const r = await runCli("plan", fixture("bucket-policy.replan.plan.json"), "--fail-on", "new-any");
    expect(r.code).toBe(0);
  });

  it("before the first apply: what is known is NEW; what Terraform knows only after apply is reported, and the check fails", async () => {
    const d = await diffPlanFile(fixture("bucket-policy.create.plan.json"));
    const s = d.stacks[0];
    expect(s.added.map((c) => c.key)).toEqual(["service/lambda.amazonaws.com sts:AssumeRole role/xacct-direct-writer-exec"]);
    // An AWS service principal in a trust policy is its own class, not cross-account/public.
    expect(s.added.map((c) => c.external)).toEqual([false]);
    expect((await runCli("plan", fixture("bucket-policy.create.plan.json"))).out).toContain("role/xacct-direct-writer-exec  (AWS service)");
    expect(s.unknown.map((u) => `${u.address.split(".")[0]} ${u.attribute}`).sort()).toEqual([
      "aws_iam_role_policy policy",
      // the key policy's Id carries the Lambda role's unique_id (re-applied when the role is replaced)
      "aws_kms_key policy",
      "aws_s3_bucket_ownership_controls bucket",
      "aws_s3_bucket_policy bucket",
      // the bucket policy pins uploads to the key's ARN, and its Id carries the role's unique_id
      "aws_s3_bucket_policy policy",
      "aws_s3_bucket_public_access_block bucket",
      "aws_s3_bucket_server_side_encryption_configuration bucket",
      // read for replication (versioning on both sides): the bucket it names is known after apply only
      "aws_s3_bucket_versioning bucket",
    ]);
    expect((await runCli("plan", fixture("bucket-policy.create.plan.json"))).code).toBe(3);
  });
});
