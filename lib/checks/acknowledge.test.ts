import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AssumableRole } from "../../modules/assumable-role";
import { BucketShare } from "../../modules/bucket-share";
import { ConfigError } from "../errors";
import { App, TerraformStack } from "../framework";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError } from "../testing";
import { readAcknowledgements } from "./acknowledge";
import { synthAcknowledgedShare } from "./acknowledge.fixture";

/** Acknowledgements carry a reason, and the reason lands in the synthesized stack. */

const synth = (acknowledge: unknown): { dir: string; json: Record<string, unknown> } => synthAcknowledgedShare(acknowledge);

describe("acknowledgements", () => {
  it("refuse a bare rule id, naming the field and the form with a reason", () => {
    expectConfigError(() => synth(["account-root-principal"]), "BucketShare(share).acknowledge[0]", 'reason: "why this is deliberate"');
  });

  it.each([[""], ["   "], [undefined]])("refuse the reason %j", (reason) => {
    expectConfigError(() => synth([{ rule: "account-root-principal", reason }]), "BucketShare(share).acknowledge[0].reason", "without a reason is refused");
  });

  it("refuse an unknown rule, listing the acknowledgeable ones", () => {
    expectConfigError(() => synth([{ rule: "policy-size", reason: "big" }]), "BucketShare(share).acknowledge[0].rule", '"wildcard-action"');
  });

  it("refuse a reasonless acknowledgement on AssumableRole too", () => {
    const app = new App();
    const stack = new TerraformStack(app, "r");
    const provider = new AwsProvider(stack, "b", { alias: "b", region: "us-east-1", allowedAccountIds: [ACCOUNT_B] });
    const share = new BucketShare(stack, "share", { provider, accountId: ACCOUNT_B, bucketName: "data-b" });
    expect(
      () =>
        new AssumableRole(stack, "role", {
          provider,
          accountId: ACCOUNT_B,
          roleName: "r",
          trustedPrincipals: [`arn:aws:iam::${ACCOUNT_A}:root`],
          access: share.s3Grant("read"),
          acknowledge: [{ rule: "account-root-principal", reason: "" }],
        }),
    ).toThrow(ConfigError);
  });

  it("are written into the stack JSON with the reason, the rule, the resource and the silenced warning", () => {
    const { json } = synth([{ rule: "account-root-principal", reason: "partner account decides which of its roles read" }]);
    const records = readAcknowledgements(json);
    expect(records).toEqual([
      expect.objectContaining({
        rule: "account-root-principal",
        reason: "partner account decides which of its roles read",
        address: expect.stringMatching(/^aws_s3_bucket_policy\./),
        message: expect.stringContaining(`arn:aws:iam::${ACCOUNT_A}:root`),
      }),
      // The share's key policy names the same root: the one acknowledgement covers both of its resources.
      expect.objectContaining({ rule: "account-root-principal", address: expect.stringMatching(/^aws_kms_key\./) }),
    ]);
  });

  it("leave a stack without acknowledged findings as it was (no acknowledgements key)", () => {
    const { json } = synth([]);
    expect(readAcknowledgements(json)).toEqual([]);
    expect(JSON.stringify(json["//"])).not.toContain("xacct");
  });
});
