import { ENV } from "../../handlers/shared/contract";
import { asList, BucketModel, StackModel, statementsOf } from "../../lib/model/stack-model";
import { conditionValues } from "./conditions";

/**
 * The key prefixes the probe set uses for a bucket: the prefixes the stack
 * means to grant — where its Lambdas are configured to write, what `s3:prefix`
 * conditions name, what object ARNs are scoped to — and one that none of them
 * is. Reading the intent from more than the object ARNs keeps the probe set
 * stable when a policy is widened, so the widening shows up as extra cells.
 */

/** Stands for "any key" when every grant covers the whole bucket. */
export const WHOLE_BUCKET_SAMPLE_PREFIX = "data/";
export const WRONG_PREFIX = "other/";

function objectArnPrefix(bucket: BucketModel, resource: string): string | undefined {
  const head = `${bucket.arn}/`;
  if (!resource.startsWith(head) || !resource.endsWith("*")) return undefined;
  return resource.slice(head.length, -1);
}

/** Prefixes of object ARNs and `s3:prefix` conditions on this bucket, in every Allow of the stack. */
function policyPrefixes(model: StackModel, bucket: BucketModel): string[] {
  const out: string[] = [];
  for (const policy of model.policies) {
    for (const s of statementsOf(policy.document).filter((x) => x.Effect === "Allow")) {
      const resources = asList(s.Resource);
      out.push(...resources.map((r) => objectArnPrefix(bucket, r)).filter((p): p is string => p !== undefined));
      if (resources.includes(bucket.arn)) {
        const doc = { Version: "2012-10-17" as const, Statement: [s] };
        out.push(...conditionValues(doc, "s3:prefix").map((p) => p.replace(/\*$/, "")));
      }
    }
  }
  return out;
}

/** Where the stack's functions are configured to write in this bucket. */
function configuredPrefixes(model: StackModel, bucket: BucketModel): string[] {
  return model.functions.filter((f) => f.environment[ENV.bucket] === bucket.name).map((f) => f.environment[ENV.prefix] ?? "");
}

/** Distinct prefixes the stack grants (or means to grant) on the bucket, sorted; `""` is the whole bucket. */
export function grantedPrefixes(model: StackModel, bucket: BucketModel): string[] {
  return [...new Set([...policyPrefixes(model, bucket), ...configuredPrefixes(model, bucket)])].sort();
}

/** The "right" prefixes to probe: the specific ones, or a sample prefix when only the whole bucket is granted (or nothing is). */
export function probePrefixes(model: StackModel, bucket: BucketModel, seeded?: readonly string[]): string[] {
  const specific = [...new Set(seeded ?? grantedPrefixes(model, bucket))].sort().filter((p) => p !== "" && p !== WRONG_PREFIX);
  return specific.length > 0 ? specific : [WHOLE_BUCKET_SAMPLE_PREFIX];
}
