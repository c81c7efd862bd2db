import { ConfigError } from "../errors";
import type { IConstruct } from "../framework";

/**
 * Rules of the synth-time policy checks whose warnings a module's user may
 * declare deliberate. Errors cannot be acknowledged.
 * - `account-root-principal`: a policy names `arn:aws:iam::<account>:root` (any principal of that account).
 * - `wildcard-action`: `s3:*`, `kms:*`, `*` or similar in an Allow statement.
 * - `wildcard-principal`: `Principal: "*"` in an Allow statement without a restricting condition.
 * - `web-identity-wildcard-subject`: a CI role's trust matches the token's `sub` with `*` / `?` (`StringLike`).
 * - `web-identity-pull-request`: a CI role's trust accepts GitHub pull request tokens (`repo:<o>/<r>:pull_request`).
 * - `kms-grant-unconstrained`: an `aws_kms_grant` without an encryption-context constraint (usable outside S3).
 */
export type AcknowledgeableRule =
  | "account-root-principal"
  | "wildcard-action"
  | "wildcard-principal"
  | "web-identity-wildcard-subject"
  | "web-identity-pull-request"
  | "kms-grant-unconstrained";

/** The rules whose warnings can be acknowledged. */
export const ACKNOWLEDGEMENTS: readonly AcknowledgeableRule[] = [
  "account-root-principal",
  "wildcard-action",
  "wildcard-principal",
  "web-identity-wildcard-subject",
  "web-identity-pull-request",
  "kms-grant-unconstrained",
];

/**
 * A warning declared deliberate, with the reason a reviewer reads. The reason
 * is written into the synthesized stack and shown by `xacct-access`.
 *
 * @example
 * ```ts
 * acknowledge: [{ rule: "account-root-principal", reason: "the partner account decides which of its roles read" }]
 * ```
 */
export interface Acknowledgement {
  /** The rule whose warning this silences. */
  readonly rule: AcknowledgeableRule;
  /** Why the finding is deliberate: required, non-empty. */
  readonly reason: string;
}

/** An acknowledged warning as written into the synthesized stack (the stack JSON's `//` block, key `xacct.acknowledgements`). */
export interface AcknowledgementRecord {
  readonly rule: AcknowledgeableRule;
  readonly reason: string;
  /** Terraform address of the resource the warning was about. */
  readonly address: string;
  /** The warning the acknowledgement silenced. */
  readonly message: string;
}

/** Where in the stack JSON the acknowledgement records go (`"//": { "xacct": { "acknowledgements": [...] } }`). */
export const ACKNOWLEDGEMENTS_PATH = ["//", "xacct", "acknowledgements"] as const;

/**
 * Validate the `acknowledge` prop of a module: every entry names an
 * acknowledgeable rule and gives a non-empty reason.
 */
export function validateAcknowledgements(field: string, value: unknown): Acknowledgement[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(field, `must be a list of { rule, reason } (got ${JSON.stringify(value)})`);
  return value.map((a: unknown, i): Acknowledgement => {
    const f = `${field}[${i}]`;
    const rules = ACKNOWLEDGEMENTS.map((r) => `"${r}"`).join(", ");
    if (typeof a === "string") {
      throw new ConfigError(
        f,
        `${JSON.stringify(a)} carries no reason: write { rule: ${JSON.stringify(a)}, reason: "why this is deliberate" } (the reason is written into the synthesized stack and shown by xacct-access)`,
      );
    }
    if (typeof a !== "object" || a === null) throw new ConfigError(f, `must be { rule, reason } (got ${JSON.stringify(a)})`);
    const { rule, reason } = a as { rule?: unknown; reason?: unknown };
    if (typeof rule !== "string" || !(ACKNOWLEDGEMENTS as readonly string[]).includes(rule)) {
      throw new ConfigError(`${f}.rule`, `must be one of ${rules} (got ${JSON.stringify(rule)})`);
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new ConfigError(
        `${f}.reason`,
        `must say why the "${rule}" warning is deliberate (got ${JSON.stringify(reason)}): an acknowledgement without a reason is refused`,
      );
    }
    return { rule: rule as AcknowledgeableRule, reason: reason.trim() };
  });
}

const registry = new WeakMap<IConstruct, Map<AcknowledgeableRule, string>>();

/** Silence warnings of these rules on one resource, each with its reason (validated: see {@link validateAcknowledgements}). */
export function acknowledge(resource: IConstruct, acks: readonly Acknowledgement[]): void {
  const valid = validateAcknowledgements("acknowledge", acks);
  if (valid.length === 0) return;
  const map = registry.get(resource) ?? new Map<AcknowledgeableRule, string>();
  valid.forEach((a) => map.set(a.rule, a.reason));
  registry.set(resource, map);
}

/** The reason a resource gave for acknowledging a rule, or undefined when it did not. */
export function acknowledgementReason(resource: IConstruct, rule: AcknowledgeableRule): string | undefined {
  return registry.get(resource)?.get(rule);
}

/** True when the resource acknowledged the rule. */
export function isAcknowledged(resource: IConstruct, rule: AcknowledgeableRule): boolean {
  return acknowledgementReason(resource, rule) !== undefined;
}

/** The acknowledgement records of a synthesized stack JSON ([] when it has none). */
export function readAcknowledgements(tf: unknown): AcknowledgementRecord[] {
  const meta = (tf as { "//"?: { xacct?: { acknowledgements?: unknown } } } | undefined)?.["//"]?.xacct?.acknowledgements;
  if (!Array.isArray(meta)) return [];
  return meta.filter(
    (r): r is AcknowledgementRecord =>
      typeof r === "object" && r !== null && typeof (r as AcknowledgementRecord).rule === "string" && typeof (r as AcknowledgementRecord).reason === "string",
  );
}
