import { OTHER_OWNER_LABEL } from "../../tools/access/probes";
import type { StackMatrix } from "../../tools/access/types";
import { ASSUME_ROLE_EXPECTED, ASSUME_ROLE_WITH_EXTERNAL_ID_EXPECTED, EXTERNAL_ID, SHARED_BUCKET, WRITER_EXEC, WRITER_TARGET } from "./expected";
import { allowed, cellsOf, itDeniesTheUsualSuspects, matrixOf } from "./helpers";

describe("assume-role access matrix", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("assume-role");
  });

  it("allows exactly the designed cells", async () => {
    await expect(m).toGrantExactly(ASSUME_ROLE_EXPECTED);
  });

  it("the Lambda reaches the bucket and key only through the target role", () => {
    const direct = allowed(m).filter((c) => c.principal === WRITER_EXEC && !c.via);
    expect(direct.map((c) => c.key)).toEqual([`${WRITER_EXEC} sts:AssumeRole ${WRITER_TARGET}`]);
  });

  it("lists only with the right prefix", () => {
    const lists = cellsOf(m, WRITER_TARGET).filter((c) => c.action === "s3:ListBucket" && !c.context.includes("no-tls"));
    expect(lists.map((c) => [c.context, c.decision])).toEqual([
      ["prefix=incoming/", "Allowed"],
      ["prefix=other/", "Denied"],
      ["no-prefix", "Denied"],
    ]);
  });

  it("pins writes to the bucket's KMS key: every other encryption header is denied by the bucket policy; none (bucket default, multipart parts) passes", () => {
    const puts = cellsOf(m, WRITER_TARGET).filter(
      (c) =>
        c.action === "s3:PutObject" &&
        c.resource === `${SHARED_BUCKET}/incoming/x.json` &&
        !c.context.includes("no-tls") &&
        // a same-named bucket of another account: see new-denials.test.ts
        c.context !== OTHER_OWNER_LABEL,
    );
    const decisions = Object.fromEntries(puts.map((c) => [c.context, c.decision]));
    expect(decisions).toEqual({
      "": "Allowed",
      "sse=aws:kms,kms-key=bucket": "Allowed",
      "sse=aws:kms,kms-key=foreign": "Denied",
      "sse=aws:kms,kms-key=aws/s3": "Denied",
      "sse=AES256": "Denied",
      "sse-c": "Denied",
    });
    const sseC = puts.find((c) => c.context === "sse-c");
    expect(sseC?.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "DenyPutWithSseC" }));
    const foreign = puts.find((c) => c.context === "sse=aws:kms,kms-key=foreign");
    expect(foreign?.deciding).toEqual([expect.objectContaining({ effect: "Deny", source: "bucket", sid: "DenyPutWithOtherKmsKey" })]);
    const awsManaged = puts.find((c) => c.context === "sse=aws:kms,kms-key=aws/s3");
    expect(awsManaged?.deciding).toEqual([expect.objectContaining({ effect: "Deny", source: "bucket", sid: "DenyPutWithAwsManagedKey" })]);
    const aes = puts.find((c) => c.context === "sse=AES256");
    expect(aes?.deciding).toEqual([expect.objectContaining({ effect: "Deny", source: "bucket", sid: "DenyPutWithOtherEncryption" })]);
  });

  it("the key is usable only through S3 (kms:ViaService), never directly, and only for its own bucket (encryption context)", () => {
    const kms = cellsOf(m, WRITER_TARGET).filter((c) => c.action.startsWith("kms:"));
    expect(kms.map((c) => `${c.action} [${c.context}] ${c.decision}`).sort()).toEqual([
      "kms:Decrypt [] Denied",
      // S3 asking for another bucket (kms:EncryptionContext:aws:s3:arn): Denied (#17 item 3)
      "kms:Decrypt [via-s3,other-bucket] Denied",
      "kms:Decrypt [via-s3] Allowed",
      "kms:GenerateDataKey [] Denied",
      "kms:GenerateDataKey [via-s3,other-bucket] Denied",
      "kms:GenerateDataKey [via-s3] Allowed",
    ]);
  });

  it("explains the hop: the Lambda's identity statement and the role's trust statement", () => {
    const put = m.cells.find((c) => c.key === `${WRITER_EXEC} s3:PutObject ${SHARED_BUCKET}/incoming/x.json [sse=aws:kms,kms-key=bucket] via ${WRITER_TARGET}`);
    expect(put?.via?.deciding).toEqual([
      expect.objectContaining({ effect: "Allow", source: "role-inline", sid: "AssumeTargetRole" }),
      expect.objectContaining({ effect: "Allow", source: "trust", sid: "AssumeFromNamedPrincipals" }),
    ]);
    expect(put?.deciding).toEqual([expect.objectContaining({ effect: "Allow", source: "role-inline", sid: "Objects" })]);
  });

  it("other principals of A and B cannot assume the role", () => {
    for (const probe of ["probe/account_a", "probe/account_b"]) {
      const assume = cellsOf(m, probe).filter((c) => c.action === "sts:AssumeRole" && c.resource === WRITER_TARGET);
      expect(assume.map((c) => c.decision)).toEqual(["Denied"]);
      expect(allowed(m).filter((c) => c.principal === probe)).toEqual([]);
    }
  });

  itDeniesTheUsualSuspects(() => m, [SHARED_BUCKET]);
});

describe("assume-role access matrix with an ExternalId", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("assume-role", { externalId: EXTERNAL_ID });
  });

  it("allows exactly the designed cells (AssumeRole only with the ExternalId)", async () => {
    await expect(m).toGrantExactly(ASSUME_ROLE_WITH_EXTERNAL_ID_EXPECTED);
  });

  it("denies AssumeRole without the ExternalId or with a wrong one, for want of a matching trust statement", () => {
    const assume = cellsOf(m, WRITER_EXEC).filter((c) => c.action === "sts:AssumeRole" && c.resource === WRITER_TARGET && !c.via);
    expect(assume.map((c) => [c.context, c.decision])).toEqual([
      ["", "Denied"],
      ["externalId=wrong", "Denied"],
      ["externalId=correct", "Allowed"],
    ]);
    for (const c of assume.filter((x) => x.decision === "Denied")) {
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "trust" }));
    }
  });

  itDeniesTheUsualSuspects(() => m, [SHARED_BUCKET]);
});
