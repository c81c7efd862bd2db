import { accessPointIdentityStatements, grantAccessPointArn } from "./access-points";
import {
  LEVEL_ACTIONS,
  listPrefixCondition,
  kmsKeyStatements,
  METADATA_ONLY_SID_SUFFIX,
  objectActions,
  objectArn,
  resourceAccountCondition,
  S3Grant,
} from "./s3-access";
import { Statement } from "./types";

/**
 * The identity side of a grant, whichever way the bucket is addressed: on the bucket
 * (bucket-policy mode, or a principal of the owning account) or through the grant's
 * access point. Its own file so that s3-access.ts (the access-level model) and
 * access-points.ts (which builds on it) import each other in one direction only.
 */

const sidPart = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "");

/**
 * Identity-policy statements (no Principal) for one grant: ListBucket on the
 * bucket ARN, object actions on the prefix, KMS actions on the key.
 */
export function identityStatements(grant: S3Grant, sidPrefix = "", principalArn?: string): Statement[] {
  const a = LEVEL_ACTIONS[grant.level];
  const base = sidPart(sidPrefix);
  // Access-point mode: a cross-account principal reaches the bucket through its access point.
  const apArn = grantAccessPointArn(grant, principalArn);
  if (apArn !== undefined) return accessPointIdentityStatements(grant, apArn, base);
  const out: Statement[] = [];
  if (a.bucket.length > 0) {
    const condition = resourceAccountCondition(grant, listPrefixCondition(grant.prefix));
    out.push({
      Sid: `${base}ListBucket`,
      Effect: "Allow",
      Action: a.bucket,
      Resource: grant.bucketArn,
      ...(condition ? { Condition: condition } : {}),
    });
  }
  const objectCondition = resourceAccountCondition(grant);
  out.push({
    Sid: `${base}Objects${grant.metadataOnly ? METADATA_ONLY_SID_SUFFIX : ""}`,
    Effect: "Allow",
    Action: objectActions(grant.level, grant.objectWriterOwnership),
    Resource: objectArn(grant.bucketArn, grant.prefix),
    ...(objectCondition ? { Condition: objectCondition } : {}),
  });
  out.push(...kmsKeyStatements(grant, base));
  return out;
}
