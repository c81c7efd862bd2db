import type { Finding, Rule } from "./rule";
import { bucketByArn } from "./shared";

/**
 * The replication capability is for another account's bucket. Into the same
 * account, the owner override is meaningless (S3: "Specify this only in a
 * cross-account scenario", AccessControlTranslation,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlTranslation.html)
 * and a backup in the same account falls with it (same admins, same
 * compromise): refused, so a wrong account id never passes silently.
 */
export const replicationSameAccountRule: Rule = {
  id: "replication-same-account",
  severity: "error",
  explanation: "Cross-account replication whose destination is in the source account: a wrong account id, and no protection for a backup.",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlTranslation.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html",
  ],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const r of model.replications) {
      for (const rule of r.rules) {
        const destAccount = rule.destinationAccount ?? bucketByArn(model, rule.destinationBucketArn)?.account;
        if (destAccount === r.account) {
          out.push({
            level: "error",
            address: r.address,
            check: "replication-same-account",
            message: `replication rule ${rule.id} of ${r.sourceBucket} replicates into ${rule.destinationBucketArn} of the SAME account ${r.account}: point it at the other account's bucket (or use a plain same-account replication outside this module).`,
          });
        }
      }
    }
    return out;
  },
};
