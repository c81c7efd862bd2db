import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IamRole, IamRolePolicy } from "../../lib/framework/aws";
import { checkModel, Finding } from "../../lib/checks/policy-checks";
import { registerPolicyChecks } from "../../lib/checks";
import { readAcknowledgements } from "../../lib/checks/acknowledge";
import { App, Construct, TerraformStack, Testing } from "../../lib/framework";
import { statementsOf } from "../../lib/model/stack-model";
import { identityPolicy, identityStatements, renderPolicy, S3Grant, Statement } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, providers, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { LambdaWriter } from "../lambda-writer";
import { BucketShare, ExistingBucketShare, ExistingBucketShareProps, IBucketShare } from ".";

const ROLE_A = `arn:aws:iam::${ACCOUNT_A}:role/consumer`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ORG = "o-a1b2c3d4e5";
/** What the owning team's policy holds today. */
const THEIRS: Statement[] = [
  {
    Sid: "OwnersAnalytics",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:role/analytics` },
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::their-data/*",
  },
  {
    Sid: "DenyOldTls",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: "arn:aws:s3:::their-data/*",
    Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
  },
];

const existing = (scope: Construct, p: Providers, props: Partial<ExistingBucketShareProps> = {}): ExistingBucketShare =>
  BucketShare.fromExistingBucket(scope, "theirs", {
    provider: p.b,
    accountId: ACCOUNT_B,
    bucketName: "their-data",
    policy: "merge",
    existingPolicy: THEIRS,
    ...props,
  });

const synth = (props: Partial<ExistingBucketShareProps>, more?: (s: ExistingBucketShare, scope: Construct, p: Providers) => void) =>
  synthModule((scope, p) => {
    const s = existing(scope, p, props);
    more?.(s, scope, p);
  });

const findingsOf = (props: Partial<ExistingBucketShareProps>, more?: (s: ExistingBucketShare, scope: Construct, p: Providers) => void): Finding[] =>
  checkModel(synth(props, more).model);

/** A role of account A whose own inline policy uses the share (what ConsumerAccess writes). */
function consumerRole(scope: Construct, p: Providers, grant: S3Grant): void {
  const role = new IamRole(scope, "consumer", {
    provider: p.a,
    name: "consumer",
    assumeRolePolicy: renderPolicy(identityPolicy([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }])),
  });
  new IamRolePolicy(scope, "consumer-policy", { provider: p.a, role: role.name, policy: renderPolicy(identityPolicy(identityStatements(grant))) });
}

describe("BucketShare.fromExistingBucket, policy merge", () => {
  const { tf } = synth({ grants: [{ principal: ROLE_A, level: "read", prefix: "reports/" }] });
  const policy = only(tf, "aws_s3_bucket_policy");
  const statements = statementsOf(parsePolicy(policy.policy));

  it("manages no bucket, key, versioning, lifecycle, ownership or encryption", () => {
    expect(Object.keys(tf.resource ?? {}).sort()).toEqual(["aws_s3_bucket_policy"]);
    expect(policy).toMatchObject({ bucket: "their-data", provider: "aws.account_b" });
  });

  it("keeps the owners' statements first and unchanged, then adds the grant statements", () => {
    expect(statements.slice(0, 2)).toEqual(THEIRS);
    expect(statements.slice(2).map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "Grant1ListBucket", "Grant1Objects"]);
    expect(statements[4]).toMatchObject({
      Principal: { AWS: ROLE_A },
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: "arn:aws:s3:::their-data/reports/*",
    });
  });

  it("accepts the kept policy as the JSON `aws s3api get-bucket-policy` prints", () => {
    const json = JSON.stringify({ Version: "2012-10-17", Statement: THEIRS });
    const again = statementsOf(parsePolicy(only(synth({ existingPolicy: json }).tf, "aws_s3_bucket_policy").policy));
    expect(again.slice(0, 2)).toEqual(THEIRS);
  });

  it("refuses a kept statement whose Sid a grant statement uses", () => {
    const clash = [
      ...THEIRS,
      { Sid: "Grant1Objects", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::their-data/x" } as Statement,
    ];
    expect(() => synth({ existingPolicy: clash, grants: [{ principal: ROLE_A, level: "read", prefix: "reports/" }] })).toThrow(
      /BucketShare\.fromExistingBucket\(theirs\)\.existingPolicy: statement Sid\(s\) "Grant1Objects" of the kept policy/,
    );
  });

  it("the grant API is the one of a new bucket (IBucketShare), s3Grant carries no key without one", () => {
    synthModule((scope, p) => {
      const shares: IBucketShare[] = [existing(scope, p), new BucketShare(scope, "new", { provider: p.b, accountId: ACCOUNT_B, bucketName: "new-data" })];
      for (const s of shares) expect(s.addGrant({ organizationId: ORG, level: "read" })).toMatchObject({ level: "read", prefix: "" });
      expect(shares[0].s3Grant("write", "in")).toEqual({
        bucketArn: "arn:aws:s3:::their-data",
        prefix: "in/",
        level: "write",
        kmsKeyArn: undefined,
        objectWriterOwnership: false,
        region: "us-east-1",
        resourceAccount: "222222222222",
      });
    });
  });

  it("a LambdaWriter of account A writes with the share's grant, and the policy depends on its role", () => {
    const { tf: t, model } = synth({}, (s, scope, p) => {
      const grant = s.s3Grant("write", "incoming/");
      const w = new LambdaWriter(scope, "w", {
        provider: p.a,
        archiveProvider: p.archive,
        accountId: ACCOUNT_A,
        functionName: "w",
        handler: "writer",
        target: { bucketName: "their-data", prefix: "incoming/" },
        grants: [grant],
      });
      s.addGrant({ principal: w, level: "write", prefix: "incoming/" });
    });
    expect(only(t, "aws_s3_bucket_policy").depends_on).toEqual([expect.stringMatching(/^aws_iam_role\./)]);
    expect(checkModel(model)).toEqual([]);
  });
});

describe("BucketShare.fromExistingBucket, policy emit", () => {
  const props: Partial<ExistingBucketShareProps> = {
    policy: "emit",
    existingPolicy: undefined,
    grants: [{ principal: ROLE_A, level: "read", prefix: "reports/" }],
  };

  it("writes nothing to the bucket: the statements are an output and a locals entry for the checks", () => {
    const { tf } = synth(props);
    expect(resourcesOf(tf, "aws_s3_bucket_policy")).toEqual({});
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("bucket-policy-statements"));
    const doc = parsePolicy(out?.[1].value);
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "Grant1ListBucket", "Grant1Objects"]);
    expect(Object.values(tf.locals ?? {})).toEqual([expect.objectContaining({ xacct_resource: "existing-bucket", bucket: "their-data", policy_mode: "emit" })]);
  });

  it("writes the statements to xacct/<id>.bucket-policy.json in the stack's output directory", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "emit");
    existing(stack, providers(stack), props);
    const outdir = Testing.fullSynth(stack);
    const file = path.join(outdir, "stacks", "emit", "xacct", "theirs.bucket-policy.json");
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { Statement: Statement[] };
    expect(doc.Statement[2]).toMatchObject({ Sid: "Grant1Objects", Principal: { AWS: ROLE_A }, Resource: "arn:aws:s3:::their-data/reports/*" });
  });

  it("writes the key-policy file only when the key's owners have statements to add", () => {
    const files = (extra: Partial<ExistingBucketShareProps>): string[] => {
      const app = Testing.app();
      const stack = new TerraformStack(app, "emit");
      existing(stack, providers(stack), { ...props, kmsKeyArn: KEY, ...extra });
      return fs.readdirSync(path.join(Testing.fullSynth(stack), "stacks", "emit", "xacct")).sort();
    };
    expect(files({})).toEqual(["theirs.bucket-policy.json"]);
    expect(files({ keyAccess: "emit" })).toEqual(["theirs.bucket-policy.json", "theirs.key-policy.json"]);
  });

  it("writes no file when the checks fail the synth", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-emit-"));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "bad");
    // ObjectWriter ownership with the bucket-owner-full-control requirement turned off: an error finding.
    existing(stack, providers(stack), { ...props, objectOwnership: "ObjectWriter", requireBucketOwnerFullControl: false });
    registerPolicyChecks(app);
    expect(() => app.synth()).toThrow(/object-writer-without-bofc/);
    expect(fs.existsSync(path.join(outdir, "stacks", "bad", "xacct"))).toBe(false);
  });

  it("the emitted statements are checked like a bucket policy", () => {
    const f = findingsOf({ ...props, objectOwnership: "ObjectWriter", requireBucketOwnerFullControl: false });
    expect(f.map((x) => [x.check, x.address])).toEqual([["object-writer-without-bofc", expect.stringMatching(/^local\./)]]);
    // 400 principals exceed S3's 20 KB bucket policy limit, emitted or not.
    const many = Array.from({ length: 400 }, (_, i) => ({
      principal: `arn:aws:iam::${ACCOUNT_A}:role/consumer-with-a-long-name-${i}`,
      level: "read" as const,
      prefix: `p${i}/`,
    }));
    expect(findingsOf({ ...props, grants: many }).map((x) => x.check)).toContain("policy-size");
  });
});

describe("BucketShare.fromExistingBucket with the bucket's existing customer managed key", () => {
  it("grants each cross-account principal its level's operations with a KMS grant (the key policy is left alone)", () => {
    const { tf } = synth({ kmsKeyArn: KEY, grants: [{ principal: ROLE_A, level: "readwrite", prefix: "in/" }] });
    expect(only(tf, "aws_kms_grant")).toMatchObject({
      key_id: KEY,
      grantee_principal: ROLE_A,
      // readwrite: Decrypt (reads, and multipart uploads) + GenerateDataKey (writes); S3 never calls Encrypt.
      operations: ["Decrypt", "GenerateDataKey"],
      provider: "aws.account_b",
    });
    expect(resourcesOf(tf, "aws_kms_key")).toEqual({});
  });

  it("emits key-policy statements for Organization grants (an Organization cannot be a grantee)", () => {
    const { tf } = synth({ kmsKeyArn: KEY, grants: [{ organizationId: ORG, level: "read" }] });
    expect(resourcesOf(tf, "aws_kms_grant")).toEqual({});
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("key-policy-statements"));
    expect(parsePolicy(out?.[1].value).Statement).toEqual([
      {
        Sid: "OrgUse1",
        Effect: "Allow",
        Principal: "*",
        Action: "kms:Decrypt",
        Resource: "*",
        // ... for this bucket only (#17 item 3): bucket or object ARN, the bucket's Bucket Key setting not being known
        Condition: {
          StringEquals: { "aws:PrincipalOrgID": ORG, "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::their-data", "arn:aws:s3:::their-data/*"] },
        },
      },
    ]);
  });

  it("keyAccess emit: no KMS grant, the principal's key-policy statement is emitted instead (and satisfies the checks)", () => {
    const { tf, model } = synth({ kmsKeyArn: KEY, keyAccess: "emit", grants: [{ principal: ROLE_A, level: "write", prefix: "in/" }] }, (s, scope, p) =>
      consumerRole(scope, p, s.s3Grant("write", "in/")),
    );
    expect(resourcesOf(tf, "aws_kms_grant")).toEqual({});
    const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("key-policy-statements"));
    expect(parsePolicy(out?.[1].value).Statement).toEqual([
      {
        Sid: "CrossAccountUse1",
        Effect: "Allow",
        Principal: { AWS: ROLE_A },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::their-data", "arn:aws:s3:::their-data/*"] },
        },
      },
    ]);
    expect(checkModel(model)).toEqual([]);
  });

  it("names KMS grants with the characters KMS allows (a dotted bucket name)", () => {
    const { tf } = synth({ bucketName: "their.data", kmsKeyArn: KEY, grants: [{ principal: ROLE_A, level: "read" }] });
    expect(only(tf, "aws_kms_grant").name).toBe("xacct-their-data-1");
  });

  it("checks KMS on both sides: a consumer without a grant on the key fails, with one it passes", () => {
    const missing = findingsOf({ kmsKeyArn: KEY }, (s, scope, p) => consumerRole(scope, p, s.s3Grant("read", "in/")));
    expect(missing.map((f) => f.check)).toEqual(["kms-key-policy-grant"]);
    const granted = findingsOf({ kmsKeyArn: KEY }, (s, scope, p) => consumerRole(scope, p, s.addGrant({ principal: ROLE_A, level: "read", prefix: "in/" })));
    // The grant itself is usable outside S3 while the bucket's Bucket Key setting is not known (#17 item 2).
    expect(granted.map((f) => f.check)).toEqual(["kms-grant-unconstrained"]);
    const pinned = findingsOf({ kmsKeyArn: KEY, bucketKeyEnabled: true }, (s, scope, p) =>
      consumerRole(scope, p, s.addGrant({ principal: ROLE_A, level: "read", prefix: "in/" })),
    );
    expect(pinned).toEqual([]);
    // The identity side: a consumer policy without the key's actions.
    const noKms = findingsOf({ kmsKeyArn: KEY, bucketKeyEnabled: true, grants: [{ principal: ROLE_A, level: "read", prefix: "in/" }] }, (s, scope, p) =>
      consumerRole(scope, p, { ...s.s3Grant("read", "in/"), kmsKeyArn: undefined }),
    );
    expect(noKms.map((f) => f.check)).toEqual(["kms-identity-grant"]);
  });

  describe("a KMS grant is usable outside S3 unless constrained to the bucket's encryption context (#17 item 2)", () => {
    const BUCKET_ARN = "arn:aws:s3:::their-data";

    it("with an S3 Bucket Key (context = bucket ARN): every grant carries encryption_context_subset aws:s3:arn = the bucket, every statement pins the bucket ARN", () => {
      const { tf, model } = synth(
        {
          kmsKeyArn: KEY,
          bucketKeyEnabled: true,
          grants: [
            { principal: ROLE_A, level: "read", prefix: "in/" },
            { organizationId: ORG, level: "read" },
          ],
        },
        (s, scope, p) => consumerRole(scope, p, s.s3Grant("read", "in/")),
      );
      expect(only(tf, "aws_kms_grant").constraints).toEqual([{ encryption_context_subset: { "aws:s3:arn": BUCKET_ARN } }]);
      const out = Object.entries(tf.output ?? {}).find(([k]) => k.includes("key-policy-statements"));
      expect(parsePolicy(out?.[1].value).Statement.map((st) => st.Condition?.StringEquals?.["kms:EncryptionContext:aws:s3:arn"])).toEqual([BUCKET_ARN]);
      const consumer = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy)).find((st) => JSON.stringify(st.Action).includes("kms:"));
      expect(consumer?.Condition?.StringEquals).toMatchObject({ "kms:EncryptionContext:aws:s3:arn": BUCKET_ARN });
      expect(checkModel(model)).toEqual([]);
    });

    it("without a Bucket Key (unknown or false): the grant stays unconstrained (a constraint matches exact values; the object ARN varies) and the check says what to do", () => {
      for (const bucketKeyEnabled of [undefined, false]) {
        const { tf, model } = synth({
          kmsKeyArn: KEY,
          ...(bucketKeyEnabled === undefined ? {} : { bucketKeyEnabled }),
          grants: [{ principal: ROLE_A, level: "read" }],
        });
        expect(only(tf, "aws_kms_grant").constraints).toBeUndefined();
        const f = checkModel(model).filter((x) => x.check === "kms-grant-unconstrained");
        expect(f).toEqual([
          expect.objectContaining({ level: "warning", address: expect.stringMatching(/^aws_kms_grant\./), acknowledgement: "kms-grant-unconstrained" }),
        ]);
        expect(f[0].message).toContain("bucketKeyEnabled: true");
        expect(f[0].message).toContain('keyAccess: "emit"');
      }
    });

    it("the warning can be acknowledged on the share: the reason lands in the stack JSON, next to the grant's address", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-grant-ack-"));
      const app = new App({ outdir: dir });
      const stack = new TerraformStack(app, "acks");
      const p = providers(stack);
      existing(stack, p, {
        kmsKeyArn: KEY,
        grants: [{ principal: ROLE_A, level: "read" }],
        acknowledge: [{ rule: "kms-grant-unconstrained", reason: "the bucket has no Bucket Key yet; the grantee is our own analytics role" }],
      });
      app.synth();
      const json = JSON.parse(fs.readFileSync(path.join(dir, "stacks", "acks", "cdk.tf.json"), "utf8")) as Record<string, unknown>;
      expect(readAcknowledgements(json)).toEqual([
        expect.objectContaining({
          rule: "kms-grant-unconstrained",
          reason: "the bucket has no Bucket Key yet; the grantee is our own analytics role",
          address: expect.stringMatching(/^aws_kms_grant\./),
        }),
      ]);
      expect(stack.node.findAll().flatMap((c) => c.node.metadata.map((m) => String(m.data)))).not.toContainEqual(
        expect.stringContaining("[kms-grant-unconstrained]"),
      );
    });

    it("refuses bucketKeyEnabled on a bucket without kmsKeyArn, and a non-boolean", () => {
      expectConfigError(() => synth({ bucketKeyEnabled: true }), "BucketShare.fromExistingBucket(theirs).bucketKeyEnabled", "set kmsKeyArn");
      expectConfigError(
        () => synth({ kmsKeyArn: KEY, bucketKeyEnabled: "yes" as unknown as boolean }),
        "BucketShare.fromExistingBucket(theirs).bucketKeyEnabled",
        "must be true or false",
      );
    });
  });

  it.each([
    ["alias/aws/s3", "is an AWS managed key"],
    [`arn:aws:kms:us-east-1:${ACCOUNT_B}:alias/aws/s3`, "is an AWS managed key"],
    [`arn:aws:kms:us-east-1:${ACCOUNT_B}:alias/my-key`, "is not a KMS key ARN"],
    ["1234abcd-12ab-34cd-56ef-1234567890ab", "is not a KMS key ARN"],
    [`arn:aws:kms:us-east-1:${ACCOUNT_A}:key/1234`, "not to the bucket's owning account"],
  ])("refuses kmsKeyArn %s", (kmsKeyArn, hint) => {
    expectConfigError(() => synth({ kmsKeyArn }), "BucketShare.fromExistingBucket(theirs).kmsKeyArn", hint);
  });
});

describe("BucketShare.fromExistingBucket bad input", () => {
  const F = "BucketShare.fromExistingBucket(theirs)";
  it.each([
    [{ existingPolicy: undefined }, `${F}.existingPolicy`, 'is required with policy "merge"'],
    [{ policy: "emit" as const }, `${F}.existingPolicy`, 'only used with policy "merge"'],
    [{ policy: "replace" as "emit" }, `${F}.policy`, 'must be one of "merge", "emit"'],
    [{ existingPolicy: "{not json" }, `${F}.existingPolicy`, "is not a policy JSON document"],
    [{ bucketName: "Their_Data" }, `${F}.bucketName`, "not a valid S3 bucket name"],
    [{ grants: [{ level: "read" as const }] }, `${F}.grants[0]`, "set exactly one of"],
    [{ grants: [{ principal: "arn:aws:iam::1:role/x", level: "read" as const }] }, `${F}.grants[0].principal`, "not an IAM principal ARN"],
  ])("%j fails naming %s", (props, field, hint) => {
    expectConfigError(() => synth(props), field, hint);
  });
});
