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

// Principals and grants: the types the modules' props and the grant call use.
export type { IGrantee, GranteeLike } from "./lib/grantee";
export type { AccessLevel, Condition, ConditionValue, PolicyDocument, Principal, Statement, S3Grant } from "./lib/policy";
export { ACCESS_LEVELS, LEVEL_ACTIONS } from "./lib/policy";
// The policy builders (bucket, key, identity, trust, access point documents) are internal since
// #16: the modules and `share.grant()` write every document; `addToResourcePolicy()` takes your own
// statements. Import paths under dist/ are not part of the API.

// Synth-time checks (they run on their own once a module is in a stack; see README "Checks").
export { checkStack, ensurePolicyChecks, PolicyChecks, POLICY_SIZE_LIMITS, registerPolicyChecks, SKIP_POLICY_CHECKS_CONTEXT } from "./lib/checks";
export type { Finding, Rule } from "./lib/checks";
export { RULES } from "./lib/checks";
export { acknowledge, ACKNOWLEDGEMENTS } from "./lib/checks/acknowledge";
export type { AcknowledgeableRule, Acknowledgement, AcknowledgementRecord } from "./lib/checks/acknowledge";

// Errors, built-in handler bundles, the handlers' environment contract.
export { ConfigError } from "./lib/errors";
export { availableHandlers, bundleHandler } from "./lib/bundle";
export type { HandlerBundle } from "./lib/bundle";
export { ENV as HANDLER_ENV } from "./handlers/shared/contract";

// Test helpers for users' jest tests (Testing.synthScope with providers, parsed).
export * as testing from "./lib/testing";

// The opt-in data perimeter of the shares and roles (`perimeter` prop, #22).
export type { DataPerimeter, PerimeterTrustedAccount } from "./lib/perimeter";
// Principals given by pattern (a role that may not exist yet, an IAM path, an Identity Center
// permission set): the account principal narrowed by aws:PrincipalArn (#20).
export { Principals, PrincipalPattern, SSO_ROLE_PATH } from "./lib/principals";
export type { PermissionSetOptions, PrincipalPatternKind, RoleByNameOptions, RolePatternOptions } from "./lib/principals";
export type { PrincipalPatternInfo } from "./lib/grantee";
export * from "./modules/permission-set-policy";
// CI without keys (#20): a role for GitHub Actions / GitLab / OIDC jobs, a consumer of any share.
export * from "./modules/ci-role";
// Cross-account replication (#21): `new Replication(scope, id, { provider, source, destination, rules, roleName })`.
export * from "./modules/replication";
