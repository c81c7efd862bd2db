import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct, TerraformStack, Testing } from "../../lib/framework";
import type { TfJson } from "../../lib/model/stack-model";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, providers, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { ConsumerAccess } from "../consumer-access";
import { LambdaWriter } from "../lambda-writer";
import { BucketShare, GrantContract, GrantContractJson } from ".";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const VIEWER = `arn:aws:iam::${ACCOUNT_A}:role/report-viewer`;
/** The ARN a key created by the owner's stack has after their apply (what `terraform output` then prints). */
const APPLIED_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/0000aaaa-11bb-22cc-33dd-444455556666`;
const KEY_REFERENCE = /\$\{aws_kms_key\.[\w-]+\.arn\}/g;

const contractOutput = (tf: TfJson): string => {
  const out = Object.entries(tf.output ?? {}).filter(([k]) => k.includes("contract"));
  expect(out).toHaveLength(1);
  return String(out[0][1].value);
};
const rolePolicies = (tf: TfJson): unknown[] => Object.values(resourcesOf(tf, "aws_iam_role_policy")).map((r) => JSON.parse(String(r.policy)));

function existingShare(scope: Construct, p: Providers): ReturnType<typeof BucketShare.fromExistingBucket> {
  return BucketShare.fromExistingBucket(scope, "reports", { provider: p.b, accountId: ACCOUNT_B, bucketName: "acme-reports", kmsKeyArn: KEY, policy: "emit" });
}

describe("grant contracts: the consumer's identity side built in another app", () => {
  it("from-contract ConsumerAccess gets the identity policy of the in-app grant (existing bucket, bucket-policy mode)", () => {
    let contract = "";
    const inApp = synthModule((scope, p) => {
      const share = existingShare(scope, p);
      const viewer = new ConsumerAccess(scope, "viewer", { provider: p.a, accountId: ACCOUNT_A, roleArn: VIEWER });
      share.grant(viewer, { level: "read", prefix: "reports/" });
      share.grant(viewer, { level: "write", prefix: "uploads/" });
      share.grant({ organizationId: "o-a1b2c3d4e5" }, { level: "read", prefix: "published/" });
      share.publishContract();
    });
    contract = contractOutput(inApp.tf);
    const parsed = JSON.parse(contract) as GrantContractJson;
    expect(parsed).toMatchObject({
      xacctContract: 1,
      mode: "bucket-policy",
      owner: { accountId: ACCOUNT_B, region: "us-east-1" },
      bucket: { name: "acme-reports", arn: "arn:aws:s3:::acme-reports", kmsKeyArn: KEY, objectWriterOwnership: false },
      grants: [
        { principal: VIEWER, level: "read", prefix: "reports/", address: "acme-reports" },
        { principal: VIEWER, level: "write", prefix: "uploads/", address: "acme-reports" },
        { organizationId: "o-a1b2c3d4e5", level: "read", prefix: "published/", address: "acme-reports" },
      ],
    });

    const fromContract = synthModule((scope, p) => {
      const c = GrantContract.fromJson(scope, "reports", contract);
      const viewer = new ConsumerAccess(scope, "viewer", { provider: p.a, accountId: ACCOUNT_A, roleArn: VIEWER });
      expect(c.bind(viewer)).toHaveLength(2);
    });
    expect(rolePolicies(fromContract.tf)).toEqual(rolePolicies(inApp.tf));
    expect(rolePolicies(fromContract.tf)).toHaveLength(1);
    // The consuming stack records the contract it was built from (read by xacct-access contract verify).
    expect(Object.values(fromContract.tf.locals ?? {})).toContainEqual(
      expect.objectContaining({ xacct_resource: "grant-contract", bucket: "acme-reports", kms_key_arn: KEY }),
    );
  });

  it("from-contract LambdaWriter gets the policy and environment of the in-app grant (new bucket and key, access-point mode)", () => {
    const writerOf = (scope: Construct, p: Providers): LambdaWriter =>
      new LambdaWriter(scope, "uploader", {
        provider: p.a,
        archiveProvider: p.archive,
        accountId: ACCOUNT_A,
        functionName: "acme-uploader",
        handler: "writer",
      });
    const inApp = synthModule((scope, p) => {
      const share = new BucketShare(scope, "landing", { provider: p.b, accountId: ACCOUNT_B, bucketName: "acme-landing", accessPoints: true });
      share.grant(writerOf(scope, p), { level: "write", prefix: "uploads/" });
      share.publishContract();
    });
    // After the owner's apply the output holds the key's real ARN; the in-app policy names the same key.
    const applied = contractOutput(inApp.tf).replace(KEY_REFERENCE, APPLIED_KEY);
    expect(JSON.parse(applied)).toMatchObject({ mode: "access-points", bucket: { kmsKeyArn: APPLIED_KEY, bucketKey: true } });
    const fromContract = synthModule((scope, p) => {
      GrantContract.fromJson(scope, "landing", applied).bind(writerOf(scope, p));
    });
    const applyKey = (tf: TfJson): unknown => JSON.parse(JSON.stringify(rolePolicies(tf)).replace(KEY_REFERENCE, APPLIED_KEY));
    expect(applyKey(fromContract.tf)).toEqual(applyKey(inApp.tf));
    const env = (tf: TfJson): unknown => Object.values(resourcesOf(tf, "aws_lambda_function"))[0].environment;
    expect(JSON.stringify(env(fromContract.tf))).toBe(JSON.stringify(env(inApp.tf)).replace(KEY_REFERENCE, APPLIED_KEY));
    expect(JSON.stringify(env(fromContract.tf))).toContain(`arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/`);
  });

  it("writes the contract at synth to xacct/<id>.contract.json; a key created by the owner makes that file unusable until apply", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "owner");
    const p = providers(stack);
    const share = new BucketShare(stack, "landing", { provider: p.b, accountId: ACCOUNT_B, bucketName: "acme-landing" });
    share.grant(VIEWER, { level: "read", prefix: "in/" });
    const published = share.publishContract();
    expect(published.file).toBe("xacct/landing.contract.json");
    const file = path.join(Testing.fullSynth(stack), "stacks", "owner", "xacct", "landing.contract.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as GrantContractJson;
    expect(json.grants).toEqual([{ principal: VIEWER, level: "read", prefix: "in/", address: "acme-landing" }]);
    expect(json.source?.output).toMatch(/contract/);
    expectConfigError(
      () => GrantContract.fromFile(new TerraformStack(Testing.app(), "consumer"), "c", file),
      "GrantContract(landing.contract.json).bucket.kmsKeyArn",
      `terraform output -raw ${json.source?.output ?? ""} > contract.json`,
    );
  });

  it("an SSE-S3 bucket's synth-time file is complete: the consuming app reads it as it is", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "owner");
    const p = providers(stack);
    const share = new BucketShare(stack, "plain", { provider: p.b, accountId: ACCOUNT_B, bucketName: "acme-plain", encryption: "s3" });
    share.grant(VIEWER, { level: "readwrite", prefix: "" });
    share.publishContract({ file: "contracts/plain.json" });
    const file = path.join(Testing.fullSynth(stack), "stacks", "owner", "contracts", "plain.json");
    const c = GrantContract.fromFile(new TerraformStack(Testing.app(), "consumer"), "plain", file);
    expect(c.grantsFor(VIEWER).map((g) => [g.level, g.prefix, g.address, g.kmsKeyArn])).toEqual([["readwrite", "", "acme-plain", undefined]]);
  });

  describe("a contract that does not validate names the field", () => {
    const good = (): Record<string, unknown> => ({
      xacctContract: 1,
      mode: "bucket-policy",
      owner: { accountId: ACCOUNT_B, region: "us-east-1" },
      bucket: { name: "acme-reports", arn: "arn:aws:s3:::acme-reports", kmsKeyArn: KEY, objectWriterOwnership: false },
      grants: [{ principal: VIEWER, level: "read", prefix: "reports/", address: "acme-reports" }],
    });
    const read = (json: unknown): GrantContract => GrantContract.fromJson(new TerraformStack(Testing.app(), "s"), "c", json as object);
    const cases: [string, (c: Record<string, unknown>) => void, string, string][] = [
      ["version", (c) => delete c.xacctContract, "GrantContract(c).xacctContract", "not a grant contract"],
      ["future version", (c) => (c.xacctContract = 2), "GrantContract(c).xacctContract", "reads version 1"],
      ["owner account", (c) => ((c.owner as Record<string, unknown>).accountId = "22"), "GrantContract(c).owner.accountId", "22"],
      ["bucket arn", (c) => ((c.bucket as Record<string, unknown>).arn = "arn:aws:s3:::other"), "GrantContract(c).bucket.arn", "arn:aws:s3:::acme-reports"],
      [
        "foreign key",
        (c) => ((c.bucket as Record<string, unknown>).kmsKeyArn = KEY.replace(ACCOUNT_B, ACCOUNT_A)),
        "GrantContract(c).bucket.kmsKeyArn",
        "belongs to account",
      ],
      ["level", (c) => ((c.grants as Record<string, unknown>[])[0].level = "admin"), "GrantContract(c).grants[0].level", "admin"],
      ["prefix", (c) => ((c.grants as Record<string, unknown>[])[0].prefix = "reports"), "GrantContract(c).grants[0].prefix", '"reports/"'],
      [
        "principal",
        (c) => ((c.grants as Record<string, unknown>[])[0].principal = "report-viewer"),
        "GrantContract(c).grants[0].principal",
        "not an IAM principal ARN",
      ],
      ["address", (c) => ((c.grants as Record<string, unknown>[])[0].address = "other-bucket"), "GrantContract(c).grants[0].address", "bucket.name"],
      ["no grants", (c) => (c.grants = []), "GrantContract(c).grants", "non-empty"],
      ["region with a key", (c) => delete (c.owner as Record<string, unknown>).region, "GrantContract(c).owner.region", "kms:ViaService"],
    ];
    it.each(cases)("%s", (_name, spoil, field, hint) => {
      const c = good();
      spoil(c);
      expectConfigError(() => read(c), field, hint);
    });
    it("the good one reads", () => expect(read(good()).grants).toHaveLength(1));
    it("a file that is not JSON", () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "xacct-contract-")), "c.json");
      fs.writeFileSync(file, "{ not json");
      expectConfigError(() => GrantContract.fromFile(new TerraformStack(Testing.app(), "s"), "c", file), "GrantContract(c.json)", "is not JSON");
    });
    it("bind() to a principal the contract does not grant", () => {
      expectConfigError(
        () =>
          synthModule((scope, p) => {
            const other = new ConsumerAccess(scope, "other", { provider: p.a, accountId: ACCOUNT_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/other` });
            GrantContract.fromJson(scope, "c", good()).bind(other);
          }),
        "GrantContract(c).bind",
        `it grants ${VIEWER}`,
      );
    });
  });
});
