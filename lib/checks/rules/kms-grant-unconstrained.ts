import type { Finding, Rule } from "./rule";

/** Grant operations that take an encryption context (the ones a constraint narrows). */
const CRYPTO_OPERATIONS = new Set(["decrypt", "encrypt", "generatedatakey", "generatedatakeywithoutplaintext", "reencryptfrom", "reencryptto"]);

/**
 * A KMS grant authorizes on its own (no key-policy condition applies to it)
 * and cannot carry kms:ViaService: only an encryption-context constraint
 * narrows it. S3 passes `aws:s3:arn` as context: the bucket ARN with an S3
 * Bucket Key, otherwise the object ARN, so only a Bucket Key bucket's grant
 * can be pinned to the bucket (`BucketShare.fromExistingBucket`'s `bucketKeyEnabled`).
 */
export const kmsGrantUnconstrainedRule: Rule = {
  id: "kms-grant-unconstrained",
  severity: "warning",
  explanation:
    "A KMS grant without an encryption-context constraint lets the grantee use the key directly, outside S3, for any data (a grant has no ViaService).",
  docs: [
    "https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html",
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html",
  ],
  check(model): Finding[] {
    const bucketOf = new Map(model.buckets.flatMap((b) => (b.kmsKeyArn ? [[b.kmsKeyArn, b.name] as const] : [])));
    return model.keys.flatMap((k) =>
      k.grants.flatMap((g): Finding[] => {
        const c = g.constraints;
        if (
          (c?.encryptionContextSubset && Object.keys(c.encryptionContextSubset).length) ||
          (c?.encryptionContextEquals && Object.keys(c.encryptionContextEquals).length)
        )
          return [];
        const ops = g.operations.filter((o) => CRYPTO_OPERATIONS.has(o.toLowerCase()));
        if (ops.length === 0) return [];
        const bucket = bucketOf.get(k.arn);
        return [
          {
            level: "warning",
            address: g.address,
            check: "kms-grant-unconstrained",
            acknowledgement: "kms-grant-unconstrained",
            message:
              `KMS grant on ${k.arn} gives ${g.grantee} ${ops.join(", ")} with no encryption-context constraint: a grant carries no kms:ViaService, so the grantee can call ${ops.length > 1 ? "them" : "it"} on the key directly, outside S3, for any data. ` +
              (bucket
                ? `If s3://${bucket} uses an S3 Bucket Key, pass bucketKeyEnabled: true (constraint encryption_context_subset "aws:s3:arn" = the bucket ARN); otherwise use keyAccess: "emit" (key-policy statements with kms:ViaService and the bucket pin), or acknowledge it.`
                : `Add constraints { encryption_context_subset = { ... } } naming the context the key's service sets, or acknowledge it.`),
          },
        ];
      }),
    );
  },
};
