import { AssumableRole } from "../modules/assumable-role";
import { BucketShare } from "../modules/bucket-share";
import { ConsumerAccess } from "../modules/consumer-access";
import { LambdaWriter } from "../modules/lambda-writer";
import { ConfigError } from "./errors";
import { Construct, TerraformStack, Testing, Token } from "./framework";
import { ArchiveProvider } from "./framework/archive";
import { AwsProvider } from "./framework/aws";
import { ACCOUNT_A, ACCOUNT_B } from "./testing";

/**
 * Friction 7, mistake 1: a provider pinned to account A passed to a module whose accountId is B
 * synthesized silently (the resources would land in A). Every module that takes provider +
 * accountId stops with a ConfigError naming `<Module>(id).provider`, the accountId field and the fix.
 * Data-driven: each module x each way of pinning a provider.
 */

type AwsProviderConfig = ConstructorParameters<typeof AwsProvider>[2];

const ROLE_B = `arn:aws:iam::${ACCOUNT_B}:role/target`;

const MODULES: { name: string; build: (scope: Construct, provider: AwsProvider, accountId: string) => void }[] = [
  { name: "BucketShare(share)", build: (s, provider, accountId) => new BucketShare(s, "share", { provider, accountId, bucketName: "data-b" }) },
  {
    name: "BucketShare.fromExistingBucket(theirs)",
    build: (s, provider, accountId) => BucketShare.fromExistingBucket(s, "theirs", { provider, accountId, bucketName: "data-b", policy: "emit" }),
  },
  {
    name: "AssumableRole(role)",
    build: (s, provider, accountId) =>
      new AssumableRole(s, "role", { provider, accountId, roleName: "target", access: { bucketArn: "arn:aws:s3:::data-b", prefix: "in/", level: "read" } }),
  },
  {
    name: "LambdaWriter(writer)",
    build: (s, provider, accountId) =>
      new LambdaWriter(s, "writer", {
        provider,
        archiveProvider: new ArchiveProvider(s, "archive"),
        accountId,
        functionName: "xacct-writer",
        handler: "writer",
        target: { bucketName: "data-b", prefix: "in/" },
        assumeRole: { role: { roleArn: ROLE_B, maxSessionDurationSeconds: 3600, requireMfa: false } },
      }),
  },
  {
    name: "ConsumerAccess(task)",
    build: (s, provider, accountId) => new ConsumerAccess(s, "task", { provider, accountId, roleArn: `arn:aws:iam::${accountId}:role/task` }),
  },
];

/** Providers that create resources in account A, given to a module of account B. */
const WRONG: { pin: string; config: AwsProviderConfig; hint: string }[] = [
  {
    pin: "allowedAccountIds: [A]",
    config: { region: "us-east-1", allowedAccountIds: [ACCOUNT_A] },
    hint: `is pinned to account ${ACCOUNT_A} (allowedAccountIds)`,
  },
  {
    pin: "assumeRole of a role in A",
    config: { region: "us-east-1", assumeRole: [{ roleArn: `arn:aws:iam::${ACCOUNT_A}:role/deploy` }] },
    hint: `a role of account ${ACCOUNT_A}`,
  },
  { pin: "forbiddenAccountIds: [B]", config: { region: "us-east-1", forbiddenAccountIds: [ACCOUNT_B] }, hint: `forbids account ${ACCOUNT_B}` },
];

/** Providers that may create resources in account B (or cannot be told at synth: tokens). */
const RIGHT: { pin: string; config: AwsProviderConfig }[] = [
  { pin: "allowedAccountIds: [B]", config: { region: "us-east-1", allowedAccountIds: [ACCOUNT_B] } },
  { pin: "allowedAccountIds: [A, B]", config: { region: "us-east-1", allowedAccountIds: [ACCOUNT_A, ACCOUNT_B] } },
  { pin: "assumeRole of a role in B", config: { region: "us-east-1", assumeRole: [{ roleArn: `arn:aws:iam::${ACCOUNT_B}:role/deploy` }] } },
  { pin: "not pinned", config: { region: "us-east-1" } },
  { pin: "allowedAccountIds a token", config: { region: "us-east-1", allowedAccountIds: Token.asList("${var.accounts}") } },
  { pin: "assumeRole ARN a token", config: { region: "us-east-1", assumeRole: [{ roleArn: Token.asString("${var.deploy_role}") }] } },
];

function build(m: (typeof MODULES)[number], config: AwsProviderConfig): unknown {
  const stack = new TerraformStack(Testing.app(), "s");
  const provider = new AwsProvider(stack, "p", { alias: "p", ...config });
  try {
    m.build(stack, provider, ACCOUNT_B);
    return undefined;
  } catch (e) {
    return e;
  }
}

describe("a module's provider pinned to another account than its accountId", () => {
  describe.each(MODULES)("$name", (m) => {
    it.each(WRONG)("$pin: ConfigError naming the provider, the accountId field and the fix", ({ config, hint }) => {
      const err = build(m, config);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(`${m.name}.provider`);
      expect((err as ConfigError).message).toContain(hint);
      expect((err as ConfigError).message).toContain(`${m.name}.accountId`);
      expect((err as ConfigError).message).toContain(`pass the provider of account ${ACCOUNT_B}`);
    });

    it.each(RIGHT)("$pin: accepted", ({ config }) => {
      const err = build(m, config);
      // Other props errors are not this check's business; none names the provider.
      if (err instanceof ConfigError) expect(err.field).not.toBe(`${m.name}.provider`);
      else expect(err).toBeUndefined();
    });
  });
});
