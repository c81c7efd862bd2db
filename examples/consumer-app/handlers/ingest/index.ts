import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * The team's own TypeScript handler (bundled by LambdaCode.fromEntry with esbuild):
 * writes each event as one JSON object under the granted prefix.
 */
const s3 = new S3Client({ region: process.env.TARGET_REGION ?? process.env.AWS_REGION });

export async function handler(event: unknown): Promise<{ key: string }> {
  const bucket = process.env.TARGET_BUCKET;
  if (!bucket) throw new Error("TARGET_BUCKET is not set");
  const key = `${process.env.TARGET_PREFIX ?? ""}${new Date().toISOString()}.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(event),
      ContentType: "application/json",
      ...(process.env.TARGET_KMS_KEY_ARN ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: process.env.TARGET_KMS_KEY_ARN } : {}),
    }),
  );
  return { key };
}
