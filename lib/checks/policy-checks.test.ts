import { IamRole, IamRolePolicy, KmsKey, LambdaFunction, S3Bucket, S3BucketPolicy, S3BucketServerSideEncryptionConfigurationA } from "../framework/aws";
import { AssumableRole } from "../../modules/assumable-role";
import { BucketShare } from "../../modules/bucket-share";
import { Construct, TerraformStack, Testing } from "../framework";
import { identityPolicy, renderPolicy, Statement } from "../policy";
import { ACCOUNT_A, ACCOUNT_B, Providers, providers, synthModule } from "../testing";
import { registerPolicyChecks } from ".";
import { checkModel, Finding } from "./policy-checks";

const checksOf = (build: (scope: Construct, p: Providers) => void): Finding[] => checkModel(synthModule(build).model);
const byCheck = (fs: Finding[], check: string): Finding[] => fs.filter((f) => f.check === check);

const ROLE_A = `arn:aws:iam::${ACCOUNT_A}:role/consumer`;

/** A role of account B with a hand-written inline policy (what people copy from blog posts). */
function handWrittenRole(scope: Construct, p: Providers, statements: Statement[]): void {
  const role = new IamRole(scope, "hand", {
    provider: p.b,
    name: "hand-written",
    assumeRolePolicy: renderPolicy(identityPolicy([{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "sts:AssumeRole" }])),
  });
  new IamRolePolicy(scope, "hand-policy", { provider: p.b, role: role.name, policy: renderPolicy(identityPolicy(statements)) });
}

/** A hand-written SSE-KMS bucket `data-b` of account B (AWS default key policy) with this bucket policy. */
function handWrittenKmsBucket(scope: Construct, p: Providers, statements: Statement[]): void {
  const key = new KmsKey(scope, "key", { provider: p.b });
  const bucket = new S3Bucket(scope, "bucket", { provider: p.b, bucket: "data-b" });
  new S3BucketServerSideEncryptionConfigurationA(scope, "sse", {
    provider: p.b,
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn } }],
  });
  new S3BucketPolicy(scope, "policy", { provider: p.b, bucket: bucket.id, policy: renderPolicy(identityPolicy(statements)) });
}

const share = (scope: Construct, p: Providers, extra: Partial<ConstructorParameters<typeof BucketShare>[2]> = {}): BucketShare =>
  new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "data-b", ...extra });

describe("what the modules build passes every check", () => {
  it("bucket-share + assumable-role, cross-account grants with KMS", () => {
    const findings = checksOf((scope, p) => {
      const b = share(scope, p, { grants: [{ principal: ROLE_A, level: "readwrite", prefix: "in/" }] });
      new AssumableRole(scope, "role", { provider: p.b, accountId: ACCOUNT_B, roleName: "r", trustedPrincipals: [ROLE_A], access: b.s3Grant("read") });
    });
    expect(findings).toEqual([]);
  });
});

describe("ListBucket / object ARN shape", () => {
  it("trips on ListBucket granted only on object ARNs", () => {
    const f = checksOf((scope, p) => handWrittenRole(scope, p, [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data-b/*" }]));
    expect(byCheck(f, "list-bucket-on-object-arn")).toHaveLength(1);
    expect(byCheck(f, "list-bucket-on-object-arn")[0]).toMatchObject({ level: "error" });
  });

  it("trips on object actions granted only on the bucket ARN", () => {
    const f = checksOf((scope, p) => handWrittenRole(scope, p, [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::data-b" }]));
    expect(byCheck(f, "object-action-on-bucket-arn")).toHaveLength(1);
  });

  it("passes each action on its own ARN", () => {
    const f = checksOf((scope, p) =>
      handWrittenRole(scope, p, [
        { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data-b" },
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" },
      ]),
    );
    expect(f).toEqual([]);
  });
});

describe("KMS grants on both sides", () => {
  it("trips when a role may use objects of an SSE-KMS bucket but not its key", () => {
    const f = checksOf((scope, p) => {
      share(scope, p);
      handWrittenRole(scope, p, [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }]);
    });
    expect(byCheck(f, "kms-identity-grant")).toHaveLength(1);
    expect(byCheck(f, "kms-identity-grant")[0].message).toContain("kms:Decrypt");
  });

  it("trips when the bucket policy grants another account but the key policy does not", () => {
    // Hand-written: an SSE-KMS bucket whose policy grants account A, with the AWS default key policy.
    const f = checksOf((scope, p) =>
      handWrittenKmsBucket(scope, p, [{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "s3:PutObject", Resource: "arn:aws:s3:::data-b/*" }]),
    );
    const hits = byCheck(f, "kms-key-policy-grant");
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0].message).toContain("kms:GenerateDataKey");
  });

  it("a writer needs kms:Decrypt as well as GenerateDataKey (multipart uploads), on both sides", () => {
    const f = checksOf((scope, p) => {
      const b = share(scope, p, { grants: [{ principal: ROLE_A, level: "write", prefix: "in/" }] });
      handWrittenRole(scope, p, [
        { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::data-b/*" },
        {
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:GenerateDataKey"],
          Resource: b.kmsKeyArn,
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
      ]);
    });
    const hits = byCheck(f, "kms-identity-grant");
    expect(hits).toHaveLength(1);
    expect(hits[0].message).toContain("lacks kms:Decrypt on the bucket's key");
  });

  it("a HeadObject-only grant (metadataGrant) needs no KMS action", () => {
    const f = checksOf((scope, p) => {
      const b = share(scope, p);
      new AssumableRole(scope, "role", { provider: p.b, accountId: ACCOUNT_B, roleName: "r", trustedPrincipals: [ROLE_A], access: b.metadataGrant() });
    });
    expect(f).toEqual([]);
  });

  it("warns when a KMS grant on a bucket key is usable outside S3 (no kms:ViaService)", () => {
    const f = checksOf((scope, p) => {
      const b = share(scope, p);
      handWrittenRole(scope, p, [
        { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" },
        { Effect: "Allow", Action: "kms:Decrypt", Resource: b.kmsKeyArn },
      ]);
    });
    const hits = byCheck(f, "kms-without-via-service");
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ level: "warning", address: expect.stringMatching(/^aws_iam_role_policy\.hand-policy/) });
  });

  it("trips when an SSE-KMS bucket lets writers pick another encryption", () => {
    const f = checksOf((scope, p) =>
      handWrittenKmsBucket(scope, p, [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::data-b/*",
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
      ]),
    );
    const [hit, ...more] = byCheck(f, "sse-kms-not-pinned");
    expect(more).toEqual([]);
    expect(hit.level).toBe("error");
    expect(hit.message).toContain("another KMS key, SSE-C");
    expect(hit.message).not.toContain("SSE-S3");
  });

  it("passes an SSE-S3 bucket with no key grants", () => {
    const f = checksOf((scope, p) => {
      share(scope, p, { encryption: "s3" });
      handWrittenRole(scope, p, [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }]);
    });
    expect(f).toEqual([]);
  });
});

describe("object ownership", () => {
  it("trips on ObjectWriter without a bucket-owner-full-control requirement", () => {
    const f = checksOf((scope, p) => share(scope, p, { objectOwnership: "ObjectWriter", requireBucketOwnerFullControl: false }));
    expect(byCheck(f, "object-writer-without-bofc")).toHaveLength(1);
  });

  it("passes ObjectWriter with the requirement (the default)", () => {
    expect(checksOf((scope, p) => share(scope, p, { objectOwnership: "ObjectWriter" }))).toEqual([]);
  });
});

describe("wildcards and account roots (warnings)", () => {
  it("warns on s3:* and on a :root principal", () => {
    const f = checksOf((scope, p) => {
      handWrittenRole(scope, p, [{ Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::x", "arn:aws:s3:::x/*"] }]);
      share(scope, p, { grants: [{ principal: `arn:aws:iam::${ACCOUNT_A}:root`, level: "read" }] });
    });
    expect(byCheck(f, "wildcard-action")).toEqual([expect.objectContaining({ level: "warning", acknowledgement: "wildcard-action" })]);
    expect(byCheck(f, "account-root-principal").length).toBeGreaterThan(0);
  });

  it("warns on Principal * without a condition, not with aws:PrincipalOrgID", () => {
    /** Checks of a stack whose SSE-S3 bucket has a hand-written policy with this one statement. */
    const withBucketStatement = (statement: Statement) =>
      checksOf((scope, p) => {
        const b = share(scope, p, { encryption: "s3" });
        new S3BucketPolicy(scope, "open", { provider: p.b, bucket: b.bucket.id, policy: renderPolicy(identityPolicy([statement])) });
      });
    const read: Statement = { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" };
    const open = withBucketStatement({ ...read, Principal: "*" });
    expect(byCheck(open, "wildcard-principal")).toHaveLength(1);
    // A condition that does not narrow the caller (TLS only) leaves the statement open to everyone.
    const tlsOnly = withBucketStatement({ ...read, Principal: { AWS: "*" }, Condition: { Bool: { "aws:SecureTransport": "true" } } });
    expect(byCheck(tlsOnly, "wildcard-principal")).toEqual([expect.objectContaining({ level: "warning", acknowledgement: "wildcard-principal" })]);
    const account = withBucketStatement({ ...read, Principal: "*", Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT_A } } });
    expect(byCheck(account, "wildcard-principal")).toEqual([]);
    const org = checksOf((scope, p) => share(scope, p, { encryption: "s3", grants: [{ organizationId: "o-abcdefghij", level: "read" }] }));
    expect(byCheck(org, "wildcard-principal")).toEqual([]);
  });
});

describe("policy size limits", () => {
  const consumers = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ principal: `arn:aws:iam::${String(100000000000 + i)}:role/consumer-${i}`, level: "read" as const }));

  it("fits 300 consumer roles under the 20 KB bucket-policy limit by grouping", () => {
    const f = checksOf((scope, p) => share(scope, p, { encryption: "s3", grants: consumers(300) }));
    expect(byCheck(f, "policy-size")).toEqual([]);
  });

  it("fails past the limit, naming the policy, its size and the remedy", () => {
    const f = checksOf((scope, p) => share(scope, p, { encryption: "s3", grants: consumers(500) }));
    const [hit] = byCheck(f, "policy-size");
    expect(hit.level).toBe("error");
    expect(hit.message).toMatch(/S3 bucket policy \(20 KB\) of arn:aws:s3:::data-b is \d+ characters, over the limit of 20480/);
    expect(hit.message).toContain("aws:PrincipalOrgID");
  });

  it("fails a trust policy over 2,048 characters", () => {
    const f = checksOf(
      (scope, p) =>
        new AssumableRole(scope, "role", {
          provider: p.b,
          accountId: ACCOUNT_B,
          roleName: "r",
          trustedPrincipals: consumers(60).map((c) => c.principal),
          access: { bucketArn: "arn:aws:s3:::x", prefix: "", level: "read" },
        }),
    );
    expect(byCheck(f, "policy-size")[0].message).toContain("trust policy");
  });
});

describe("inline role policies over 10,240 characters (error)", () => {
  const objects = (n: number): Statement[] =>
    Array.from({ length: n }, (_, i) => ({ Sid: `Read${i}`, Effect: "Allow" as const, Action: "s3:GetObject", Resource: `arn:aws:s3:::data-b/team-${i}/*` }));

  it("trips when a role's inline policies together exceed the limit, naming the policy, its size and the remedy", () => {
    const [hit, ...more] = byCheck(
      checksOf((scope, p) => handWrittenRole(scope, p, objects(150))),
      "policy-size",
    );
    expect(more).toEqual([]);
    expect(hit).toMatchObject({ level: "error", address: expect.stringMatching(/^aws_iam_role_policy\.hand-policy/) });
    expect(hit.message).toMatch(
      /IAM inline role policies \(10,240 characters .*\) of arn:aws:iam::\d{12}:role\/hand-written is \d+ characters, over the limit of 10240/,
    );
    expect(hit.message).toContain("Remedy: scope the role to fewer buckets/prefixes");
  });

  it("passes a role whose inline policies fit", () => {
    expect(
      byCheck(
        checksOf((scope, p) => handWrittenRole(scope, p, objects(20))),
        "policy-size",
      ),
    ).toEqual([]);
  });
});

describe("requested session duration vs the role's maximum (error)", () => {
  const fn = (requested: string, maxSessionDuration: number) =>
    checksOf((scope, p) => {
      const target = new IamRole(scope, "target", {
        provider: p.b,
        name: "target",
        maxSessionDuration,
        assumeRolePolicy: renderPolicy(identityPolicy([{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "sts:AssumeRole" }])),
      });
      new LambdaFunction(scope, "fn", {
        provider: p.a,
        functionName: "hand-fn",
        role: ROLE_A,
        runtime: "nodejs22.x",
        handler: "index.handler",
        filename: "fn.zip",
        environment: { variables: { TARGET_ROLE_ARN: target.arn, TARGET_SESSION_DURATION_SECONDS: requested } },
      });
    });

  it("trips when the function asks for longer sessions than the role allows", () => {
    const [hit, ...more] = byCheck(fn("7200", 3600), "session-duration");
    expect(more).toEqual([]);
    expect(hit).toMatchObject({ level: "error", address: expect.stringMatching(/^aws_lambda_function\.fn/) });
    expect(hit.message).toMatch(/hand-fn requests 7200 s sessions of arn:aws:iam::\d{12}:role\/target, whose maximum is 3600 s/);
  });

  it("passes a duration within the role's maximum", () => {
    expect(byCheck(fn("7200", 7200), "session-duration")).toEqual([]);
  });

  it("trips on a Lambda session over 1 h even when the role allows it: role chaining is capped at 3600 s", () => {
    const [hit, ...more] = byCheck(fn("7200", 7200), "role-chaining-session");
    expect(more).toEqual([]);
    expect(hit).toMatchObject({ level: "error", address: expect.stringMatching(/^aws_lambda_function\.fn/) });
    expect(hit.message).toContain("role chaining, which STS caps at 3600 s");
    expect(byCheck(fn("3600", 7200), "role-chaining-session")).toEqual([]);
  });
});

describe("the aspect at synth", () => {
  const synthApp = (build: (stack: TerraformStack, p: Providers) => void): void => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    build(stack, providers(stack));
    registerPolicyChecks(app);
    app.synth();
  };

  it("fails synth on an error, naming the check and the resource", () => {
    expect(() => synthApp((s, p) => share(s, p, { objectOwnership: "ObjectWriter", requireBucketOwnerFullControl: false }))).toThrow(
      /\[object-writer-without-bofc\] bucket data-b keeps ObjectWriter ownership/,
    );
  });

  it("synthesizes when every check passes, and an acknowledged warning stays silent", () => {
    expect(() =>
      synthApp((s, p) =>
        share(s, p, {
          grants: [{ principal: `arn:aws:iam::${ACCOUNT_A}:root`, level: "read" }],
          acknowledge: [{ rule: "account-root-principal", reason: "test: the whole account is meant" }],
        }),
      ),
    ).not.toThrow();
  });
});
