import * as fs from "fs";
import type { TfJson } from "../../lib/model/stack-model";

/**
 * A saved Terraform plan as `terraform show -json <planfile>` prints it
 * (https://developer.hashicorp.com/terraform/internals/json-format), read as
 * two synthesized-stack-like JSONs — the state before (`prior_state`) and the
 * state planned (`planned_values`) — so the same model and evaluator serve
 * synthesized stacks and plans. Values Terraform only knows after apply
 * (`resource_changes[].change.after_unknown`) are listed, never dropped.
 */

type Attrs = Record<string, unknown>;

interface PlanResource {
  address: string;
  mode?: string;
  type: string;
  name: string;
  index?: string | number;
  values?: Attrs;
}
interface PlanModule {
  address?: string;
  resources?: PlanResource[];
  child_modules?: PlanModule[];
}
interface ConfigResource {
  address: string;
  provider_config_key?: string;
  /** The attributes the configuration sets (a reference or a constant each). */
  expressions?: Record<string, unknown>;
}
interface ConfigModule {
  resources?: ConfigResource[];
  module_calls?: Record<string, { module?: ConfigModule }>;
}
interface ProviderConfig {
  name?: string;
  alias?: string;
  expressions?: Record<string, { constant_value?: unknown }>;
}
interface ResourceChange {
  address: string;
  mode?: string;
  type: string;
  change?: { actions?: string[]; after_unknown?: Attrs | boolean };
}
export interface PlanJson {
  format_version?: string;
  terraform_version?: string;
  planned_values?: { root_module?: PlanModule };
  prior_state?: { values?: { root_module?: PlanModule } };
  resource_changes?: ResourceChange[];
  configuration?: { provider_config?: Record<string, ProviderConfig>; root_module?: ConfigModule };
  values?: unknown;
}

/** The resource types whose values decide access: what `plan` reads. */
export const POLICY_RESOURCE_TYPES = [
  "aws_s3_bucket",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_versioning",
  "aws_s3_bucket_replication_configuration",
  "aws_s3_access_point",
  "aws_s3control_access_point_policy",
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_policy",
  "aws_iam_policy_attachment",
  "aws_iam_group",
  "aws_iam_group_policy",
  "aws_iam_group_policy_attachment",
  "aws_iam_group_membership",
  "aws_iam_user",
  "aws_iam_user_policy",
  "aws_iam_user_policy_attachment",
  "aws_iam_user_group_membership",
  "aws_kms_key",
  "aws_kms_key_policy",
  "aws_kms_grant",
] as const;
const POLICY_TYPES: ReadonlySet<string> = new Set(POLICY_RESOURCE_TYPES);

/** Attributes that carry a policy or tie one to its holder: unknown here means unknown access. */
const ACCESS_ATTRIBUTES = new Set([
  "policy",
  "assume_role_policy",
  "inline_policy",
  "managed_policy_arns",
  "role",
  "roles",
  "group",
  "groups",
  "user",
  "users",
  "bucket",
  "policy_arn",
  "key_id",
  "grantee_principal",
  "operations",
  "access_point_arn",
  "restrict_public_buckets",
]);

export interface UnknownValue {
  readonly address: string;
  readonly attribute: string;
}

export interface PlanSides {
  readonly before: TfJson;
  readonly after: TfJson;
  readonly unknown: readonly UnknownValue[];
  readonly terraformVersion?: string;
  /** Resources of the covered types the plan creates, updates or deletes. */
  readonly changed: readonly string[];
}

export class PlanInputError extends Error {}

const EXPECTED = "expected the JSON of a saved plan: terraform plan -out=tfplan && terraform show -json tfplan > plan.json";

/** Parse and check the shape; one clear message naming what was expected otherwise. */
export function parsePlanJson(text: string, file = "the plan file"): PlanJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const hint = text.trim().length === 0 ? "it is empty" : `it is not valid JSON, truncated or not JSON at all (${(e as Error).message})`;
    throw new PlanInputError(`${file}: ${hint}; ${EXPECTED}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new PlanInputError(`${file}: not a JSON object; ${EXPECTED}`);
  const plan = json as PlanJson;
  if (typeof plan.format_version !== "string") throw new PlanInputError(`${file}: no "format_version", so not terraform show -json output; ${EXPECTED}`);
  if (plan.planned_values === undefined && plan.values !== undefined) {
    throw new PlanInputError(`${file}: this is a Terraform state (terraform show -json without a plan file), not a plan; ${EXPECTED}`);
  }
  if (plan.planned_values === undefined || typeof plan.planned_values !== "object") {
    throw new PlanInputError(`${file}: a plan without resource values ("planned_values" is missing); ${EXPECTED}`);
  }
  return plan;
}

export function readPlanFile(file: string): PlanJson {
  if (!fs.existsSync(file)) throw new PlanInputError(`${file}: no such file; ${EXPECTED}`);
  return parsePlanJson(fs.readFileSync(file, "utf8"), file);
}

function allResources(m: PlanModule | undefined): PlanResource[] {
  if (!m) return [];
  return [...(m.resources ?? []), ...(m.child_modules ?? []).flatMap(allResources)];
}

function configResources(m: ConfigModule | undefined, prefix = ""): [string, ConfigResource][] {
  if (!m) return [];
  return [
    ...(m.resources ?? []).map((r): [string, ConfigResource] => [`${prefix}${r.address}`, r]),
    ...Object.entries(m.module_calls ?? {}).flatMap(([name, call]) => configResources(call.module, `${prefix}module.${name}.`)),
  ];
}

/** `module.a.aws_iam_role.r["x"]` → its configuration address `module.a.aws_iam_role.r`. */
const configAddress = (address: string): string => address.replace(/\[[^\]]*\]/g, "");

/** The name the model uses: the address without its type, so policy addresses stay readable. */
function nameOf(r: PlanResource): string {
  const i = r.address.indexOf(`${r.type}.`);
  const moduleDots = r.address.slice(0, Math.max(0, i));
  return `${moduleDots}${r.address.slice(i + r.type.length + 1)}`;
}

interface Providers {
  /** Provider configuration key → alias used in the TfJson (`aws.<alias>`). */
  readonly aliasOfKey: Map<string, string>;
  readonly provider: Record<string, unknown>[];
}

function providersOf(plan: PlanJson): Providers {
  const aliasOfKey = new Map<string, string>();
  const provider: Record<string, unknown>[] = [];
  for (const [key, p] of Object.entries(plan.configuration?.provider_config ?? {})) {
    if ((p.name ?? key.split(".")[0].split(":").pop()) !== "aws") continue;
    const alias = p.alias ?? (key.includes(".") ? (key.split(".").pop() ?? "default") : "default");
    aliasOfKey.set(key, alias);
    const ids = p.expressions?.allowed_account_ids?.constant_value;
    const region = p.expressions?.region?.constant_value;
    provider.push({ alias, ...(Array.isArray(ids) ? { allowed_account_ids: ids } : {}), ...(typeof region === "string" ? { region } : {}) });
  }
  return { aliasOfKey, provider };
}

const ACCOUNT_IN_ARN = /^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/;

/**
 * Providers without allowed_account_ids: their account from a
 * `data "aws_caller_identity"` read with them, else from any ARN Terraform
 * knows in their resources.
 */
function inferAccounts(providers: Providers, resources: readonly { alias: string; values: Attrs; type: string }[]): void {
  for (const p of providers.provider) {
    if (p.allowed_account_ids) continue;
    const mine = resources.filter((r) => r.alias === p.alias);
    const caller = mine.find((r) => r.type === "aws_caller_identity" && typeof r.values.account_id === "string")?.values.account_id as string | undefined;
    const known = mine.map((r) => (typeof r.values.arn === "string" ? ACCOUNT_IN_ARN.exec(r.values.arn)?.[1] : undefined));
    const account = caller ?? known.find((a) => a !== undefined);
    if (account) p.allowed_account_ids = [account];
  }
}

function toTfJson(module: PlanModule | undefined, plan: PlanJson, providers: Providers): TfJson {
  const keyOf = new Map(configResources(plan.configuration?.root_module).map(([address, r]) => [address, r.provider_config_key]));
  const withAlias = allResources(module).map((r) => {
    const key = keyOf.get(configAddress(r.address)) ?? "aws";
    const alias = providers.aliasOfKey.get(key) ?? providers.aliasOfKey.get(key.split(":").pop() ?? key) ?? "default";
    return { r, alias, values: r.values ?? {}, type: r.type };
  });
  const picked = withAlias.filter(({ r }) => (r.mode ?? "managed") === "managed" && POLICY_TYPES.has(r.type));
  const provider = providers.provider.map((p) => ({ ...p }));
  // data sources are read into the planned values and the prior state alike
  inferAccounts({ aliasOfKey: providers.aliasOfKey, provider }, [...withAlias.filter(({ r }) => r.mode === "data"), ...picked]);
  const resource: NonNullable<TfJson["resource"]> = {};
  for (const { r, alias, values } of picked) {
    (resource[r.type] ??= {})[nameOf(r)] = { ...values, ...(alias === "default" ? {} : { provider: `aws.${alias}` }) };
  }
  return { provider: { aws: provider }, resource };
}

function unknownPaths(u: unknown, prefix: string): string[] {
  if (u === true) return [prefix];
  if (Array.isArray(u)) return u.flatMap((x, i) => unknownPaths(x, `${prefix}[${i}]`));
  if (u && typeof u === "object") return Object.entries(u).flatMap(([k, v]) => unknownPaths(v, prefix ? `${prefix}.${k}` : k));
  return [];
}

/**
 * Policy-relevant attributes of covered resources that Terraform knows only
 * after apply. An Optional+Computed attribute the configuration does not set
 * (aws_iam_role's inline_policy and managed_policy_arns, unknown on every new
 * role: terraform-provider-aws resource_iam_role.go) only mirrors policies
 * attached by their own resources, which are read: it is not listed.
 */
export function unknownValues(plan: PlanJson): UnknownValue[] {
  const config = new Map(configResources(plan.configuration?.root_module));
  const out: UnknownValue[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if ((rc.mode ?? "managed") !== "managed" || !POLICY_TYPES.has(rc.type)) continue;
    if (rc.change?.actions?.length === 1 && rc.change.actions[0] === "delete") continue;
    const expressions = config.get(configAddress(rc.address))?.expressions;
    for (const attribute of unknownPaths(rc.change?.after_unknown, "")) {
      const top = attribute.split(/[.[]/)[0];
      if (!ACCESS_ATTRIBUTES.has(top)) continue;
      if (expressions && !(top in expressions)) continue;
      out.push({ address: rc.address, attribute });
    }
  }
  return out;
}

export function planSides(plan: PlanJson): PlanSides {
  const providers = providersOf(plan);
  const changed = (plan.resource_changes ?? [])
    .filter((rc) => POLICY_TYPES.has(rc.type) && (rc.change?.actions ?? []).some((a) => a !== "no-op" && a !== "read"))
    .map((rc) => rc.address);
  return {
    before: toTfJson(plan.prior_state?.values?.root_module, plan, providers),
    after: toTfJson(plan.planned_values?.root_module, plan, providers),
    unknown: unknownValues(plan),
    terraformVersion: plan.terraform_version,
    changed,
  };
}
