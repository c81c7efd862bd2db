import { asList, statementsOf } from "../../model/stack-model";
import type { Finding, Rule } from "./rule";
import { actionMatches, bucketByArn, namesPrincipal, resourceMatches, ruleObject, sidOf } from "./shared";

/** The requests S3 makes into the destination for a replica. */
const REPLICA_ACTIONS = ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner"];

/**
 * A Deny of the destination bucket policy that matches the requests S3 makes
 * for replicas (s3:ReplicateObject, not s3:PutObject: the replication role's
 * actions, https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html)
 * refuses every replica: e.g. an SSE pin written on `s3:*` or `s3:Replicate*`
 * instead of `s3:PutObject`. BucketShare's own pins deny s3:PutObject only, so
 * replicas pass them. A Deny conditioned on aws:SecureTransport only (the
 * TLS-only statement every BucketShare has) is not counted. That rests on an
 * assumption NOT found in the AWS documentation: that S3's own replication
 * requests are made over TLS and so pass it (the TLS-only deny is the usual
 * setting of replication destinations); neither the access review nor the
 * emulator (moto does not replicate) can show it.
 */
export const replicationSsePinRule: Rule = {
  id: "replication-sse-pin",
  severity: "error",
  explanation:
    "A Deny in the destination bucket policy (an SSE pin on s3:* or s3:Replicate*) that matches s3:ReplicateObject for the replication role refuses every replica.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const r of model.replications) {
      for (const rule of r.rules.filter((x) => x.enabled)) {
        const dest = bucketByArn(model, rule.destinationBucketArn);
        if (!dest?.policy) continue;
        const object = ruleObject(dest.arn, rule.prefix);
        for (const s of statementsOf(dest.policy.document)) {
          if (s.Effect !== "Deny" || !namesPrincipal(s, r.roleArn)) continue;
          const ops = Object.values(s.Condition ?? {}).flatMap((kv) => Object.keys(kv).map((k) => k.toLowerCase()));
          if (ops.length > 0 && ops.every((k) => k === "aws:securetransport")) continue;
          const hit = REPLICA_ACTIONS.filter((a) => asList(s.Action).some((p) => actionMatches(p, a)));
          if (hit.length && asList(s.Resource).some((x) => x === "*" || resourceMatches(x, object))) {
            out.push({
              level: "error",
              address: dest.policy.address,
              check: "replication-sse-pin",
              message: `statement ${sidOf(s)} of the bucket policy of ${dest.name} denies ${hit.join(", ")} (the requests replicas arrive with) for the replication role ${r.roleArn}: every replica of rule ${rule.id} is refused. Pin encryption on s3:PutObject only (replicas carry the source's encryption or the replica key) or exclude the role.`,
            });
          }
        }
      }
    }
    return out;
  },
};
