import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkModel } from "../../lib/checks/policy-checks";
import { ConfigError } from "../../lib/errors";
import { Construct } from "../../lib/framework";
import { accessPointName, DELEGATION_SID, Statement } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, expectConfigError, only, parsePolicy, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { ConsumerAccess } from "../consumer-access";
import { LambdaCode, LambdaWriter, LambdaWriterProps } from "../lambda-writer";
import { accessPointMode, BucketShare, bucketPolicyMode, IBucketShare, ShareGrant, ShareMode, ShareModeFactory } from ".";

/**
 * `share.grant(consumer, { level, prefix })`: both sides of a grant in one
 * call, for both share modes through both share kinds (new bucket, existing
 * bucket), and the LambdaWriter addressing what the grant says.
 */
const BUCKET = "grant-data-b";
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const WRITER_ROLE = `arn:aws:iam::${ACCOUNT_A}:role/grant-writer-exec`;
const AP_ARN = (principal: string, level: "read" | "write" | "readwrite", prefix: string): string =>
  `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${accessPointName(BUCKET, principal, level, prefix)}`;

type Kind = "new" | "existing";
const share = (scope: Construct, p: Providers, kind: Kind, mode: ShareModeFactory, extra: { policy?: "merge" | "emit" } = {}): IBucketShare =>
  kind === "new"
    ? new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, mode })
    : BucketShare.fromExistingBucket(scope, "share", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: BUCKET,
        kmsKeyArn: KEY,
        mode,
        ...((extra.policy ?? "merge") === "merge" ? { policy: "merge", existingPolicy: [] } : { policy: "emit" }),
      });

const writer = (scope: Construct, p: Providers, props: Partial<LambdaWriterProps> = {}): LambdaWriter =>
  new LambdaWriter(scope, "w", { provider: p.a, archiveProvider: p.archive, accountId: ACCOUNT_A, functionName: "grant-writer", handler: "writer", ...props });

const bucketPolicyOf = (tf: ReturnType<typeof synthModule>["tf"]) => parsePolicy(only(tf, "aws_s3_bucket_policy").policy);
const envOf = (tf: ReturnType<typeof synthModule>["tf"]) => (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;
const rolePolicyOf = (tf: ReturnType<typeof synthModule>["tf"]) =>
  parsePolicy(Object.values(resourcesOf(tf, "aws_iam_role_policy")).find((r) => r.name === "execution")?.policy);

describe.each([
  ["bucket-policy", bucketPolicyMode],
  ["access-points", accessPointMode],
] as const)("share.grant in %s mode", (modeName, mode) => {
  describe.each(["new", "existing"] as const)("on a %s bucket", (kind) => {
    let grant: ShareGrant | undefined;
    const { tf } = synthModule((scope, p) => {
      const s = share(scope, p, kind, mode);
      const w = writer(scope, p, { roleName: "grant-writer-exec" });
      grant = s.grant(w, { level: "write", prefix: "in/" });
    });
    const ap = AP_ARN(WRITER_ROLE, "write", "in/");
    const expectedAddress = modeName === "access-points" ? ap : BUCKET;

    it("returns a grant that knows level, prefix, bucket, key, owner and the address to use", () => {
      expect(grant).toMatchObject({
        level: "write",
        prefix: "in/",
        bucketName: BUCKET,
        bucketArn: `arn:aws:s3:::${BUCKET}`,
        accountId: ACCOUNT_B,
        mode: modeName,
        address: expectedAddress,
      });
      expect(grant?.region).toBe("us-east-1");
      if (kind === "existing") expect(grant?.kmsKeyArn).toBe(KEY);
      expect(grant?.accessPointArn).toBe(modeName === "access-points" ? ap : undefined);
      expect(grant?.principalArn).toBe(WRITER_ROLE);
      expect(grant?.s3Grant).toMatchObject({ level: "write", prefix: "in/", bucketArn: `arn:aws:s3:::${BUCKET}` });
    });

    it("writes the resource side: the bucket policy names the writer, or delegates to its access point", () => {
      const policy = JSON.stringify(bucketPolicyOf(tf));
      const aps = Object.values(resourcesOf(tf, "aws_s3_access_point"));
      if (modeName === "access-points") {
        expect(policy).not.toContain(WRITER_ROLE);
        expect(bucketPolicyOf(tf).Statement.map((s) => s.Sid)).toContain(DELEGATION_SID);
        expect(aps.map((a) => a.name)).toEqual([accessPointName(BUCKET, WRITER_ROLE, "write", "in/")]);
        expect(JSON.stringify(parsePolicy(aps[0].policy))).toContain(WRITER_ROLE);
      } else {
        expect(policy).toContain(WRITER_ROLE);
        expect(aps).toEqual([]);
      }
      if (kind === "existing") {
        // The existing key: a KMS grant for the writer's role, whatever the mode.
        expect(Object.values(resourcesOf(tf, "aws_kms_grant")).map((g) => g.grantee_principal)).toEqual([WRITER_ROLE]);
      }
    });

    it("writes the identity side: the writer targets the grant's address and its role may write there", () => {
      expect(envOf(tf)).toMatchObject({ TARGET_BUCKET: expectedAddress, TARGET_PREFIX: "in/" });
      const objects = rolePolicyOf(tf).Statement.find((s) => [s.Action].flat().includes("s3:PutObject"));
      expect(objects?.Resource).toBe(modeName === "access-points" ? `${ap}/object/in/*` : `arn:aws:s3:::${BUCKET}/in/*`);
      expect(only(tf, "aws_lambda_function").description).toBe(`Writes to s3://${expectedAddress}/in/`);
    });

    it("the writer names the bucket's owner: TARGET_BUCKET_OWNER (ExpectedBucketOwner) and aws:ResourceAccount on its S3 statements (#17 item 4)", () => {
      expect(envOf(tf).TARGET_BUCKET_OWNER).toBe(ACCOUNT_B);
      const s3Statements = rolePolicyOf(tf).Statement.filter((st) => [st.Action].flat().some((x) => typeof x === "string" && x.startsWith("s3:")));
      expect(s3Statements.length).toBeGreaterThan(0);
      for (const st of s3Statements) expect(st.Condition?.StringEquals?.["aws:ResourceAccount"]).toBe(ACCOUNT_B);
    });

    it("a ConsumerAccess gets its role policy, an ARN and an Organization the resource side only", () => {
      const reader = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
      let byArn: ShareGrant | undefined;
      const { tf: t } = synthModule((scope, p) => {
        const s = share(scope, p, kind, mode, { policy: "emit" });
        s.grant(new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: reader }), { level: "read", prefix: "r/" });
        byArn = s.grant(`arn:aws:iam::${ACCOUNT_C}:role/other`, { level: "read" });
        s.grant({ organizationId: "o-a1b2c3d4e5" }, { level: "read", prefix: "pub/" });
      });
      const consumerPolicy = parsePolicy(only(t, "aws_iam_role_policy").policy);
      const get = consumerPolicy.Statement.find((s) => [s.Action].flat().includes("s3:GetObject"));
      expect(get?.Resource).toBe(modeName === "access-points" ? `${AP_ARN(reader, "read", "r/")}/object/r/*` : `arn:aws:s3:::${BUCKET}/r/*`);
      expect(byArn?.address).toBe(modeName === "access-points" ? AP_ARN(`arn:aws:iam::${ACCOUNT_C}:role/other`, "read", "") : BUCKET);
      const resourceText = JSON.stringify(t);
      expect(resourceText).toContain(`arn:aws:iam::${ACCOUNT_C}:role/other`);
      expect(resourceText).toContain("o-a1b2c3d4e5");
    });
  });
});

describe("share modes", () => {
  it("mode: accessPointMode and accessPoints: true synthesize the same stack", () => {
    const build = (props: { mode?: ShareModeFactory; accessPoints?: boolean }) =>
      synthModule((scope, p) => {
        new BucketShare(scope, "share", {
          provider: p.b,
          accountId: ACCOUNT_B,
          bucketName: BUCKET,
          grants: [{ principal: WRITER_ROLE, level: "read" }],
          ...props,
        });
      }).json;
    expect(build({ mode: accessPointMode })).toBe(build({ accessPoints: true }));
    expect(build({ mode: bucketPolicyMode })).toBe(build({}));
  });
  it("a mode is one object implementing ShareMode: the share uses it for the bucket policy, the address and the identity side", () => {
    // A third mode outside the library's files: bucket-policy mode plus a marker statement, addressed by an alias.
    const tagged: ShareModeFactory = {
      name: "tagged",
      create: (host) => {
        const base = bucketPolicyMode.create(host);
        const mode: ShareMode = {
          name: "tagged",
          bucketPolicyNamesPrincipals: true,
          activate: (d) => base.activate(d),
          addGrant: (g) => base.addGrant(g),
          bucketPolicy: (input) => {
            const doc = base.bucketPolicy(input);
            return {
              ...doc,
              Statement: [...doc.Statement, { Sid: "TaggedMode", Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: `${host.bucketArn}/*` }],
            };
          },
          keyPolicy: (input) => base.keyPolicy(input),
          address: () => `${host.bucketName}-alias`,
          identityGrant: (g, parsed) => base.identityGrant(g, parsed),
        };
        return mode;
      },
    };
    let grant: ShareGrant | undefined;
    const { tf } = synthModule((scope, p) => {
      grant = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, mode: tagged }).grant(WRITER_ROLE, { level: "read" });
    });
    expect(grant).toMatchObject({ mode: "tagged", address: `${BUCKET}-alias` });
    expect(bucketPolicyOf(tf).Statement.map((s) => s.Sid)).toContain("TaggedMode");
  });
  it("a mode that is not a ShareModeFactory fails naming mode", () => {
    expectConfigError(
      () =>
        synthModule(
          (scope, p) =>
            new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, mode: "access-points" as unknown as ShareModeFactory }),
        ),
      "BucketShare(share).mode",
      "not a share mode",
    );
  });
  it("accessPoints: true with another mode fails naming accessPoints", () => {
    expectConfigError(
      () =>
        synthModule(
          (scope, p) =>
            new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true, mode: bucketPolicyMode }),
        ),
      "BucketShare(share).accessPoints",
      "set only one",
    );
  });
  it("grant() validates level and prefix, naming grant()", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) =>
          new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET }).grant(WRITER_ROLE, { level: "read", prefix: "/abs" }),
        ),
      "BucketShare(share).grant().prefix",
      "",
    );
  });
});

describe("LambdaWriter addressing its grant", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-grant-test-"));
    fs.writeFileSync(path.join(dir, "app.py"), "def handler(event, context):\n    return None\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const userCode = (): LambdaCode => LambdaCode.fromDirectory(dir, { handler: "app.handler", runtime: "python3.12" });

  it("access-point mode end to end: TARGET_BUCKET is the access point ARN and the role policy allows that access point", () => {
    const { tf, model } = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true });
      s.grant(writer(scope, p, { roleName: "grant-writer-exec" }), { level: "write", prefix: "in/" });
    });
    const ap = AP_ARN(WRITER_ROLE, "write", "in/");
    expect(envOf(tf).TARGET_BUCKET).toBe(ap);
    expect(envOf(tf).TARGET_KMS_KEY_ARN).toMatch(/aws_kms_key/);
    const resources = rolePolicyOf(tf).Statement.flatMap((s) => [s.Resource ?? []].flat());
    expect(resources).toContain(`${ap}/object/in/*`);
    expect(resources.some((r) => r.startsWith(`arn:aws:s3:::${BUCKET}`))).toBe(false);
    expect(checkModel(model).filter((f) => f.level === "error")).toEqual([]);
  });

  it("the grant object can be passed as access (another stack's grant), with the same result", () => {
    const viaBind = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true });
      s.grant(writer(scope, p, { roleName: "grant-writer-exec" }), { level: "write", prefix: "in/" });
    });
    const viaProp = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true });
      writer(scope, p, { roleName: "grant-writer-exec", access: s.grant(WRITER_ROLE, { level: "write", prefix: "in/" }) });
    });
    expect(envOf(viaProp.tf)).toEqual(envOf(viaBind.tf));
    expect(rolePolicyOf(viaProp.tf)).toEqual(rolePolicyOf(viaBind.tf));
  });

  it("a grant made for another principal, passed as access, fails naming access", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true });
          writer(scope, p, {
            roleName: "grant-writer-exec",
            access: s.grant(`arn:aws:iam::${ACCOUNT_A}:role/someone-else`, { level: "write", prefix: "in/" }),
          });
        }),
      "LambdaWriter(w).access",
      "someone-else",
    );
  });

  it("your own code with only a read grant works (share.grant, access, and the old target + grants)", () => {
    const { tf } = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET });
      s.grant(writer(scope, p, { handler: undefined, code: userCode() }), { level: "read", prefix: "reports/" });
    });
    expect(envOf(tf)).toMatchObject({ TARGET_BUCKET: BUCKET, TARGET_PREFIX: "reports/" });
    const actions = rolePolicyOf(tf).Statement.flatMap((s) => [s.Action].flat());
    expect(actions).toContain("s3:GetObject");
    expect(actions).not.toContain("s3:PutObject");
    expect(() =>
      synthModule((scope, p) => {
        const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET });
        writer(scope, p, { handler: undefined, code: userCode(), target: { bucketName: BUCKET, prefix: "reports/" }, grants: [s.s3Grant("read", "reports/")] });
      }),
    ).not.toThrow();
  });

  it("of several grants, the one that can write is the target, whatever the order", () => {
    const { tf } = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET });
      const w = writer(scope, p, { handler: undefined, code: userCode() });
      s.grant(w, { level: "read", prefix: "reports/" });
      s.grant(w, { level: "write", prefix: "summaries/" });
    });
    expect(envOf(tf).TARGET_PREFIX).toBe("summaries/");
    expect(rolePolicyOf(tf).Statement.map((s) => s.Sid)).toEqual(expect.arrayContaining(["Grant1ListBucket", "Grant1Objects", "Grant2Objects"]));
  });

  it("the built-in writer still needs a write grant covering its target", () => {
    expect(() =>
      synthModule((scope, p) => {
        const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET });
        s.grant(writer(scope, p), { level: "read", prefix: "reports/" });
      }),
    ).toThrow(expect.objectContaining({ field: "LambdaWriter(w).grants", message: expect.stringContaining("no write grant covers") }));
  });

  it("the bucket name as target of an access-point share fails naming target.bucketName (it was AccessDenied at run time)", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) => {
          const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET, accessPoints: true });
          writer(scope, p, { roleName: "grant-writer-exec", target: { bucketName: BUCKET, prefix: "in/" }, grants: [s.s3Grant("write", "in/")] });
        }),
      "LambdaWriter(w).target.bucketName",
      AP_ARN(WRITER_ROLE, "write", "in/"),
    );
  });

  it("a writer with no target and no grant fails synth naming target and the fix", () => {
    let err: unknown;
    try {
      synthModule((scope, p) => {
        writer(scope, p);
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe("LambdaWriter(w).target");
    expect((err as ConfigError).message).toContain("share.grant(writer");
  });
});

describe("addToResourcePolicy", () => {
  const EXTRA: Statement = {
    Sid: "AuditorsListOnly",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT_C}:role/auditor` },
    Action: "s3:ListBucket",
    Resource: `arn:aws:s3:::${BUCKET}`,
  };

  it.each([
    ["new", bucketPolicyMode],
    ["new", accessPointMode],
    ["existing", bucketPolicyMode],
    ["existing", accessPointMode],
  ] as const)("%s bucket, %s: merged into the one bucket policy, after the module's statements", (kind, mode) => {
    const { tf } = synthModule((scope, p) => {
      const s = share(scope, p, kind, mode);
      s.grant(WRITER_ROLE, { level: "read" });
      s.addToResourcePolicy(EXTRA);
    });
    const st = bucketPolicyOf(tf).Statement;
    expect(st[st.length - 1]).toEqual(EXTRA);
    expect(st.filter((s) => s.Sid === "DenyInsecureTransport")).toHaveLength(1);
  });

  it("emitted with the grant statements for an existing bucket with policy: emit", () => {
    const { tf } = synthModule((scope, p) => {
      share(scope, p, "existing", bucketPolicyMode, { policy: "emit" }).addToResourcePolicy(EXTRA);
    });
    const out = Object.values(tf.output ?? {}).map((o) => String(o.value));
    expect(out.some((v) => v.includes("AuditorsListOnly"))).toBe(true);
  });

  it("is counted by the policy-size check", () => {
    const big = (n: number): Statement => ({
      ...EXTRA,
      Sid: `Big${n}`,
      Principal: { AWS: Array.from({ length: 300 }, (_, i) => `arn:aws:iam::${ACCOUNT_C}:role/auditor-with-a-long-name-${n}-${i}`) },
    });
    const { model } = synthModule((scope, p) => {
      const s = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET });
      s.addToResourcePolicy(big(1));
      s.addToResourcePolicy(big(2));
    });
    const bucket = model.policies.find((x) => x.kind === "bucket");
    expect(bucket?.json).toContain("Big2");
    const size = checkModel(model).filter((f) => f.check === "policy-size" && f.level === "error");
    expect(size.map((f) => f.address)).toEqual([expect.stringContaining("aws_s3_bucket_policy.")]);
  });

  it.each([
    [{ ...EXTRA, Resource: "arn:aws:s3:::another-bucket/*" }, "addToResourcePolicy(statement 1).Resource", "this bucket only"],
    [{ ...EXTRA, Principal: undefined }, "addToResourcePolicy(statement 1).Principal", "is required"],
    [{ Sid: "x" } as unknown as Statement, "addToResourcePolicy(statement 1)", "not a policy statement"],
  ])("refuses %j naming %s", (statement, field, hint) => {
    expectConfigError(
      () =>
        synthModule((scope, p) => new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET }).addToResourcePolicy(statement)),
      `BucketShare(share).${field}`,
      hint,
    );
  });

  it("a Sid used twice fails synth naming addToResourcePolicy", () => {
    expectConfigError(
      () =>
        synthModule((scope, p) =>
          new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: BUCKET }).addToResourcePolicy({
            ...EXTRA,
            Sid: "DenyInsecureTransport",
          }),
        ),
      "BucketShare(share).addToResourcePolicy",
      '"DenyInsecureTransport"',
    );
  });
});
