import { AwsProvider } from "../../lib/framework/aws";
import { checkModel } from "../../lib/checks/policy-checks";
import { statementsOf } from "../../lib/model/stack-model";
import { Construct, Testing } from "../../lib/framework";
import { accessPointName, DELEGATION_SID, S3Grant } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, expectConfigError, only, parsePolicy, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { ConsumerAccess } from "../consumer-access";
import { LambdaWriter } from "../lambda-writer";
import { BucketShare, BucketShareProps } from ".";

const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
const WRITER = `arn:aws:iam::${ACCOUNT_C}:role/writer`;
const ORG = "o-abcdefghij";
const AP_ARN = (name: string): string => `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${name}`;
const NAME_RULES = /^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$/;

const share = (props: Partial<BucketShareProps> = {}) =>
  synthModule((scope, p) => {
    new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true, ...props });
  });

describe("BucketShare accessPoints: true", () => {
  const { tf, model } = share({
    grants: [
      { principal: READER, level: "read", prefix: "data/" },
      { principal: WRITER, level: "write", prefix: "incoming/" },
      { organizationId: ORG, level: "read" },
      { principal: READER, level: "read", prefix: "data/" }, // the same grant twice: one access point
      { principal: `arn:aws:iam::${ACCOUNT_B}:role/own`, level: "read" }, // owning account: no access point
    ],
  });
  const aps = Object.values(resourcesOf(tf, "aws_s3_access_point"));

  it("creates one access point per distinct grant, in the owning account, on the bucket, with Block Public Access", () => {
    expect(aps).toHaveLength(3);
    for (const ap of aps) {
      expect(ap.name).toMatch(NAME_RULES);
      expect(ap.provider).toBe("aws.account_b");
      // The literal name, created after the bucket and its Block Public Access.
      expect(ap.bucket).toBe("shared-data-b");
      expect(ap.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket\.[\w-]+$/), expect.stringMatching(/^aws_s3_bucket_public_access_block\.[\w-]+$/)]);
      expect(ap.public_access_block_configuration).toEqual({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
    expect(resourcesOf(tf, "aws_s3control_access_point_policy")).toEqual({});
  });

  it("gives each access point a policy holding exactly its grant", () => {
    const name = accessPointName("shared-data-b", READER, "read", "data/");
    const reader = aps.find((a) => a.name === name);
    expect(statementsOf(parsePolicy(reader?.policy))).toEqual([
      {
        Sid: "ListThroughAccessPoint",
        Effect: "Allow",
        Principal: { AWS: READER },
        Action: "s3:ListBucket",
        Resource: AP_ARN(name),
        Condition: { StringLike: { "s3:prefix": "data/*" } },
      },
      {
        Sid: "ObjectsThroughAccessPoint",
        Effect: "Allow",
        Principal: { AWS: READER },
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `${AP_ARN(name)}/object/data/*`,
      },
    ]);
    const org = aps.find((a) => a.name === accessPointName("shared-data-b", ORG, "read", ""));
    expect(JSON.stringify(parsePolicy(org?.policy))).toContain('"aws:PrincipalOrgID":"o-abcdefghij"');
  });

  it("has a bucket policy naming no consumer: TLS-only and the delegation to the owner's access points", () => {
    const s = statementsOf(parsePolicy(only(tf, "aws_s3_bucket_policy").policy));
    // TLS-only and the uploads pinned to the bucket's key stay on the bucket, whatever the access point.
    expect(s.map((x) => x.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyPutWithOtherEncryption",
      "DenyPutWithOtherKmsKey",
      "DenyPutWithAwsManagedKey",
      "DenyPutWithSseC",
      DELEGATION_SID,
    ]);
    // ... to this share's access points only (s3:DataAccessPointArn, #17 item 7): one per distinct grant.
    const arns = aps.map((ap) => `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${String(ap.name)}`).sort();
    expect(s[s.length - 1].Condition).toEqual({ StringEquals: { "s3:DataAccessPointAccount": ACCOUNT_B, "s3:DataAccessPointArn": arns } });
    expect(JSON.stringify(s)).not.toContain(READER);
  });

  it("still grants the key to the consumers (per principal while it fits)", () => {
    const key = JSON.stringify(parsePolicy(only(tf, "aws_kms_key").policy));
    expect(key).toContain(READER);
    expect(key).toContain(WRITER);
  });

  it("is read back by the model, and the checks find nothing to fix", () => {
    expect(model.accessPoints.map((a) => a.arn).sort()).toEqual(aps.map((a) => AP_ARN(String(a.name))).sort());
    expect(model.policies.filter((p) => p.kind === "access-point")).toHaveLength(3);
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
    expect(checkModel(model).filter((f) => f.check === "wildcard-principal")).toEqual([]);
  });
});

/** A writer Lambda in account A writing under `in/` of the given target (bucket-policy pattern). */
const writerTo = (scope: Construct, p: Providers, bucketName: string, grant: S3Grant): LambdaWriter =>
  new LambdaWriter(scope, "writer", {
    provider: p.a,
    archiveProvider: p.archive,
    accountId: ACCOUNT_A,
    functionName: "xacct-writer",
    handler: "writer",
    target: { bucketName, prefix: "in/" },
    grants: [grant],
  });

describe("access-point mode, consumer side", () => {
  const { tf, model } = synthModule((scope, p) => {
    const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
    const task = new ConsumerAccess(scope, "task", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER });
    task.useBucket(s, "read", "data/");
    const writer = writerTo(
      scope,
      p,
      AP_ARN(accessPointName("shared-data-b", `arn:aws:iam::${ACCOUNT_A}:role/xacct-writer-exec`, "write", "in/")),
      s.s3Grant("write", "in/"),
    );
    s.addGrant({ principal: writer, level: "write", prefix: "in/" });
  });
  const policies = Object.values(resourcesOf(tf, "aws_iam_role_policy")).map((x) => JSON.stringify(parsePolicy(x.policy)));

  it("ConsumerAccess names its access point (ARN and /object/<prefix>*), not the bucket", () => {
    const name = accessPointName("shared-data-b", READER, "read", "data/");
    const task = policies.find((x) => x.includes(name));
    expect(task).toContain(`"Resource":"${AP_ARN(name)}/object/data/*"`);
    // The bucket ARN appears only as the KMS encryption context (S3 passes the bucket ARN there, access point or not).
    const s3Only = (JSON.parse(task ?? "{}") as { Statement: { Action: string | string[] }[] }).Statement.filter(
      (st) => ![st.Action].flat().some((a) => a.startsWith("kms:")),
    );
    expect(JSON.stringify(s3Only)).not.toContain("arn:aws:s3:::shared-data-b");
  });

  it("LambdaWriter writes through the access point of its own grant (target ARN checked against the grant)", () => {
    const name = accessPointName("shared-data-b", `arn:aws:iam::${ACCOUNT_A}:role/xacct-writer-exec`, "write", "in/");
    const fn = only(tf, "aws_lambda_function") as { environment: { variables: Record<string, string> } };
    expect(Object.values(fn.environment.variables)).toContain(AP_ARN(name));
    expect(policies.some((x) => x.includes(`${AP_ARN(name)}/object/in/*`))).toBe(true);
    expect(model.accessPoints.map((a) => a.name)).toContain(name);
  });

  it("the access point policy of a same-stack role carries the role's unique_id (a replaced role re-applies it); an external role's does not", () => {
    const aps = Object.values(resourcesOf(tf, "aws_s3_access_point")) as { name: string; policy: string }[];
    const writerAp = aps.find((a) => a.name === accessPointName("shared-data-b", `arn:aws:iam::${ACCOUNT_A}:role/xacct-writer-exec`, "write", "in/"));
    expect(writerAp?.policy).toMatch(/"Id":"principals-\$\{aws_iam_role\.[^}]+\.unique_id\}"/);
    const taskAp = aps.find((a) => a.name === accessPointName("shared-data-b", READER, "read", "data/"));
    expect(taskAp?.policy).toBeDefined();
    expect(taskAp?.policy).not.toContain('"Id"');
  });

  it("LambdaWriter refuses an access point ARN that is not its grant's", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
          writerTo(scope, p, AP_ARN("someone-else-w-0123456789"), s.s3Grant("write", "in/"));
        }),
      "LambdaWriter(writer).grants",
      "no write grant covers",
    );
  });
});

describe("LambdaWriter targets in access-point mode", () => {
  const withTarget = (bucketName: string, accessPoints = true) =>
    synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints });
      writerTo(scope, p, bucketName, s.s3Grant("write", "in/"));
    });

  it("accepts the access point's alias when the grant is in access-point mode", () => {
    const { tf } = withTarget("xacct-writer-exec-w-abcdefghij-s3alias");
    const fn = only(tf, "aws_lambda_function") as { environment: { variables: Record<string, string> } };
    expect(Object.values(fn.environment.variables)).toContain("xacct-writer-exec-w-abcdefghij-s3alias");
  });

  it("refuses an alias when no grant is in access-point mode, and a malformed access point ARN", () => {
    expectConfigError(() => withTarget("xacct-writer-exec-w-abcdefghij-s3alias", false), "LambdaWriter(writer).grants", "no write grant covers");
    expectConfigError(
      () => withTarget(`arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/Bad_Name`),
      "LambdaWriter(writer).target.bucketName",
      "is not a valid access point ARN",
    );
  });
});

describe("access-point mode settings", () => {
  it("needs a region (access point ARNs and kms:ViaService name it)", () => {
    expectConfigError(
      () =>
        Testing.synthScope((scope) => {
          const provider = new AwsProvider(scope, "b", { alias: "b" });
          new BucketShare(scope, "share", { provider, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
        }),
      "BucketShare(share).region",
      "is required when the provider sets no region",
    );
  });

  it("takes the region prop over the provider's", () => {
    const { model } = share({ region: "eu-west-1", grants: [{ principal: READER, level: "read" }] });
    expect(model.accessPoints[0].policy?.json).toContain(":s3:eu-west-1:");
  });

  it("refuses a non-boolean accessPoints", () => {
    expectConfigError(() => share({ accessPoints: "true" as unknown as boolean }), "BucketShare(share).accessPoints", "must be true or false");
  });
});

describe("scale: plain mode vs access-point mode with 400 prefixed consumers", () => {
  const grants = Array.from({ length: 400 }, (_, i) => ({
    principal: `arn:aws:iam::${String(100000000000 + i)}:role/consumer-${i}`,
    level: "read" as const,
    prefix: "data/",
  }));

  it("plain mode: the bucket policy is over 20 KB and the error names access-point mode as the remedy", () => {
    const { model } = share({ accessPoints: false, grants });
    const size = checkModel(model).find((f) => f.check === "policy-size");
    expect(size?.message).toContain("access-point mode (BucketShare accessPoints: true");
  });

  it("access-point mode: 400 access points, every policy under its limit", () => {
    const { model } = share({ grants });
    expect(model.accessPoints).toHaveLength(400);
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
  });
});

describe("BucketShare.fromExistingBucket with accessPoints", () => {
  const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const { tf, model } = synthModule((scope, p) => {
    BucketShare.fromExistingBucket(scope, "theirs", {
      provider: p.b,
      accountId: ACCOUNT_B,
      bucketName: "their-data",
      policy: "merge",
      existingPolicy: [],
      kmsKeyArn: KEY,
      accessPoints: true,
      grants: [{ principal: READER, level: "read", prefix: "r/" }],
    });
  });

  it("creates the access point on the existing bucket and merges only the delegation (plus denies) into its policy", () => {
    expect(only(tf, "aws_s3_access_point")).toMatchObject({ bucket: "their-data", name: accessPointName("their-data", READER, "read", "r/") });
    const s = statementsOf(parsePolicy(only(tf, "aws_s3_bucket_policy").policy));
    expect(s.map((x) => x.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyPutWithOtherEncryption",
      "DenyPutWithOtherKmsKey",
      "DenyPutWithAwsManagedKey",
      "DenyPutWithSseC",
      DELEGATION_SID,
    ]);
    expect(only(tf, "aws_kms_grant")).toMatchObject({ grantee_principal: READER });
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
  });
});
