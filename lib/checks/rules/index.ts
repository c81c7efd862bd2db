import type { StackModel } from "../../model/stack-model";
import { accountRootPrincipalRule } from "./account-root-principal";
import { kmsIdentityGrantRule } from "./kms-identity-grant";
import { kmsKeyPolicyGrantRule } from "./kms-key-policy-grant";
import { kmsWithoutViaServiceRule } from "./kms-without-via-service";
import { listBucketOnObjectArnRule } from "./list-bucket-on-object-arn";
import { objectActionOnBucketArnRule } from "./object-action-on-bucket-arn";
import { objectWriterWithoutBofcRule } from "./object-writer-without-bofc";
import { policySizeRule } from "./policy-size";
import { roleChainingSessionRule } from "./role-chaining-session";
import type { Finding, Rule } from "./rule";
import { sessionDurationRule } from "./session-duration";
import { sseKmsNotPinnedRule } from "./sse-kms-not-pinned";
import { wildcardActionRule } from "./wildcard-action";
import { wildcardPrincipalRule } from "./wildcard-principal";
import { webIdentityUnpinnedRule } from "./web-identity-unpinned";
import { webIdentityWildcardSubjectRule } from "./web-identity-wildcard-subject";
import { webIdentityPullRequestRule } from "./web-identity-pull-request";
import { kmsGrantUnconstrainedRule } from "./kms-grant-unconstrained";
import { replicationVersioningRule } from "./replication-versioning";
import { replicationKmsRule } from "./replication-kms";
import { replicationOwnerOverrideRule } from "./replication-owner-override";
import { replicationSameAccountRule } from "./replication-same-account";
import { replicationSsePinRule } from "./replication-sse-pin";

export type { Finding, Rule } from "./rule";

/** Every synth-time rule, in the order their findings are reported. Adding a rule: one file in this folder, its table in rules.test.ts, and a line here. */
export const RULES: readonly Rule[] = [
  policySizeRule,
  listBucketOnObjectArnRule,
  objectActionOnBucketArnRule,
  wildcardActionRule,
  wildcardPrincipalRule,
  accountRootPrincipalRule,
  kmsIdentityGrantRule,
  kmsKeyPolicyGrantRule,
  kmsWithoutViaServiceRule,
  objectWriterWithoutBofcRule,
  sseKmsNotPinnedRule,
  roleChainingSessionRule,
  sessionDurationRule,
  webIdentityUnpinnedRule,
  webIdentityWildcardSubjectRule,
  webIdentityPullRequestRule,
  kmsGrantUnconstrainedRule,
  replicationVersioningRule,
  replicationKmsRule,
  replicationOwnerOverrideRule,
  replicationSameAccountRule,
  replicationSsePinRule,
];

/** The rule with this id. */
export const ruleById = (id: string): Rule | undefined => RULES.find((r) => r.id === id);

/** All findings of every rule for one stack model. */
export function runRules(model: StackModel, rules: readonly Rule[] = RULES): Finding[] {
  return rules.flatMap((r) => r.check(model));
}
