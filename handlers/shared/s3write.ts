import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { TargetConfig } from "./config";
import { ENV } from "./contract";
import { BadEventError } from "./errors";
import { utf8Bytes } from "./keys";

/**
 * PutObject input for the target bucket: SSE-KMS with the configured key when
 * TARGET_KMS_KEY_ARN is set (otherwise the bucket default applies), and the
 * canned ACL when TARGET_OBJECT_ACL is set (ObjectWriter-ownership buckets).
 */
export function targetPutInput(config: TargetConfig, key: string, body: string, contentType: string): PutObjectCommandInput {
  return {
    Bucket: config.bucket,
    Key: key,
    Body: body,
    ContentType: contentType,
    ...(config.kmsKeyArn !== undefined ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: config.kmsKeyArn } : {}),
    ...(config.objectAcl !== undefined ? { ACL: config.objectAcl } : {}),
  };
}

/** Throws BadEventError when `body` is larger than MAX_BODY_BYTES (UTF-8). Never echoes the body. */
export function checkBodySize(field: string, body: string, maxBodyBytes: number): number {
  const bytes = utf8Bytes(body);
  if (bytes > maxBodyBytes) {
    throw new BadEventError(field, `is ${bytes} bytes (UTF-8), over the limit of ${maxBodyBytes} bytes (${ENV.maxBodyBytes}); send a smaller body`);
  }
  return bytes;
}

/** S3 ETags come quoted ("\"abc\""): the bare value. */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/^"|"$/g, "");
}
