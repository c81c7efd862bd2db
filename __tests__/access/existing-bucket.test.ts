import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import type { StackMatrix } from "../../tools/access/types";
import { allowed, matrixOfJson } from "./helpers";

/**
 * An existing bucket and key of account B (emit mode: the bucket policy is the
 * statements emitted for its owners; the key is reached through a KMS grant)
 * shared read-only under reports/ with an existing ECS task role of account A.
 */
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

describe("access matrix of an existing bucket shared with an existing role", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    const { tf } = synthModule((scope, p) => {
      const share = BucketShare.fromExistingBucket(scope, "theirs", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: "their-data",
        policy: "emit",
        kmsKeyArn: KEY,
      });
      new ConsumerAccess(scope, "task", { provider: p.a, accountId: ACCOUNT_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/reports-task` }).useBucket(
        share,
        "read",
        "reports/",
      );
    });
    m = await matrixOfJson("existing", tf);
  });

  it("the task role reads under reports/ and decrypts through its KMS grant, and nothing else", () => {
    const cells = allowed(m).filter((c) => c.principal === "role/reports-task" && !c.context.includes("no-tls"));
    expect(cells.map((c) => `${c.action} ${c.resource} ${c.context}`.trim()).sort()).toEqual([
      // only as S3 calls it (the identity side's kms:ViaService): the KMS grant itself carries no such condition
      "kms:Decrypt key(their-data) via-s3",
      "s3:GetObject their-data/reports/x.json",
      // a GET of a version (the read level, #17)
      "s3:GetObjectVersion their-data/reports/x.json",
      "s3:ListBucket their-data prefix=reports/",
    ]);
    const decrypt = cells.find((c) => c.action === "kms:Decrypt");
    expect(decrypt?.deciding.map((d) => d.source).sort()).toEqual(["key", "role-inline"]);
    expect(JSON.stringify(decrypt?.deciding)).toContain("KmsGrant1");
  });
});

/**
 * A KMS grant authorizes on its own: a grantee whose own account gives it anything (a partner role
 * of an account outside the stack: the matrix gives it a broad identity policy) reaches the key
 * exactly as far as the grant goes.
 * Only an encryption-context constraint narrows a grant (#17 item 2).
 */
describe("access matrix of an existing key shared by a KMS grant with a partner role", () => {
  const PARTNER = "arn:aws:iam::444444444444:role/partner";
  const kmsCells = async (bucketKeyEnabled: boolean): Promise<string[]> => {
    const { tf } = synthModule((scope, p) => {
      BucketShare.fromExistingBucket(scope, "theirs", {
        provider: p.b,
        accountId: ACCOUNT_B,
        bucketName: "their-data",
        policy: "emit",
        kmsKeyArn: KEY,
        bucketKeyEnabled,
        grants: [{ principal: PARTNER, level: "read" }],
      });
    });
    const m = await matrixOfJson("existing", tf);
    return m.cells.filter((c) => c.principal === PARTNER && c.action.startsWith("kms:")).map((c) => `${c.action} [${c.context}] ${c.decision}`);
  };

  it("with the bucket's S3 Bucket Key (the grant constrained to aws:s3:arn = the bucket): only S3's calls for this bucket; directly or for another bucket Denied", async () => {
    expect((await kmsCells(true)).sort()).toEqual([
      "kms:Decrypt [] Denied",
      "kms:Decrypt [via-s3,other-bucket] Denied",
      "kms:Decrypt [via-s3] Allowed",
      "kms:GenerateDataKey [] Denied",
      "kms:GenerateDataKey [via-s3,other-bucket] Denied",
      "kms:GenerateDataKey [via-s3] Denied",
    ]);
  });

  it("without it (unconstrained grant, flagged kms-grant-unconstrained): Decrypt directly and for any bucket", async () => {
    expect((await kmsCells(false)).sort()).toEqual([
      "kms:Decrypt [] Allowed",
      "kms:Decrypt [via-s3,other-bucket] Allowed",
      "kms:Decrypt [via-s3] Allowed",
      "kms:GenerateDataKey [] Denied",
      "kms:GenerateDataKey [via-s3,other-bucket] Denied",
      "kms:GenerateDataKey [via-s3] Denied",
    ]);
  });
});
