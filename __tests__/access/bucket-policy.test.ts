import type { StackMatrix } from "../../tools/access/types";
import { BUCKET_POLICY_EXPECTED, DIRECT_BUCKET, DIRECT_EXEC } from "./expected";
import { allowed, cellsOf, itDeniesTheUsualSuspects, matrixOf } from "./helpers";

describe("bucket-policy access matrix", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("bucket-policy");
  });

  it("allows exactly the designed cells", async () => {
    await expect(m).toGrantExactly(BUCKET_POLICY_EXPECTED);
  });

  it("needs both sides cross-account: each Allowed S3/KMS cell names the Lambda's statement and the resource policy's", () => {
    for (const c of allowed(m).filter((x) => x.action !== "sts:AssumeRole")) {
      expect(c.deciding.map((d) => d.source).sort()).toEqual([c.action.startsWith("kms:") ? "key" : "bucket", "role-inline"].sort());
    }
  });

  it("lists only with the right prefix, and reads/writes only under it", async () => {
    await expect(m).toAllow(DIRECT_EXEC, "s3:ListBucket", DIRECT_BUCKET, "prefix=incoming/");
    await expect(m).toDeny(DIRECT_EXEC, "s3:ListBucket", DIRECT_BUCKET, "prefix=other/");
    await expect(m).toDeny(DIRECT_EXEC, "s3:ListBucket", DIRECT_BUCKET, "no-prefix");
    await expect(m).toAllow(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/incoming/x.json`);
    await expect(m).toDeny(DIRECT_EXEC, "s3:GetObject", `${DIRECT_BUCKET}/other/x.json`);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/other/x.json`);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/incoming/x.json`, "no-tls");
  });

  it("stops every other principal of A and B at the bucket and key policies", () => {
    for (const probe of ["probe/account_a", "probe/account_b"]) expect(allowed(m).filter((c) => c.principal === probe)).toEqual([]);
    const fromA = cellsOf(m, "probe/account_a").filter((c) => c.resource === `${DIRECT_BUCKET}/incoming/x.json` && c.context === "");
    expect(fromA.length).toBeGreaterThan(0);
    for (const c of fromA) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "bucket" }));
  });

  itDeniesTheUsualSuspects(() => m, [DIRECT_BUCKET]);
});

describe("bucket-policy access matrix with access logs on", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("bucket-policy", { accessLogs: true });
  });

  it("adds the log bucket without opening it to anyone: the same Allowed cells", async () => {
    await expect(m).toGrantExactly(BUCKET_POLICY_EXPECTED);
    const logCells = m.cells.filter((c) => c.resource.startsWith(`${DIRECT_BUCKET}-logs`));
    expect(logCells.length).toBeGreaterThan(0);
    expect(logCells.filter((c) => c.decision === "Allowed")).toEqual([]);
  });
});
