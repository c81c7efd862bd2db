import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * The team's own read-only TypeScript handler: reports the size of an uploaded
 * object. It reads through its own access point: TARGET_BUCKET is the access
 * point ARN its grant gave it (the AWS SDK takes it as Bucket), TARGET_PREFIX
 * the prefix it may read.
 */
const s3 = new S3Client({ region: process.env.TARGET_REGION ?? process.env.AWS_REGION });

export async function handler(event: { key?: string }): Promise<{ key: string; bytes: number }> {
  const bucket = process.env.TARGET_BUCKET;
  if (!bucket) throw new Error("TARGET_BUCKET is not set");
  const prefix = process.env.TARGET_PREFIX ?? "";
  if (typeof event.key !== "string" || !event.key.startsWith(prefix)) throw new Error(`event.key must be a key under ${prefix}`);
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: event.key }));
  return { key: event.key, bytes: out.ContentLength ?? 0 };
}
