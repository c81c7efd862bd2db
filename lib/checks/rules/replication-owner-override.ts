import type { Finding, Rule } from "./rule";
import { allows, bucketByArn, roleStatements, ruleObject } from "./shared";

/**
 * The owner override (`access_control_translation` Owner=Destination) needs
 * s3:ObjectOwnerOverrideToBucketOwner in the role's policy AND in the
 * destination bucket policy, and the rule must name the destination account
 * ("Changing the replica owner": https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html).
 */
export const replicationOwnerOverrideRule: Rule = {
  id: "replication-owner-override",
  severity: "error",
  explanation:
    "An owner override needs s3:ObjectOwnerOverrideToBucketOwner for the replication role in its own policy and in the destination bucket policy, and the destination account named.",
  docs: ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html"],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const r of model.replications) {
      const role = roleStatements(model, r.roleArn);
      for (const rule of r.rules.filter((x) => x.enabled && x.ownerOverride)) {
        const where = `replication rule ${rule.id} of ${r.sourceBucket} overrides the replica owner`;
        const object = ruleObject(rule.destinationBucketArn, rule.prefix);
        const missing: string[] = [];
        if (!rule.destinationAccount) missing.push("the destination account (destination.account)");
        if (!allows(role, "s3:ObjectOwnerOverrideToBucketOwner", object)) missing.push(`s3:ObjectOwnerOverrideToBucketOwner in the policy of ${r.roleArn}`);
        const dest = bucketByArn(model, rule.destinationBucketArn);
        if (dest && !allows(dest.policy ? dest.policy.document.Statement : [], "s3:ObjectOwnerOverrideToBucketOwner", object, r.roleArn)) {
          missing.push(`s3:ObjectOwnerOverrideToBucketOwner for ${r.roleArn} in the bucket policy of ${dest.name}`);
        }
        if (missing.length) {
          out.push({
            level: "error",
            address: r.address,
            check: "replication-owner-override",
            message: `${where} but lacks ${missing.join(", ")}: S3 fails every replica.`,
          });
        }
      }
    }
    return out;
  },
};
