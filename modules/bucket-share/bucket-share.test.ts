import { S3Bucket, S3BucketPublicAccessBlock } from "../../lib/framework/aws";
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, expectConfigError, only, parsePolicy, synthModule } from "../../lib/testing";
import { statementsOf } from "../../lib/model/stack-model";
import { identityStatements } from "../../lib/policy";
import { BucketShare, BucketShareProps, kmsAliasFor } from ".";

const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
const WRITER = `arn:aws:iam::${ACCOUNT_C}:role/writer`;

function share(props: Partial<BucketShareProps> = {}) {
  return synthModule((scope, p) => {
    new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", ...props });
  });
}

const bucketStatements = (tf: ReturnType<typeof share>["tf"]) => statementsOf(parsePolicy(only(tf, "aws_s3_bucket_policy").policy));
const keyStatements = (tf: ReturnType<typeof share>["tf"]) => statementsOf(parsePolicy(only(tf, "aws_kms_key").policy));

describe("BucketShare defaults", () => {
  const { json, tf } = share();

  it("creates the bucket in the owning account's provider", () => {
    expect(json).toHaveResourceWithProperties(S3Bucket, { bucket: "shared-data-b", provider: "aws.account_b", force_destroy: false });
  });

  it("blocks all public access", () => {
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("enforces bucket-owner object ownership and versioning", () => {
    expect(only(tf, "aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    expect(only(tf, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
  });

  it("encrypts with a rotating customer managed key and a bucket key", () => {
    const key = only(tf, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    const rule = (only(tf, "aws_s3_bucket_server_side_encryption_configuration").rule as Record<string, unknown>[])[0];
    expect(rule.bucket_key_enabled).toBe(true);
    expect(rule.apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/),
    });
  });

  it("denies every request without TLS and every write not SSE-KMS with its own key, and grants nothing else", () => {
    const s = bucketStatements(tf);
    const keyArn = expect.stringMatching(/^\$\{aws_kms_key\.[\w-]+\.arn\}$/);
    const denyPut = { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::shared-data-b/*" };
    expect(s).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::shared-data-b", "arn:aws:s3:::shared-data-b/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      // Each deny only when its header is present: a request without one (the bucket default, this
      // key) and every multipart UploadPart (which carries none) pass.
      {
        Sid: "DenyPutWithOtherEncryption",
        ...denyPut,
        Condition: { Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      },
      {
        Sid: "DenyPutWithOtherKmsKey",
        ...denyPut,
        Condition: {
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
        },
      },
      {
        Sid: "DenyPutWithAwsManagedKey",
        ...denyPut,
        Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" } },
      },
      { Sid: "DenyPutWithSseC", ...denyPut, Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } } },
    ]);
  });

  it("pins nothing on an SSE-S3 bucket (there is no key to pin)", () => {
    expect(bucketStatements(share({ encryption: "s3" }).tf).map((x) => x.Sid)).toEqual(["DenyInsecureTransport"]);
  });

  it("expires delete markers left without noncurrent versions, with the multipart cleanup", () => {
    const rule = (only(tf, "aws_s3_bucket_lifecycle_configuration").rule as Record<string, unknown>[])[0];
    expect(rule.expiration).toEqual([{ expired_object_delete_marker: true }]);
    expect(rule.abort_incomplete_multipart_upload).toEqual([{ days_after_initiation: 7 }]);
    const unversioned = (only(share({ versioning: false }).tf, "aws_s3_bucket_lifecycle_configuration").rule as Record<string, unknown>[])[0];
    expect(unversioned.expiration).toBeUndefined();
  });

  it("keeps key administration with the owning account only", () => {
    const s = keyStatements(tf);
    expect(s).toHaveLength(1);
    expect(s[0].Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT_B}:root` });
  });
});

describe("BucketShare grants", () => {
  const { tf } = share({
    grants: [
      { principal: READER, level: "read", prefix: "reports" },
      { principal: WRITER, level: "write", prefix: "incoming/" },
      { principal: `arn:aws:iam::${ACCOUNT_B}:role/same-account`, level: "readwrite" },
    ],
  });
  const s = bucketStatements(tf);

  it("grants ListBucket on the bucket ARN, narrowed by s3:prefix", () => {
    const list = s.find((x) => x.Action === "s3:ListBucket");
    expect(list).toMatchObject({
      Principal: { AWS: READER },
      Resource: "arn:aws:s3:::shared-data-b",
      Condition: { StringLike: { "s3:prefix": "reports/*" } },
    });
  });

  it("grants object actions on the prefix only", () => {
    expect(s.find((x) => JSON.stringify(x.Action) === JSON.stringify(["s3:GetObject", "s3:GetObjectVersion"]))).toMatchObject({
      Principal: { AWS: READER },
      Resource: "arn:aws:s3:::shared-data-b/reports/*",
    });
    expect(s.find((x) => x.Effect === "Allow" && JSON.stringify(x.Action) === JSON.stringify(["s3:PutObject", "s3:AbortMultipartUpload"]))).toMatchObject({
      Principal: { AWS: WRITER },
      Resource: "arn:aws:s3:::shared-data-b/incoming/*",
    });
  });

  it("gives a write-only principal no ListBucket and no GetObject", () => {
    const forWriter = s.filter((x) => JSON.stringify(x.Principal).includes(WRITER));
    // AbortMultipartUpload: the SDK's upload manager aborts a failed multipart upload (LEVEL_ACTIONS).
    expect(forWriter.map((x) => x.Action)).toEqual([["s3:PutObject", "s3:AbortMultipartUpload"]]);
  });

  it("adds no statement for a principal of the owning account", () => {
    expect(JSON.stringify(s)).not.toContain("same-account");
    expect(JSON.stringify(keyStatements(tf))).not.toContain("same-account");
  });

  it("grants each cross-account principal exactly its KMS actions", () => {
    const k = keyStatements(tf).slice(1);
    const actionsFor = (arn: string) => k.filter((x) => JSON.stringify(x.Principal).includes(arn)).flatMap((x) => x.Action);
    expect(actionsFor(READER)).toEqual(["kms:Decrypt"]);
    // write = GenerateDataKey + Decrypt (multipart uploads); S3 never calls kms:Encrypt
    expect(actionsFor(WRITER).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    // ... and only through S3 in the bucket's region, for this bucket only (Bucket Key on: context = the bucket ARN)
    for (const x of k)
      expect(x.Condition).toEqual({
        StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::shared-data-b" },
      });
  });

  it("groups principals sharing a level and prefix into one statement", () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ principal: `arn:aws:iam::${ACCOUNT_A}:role/r${i}`, level: "read" as const }));
    const st = bucketStatements(share({ grants: many }).tf).filter((x) => x.Effect === "Allow");
    expect(st).toHaveLength(1); // one whole-bucket read statement
    expect(st[0]).toMatchObject({
      Action: ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"],
      Resource: ["arn:aws:s3:::shared-data-b", "arn:aws:s3:::shared-data-b/*"],
    });
    expect((st[0].Principal as { AWS: string[] }).AWS).toHaveLength(5);
  });

  it("grants an organization through aws:PrincipalOrgID", () => {
    const { tf: orgTf } = share({ grants: [{ organizationId: "o-abcdef1234", level: "read" }] });
    const st = bucketStatements(orgTf).filter((x) => x.Effect === "Allow");
    expect(st[0]).toMatchObject({ Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdef1234" } } });
    expect(keyStatements(orgTf)[1]).toMatchObject({
      Principal: "*",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdef1234", "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
  });
});

describe("BucketShare options", () => {
  it("uses SSE-S3 and creates no key when asked", () => {
    const { tf } = share({ encryption: "s3" });
    expect(tf.resource?.aws_kms_key).toBeUndefined();
    const rule = (only(tf, "aws_s3_bucket_server_side_encryption_configuration").rule as Record<string, unknown>[])[0];
    expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "AES256" });
  });

  it("with ObjectWriter ownership, requires bucket-owner-full-control and lets writers set it", () => {
    const { tf } = share({ objectOwnership: "ObjectWriter", grants: [{ principal: WRITER, level: "write" }] });
    const s = bucketStatements(tf);
    expect(s.find((x) => x.Sid === "RequireBucketOwnerFullControl")).toMatchObject({
      Effect: "Deny",
      Action: "s3:PutObject",
      Condition: { StringNotEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    expect(s.find((x) => x.Sid?.endsWith("Objects"))?.Action).toEqual(["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"]);
  });

  it("returns the identity-side grant with the key", () => {
    synthModule((scope, p) => {
      const b = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b" });
      const g = b.s3Grant("read", "x");
      expect(g).toMatchObject({ bucketArn: "arn:aws:s3:::shared-data-b", prefix: "x/", level: "read" });
      expect(g.kmsKeyArn).toBe(b.kmsKeyArn);
    });
  });
});

describe("BucketShare access logs (opt-in audit)", () => {
  it("is off by default", () => {
    const { tf } = share();
    expect(tf.resource?.aws_s3_bucket_logging).toBeUndefined();
    expect(Object.keys(tf.resource?.aws_s3_bucket ?? {})).toHaveLength(1);
  });

  it("logs every request to a private SSE-S3 log bucket of the owning account that only S3 log delivery for this bucket may write", () => {
    const { tf } = share({ accessLogs: true });
    const buckets = Object.values(tf.resource?.aws_s3_bucket ?? {}).map((b) => [b.bucket, b.provider]);
    expect(buckets).toEqual([
      ["shared-data-b", "aws.account_b"],
      ["shared-data-b-logs", "aws.account_b"],
    ]);
    expect(only(tf, "aws_s3_bucket_logging")).toMatchObject({ target_prefix: "s3/shared-data-b/", provider: "aws.account_b" });
    const policies = Object.values(tf.resource?.aws_s3_bucket_policy ?? {}).map((p) => statementsOf(parsePolicy(p.policy)));
    const logPolicy = policies.find((st) => st.some((x) => x.Sid === "S3ServerAccessLogDelivery"));
    expect(logPolicy).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" }),
      {
        Sid: "S3ServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::shared-data-b-logs/s3/shared-data-b/*",
        Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::shared-data-b" }, StringEquals: { "aws:SourceAccount": ACCOUNT_B } },
      },
    ]);
    const pabs = Object.values(tf.resource?.aws_s3_bucket_public_access_block ?? {});
    expect(pabs).toHaveLength(2);
    for (const p of pabs)
      expect(p).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const sse = Object.values(tf.resource?.aws_s3_bucket_server_side_encryption_configuration ?? {}).map(
      (x) => (x.rule as Record<string, unknown>[])[0].apply_server_side_encryption_by_default,
    );
    expect(sse).toContainEqual({ sse_algorithm: "AES256" });
  });

  it("names the log bucket and its retention when asked, and refuses a name over 63 characters", () => {
    const { tf } = share({ accessLogs: { bucketName: "central-logs-b", expirationDays: 30 } });
    expect(Object.values(tf.resource?.aws_s3_bucket ?? {}).map((b) => b.bucket)).toContain("central-logs-b");
    expectConfigError(() => share({ bucketName: "b".repeat(60), accessLogs: true }), "BucketShare(share).accessLogs.bucketName", "3-63");
  });
});

describe("BucketShare KMS alias", () => {
  it.each(["acme.shared.data", "a.b-c", "xacct-prod-data-222222222222-us-east-1", "a1.b2.c3.d4"])("%s gets a valid alias", (name) => {
    const alias = kmsAliasFor(name);
    // KMS: letters, digits, "/", "_" and "-" only, 1-256 characters, not alias/aws/
    expect(alias).toMatch(/^alias\/[A-Za-z0-9/_-]{1,250}$/);
    expect(alias.startsWith("alias/aws/")).toBe(false);
  });

  it("keeps distinct bucket names distinct (dots and hyphens never collide)", () => {
    const names = ["a.b-c", "a-b.c", "a-b-c", "a.b.c", "ab.c", "a.bc"];
    expect(new Set(names.map(kmsAliasFor)).size).toBe(names.length);
  });

  it("names the alias of a dotted bucket's key accordingly", () => {
    const { tf } = share({ bucketName: "acme.shared.data" });
    expect(only(tf, "aws_kms_alias").name).toBe("alias/s3/acme_shared_data");
  });
});

describe("BucketShare metadata-only grant", () => {
  it("grants ListBucket and GetObject (HeadObject) without any KMS action", () => {
    synthModule((scope, p) => {
      const b = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b" });
      const g = b.metadataGrant();
      expect(g).toMatchObject({ level: "read", metadataOnly: true, kmsKeyArn: undefined });
      const st = identityStatements(g);
      expect(st.map((x) => x.Sid)).toEqual(["ListBucket", "ObjectsMetadataOnly"]);
      expect(JSON.stringify(st)).not.toContain("kms:");
    });
  });
});

describe("BucketShare metadata-only grant on an SSE-S3 bucket", () => {
  it("refuses: without a key s3:GetObject reads bodies too, naming the call and the fix", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", encryption: "s3" }).metadataGrant();
        }),
      "BucketShare(share).metadataGrant",
      's3Grant("read", prefix)',
    );
  });
});

describe("BucketShare bad input", () => {
  it.each([
    [{ bucketName: "Bad_Bucket" }, "BucketShare(share).bucketName", "lowercase"],
    [{ bucketName: "ab" }, "BucketShare(share).bucketName", "3-63"],
    [{ bucketName: "192.168.1.1" }, "BucketShare(share).bucketName", "IP address"],
    [{ accountId: "12345" }, "BucketShare(share).accountId", "12-digit"],
    [{ grants: [{ principal: READER, level: "admin" }] }, "BucketShare(share).grants[0].level", '"read", "write", "readwrite"'],
    [{ grants: [{ principal: READER, level: "read", prefix: "/abs" }] }, "BucketShare(share).grants[0].prefix", 'must not start with "/"'],
    [{ grants: [{ principal: READER, level: "read", prefix: "a/../b" }] }, "BucketShare(share).grants[0].prefix", '".."'],
    [{ grants: [{ principal: "arn:aws:iam::1:role/x", level: "read" }] }, "BucketShare(share).grants[0].principal", "12-digit account"],
    [{ grants: [{ level: "read" }] }, "BucketShare(share).grants[0]", "exactly one"],
    [{ objectOwnership: "Nobody" as never }, "BucketShare(share).objectOwnership", "BucketOwnerEnforced"],
  ])("%j fails naming %s", (props, field, hint) => {
    expectConfigError(() => share(props as Partial<BucketShareProps>), field, hint);
  });
});
