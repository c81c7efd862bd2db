import {
  ACCESS_POINT_NAME_MAX,
  accessPointBucketPolicy,
  accessPointName,
  accessPointPolicy,
  DELEGATION_SID,
  identityStatements,
  KEY_POLICY_LIMIT,
  keyPolicy,
  renderPolicy,
  scalableKeyPolicy,
} from ".";

const AP = "arn:aws:s3:us-east-1:222222222222:accesspoint/reader-r-0123456789";
const NAME_RULES = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

describe("accessPointName", () => {
  it("is valid for any principal, deterministic, and distinct per principal, level and prefix", () => {
    const principals = [
      "arn:aws:iam::111111111111:role/Reader",
      "arn:aws:iam::111111111111:role/path/to/Some_Very.Long+Role=Name,With@Odd-Chars-And-More-Than-Fifty-Characters-Total",
      "arn:aws:iam::111111111111:role/---",
      "arn:aws:iam::111111111111:role/xn--abc",
      "o-abcdefghij",
    ];
    const names = new Set<string>();
    for (const p of principals) {
      for (const level of ["read", "write", "readwrite"] as const) {
        for (const prefix of ["", "incoming/", "incoming/2024/"]) {
          const n = accessPointName("shared-data-b", p, level, prefix);
          expect(n).toMatch(NAME_RULES);
          expect(n.length).toBeGreaterThanOrEqual(3);
          expect(n.length).toBeLessThanOrEqual(ACCESS_POINT_NAME_MAX);
          expect(n.startsWith("xn--")).toBe(false);
          expect(n).toBe(accessPointName("shared-data-b", p, level, prefix));
          names.add(n);
        }
      }
    }
    expect(names.size).toBe(principals.length * 9);
    expect(accessPointName("shared-data-b", principals[0], "read", "")).toMatch(/^reader-r-[0-9a-f]{10}$/);
    // Another bucket of the same account: another name (names are unique per account and region).
    expect(accessPointName("other-bucket", principals[0], "read", "")).not.toBe(accessPointName("shared-data-b", principals[0], "read", ""));
  });
});

describe("accessPointPolicy", () => {
  it("holds exactly one prefixed grant: ListBucket on the access point with s3:prefix, objects under /object/<prefix>*", () => {
    const doc = accessPointPolicy({ accessPointArn: AP, principal: "arn:aws:iam::111111111111:role/reader", level: "read", prefix: "data/" });
    expect(doc.Statement).toEqual([
      {
        Sid: "ListThroughAccessPoint",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111111111111:role/reader" },
        Action: "s3:ListBucket",
        Resource: AP,
        Condition: { StringLike: { "s3:prefix": "data/*" } },
      },
      {
        Sid: "ObjectsThroughAccessPoint",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111111111111:role/reader" },
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `${AP}/object/data/*`,
      },
    ]);
  });

  it("grants an Organization with aws:PrincipalOrgID on every statement; write has no ListBucket", () => {
    const doc = accessPointPolicy({ accessPointArn: AP, organizationId: "o-abcdefghij", level: "write", prefix: "" });
    expect(doc.Statement).toEqual([
      {
        Sid: "ObjectsThroughAccessPoint",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: `${AP}/object/*`,
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij" } },
      },
    ]);
  });
});

describe("accessPointBucketPolicy", () => {
  it("keeps the plain builder's denies, names no consumer, and delegates to the owner's access points", () => {
    const doc = accessPointBucketPolicy({ bucketArn: "arn:aws:s3:::b", ownerAccountId: "222222222222" });
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", DELEGATION_SID]);
    expect(doc.Statement[1]).toEqual({
      Sid: DELEGATION_SID,
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject"],
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { StringEquals: { "s3:DataAccessPointAccount": "222222222222" } },
    });
  });

  it("with ObjectWriter ownership keeps the bucket-owner-full-control deny and delegates PutObjectAcl", () => {
    const doc = accessPointBucketPolicy({ bucketArn: "arn:aws:s3:::b", ownerAccountId: "222222222222", requireBucketOwnerFullControl: true });
    expect(doc.Statement.map((s) => s.Sid)).toContain("RequireBucketOwnerFullControl");
    expect(doc.Statement.find((s) => s.Sid === DELEGATION_SID)?.Action).toContain("s3:PutObjectAcl");
  });
});

describe("identityStatements in access-point mode", () => {
  const loc = { partition: "aws", region: "us-east-1", accountId: "222222222222", bucketName: "b" };
  const grant = {
    bucketArn: "arn:aws:s3:::b",
    prefix: "in/",
    level: "readwrite" as const,
    kmsKeyArn: "arn:aws:kms:us-east-1:222222222222:key/k",
    accessPoint: loc,
  };

  it("names the principal's access point (ARN and /object/<prefix>*), never the bucket", () => {
    const principal = "arn:aws:iam::111111111111:role/app";
    const ap = `arn:aws:s3:us-east-1:222222222222:accesspoint/${accessPointName("b", principal, "readwrite", "in/")}`;
    const s = identityStatements(grant, "G1", principal);
    expect(s).toEqual([
      { Sid: "G1ListAccessPoint", Effect: "Allow", Action: ["s3:ListBucket"], Resource: ap, Condition: { StringLike: { "s3:prefix": "in/*" } } },
      {
        Sid: "G1AccessPointObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: `${ap}/object/in/*`,
      },
      // The key only as S3 uses it (kms:ViaService), as in plain mode.
      {
        Sid: "G1KmsKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: grant.kmsKeyArn,
        Condition: {
          StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] },
        },
      },
    ]);
    // The bucket ARN only as the KMS encryption context (S3 passes it there, access point or not).
    expect(JSON.stringify(s.filter((x) => x.Sid !== "G1KmsKey"))).not.toContain("arn:aws:s3:::b");
  });

  it("keeps the bucket ARN for a principal of the owning account (no access point) and without a principal", () => {
    expect(identityStatements(grant, "", "arn:aws:iam::222222222222:role/own")[0].Resource).toBe("arn:aws:s3:::b");
    expect(identityStatements(grant, "")[0].Resource).toBe("arn:aws:s3:::b");
  });

  it("uses the exact access point ARN a grant carries", () => {
    expect(identityStatements({ ...grant, accessPointArn: AP }, "")[0].Resource).toBe(AP);
  });
});

describe("scalableKeyPolicy", () => {
  const base = { partition: "aws", ownerAccountId: "222222222222", region: "us-east-1" };
  const roles = (n: number, accounts: number) =>
    Array.from({ length: n }, (_, i) => `arn:aws:iam::${String(100000000000 + (i % accounts))}:role/consumer-${i}`);

  it("is the per-principal policy while it fits", () => {
    const input = { ...base, grants: [{ principals: roles(10, 10), level: "read" as const }] };
    const r = scalableKeyPolicy(input);
    expect(r.form).toBe("per-principal");
    expect(r.document).toEqual(keyPolicy(input));
  });

  it("past 32 KB names consumer accounts via S3 (kms:CallerAccount + kms:ViaService) and stays under the limit", () => {
    const input = {
      ...base,
      grants: [
        { principals: roles(10000, 1000), level: "read" as const },
        { principals: ["arn:aws:iam::999999999999:role/w"], level: "write" as const },
      ],
      organizationGrants: [{ organizationId: "o-abcdefghij", level: "read" as const }],
    };
    expect(renderPolicy(keyPolicy(input)).length).toBeGreaterThan(KEY_POLICY_LIMIT);
    const r = scalableKeyPolicy(input);
    expect(r.form).toBe("per-account");
    expect(renderPolicy(r.document).length).toBeLessThanOrEqual(KEY_POLICY_LIMIT);
    const consumers = r.document.Statement.filter((s) => s.Sid?.startsWith("ConsumerAccountsViaS3"));
    expect(consumers).toHaveLength(2);
    const read = consumers.find((s) => JSON.stringify(s.Action) === JSON.stringify(["kms:Decrypt"]));
    expect(read?.Principal).toBe("*");
    expect(read?.Condition?.StringEquals["kms:ViaService"]).toBe("s3.us-east-1.amazonaws.com");
    expect(read?.Condition?.StringEquals["kms:CallerAccount"]).toHaveLength(1000);
    expect(r.document.Statement.map((s) => s.Sid)).toContain("OrgUse1");
    expect(r.document.Statement[0].Sid).toBe("KeyAdministrationByOwningAccount");
  });
});

describe("delegation narrowed to the share's access points (s3:DataAccessPointArn, #17 item 7)", () => {
  const loc = { partition: "aws", region: "us-east-1", accountId: "222222222222", bucketName: "b" };
  const arns = (n: number): string[] =>
    Array.from(
      { length: n },
      (_, i) => `arn:aws:s3:us-east-1:222222222222:accesspoint/${accessPointName("b", `arn:aws:iam::111111111111:role/consumer-${i}`, "read", `d/${i}/`)}`,
    );
  const PATTERN = { StringLike: { "s3:DataAccessPointArn": "arn:aws:s3:us-east-1:222222222222:accesspoint/*" } };
  it.each([
    { n: 1, expected: { StringEquals: { "s3:DataAccessPointAccount": "222222222222", "s3:DataAccessPointArn": arns(1)[0] } } },
    { n: 3, expected: { StringEquals: { "s3:DataAccessPointAccount": "222222222222", "s3:DataAccessPointArn": arns(3).sort() } } },
    // Past the 20 KB bucket policy: the region/account pattern (the names share no prefix).
    { n: 1000, expected: { StringEquals: { "s3:DataAccessPointAccount": "222222222222" }, ...PATTERN } },
    { n: 0, expected: { StringEquals: { "s3:DataAccessPointAccount": "222222222222" }, ...PATTERN } },
  ])("$n access points", ({ n, expected }) => {
    const doc = accessPointBucketPolicy({ bucketArn: "arn:aws:s3:::b", ownerAccountId: "222222222222", accessPointArns: arns(n), location: loc });
    expect(doc.Statement.find((s) => s.Sid === DELEGATION_SID)?.Condition).toEqual(expected);
    expect(renderPolicy(doc).length).toBeLessThanOrEqual(20 * 1024);
  });
});
