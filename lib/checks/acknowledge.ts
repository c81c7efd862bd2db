import type { IConstruct } from "../framework";

/**
 * Warnings of the synth-time policy checks that a module's user has declared
 * deliberate. Errors cannot be acknowledged.
 * - `account-root-principal`: a policy names `arn:aws:iam::<account>:root` (any principal of that account).
 * - `wildcard-action`: `s3:*`, `kms:*`, `*` or similar in an Allow statement.
 * - `wildcard-principal`: `Principal: "*"` in an Allow statement without a restricting condition.
 */
export type Acknowledgement = "account-root-principal" | "wildcard-action" | "wildcard-principal";
export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = ["account-root-principal", "wildcard-action", "wildcard-principal"];

const registry = new WeakMap<IConstruct, Set<Acknowledgement>>();

export function acknowledge(resource: IConstruct, acks: readonly Acknowledgement[]): void {
  if (acks.length === 0) return;
  const set = registry.get(resource) ?? new Set<Acknowledgement>();
  acks.forEach((a) => set.add(a));
  registry.set(resource, set);
}

export function isAcknowledged(resource: IConstruct, ack: Acknowledgement): boolean {
  return registry.get(resource)?.has(ack) ?? false;
}
