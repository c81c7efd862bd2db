import type { TfJson } from "../../lib/model/stack-model";
import type { PlanJson } from "../../tools/access/plan";

/**
 * Plans in the shape `terraform show -json <planfile>` prints (format 1.2,
 * checked against a real plan of terraform 1.11: planned_values /
 * prior_state.values root_module resources with address, mode, type, name,
 * provider_name, values; resource_changes with change.actions, before, after,
 * after_unknown; configuration.provider_config and root_module.resources with
 * provider_config_key). Values are what the provider reports: references
 * resolved, nested blocks as lists.
 */

export interface FixtureResource {
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
  /** Provider configuration key, e.g. `aws.account_b` (default `aws`). */
  readonly provider?: string;
  /** Attributes the provider computes (not set by the configuration). */
  readonly computed?: readonly string[];
}

export interface FixtureProvider {
  readonly key: string;
  readonly alias?: string;
  readonly account?: string;
  readonly region?: string;
}

const asState = (r: FixtureResource): Record<string, unknown> => ({
  address: `${r.type}.${r.name}`,
  mode: "managed",
  type: r.type,
  name: r.name,
  provider_name: "registry.terraform.io/hashicorp/aws",
  schema_version: 0,
  values: r.values,
  sensitive_values: {},
});

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function planJson(opts: {
  readonly providers: readonly FixtureProvider[];
  readonly before: readonly FixtureResource[];
  readonly after: readonly FixtureResource[];
  /** `address` → after_unknown of that resource (e.g. `{ policy: true }`); those attributes are left out of planned_values. */
  readonly unknown?: Readonly<Record<string, Record<string, unknown>>>;
}): PlanJson {
  const address = (r: FixtureResource): string => `${r.type}.${r.name}`;
  const unknown = opts.unknown ?? {};
  const planned = opts.after.map((r) => {
    const u = unknown[address(r)] ?? {};
    const values = Object.fromEntries(Object.entries(r.values).filter(([k]) => u[k] !== true));
    return { ...r, values };
  });
  const all = [...new Map([...opts.before, ...opts.after].map((r) => [address(r), r])).values()];
  const changes = all.map((r) => {
    const b = opts.before.find((x) => address(x) === address(r));
    const a = planned.find((x) => address(x) === address(r));
    const actions = !b ? ["create"] : !a ? ["delete"] : same(b.values, a.values) && !unknown[address(r)] ? ["no-op"] : ["update"];
    return {
      address: address(r),
      mode: "managed",
      type: r.type,
      name: r.name,
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions,
        before: b?.values ?? null,
        after: a?.values ?? null,
        after_unknown: unknown[address(r)] ?? {},
        before_sensitive: {},
        after_sensitive: {},
      },
    };
  });
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: { resources: planned.map(asState) as never } },
    resource_changes: changes,
    prior_state: { values: { root_module: { resources: opts.before.map(asState) as never } } },
    configuration: {
      provider_config: Object.fromEntries(
        opts.providers.map((p) => [
          p.key,
          {
            name: "aws",
            full_name: "registry.terraform.io/hashicorp/aws",
            ...(p.alias ? { alias: p.alias } : {}),
            expressions: {
              ...(p.account ? { allowed_account_ids: { constant_value: [p.account] } } : {}),
              region: { constant_value: p.region ?? "us-east-1" },
            },
          },
        ]),
      ),
      root_module: {
        resources: all.map((r) => ({
          address: address(r),
          mode: "managed",
          type: r.type,
          name: r.name,
          provider_config_key: r.provider ?? "aws",
          // what the configuration sets: every attribute given, as a constant or (for computed-looking ones) a reference
          expressions: Object.fromEntries(
            Object.keys(r.values)
              .filter((k) => !(r.computed ?? []).includes(k))
              .map((k) => [k, { constant_value: r.values[k] }]),
          ),
        })),
      },
    },
  };
}

/**
 * A synthesized stack as a plan would show it once deployed: references
 * resolved by the stack model, nested blocks as lists, known ARNs added.
 */
export function resourcesOfStack(tf: TfJson, resolve: (s: string) => string): { providers: FixtureProvider[]; resources: FixtureResource[] } {
  const providers: FixtureProvider[] = (tf.provider?.aws ?? []).map((p) => {
    const alias = typeof p.alias === "string" ? p.alias : undefined;
    const ids = p.allowed_account_ids as string[] | undefined;
    return { key: alias ? `aws.${alias}` : "aws", alias, account: ids?.[0], region: typeof p.region === "string" ? p.region : undefined };
  });
  const deep = (x: unknown): unknown => {
    if (typeof x === "string") return resolve(x);
    if (Array.isArray(x)) return x.map(deep);
    if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, deep(v)]));
    return x;
  };
  const MAPS = new Set(["tags", "tags_all"]);
  /** Top-level nested blocks (objects in synthesized JSON) are one-element lists in plan values. */
  const asPlanValues = (attrs: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v && typeof v === "object" && !Array.isArray(v) && !MAPS.has(k) ? [deep(v)] : deep(v)]));
  const resources: FixtureResource[] = [];
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, attrs] of Object.entries(byName)) {
      const { provider, ...values } = attrs;
      resources.push({ type, name, values: asPlanValues(values), provider: typeof provider === "string" ? provider : "aws" });
    }
  }
  return { providers, resources };
}
