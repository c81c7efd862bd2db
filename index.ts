/**
 * xacct-s3: the package's one public entry point (`import { ... } from "xacct-s3"`).
 *
 * Everything a platform team needs in its own cdktf app: the modules with
 * their props, the access levels and grant types, the policy builders the
 * modules use, the synth-time checks and the test helpers. Anything not
 * exported here is internal and may change without notice. The repository's
 * demo app (app/: its stacks, configuration and accounts; main.ts starts it)
 * is not part of the package, and no library folder imports it
 * (lib/boundaries.test.ts).
 *
 * @packageDocumentation
 */

// Modules (one construct per folder) and their props/interfaces. The bucket share's
// grant call (`share.grant(consumer, { level, prefix })` -> ShareGrant, IShareConsumer),
// its extension point (`addToResourcePolicy`) and its modes (bucketPolicyMode,
// accessPointMode; the ShareMode interface) come with it.
export * from "./modules/bucket-share";
export * from "./modules/assumable-role";
export * from "./modules/lambda-writer";
export * from "./modules/consumer-access";

// Principals and grants.
export type { IGrantee, GranteeLike } from "./lib/grantee";
export { toGrantee } from "./lib/grantee";
export type { AccessLevel, Condition, ConditionValue, PolicyDocument, Principal, Statement, S3Grant } from "./lib/policy";
export { ACCESS_LEVELS, LEVEL_ACTIONS, BUCKET_OWNER_FULL_CONTROL } from "./lib/policy";
// Policy builders (the modules build every document with these).
export {
  assumeRoleStatement,
  bucketPolicy,
  identityPolicy,
  identityStatements,
  keyPolicy,
  listPrefixCondition,
  objectActions,
  objectArn,
  renderPolicy,
  roleTrustPolicy,
  serviceTrustPolicy,
} from "./lib/policy";
export type { BucketGrantGroup, BucketPolicyInput, KeyPolicyInput, OrganizationGrant, RoleTrustInput } from "./lib/policy";
// Access-point mode's policy builders (BucketShare mode: accessPointMode) and the key policy that scales past per-principal statements.
export {
  accessPointArn,
  accessPointBucketPolicy,
  accessPointName,
  accessPointPolicy,
  delegationStatement,
  scalableKeyPolicy,
} from "./lib/policy";
export type { AccessPointLocation, AccessPointPolicyInput, KeyPolicyForm, ScalableKeyPolicyInput } from "./lib/policy";

// Synth-time checks (they run on their own once a module is in a stack; see README "Checks").
export { checkModel, checkStack, ensurePolicyChecks, PolicyChecks, POLICY_SIZE_LIMITS, policySize, registerPolicyChecks, SKIP_POLICY_CHECKS_CONTEXT } from "./lib/checks";
export type { Finding, Rule } from "./lib/checks";
export { RULES } from "./lib/checks";
export { acknowledge, ACKNOWLEDGEMENTS } from "./lib/checks/acknowledge";
export type { AcknowledgeableRule, Acknowledgement, AcknowledgementRecord } from "./lib/checks/acknowledge";
export { buildStackModel } from "./lib/model/stack-model";
export type { StackModel, TfJson } from "./lib/model/stack-model";

// Errors, built-in handler bundles, the handlers' environment contract.
export { ConfigError } from "./lib/errors";
export { availableHandlers, bundleHandler } from "./lib/bundle";
export type { HandlerBundle } from "./lib/bundle";
export { ENV as HANDLER_ENV } from "./handlers/shared/contract";

// Test helpers for users' jest tests (Testing.synthScope with providers, parsed).
export * as testing from "./lib/testing";
