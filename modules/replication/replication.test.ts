import { AwsProvider } from "../../lib/framework/aws";
import { checkModel } from "../../lib/checks/policy-checks";
import { POLICY_SIZE_LIMITS } from "../../lib/checks";
import { Construct } from "../../lib/framework";
import { buildStackModel, statementsOf, type TfJson } from "../../lib/model/stack-model";
import { sseKmsPinStatements, type Statement } from "../../lib/policy";
import { ACCOUNT_B, ACCOUNT_C, expectConfigError, only, parsePolicy, Providers, resourcesOf, synthModule } from "../../lib/testing";
import { BucketShare, BucketShareProps } from "../bucket-share";
import { Replication, ReplicationProps } from ".";

const SOURCE = "src-data-b";
const BACKUP = "backup-data-c";
const ROLE = `arn:aws:iam::${ACCOUNT_B}:role/replicator`;

interface Variant {
  source?: Partial<BucketShareProps>;
  dest?: Partial<BucketShareProps> & { sameAccount?: boolean };
  replication?: Partial<ReplicationProps>;
  /** Statements added to the destination bucket policy. */
  destStatements?: Statement[];
}

function build(scope: Construct, p: Providers, v: Variant = {}): { replication: Replication; dest: BucketShare } {
  const c = new AwsProvider(scope, "account_c", { alias: "account_c", region: "us-east-1", allowedAccountIds: [ACCOUNT_C] });
  const source = new BucketShare(scope, "source", { provider: p.b, accountId: ACCOUNT_B, bucketName: SOURCE, ...v.source });
  const { sameAccount, ...destProps } = v.dest ?? {};
  const dest = new BucketShare(scope, "backup", {
    provider: sameAccount ? p.b : c,
    accountId: sameAccount ? ACCOUNT_B : ACCOUNT_C,
    bucketName: BACKUP,
    ...destProps,
  });
  (v.destStatements ?? []).forEach((s) => dest.addToResourcePolicy(s));
  const replication = new Replication(scope, "to-backup", {
    provider: p.b,
    source,
    destination: dest,
    roleName: "replicator",
    rules: [{ prefix: "exports/", deleteMarkers: false }],
    ...v.replication,
  });
  return { replication, dest };
}

const synth = (v: Variant = {}): ReturnType<typeof synthModule> => synthModule((scope, p) => void build(scope, p, v));
const ids = (tf: TfJson): string[] => [...new Set(checkModel(buildStackModel(tf)).map((f) => f.check))].sort();
const policyOf = (tf: TfJson, type: string, name: RegExp): Statement[] => {
  const [, r] = Object.entries(resourcesOf(tf, type)).find(([n]) => name.test(n)) ?? [];
  return statementsOf(parsePolicy(r?.policy));
};
/** Edit one resource's policy in the synthesized JSON (a broken variant the module would not write). */
function editPolicy(tf: TfJson, type: string, name: RegExp, edit: (s: Statement[]) => Statement[]): TfJson {
  const copy = JSON.parse(JSON.stringify(tf)) as TfJson;
  const [, r] = Object.entries(resourcesOf(copy, type)).find(([n]) => name.test(n)) as [string, Record<string, unknown>];
  const d = parsePolicy(r.policy);
  r.policy = JSON.stringify({ ...d, Statement: edit(statementsOf(d)) });
  return copy;
}

describe("Replication: the documented permissions, both sides", () => {
  const { tf } = synth();

  it("the role trusts only S3, for the source bucket of the source account", () => {
    const role = Object.values(resourcesOf(tf, "aws_iam_role"))[0];
    expect(statementsOf(parsePolicy(role.assume_role_policy))).toEqual([
      {
        Sid: "S3ReplicationAssume",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_B }, ArnLike: { "aws:SourceArn": `arn:aws:s3:::${SOURCE}` } },
      },
    ]);
    expect(role.provider).toBe("aws.account_b");
  });

  it("the role policy holds exactly the documented actions, on the rule's prefix, KMS via S3 on both keys", () => {
    const s = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    const actions = (sid: string): unknown => s.find((x) => x.Sid === sid)?.Action;
    expect(actions("ReadSourceReplicationConfiguration")).toEqual(["s3:GetReplicationConfiguration", "s3:ListBucket"]);
    expect(actions("ReadSourceObjectVersions")).toEqual(["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]);
    expect(actions("ReplicateToDestination")).toEqual(["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"]);
    expect(s.find((x) => x.Sid === "ReplicateToDestination")?.Resource).toBe(`arn:aws:s3:::${BACKUP}/exports/*`);
    expect(s.find((x) => x.Sid === "ReadSourceObjectVersions")?.Resource).toBe(`arn:aws:s3:::${SOURCE}/exports/*`);
    expect(s.find((x) => x.Sid === "DecryptSourceViaS3")).toMatchObject({
      Action: "kms:Decrypt",
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${SOURCE}` } },
    });
    expect(s.find((x) => x.Sid === "EncryptReplicasViaS3")).toMatchObject({
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${BACKUP}` } },
    });
    expect(s).toHaveLength(6);
  });

  it("the destination bucket policy and key policy name the role, merged into the share's one document", () => {
    const bucket = policyOf(tf, "aws_s3_bucket_policy", /^backup/);
    expect(bucket.find((x) => x.Sid === "ReplicationFromToBackupObjects")).toEqual({
      Sid: "ReplicationFromToBackupObjects",
      Effect: "Allow",
      Principal: { AWS: ROLE },
      Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
      Resource: `arn:aws:s3:::${BACKUP}/exports/*`,
    });
    // The share's own statements are still there (TLS, SSE pins), in the same document.
    expect(bucket.map((x) => x.Sid)).toEqual(expect.arrayContaining(["DenyInsecureTransport", "DenyPutWithOtherKmsKey", "ReplicationFromToBackupVersioning"]));
    const key = policyOf(tf, "aws_kms_key", /^backup/);
    expect(key.find((x) => x.Sid === "ReplicationFromToBackupEncrypt")).toMatchObject({
      Principal: { AWS: ROLE },
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
    });
    expect(policyOf(tf, "aws_kms_key", /^source/).find((x) => x.Sid === "ReplicationFromToBackupDecrypt")).toMatchObject({ Action: "kms:Decrypt" });
    // AWS rejects a policy naming a principal that does not exist yet.
    const [, policy] = Object.entries(resourcesOf(tf, "aws_s3_bucket_policy")).find(([n]) => n.startsWith("backup")) as [string, Record<string, unknown>];
    expect(policy.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role\.to-backup_role/)]));
  });

  it("the configuration: SSE-KMS selected, replica key, owner override, explicit delete markers, after versioning", () => {
    const c = only(tf, "aws_s3_bucket_replication_configuration");
    expect(c.bucket).toBe(SOURCE);
    expect(c.provider).toBe("aws.account_b");
    expect(c.rule).toEqual([
      {
        id: "rule-1",
        priority: 1,
        status: "Enabled",
        filter: { prefix: "exports/" },
        delete_marker_replication: { status: "Disabled" },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } },
        destination: {
          bucket: `arn:aws:s3:::${BACKUP}`,
          account: ACCOUNT_C,
          access_control_translation: { owner: "Destination" },
          encryption_configuration: { replica_kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.backup_key_.*\.arn\}$/) },
        },
      },
    ]);
    expect(c.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_s3_bucket_versioning\.source_versioning/),
        expect.stringMatching(/^aws_s3_bucket_versioning\.backup_versioning/),
      ]),
    );
  });

  it("passes every synth check (no finding at all)", () => {
    expect(checkModel(buildStackModel(tf))).toEqual([]);
  });

  it("our SSE-KMS pins deny s3:PutObject only, so replicas (s3:ReplicateObject) pass them", () => {
    const pins = sseKmsPinStatements(`arn:aws:s3:::${BACKUP}`, "arn:aws:kms:us-east-1:333333333333:key/k");
    expect(pins.map((s) => s.Action)).toEqual(["s3:PutObject", "s3:PutObject", "s3:PutObject", "s3:PutObject"]);
  });
});

describe("Replication: options", () => {
  it("tags, several rules, RTC with metrics, delete markers replicated, storage class", () => {
    const { tf } = synth({
      replication: {
        replicationTime: true,
        rules: [
          { id: "tagged", tags: { backup: "yes" }, deleteMarkers: true, storageClass: "STANDARD_IA" },
          { id: "both", prefix: "a/", tags: { k: "v", l: "w" }, deleteMarkers: false, priority: 7 },
        ],
      },
    });
    const rules = only(tf, "aws_s3_bucket_replication_configuration").rule as Record<string, Record<string, unknown>>[];
    expect(rules[0].filter).toEqual({ tag: { key: "backup", value: "yes" } });
    expect(rules[0].delete_marker_replication).toEqual({ status: "Enabled" });
    expect(rules[0].priority).toBe(2);
    expect(rules[0].destination).toMatchObject({
      storage_class: "STANDARD_IA",
      replication_time: { status: "Enabled", time: { minutes: 15 } },
      metrics: { status: "Enabled", event_threshold: { minutes: 15 } },
    });
    expect(rules[1].filter).toEqual({ and: { prefix: "a/", tags: { k: "v", l: "w" } } });
    expect(rules[1].priority).toBe(7);
    // A tag-only rule replicates any key: the role's resources are the whole bucket.
    const s = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    expect(s.find((x) => x.Sid === "ReplicateToDestination")?.Resource).toBe(`arn:aws:s3:::${BACKUP}/*`);
  });

  it("ownerOverride: false leaves the override out of the rule and of both policies", () => {
    const { tf } = synth({ replication: { ownerOverride: false } });
    expect(JSON.stringify(tf)).not.toContain("ObjectOwnerOverrideToBucketOwner");
    expect(JSON.stringify(only(tf, "aws_s3_bucket_replication_configuration"))).not.toContain("access_control_translation");
  });

  it("SSE-S3 on both sides: no KMS statements, no SSE-KMS selection", () => {
    const { tf, model } = synth({ source: { encryption: "s3" }, dest: { encryption: "s3" } });
    expect(JSON.stringify(only(tf, "aws_iam_role_policy"))).not.toContain("kms:");
    expect(JSON.stringify(only(tf, "aws_s3_bucket_replication_configuration"))).not.toContain("sse_kms");
    expect(checkModel(model)).toEqual([]);
  });

  it("bad configuration names the field", () => {
    const s = (replication: Partial<ReplicationProps>): unknown => synth({ replication });
    expectConfigError(() => s({ rules: [{ prefix: "x/" } as never] }), "Replication(to-backup).rules[0].deleteMarkers", "is required (true or false)");
    expectConfigError(() => s({ rules: [] }), "Replication(to-backup).rules", "at least one rule");
    expectConfigError(
      () =>
        s({
          rules: [
            { id: "a", deleteMarkers: false },
            { id: "a", deleteMarkers: true },
          ],
        }),
      "Replication(to-backup).rules[1].id",
      "unique",
    );
    expectConfigError(() => s({ replicationTime: true, metrics: false }), "Replication(to-backup).metrics", "requires replication metrics");
    expectConfigError(() => s({ roleName: "bad name!" }), "Replication(to-backup).roleName", "");
  });
});

describe("Replication into an existing bucket of another team", () => {
  const DEST_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_C}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const existing = (confirmed: boolean): ReturnType<typeof synthModule> =>
    synthModule((scope, p) => {
      const source = new BucketShare(scope, "source", { provider: p.b, accountId: ACCOUNT_B, bucketName: SOURCE });
      new Replication(scope, "to-theirs", {
        provider: p.b,
        source,
        destination: { bucketArn: "arn:aws:s3:::their-archive", accountId: ACCOUNT_C, kmsKeyArn: DEST_KEY },
        roleName: "replicator",
        rules: [{ deleteMarkers: false }],
        versioningConfirmed: { destination: confirmed },
      });
    });

  it("emits the bucket- and key-policy statements for its owners, and the model reads them as that bucket's", () => {
    const { tf, model } = existing(true);
    const outputs = tf.output ?? {};
    const bucket = Object.entries(outputs).find(([k]) => k.includes("destination-bucket-policy"))?.[1].value as string;
    expect(statementsOf(JSON.parse(bucket)).map((s) => s.Sid)).toEqual(["ReplicationFromToTheirsObjects", "ReplicationFromToTheirsVersioning"]);
    const key = Object.entries(outputs).find(([k]) => k.includes("destination-key-policy"))?.[1].value as string;
    expect(statementsOf(JSON.parse(key))[0]).toMatchObject({ Principal: { AWS: ROLE }, Action: ["kms:Encrypt", "kms:GenerateDataKey"] });
    const b = model.buckets.find((x) => x.name === "their-archive");
    expect(b?.account).toBe(ACCOUNT_C);
    expect(b?.policy?.document.Statement).toHaveLength(2);
    // Its key: known by the statement emitted for its owners, which the replication-kms check reads.
    const k = model.keys.find((x) => x.arn === DEST_KEY);
    expect(k?.existing).toBe(true);
    expect(statementsOf(k?.policy?.document ?? { Version: "2012-10-17", Statement: [] })[0].Sid).toBe("ReplicationFromToTheirsEncrypt");
    expect(checkModel(model)).toEqual([]);
  });

  it("unconfirmed versioning of the existing destination: replication-versioning", () => {
    expect(ids(existing(false).tf)).toEqual(["replication-versioning"]);
  });
});

describe("Replication checks: each broken variant stopped with its id", () => {
  const { tf } = synth();

  it("versioning off on the source or on the destination: replication-versioning", () => {
    expect(ids(synth({ source: { versioning: false } }).tf)).toEqual(["replication-versioning"]);
    expect(checkModel(synth({ dest: { versioning: false } }).model)[0].message).toContain(`the destination ${BACKUP}`);
  });

  it("a missing KMS side on either key: replication-kms", () => {
    const noDestKeySide = editPolicy(tf, "aws_kms_key", /^backup/, (s) => s.filter((x) => !String(x.Sid).startsWith("ReplicationFrom")));
    expect(ids(noDestKeySide)).toEqual(["replication-kms"]);
    const noSourceDecrypt = editPolicy(tf, "aws_iam_role_policy", /./, (s) => s.filter((x) => x.Sid !== "DecryptSourceViaS3"));
    expect(ids(noSourceDecrypt)).toEqual(["replication-kms"]);
    const noEncrypt = editPolicy(tf, "aws_iam_role_policy", /./, (s) => s.filter((x) => x.Sid !== "EncryptReplicasViaS3"));
    expect(ids(noEncrypt)).toEqual(["replication-kms"]);
    const noSelection = JSON.parse(JSON.stringify(tf)) as TfJson;
    const rule = (Object.values(resourcesOf(noSelection, "aws_s3_bucket_replication_configuration"))[0].rule as Record<string, unknown>[])[0];
    delete rule.source_selection_criteria;
    expect(ids(noSelection)).toEqual(["replication-kms"]);
    delete (rule.destination as Record<string, unknown>).encryption_configuration;
    expect(
      checkModel(buildStackModel(noSelection))
        .map((f) => f.message)
        .join("\n"),
    ).toContain("replica_kms_key_id is not set");
  });

  it("owner override without the destination's permission: replication-owner-override", () => {
    const broken = editPolicy(tf, "aws_s3_bucket_policy", /^backup/, (s) =>
      s.map((x) => (x.Sid === "ReplicationFromToBackupObjects" ? { ...x, Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"] } : x)),
    );
    expect(ids(broken)).toEqual(["replication-owner-override"]);
  });

  it("replication into the same account: replication-same-account", () => {
    expect(ids(synth({ dest: { sameAccount: true } }).tf)).toEqual(["replication-same-account"]);
  });

  it("an SSE pin of the destination that refuses replicas: replication-sse-pin", () => {
    const pin: Statement = {
      Sid: "DenyUnencrypted",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: `arn:aws:s3:::${BACKUP}/*`,
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
    };
    expect(ids(synth({ destStatements: [pin] }).tf)).toEqual(["replication-sse-pin"]);
    // The same pin on s3:PutObject lets replicas through.
    expect(ids(synth({ destStatements: [{ ...pin, Action: "s3:PutObject" }] }).tf)).toEqual([]);
  });

  it("a destination bucket policy the replication statements would overflow: policy-size", () => {
    const size = (t: TfJson): number => JSON.stringify({ Version: "2012-10-17", Statement: policyOf(t, "aws_s3_bucket_policy", /^backup/) }).length;
    const withRepl = size(tf);
    const alone = size(synthModule((scope, p) => void new BucketShare(scope, "backup", { provider: p.b, accountId: ACCOUNT_B, bucketName: BACKUP })).tf);
    const delta = withRepl - alone;
    expect(delta).toBeGreaterThan(300);
    // A filler statement that leaves the policy just under the limit without the replication statements.
    const base = { Sid: "Filler", Effect: "Deny" as const, Principal: "*" as const, Action: "s3:DeleteBucket", Resource: `arn:aws:s3:::${BACKUP}` };
    const pad = POLICY_SIZE_LIMITS.bucket.limit - alone - JSON.stringify(base).length - 40 - Math.floor(delta / 2);
    const filler: Statement = { ...base, Condition: { StringEquals: { "aws:PrincipalTag/x": "y".repeat(pad) } } };
    const fits = synthModule(
      (scope, p) => void new BucketShare(scope, "backup", { provider: p.b, accountId: ACCOUNT_B, bucketName: BACKUP }).addToResourcePolicy(filler),
    );
    expect(ids(fits.tf)).toEqual([]);
    expect(ids(synth({ destStatements: [filler] }).tf)).toEqual(["policy-size"]);
  });
});

describe("Replication from an existing source bucket (examples/replication.md)", () => {
  const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const fromExisting = (confirmed: boolean): ReturnType<typeof synthModule> =>
    synthModule((scope, p) => {
      const c = new AwsProvider(scope, "account_c", { alias: "account_c", region: "us-east-1", allowedAccountIds: [ACCOUNT_C] });
      const source = BucketShare.fromExistingBucket(scope, "orders", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: "orders-prod",
        policy: "emit",
        kmsKeyArn: KEY,
      });
      const backup = new BucketShare(scope, "backup", { provider: c, accountId: ACCOUNT_C, bucketName: BACKUP });
      new Replication(scope, "orders-to-backup", {
        provider: p.b,
        source,
        destination: backup,
        roleName: "orders-replication",
        rules: [{ prefix: "exports/", deleteMarkers: false }],
        versioningConfirmed: { source: confirmed },
      });
    });

  it("the source key's Decrypt is emitted for the key's owners; both encryption-context forms (Bucket Key unknown)", () => {
    const { tf, model } = fromExisting(true);
    const emitted = Object.entries(tf.output ?? {}).find(([k]) => k.includes("key-policy-statements"))?.[1].value as string;
    const s = statementsOf(JSON.parse(emitted));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      Sid: "ReplicationFromOrdersToBackupDecrypt",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:role/orders-replication` },
      Action: "kms:Decrypt",
      Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::orders-prod", "arn:aws:s3:::orders-prod/*"] } },
    });
    expect(checkModel(model)).toEqual([]);
  });

  it("without versioningConfirmed.source the existing source is refused: replication-versioning", () => {
    expect(ids(fromExisting(false).tf)).toEqual(["replication-versioning"]);
  });
});

describe("Replication: the Batch Replication job role (existing objects)", () => {
  it("a role trusted by S3 Batch Operations of the source account: InitiateReplication, the configuration, the report prefix and its key via S3", () => {
    const { tf, model } = synth({ replication: { batchReplication: { roleName: "replicator-batch" } } });
    const [, role] = Object.entries(resourcesOf(tf, "aws_iam_role")).find(([n]) => n.includes("batch-role")) as [string, Record<string, unknown>];
    expect(statementsOf(parsePolicy(role.assume_role_policy))[0]).toMatchObject({
      Principal: { Service: "batchoperations.s3.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_B } },
    });
    const s = policyOf(tf, "aws_iam_role_policy", /batch-role-policy/);
    expect(s.map((x) => [x.Sid, x.Action, x.Resource])).toEqual([
      ["InitiateReplication", "s3:InitiateReplication", `arn:aws:s3:::${SOURCE}/*`],
      ["ReadReplicationConfiguration", ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"], `arn:aws:s3:::${SOURCE}`],
      ["WriteManifestAndReport", "s3:PutObject", `arn:aws:s3:::${SOURCE}/batch-replication/*`],
      ["ReportKeyViaS3", ["kms:GenerateDataKey", "kms:Decrypt"], expect.stringMatching(/aws_kms_key\.source_key/)],
    ]);
    expect(checkModel(model)).toEqual([]);
  });
});
