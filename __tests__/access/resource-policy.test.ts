import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import type { StackMatrix } from "../../tools/access/types";
import { matrixOfJson } from "./helpers";

/**
 * A statement added with `share.addToResourcePolicy()` is part of the
 * synthesized bucket policy, so the access review sees it like the modules'
 * own: a role of account A whose identity policy names `extra/` but whose
 * grant is only on `data/` reads `extra/` only once the added statement
 * allows it on the bucket side (cross-account needs both sides).
 */
describe("access matrix with a statement added by addToResourcePolicy", () => {
  const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
  const build = (withExtra: boolean) =>
    synthModule((scope, p) => {
      const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "extra-data-b", encryption: "s3" });
      const reader = new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER });
      share.grant(reader, { level: "read", prefix: "data/" });
      // The identity side for extra/ only: the bucket side comes from the added statement, or not at all.
      reader.addS3Grant(share.s3Grant("read", "extra/"));
      if (withExtra) {
        share.addToResourcePolicy({
          Sid: "ReaderExtra",
          Effect: "Allow",
          Principal: { AWS: READER },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::extra-data-b/extra/*",
        });
      }
    }).tf;
  let withExtra: StackMatrix;
  let without: StackMatrix;
  beforeAll(async () => {
    withExtra = await matrixOfJson("extra", build(true));
    without = await matrixOfJson("extra", build(false));
  });

  it("allows what the added statement allows, and names it among the deciding statements", async () => {
    await expect(withExtra).toAllow("role/reader", "s3:GetObject", "extra-data-b/extra/x.json");
    const cell = withExtra.cells.find((c) => c.key === "role/reader s3:GetObject extra-data-b/extra/x.json");
    expect(cell?.deciding).toEqual(expect.arrayContaining([expect.objectContaining({ effect: "Allow", source: "bucket", sid: "ReaderExtra" })]));
  });

  it("without it the same request is denied (the identity side alone is not enough across accounts)", async () => {
    await expect(without).toDeny("role/reader", "s3:GetObject", "extra-data-b/extra/x.json");
    await expect(without).toAllow("role/reader", "s3:GetObject", "extra-data-b/data/x.json");
  });
});
