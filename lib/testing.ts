import { ArchiveProvider } from "./framework/archive";
import { AwsProvider } from "./framework/aws";
import { ConfigError } from "./errors";
import { Construct, IConstruct, Testing } from "./framework";
import { buildStackModel, StackModel, TfJson } from "./model/stack-model";
import { PolicyDocument } from "./policy";
import { accountId } from "./validate";

/** Test helpers shared by the module and stack tests (not used at synth). */

export const ACCOUNT_A = "111111111111";
export const ACCOUNT_B = "222222222222";
export const ACCOUNT_C = "333333333333";

export interface Providers {
  readonly a: AwsProvider;
  readonly b: AwsProvider;
  readonly archive: ArchiveProvider;
}

/** The accounts (and region) the test providers are pinned to: pass your team's real account ids. */
export interface TestAccounts {
  /** Account of provider `a` (the consumer in the demo stacks). @default ACCOUNT_A (111111111111) */
  readonly a?: string;
  /** Account of provider `b` (the bucket owner in the demo stacks). @default ACCOUNT_B (222222222222) */
  readonly b?: string;
  /** @default "us-east-1" */
  readonly region?: string;
}

/** Aliased providers for accounts A and B, as the stacks create them. */
export function providers(scope: Construct, accounts: TestAccounts = {}): Providers {
  const a = accountId("testing accounts.a", accounts.a ?? ACCOUNT_A);
  const b = accountId("testing accounts.b", accounts.b ?? ACCOUNT_B);
  const region = accounts.region ?? "us-east-1";
  return {
    a: new AwsProvider(scope, "account_a", { alias: "account_a", region, allowedAccountIds: [a] }),
    b: new AwsProvider(scope, "account_b", { alias: "account_b", region, allowedAccountIds: [b] }),
    archive: new ArchiveProvider(scope, "archive"),
  };
}

/** `Testing.synthScope` with providers (pinned to `accounts`), parsed. */
export function synthModule(build: (scope: Construct, p: Providers) => void, accounts: TestAccounts = {}): { json: string; tf: TfJson; model: StackModel } {
  const json = Testing.synthScope((scope: IConstruct) => build(scope, providers(scope, accounts)));
  const tf = JSON.parse(json) as TfJson;
  return { json, tf, model: buildStackModel(tf) };
}

/** All resources of one type, as name → attributes. */
export function resourcesOf(tf: TfJson, type: string): Record<string, Record<string, unknown>> {
  return tf.resource?.[type] ?? {};
}

/** The only resource of a type (fails the test when there are several). */
export function only(tf: TfJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(tf, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** A synthesized policy as AWS receives it (Terraform's `$${` escape of policy variables undone). */
export const parsePolicy = (raw: unknown): PolicyDocument => JSON.parse(String(raw).replace(/\$\$\{/g, "${")) as PolicyDocument;

/** Assert that `fn` throws a ConfigError naming `field`, whose message contains `hint`. */
export function expectConfigError(fn: () => unknown, field: string, hint: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).field).toBe(field);
  expect((err as ConfigError).message).toContain(hint);
}
