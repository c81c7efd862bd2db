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
