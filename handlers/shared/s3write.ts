import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { TargetConfig } from "./config";
import { ENV } from "./contract";
import { BadEventError } from "./errors";
import { utf8Bytes } from "./keys";

/**
 * PutObject input for the target bucket: SSE-KMS with the configured key when
 * TARGET_KMS_KEY_ARN is set (otherwise the bucket default applies), the
 * canned ACL when TARGET_OBJECT_ACL is set (ObjectWriter-ownership buckets),
 * ExpectedBucketOwner when TARGET_BUCKET_OWNER is set. The body is sent as
 * bytes with an explicit ContentLength: an empty string body has no computable
 * length and made the SDK print "Are you using a Stream of unknown length ...".
 */
export function targetPutInput(config: TargetConfig, key: string, body: string | Uint8Array, contentType: string): PutObjectCommandInput {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return {
    Bucket: config.bucket,
    Key: key,
    Body: bytes,
    ContentLength: bytes.byteLength,
    ContentType: contentType,
    ...(config.bucketOwner !== undefined ? { ExpectedBucketOwner: config.bucketOwner } : {}),
    ...(config.kmsKeyArn !== undefined ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: config.kmsKeyArn } : {}),
    ...(config.objectAcl !== undefined ? { ACL: config.objectAcl } : {}),
  };
}

/** Throws BadEventError when `body` is larger than MAX_BODY_BYTES (UTF-8 for strings). Never echoes the body. */
export function checkBodySize(field: string, body: string | Uint8Array, maxBodyBytes: number): number {
  const bytes = typeof body === "string" ? utf8Bytes(body) : body.byteLength;
  if (bytes > maxBodyBytes) {
    throw new BadEventError(
      field,
      `is ${bytes} bytes${typeof body === "string" ? " (UTF-8)" : ""}, over the limit of ${maxBodyBytes} bytes (${ENV.maxBodyBytes}); send a smaller body`,
    );
  }
  return bytes;
}

/** S3 ETags come quoted ("\"abc\""): the bare value. */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/^"|"$/g, "");
}
