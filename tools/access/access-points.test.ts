import { ACCOUNT_A, ACCOUNT_B, synthModule } from "../../lib/testing";
import { accessPointName, DELEGATION_SID } from "../../lib/policy";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import { accessPointCells } from "./access-points";

/**
 * Expected cells of an access-point share: account B's bucket, one consumer
 * role of account A with read on `data/` through its access point, and
 * another role of account A that has an identity policy but no grant.
 */
describe("access matrix through access points", () => {
  const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
  const { model } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
    new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER }).useBucket(share, "read", "data/");
    // Names the reader's access point in its own policy, but has no grant of its own.
    new ConsumerAccess(scope, "intruder", { provider: p.a, accountId: ACCOUNT_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/intruder` }).addS3Grant({
      ...share.s3Grant("read", "data/"),
      accessPointArn: `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${accessPointName("shared-data-b", READER, "read", "data/")}`,
    });
  });
  const ap = `ap/${accessPointName("shared-data-b", READER, "read", "data/")}`;
  let cells: Awaited<ReturnType<typeof accessPointCells>>;
  beforeAll(async () => {
    cells = await accessPointCells(model);
  });
  const cell = (principal: string, action: string, resource: string) => cells.find((c) => c.key === `${principal} ${action} ${resource}`);

  it("the granted role reads and lists its prefix through its access point (identity + access point + bucket delegation + key)", () => {
    expect(cell("role/reader", "s3:GetObject", `${ap}/object/data/access-matrix-probe.txt`)).toMatchObject({ decision: "Allowed", deniedAt: "" });
    expect(cell("role/reader", "s3:ListBucket", ap)).toMatchObject({ decision: "Allowed" });
    const sources = cell("role/reader", "s3:GetObject", `${ap}/object/data/access-matrix-probe.txt`)?.deciding.map((d) => d.source);
    expect(sources).toEqual(expect.arrayContaining(["role-inline", "access-point", "bucket", "key"]));
  });

  it("the granted role cannot write (read grant)", () => {
    expect(cell("role/reader", "s3:PutObject", `${ap}/object/data/access-matrix-probe.txt`)).toMatchObject({ decision: "Denied", deniedAt: "identity+access-point" });
  });

  it("another role of the same account is refused by the access point policy even with an identity policy naming it", () => {
    expect(cell("role/intruder", "s3:GetObject", `${ap}/object/data/access-matrix-probe.txt`)).toMatchObject({ decision: "Denied", deniedAt: "identity+access-point" });
  });

  it("broad principals of other accounts and anonymous are refused", () => {
    for (const who of ["probe/account_a", "probe/999999999999", "anonymous"]) {
      expect(cell(who, "s3:GetObject", `${ap}/object/data/access-matrix-probe.txt`)?.decision).toBe("Denied");
      expect(cell(who, "s3:PutObject", `${ap}/object/data/access-matrix-probe.txt`)?.decision).toBe("Denied");
    }
  });

  it("each hop counts: without the bucket's delegation the bucket refuses; without the key grant the key does", async () => {
    const obj = `${ap}/object/data/access-matrix-probe.txt`;
    const bucket = model.buckets[0];
    const policy = bucket.policy as NonNullable<typeof bucket.policy>;
    const noDelegation = { ...model, buckets: [{ ...bucket, policy: { ...policy, document: { ...policy.document, Statement: policy.document.Statement.filter((x) => x.Sid !== DELEGATION_SID) } } }] };
    const a = await accessPointCells(noDelegation);
    expect(a.find((c) => c.key === `role/reader s3:GetObject ${obj}`)).toMatchObject({ decision: "Denied", deniedAt: "bucket" });
    const key = model.keys[0];
    const keyPolicy = key.policy as NonNullable<typeof key.policy>;
    const noKey = { ...model, keys: [{ ...key, policy: { ...keyPolicy, document: { ...keyPolicy.document, Statement: keyPolicy.document.Statement.filter((x) => x.Sid === "KeyAdministrationByOwningAccount") } } }] };
    const k = await accessPointCells(noKey);
    expect(k.find((c) => c.key === `role/reader s3:GetObject ${obj}`)).toMatchObject({ decision: "Denied", deniedAt: "key" });
  });
});
