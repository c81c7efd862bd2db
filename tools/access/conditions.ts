import { asList, statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument } from "../../lib/policy";

/** Every value a policy's conditions compare `key` with (any operator, key case-insensitive). */
export function conditionValues(doc: PolicyDocument, key: string): string[] {
  const out: string[] = [];
  for (const s of statementsOf(doc)) {
    for (const byKey of Object.values(s.Condition ?? {})) {
      for (const [k, v] of Object.entries(byKey)) if (k.toLowerCase() === key.toLowerCase()) out.push(...asList(v).map(String));
    }
  }
  return out;
}
