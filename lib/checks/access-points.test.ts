import { buildStackModel, TfJson } from "../model/stack-model";
import { accessPointBucketPolicy, scalableKeyPolicy } from "../policy";
import { checkModel } from "./policy-checks";

/** The checks on access points, from hand-written Terraform JSON (so a broken policy can be fed in). */
const AP_ARN = "arn:aws:s3:us-east-1:222222222222:accesspoint/reader-r-0123456789";
const READER = "arn:aws:iam::111111111111:role/reader";

function stack(apPolicy: unknown, keyPrincipals: string[]): TfJson {
  return {
    provider: { aws: [{ alias: "account_b", region: "us-east-1", allowed_account_ids: ["222222222222"] }] },
    resource: {
      aws_s3_bucket: { b: { provider: "aws.account_b", bucket: "shared-data-b" } },
      aws_s3_bucket_server_side_encryption_configuration: {
        e: {
          provider: "aws.account_b",
          bucket: "${aws_s3_bucket.b.id}",
          rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.k.arn}" } }],
        },
      },
      aws_kms_key: {
        k: {
          provider: "aws.account_b",
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Sid: "Use", Effect: "Allow", Principal: { AWS: keyPrincipals }, Action: ["kms:Decrypt"], Resource: "*" }],
          }),
        },
      },
      aws_s3_access_point: {
        ap: { provider: "aws.account_b", bucket: "${aws_s3_bucket.b.bucket}", name: "reader-r-0123456789", policy: JSON.stringify(apPolicy) },
      },
    },
  };
}

const grant = (principals: string[]) => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "ObjectsThroughAccessPoint", Effect: "Allow", Principal: { AWS: principals }, Action: "s3:GetObject", Resource: `${AP_ARN}/object/data/*` },
  ],
});

describe("policy checks on access points", () => {
  it("reads the access point, its ARN and bucket into the model", () => {
    const model = buildStackModel(stack(grant([READER]), [READER]));
    expect(model.accessPoints).toEqual([
      expect.objectContaining({ arn: AP_ARN, bucket: "shared-data-b", account: "222222222222", address: "aws_s3_access_point.ap" }),
    ]);
  });

  it("fails an access point policy over 20 KB, naming it", () => {
    const many = Array.from({ length: 500 }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:role/consumer-${i}`);
    const size = checkModel(buildStackModel(stack(grant(many), many))).find((f) => f.check === "policy-size");
    expect(size).toMatchObject({ level: "error", address: "aws_s3_access_point.ap" });
    expect(size?.message).toContain("S3 access point policy (20 KB)");
  });

  it("fails when an access point lets a principal read an SSE-KMS bucket whose key policy does not allow it", () => {
    const findings = checkModel(buildStackModel(stack(grant([READER]), ["arn:aws:iam::111111111111:role/other"])));
    expect(findings.find((f) => f.check === "kms-key-policy-grant")?.message).toContain(`access point policy of ${AP_ARN} lets ${READER} use objects`);
    expect(checkModel(buildStackModel(stack(grant([READER]), [READER]))).filter((f) => f.check === "kms-key-policy-grant")).toEqual([]);
  });

  it('does not flag the per-account key statement (kms:CallerAccount) or the delegation (s3:DataAccessPointAccount) as an open Principal "*"', () => {
    const tf = stack(grant([READER]), [READER]);
    const res = tf.resource as Record<string, Record<string, Record<string, unknown>>>;
    const many = Array.from({ length: 3000 }, (_, i) => `arn:aws:iam::${String(100000000000 + (i % 1000))}:role/consumer-${i}`);
    res.aws_kms_key.k.policy = JSON.stringify(
      scalableKeyPolicy({ partition: "aws", ownerAccountId: "222222222222", region: "us-east-1", grants: [{ principals: many, level: "read" }] }).document,
    );
    res.aws_s3_bucket_policy = {
      p: {
        provider: "aws.account_b",
        bucket: "${aws_s3_bucket.b.id}",
        policy: JSON.stringify(
          accessPointBucketPolicy({
            bucketArn: "arn:aws:s3:::shared-data-b",
            ownerAccountId: "222222222222",
            kmsKeyArn: "arn:aws:kms:us-east-1:222222222222:key/k",
          }),
        ),
      },
    };
    const findings = checkModel(buildStackModel(tf));
    expect(findings.filter((f) => f.check === "wildcard-principal")).toEqual([]);
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
    // Without the restricting keys the same statements are flagged (the check still works).
    res.aws_s3_bucket_policy.p.policy = String(res.aws_s3_bucket_policy.p.policy).replace("s3:DataAccessPointAccount", "s3:ExistingObjectTag/x");
    expect(checkModel(buildStackModel(tf)).filter((f) => f.check === "wildcard-principal")).toHaveLength(1);
  });

  it("fails a consumer role that uses objects through an access point without the bucket's key in its identity policy", () => {
    const tf = stack(grant([READER]), [READER]);
    (tf.provider as { aws: unknown[] }).aws.push({ alias: "account_a", region: "us-east-1", allowed_account_ids: ["111111111111"] });
    const res = tf.resource as Record<string, Record<string, Record<string, unknown>>>;
    res.aws_iam_role = { r: { provider: "aws.account_a", name: "reader", assume_role_policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) } };
    const identity = (withKey: boolean) => ({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: `${AP_ARN}/object/data/*` },
        ...(withKey ? [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "${aws_kms_key.k.arn}" }] : []),
      ],
    });
    res.aws_iam_role_policy = { p: { provider: "aws.account_a", role: "${aws_iam_role.r.name}", policy: JSON.stringify(identity(false)) } };
    expect(checkModel(buildStackModel(tf)).find((f) => f.check === "kms-identity-grant")?.message).toContain("lacks kms:Decrypt");
    res.aws_iam_role_policy.p.policy = JSON.stringify(identity(true));
    expect(checkModel(buildStackModel(tf)).filter((f) => f.check === "kms-identity-grant")).toEqual([]);
  });
});
