import type { Finding, Rule } from "./rule";
import { allows, bucketByArn, keyStatementsOf, roleStatements } from "./shared";

/**
 * SSE-KMS on either side of a replication needs both halves of the KMS
 * permission: the rule selects SSE-KMS objects (`sse_kms_encrypted_objects`,
 * else S3 skips them) and names the destination key (`replica_kms_key_id`);
 * the role may kms:Decrypt with the source key and kms:Encrypt with the
 * destination key, and each key's policy lets it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
 */
export const replicationKmsRule: Rule = {
  id: "replication-kms",
  severity: "error",
  explanation:
    "SSE-KMS replication must select SSE-KMS objects, name the replica key, and let the role decrypt (source) and encrypt (destination) on both sides.",
  docs: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html"],
  check(model): Finding[] {
    const out: Finding[] = [];
    const push = (address: string, message: string): void => void out.push({ level: "error", address, check: "replication-kms", message });
    for (const r of model.replications) {
      const role = roleStatements(model, r.roleArn);
      const source = model.buckets.find((b) => b.name === r.sourceBucket);
      for (const rule of r.rules.filter((x) => x.enabled)) {
        const where = `replication rule ${rule.id} of ${r.sourceBucket}`;
        if (source?.kmsKeyArn) {
          const key = source.kmsKeyArn;
          if (!rule.sseKmsEncryptedObjects)
            push(
              r.address,
              `${where}: the source is SSE-KMS (${key}) but the rule does not select sse_kms_encrypted_objects, so S3 skips every SSE-KMS object.`,
            );
          if (!allows(role, "kms:Decrypt", key))
            push(
              r.address,
              `${where}: the replication role ${r.roleArn} may not kms:Decrypt with the source key ${key} (identity side): allow it via S3 for the source bucket.`,
            );
          const ks = keyStatementsOf(model, key);
          if (ks && !allows(ks, "kms:Decrypt", "*", r.roleArn))
            push(r.address, `${where}: the source key ${key} does not let ${r.roleArn} kms:Decrypt (key side).`);
        }
        const dest = bucketByArn(model, rule.destinationBucketArn);
        if (dest?.kmsKeyArn && rule.replicaKmsKeyId !== dest.kmsKeyArn) {
          push(
            r.address,
            `${where}: the destination ${dest.name} is SSE-KMS with ${dest.kmsKeyArn} but the rule's replica_kms_key_id is ${rule.replicaKmsKeyId ?? "not set"}: replicas must be encrypted with the destination's key (set encryption_configuration.replica_kms_key_id).`,
          );
        }
        const replicaKey = rule.replicaKmsKeyId;
        if (replicaKey) {
          for (const action of ["kms:Encrypt", "kms:GenerateDataKey"]) {
            if (!allows(role, action, replicaKey))
              push(r.address, `${where}: the replication role ${r.roleArn} may not ${action} with the replica key ${replicaKey} (identity side).`);
            const ks = keyStatementsOf(model, replicaKey);
            if (ks && !allows(ks, action, "*", r.roleArn))
              push(r.address, `${where}: the replica key ${replicaKey} does not let ${r.roleArn} ${action} (key side, in the destination account).`);
          }
        }
      }
    }
    return out;
  },
};
