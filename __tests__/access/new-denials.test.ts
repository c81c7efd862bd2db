import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { accessPointName, DELEGATION_SID } from "../../lib/policy";
import type { TfJson } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import { FOREIGN_ACCESS_POINT, OTHER_OWNER_LABEL } from "../../tools/access/probes";
import { stackFromJson } from "../../tools/access/load";
import { computeMatrix } from "../../tools/access/matrix";
import type { Cell, StackMatrix } from "../../tools/access/types";
import {
  BATCH_ROLE,
  DIRECT_BUCKET,
  DIRECT_EXEC,
  PROCESSOR,
  PROD_BUCKET,
  REPORTING_BUCKET,
  REPORTING_WRITER,
  UPLOAD_ROLE,
  WRITER_EXEC,
  WRITER_TARGET,
} from "./expected";
import { matrixOf, matrixOfJson, synthesized } from "./helpers";

/**
 * The denials issue #17 added, as the access matrix shows them (its "done when"): each asked of
 * the designed stacks (Denied), and of a copy with the one condition that refuses removed
 * (Allowed), so each test fails when the probe or the policy stops deciding.
 */

const summary = (cells: Cell[]): string[] => cells.map((c) => `${c.principal} ${c.action} ${c.resource} [${c.context}] ${c.decision}`).sort();

/** A deep copy of `tf` with `edit` applied to every policy document of the given resource types. */
function editPolicies(tf: TfJson, types: readonly string[], edit: (s: Statement) => Statement): TfJson {
  const copy = JSON.parse(JSON.stringify(tf)) as TfJson;
  for (const type of types) {
    for (const attrs of Object.values(copy.resource?.[type] ?? {})) {
      if (typeof attrs.policy !== "string") continue;
      const doc = JSON.parse(attrs.policy) as PolicyDocument;
      doc.Statement = [doc.Statement].flat().map(edit);
      attrs.policy = JSON.stringify(doc);
    }
  }
  return copy;
}

/** The statement without the condition keys matching `key` (an operator left empty is dropped). */
function withoutConditionKey(s: Statement, key: RegExp): Statement {
  if (!s.Condition) return s;
  const condition = Object.fromEntries(
    Object.entries(s.Condition)
      .map(([op, kv]) => [op, Object.fromEntries(Object.entries(kv).filter(([k]) => !key.test(k)))] as const)
      .filter(([, kv]) => Object.keys(kv).length > 0),
  );
  return Object.keys(condition).length ? { ...s, Condition: condition } : (({ Condition: _c, ...rest }) => rest)(s);
}

describe("the owner's key used by a consumer for ANOTHER bucket (kms:EncryptionContext:aws:s3:arn, #17 item 3)", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("bucket-policy");
  });
  const kms = (matrix: StackMatrix): string[] =>
    summary(matrix.cells.filter((c) => c.principal === DIRECT_EXEC && c.action.startsWith("kms:") && c.context.startsWith("via-s3")));

  it("is Denied for the bucket-policy stack's writer, whose own bucket's calls are Allowed", () => {
    expect(kms(m)).toEqual([
      `${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET}) [via-s3,other-bucket] Denied`,
      `${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET}) [via-s3] Allowed`,
      `${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3,other-bucket] Denied`,
      `${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3] Allowed`,
    ]);
  });

  it("would be Allowed without the pin on both sides (key policy and the writer's policy)", async () => {
    const unpinned = editPolicies(synthesized()["bucket-policy"], ["aws_kms_key", "aws_iam_role_policy"], (s) =>
      withoutConditionKey(s, /^kms:EncryptionContext:/i),
    );
    const cells = kms(await matrixOfJson("bucket-policy", unpinned));
    expect(cells).toContain(`${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET}) [via-s3,other-bucket] Allowed`);
    expect(cells).toContain(`${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3,other-bucket] Allowed`);
  });
});

describe("a same-named bucket of another account (aws:ResourceAccount; the writer sends ExpectedBucketOwner, #17 item 4)", () => {
  const otherOwner = (matrix: StackMatrix, principals: readonly string[]): Cell[] =>
    matrix.cells.filter((c) => principals.includes(c.principal) && c.context === OTHER_OWNER_LABEL);

  it("bucket-policy and assume-role stacks: the writers' PutObject and GetObject there are Denied by their own identity policy", async () => {
    const bp = otherOwner(await matrixOf("bucket-policy"), [DIRECT_EXEC]);
    expect(summary(bp)).toEqual([
      `${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/incoming/x.json [${OTHER_OWNER_LABEL}] Denied`,
      `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/incoming/x.json [${OTHER_OWNER_LABEL}] Denied`,
    ]);
    for (const c of bp) expect(c.deciding).toEqual([expect.objectContaining({ effect: "NoAllow", source: "identity" })]);
    const ar = otherOwner(await matrixOf("assume-role"), [WRITER_EXEC, WRITER_TARGET]);
    expect(ar.filter((c) => c.action === "s3:PutObject").map((c) => [c.principal, c.decision])).toEqual([
      [WRITER_TARGET, "Denied"],
      [WRITER_EXEC, "Denied"],
    ]);
    // ... and nothing reaches it through the target role either (only Allowed cells are inherited)
    expect(ar.filter((c) => c.decision === "Allowed" || c.via)).toEqual([]);
  });

  it("three-account stack: no human role, processor, reporting writer or Batch Operations role reaches it", async () => {
    const cells = otherOwner(await matrixOf("three-account"), [UPLOAD_ROLE, PROCESSOR, REPORTING_WRITER, BATCH_ROLE]);
    expect(new Set(cells.map((c) => c.resource.split("/")[0]))).toEqual(new Set([PROD_BUCKET, REPORTING_BUCKET]));
    expect(cells.filter((c) => c.decision !== "Denied")).toEqual([]);
    expect(cells.length).toBe(16);
  });

  it("would be Allowed to the writer without aws:ResourceAccount in its policy", async () => {
    const unpinned = editPolicies(synthesized()["bucket-policy"], ["aws_iam_role_policy"], (s) => withoutConditionKey(s, /^aws:ResourceAccount$/i));
    const put = otherOwner(await matrixOfJson("bucket-policy", unpinned), [DIRECT_EXEC]).find((c) => c.action === "s3:PutObject");
    expect(put?.decision).toBe("Allowed");
    // A diff (Allowed cells only, probes no identity statement can reach skipped) keeps it too.
    const s = stackFromJson("bucket-policy", unpinned);
    const diffSide = await computeMatrix(s.name, s.model, s.extras, { allowedOnly: true });
    expect(diffSide.cells.map((c) => c.key)).toContain(put?.key);
  });
});

describe("an access point someone else in the owner account created on the shared bucket (s3:DataAccessPointArn delegation, #17 item 7)", () => {
  const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
    new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER }).useBucket(share, "read", "data/");
  });
  const foreign = `ap/${FOREIGN_ACCESS_POINT}`;
  const foreignCells = (matrix: StackMatrix): Cell[] => matrix.cells.filter((c) => c.resource.startsWith(foreign));

  it("is refused by the bucket to everyone its own policy lets in (a broad principal of account A), while the share's access point works", async () => {
    const m = await matrixOfJson("access-points", tf);
    const cells = foreignCells(m);
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((c) => c.decision !== "Denied")).toEqual([]);
    // The broad probe of account A passes the foreign access point's own policy; the bucket's delegation refuses.
    const get = cells.find((c) => c.principal === "probe/account_a" && c.action === "s3:GetObject" && c.resource === `${foreign}/data/x.json`);
    expect(get?.deciding).toEqual([expect.objectContaining({ effect: "NoAllow", source: "bucket" })]);
    await expect(m).toAllow("role/reader", "s3:GetObject", `ap/${accessPointName("shared-data-b", READER, "read", "data/")}/data/x.json`);
  });

  it("would pass the bucket with the delegation of AWS's documented form (any access point of the owner account): only the key would still refuse objects", async () => {
    const accountWide = editPolicies(tf, ["aws_s3_bucket_policy"], (s) => (s.Sid === DELEGATION_SID ? withoutConditionKey(s, /^s3:DataAccessPointArn$/i) : s));
    const cells = foreignCells(await matrixOfJson("access-points", accountWide)).filter((c) => c.principal === "probe/account_a");
    expect(cells.find((c) => c.action === "s3:ListBucket" && c.context === "prefix=data/")?.decision).toBe("Allowed");
    const get = cells.find((c) => c.action === "s3:GetObject" && c.resource === `${foreign}/data/x.json`);
    expect(get?.decision).toBe("Denied");
    expect(get?.deciding.map((d) => d.source)).not.toContain("bucket");
    expect(get?.deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "key" }));
  });
});
