import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, synthModule } from "../../lib/testing";
import { accessPointName, DELEGATION_SID } from "../../lib/policy";
import { BucketShare } from "../../modules/bucket-share";
import { ConsumerAccess } from "../../modules/consumer-access";
import { requestClass } from "../../tools/access/classes";
import type { MatrixPrincipal, Probe, StackMatrix } from "../../tools/access/types";
import { matrixOfJson, withPolicy } from "./helpers";

/**
 * Requests through an access point, in the access matrix: account B's
 * SSE-KMS bucket in access-point mode, one consumer role of account A with
 * read on `data/` through its access point, and another role of account A
 * that has an identity policy naming that access point but no grant.
 * A request is allowed only when every hop allows: identity + access point
 * policy, the bucket's delegation, and (objects) the bucket's key via S3.
 */
describe("access matrix through access points", () => {
  const READER = `arn:aws:iam::${ACCOUNT_A}:role/reader`;
  const { tf } = synthModule((scope, p) => {
    const share = new BucketShare(scope, "share", { provider: p.b, accountId: ACCOUNT_B, bucketName: "shared-data-b", accessPoints: true });
    new ConsumerAccess(scope, "reader", { provider: p.a, accountId: ACCOUNT_A, roleArn: READER }).useBucket(share, "read", "data/");
    // Names the reader's access point in its own policy, but has no grant of its own.
    new ConsumerAccess(scope, "intruder", { provider: p.a, accountId: ACCOUNT_A, roleArn: `arn:aws:iam::${ACCOUNT_A}:role/intruder` }).addS3Grant({
      ...share.s3Grant("read", "data/"),
      accessPointArn: `arn:aws:s3:us-east-1:${ACCOUNT_B}:accesspoint/${accessPointName("shared-data-b", READER, "read", "data/")}`,
    });
  });
  const ap = `ap/${accessPointName("shared-data-b", READER, "read", "data/")}`;
  const obj = `${ap}/data/x.json`;
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOfJson("access-points", tf);
  });
  const cell = (matrix: StackMatrix, key: string) => {
    const c = matrix.cells.find((x) => x.key === key);
    if (!c) throw new Error(`no cell ${key}`);
    return c;
  };
  const sources = (matrix: StackMatrix, key: string) => cell(matrix, key).deciding.map((d) => d.source);
  /** Refused at the first hop: the deciding statements are the identity / access point side only. */
  const refusedAtAccessPoint = (key: string): void => {
    expect(cell(m, key).deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "access-point" }));
    expect(sources(m, key)).not.toEqual(expect.arrayContaining(["bucket"]));
    expect(sources(m, key)).not.toEqual(expect.arrayContaining(["key"]));
  };

  it("the granted role reads and lists its prefix through its access point (identity + access point + bucket delegation + key)", async () => {
    await expect(m).toAllow("role/reader", "s3:GetObject", obj);
    await expect(m).toAllow("role/reader", "s3:ListBucket", ap, "prefix=data/");
    expect(sources(m, `role/reader s3:GetObject ${obj}`)).toEqual(expect.arrayContaining(["role-inline", "access-point", "bucket", "key"]));
    expect(cell(m, `role/reader s3:GetObject ${obj}`).deciding).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ effect: "Allow", source: "bucket", sid: DELEGATION_SID }),
        expect.objectContaining({ effect: "Allow", source: "key" }),
        expect.objectContaining({ effect: "Allow", source: "role-inline", sid: "Grant1KmsKey" }),
      ]),
    );
    // listing needs no key: the key is not among its deciding statements
    expect(sources(m, `role/reader s3:ListBucket ${ap} [prefix=data/]`)).toEqual(expect.arrayContaining(["role-inline", "access-point", "bucket"]));
    expect(sources(m, `role/reader s3:ListBucket ${ap} [prefix=data/]`)).not.toContain("key");
  });

  it("the granted role cannot write (read grant), nor read or list outside its prefix", async () => {
    await expect(m).toDeny("role/reader", "s3:PutObject", obj);
    refusedAtAccessPoint(`role/reader s3:PutObject ${obj}`);
    await expect(m).toDeny("role/reader", "s3:GetObject", `${ap}/other/x.json`);
    await expect(m).toDeny("role/reader", "s3:ListBucket", ap, "prefix=other/");
  });

  it("another role of the same account is refused by the access point policy even with an identity policy naming it", async () => {
    await expect(m).toDeny("role/intruder", "s3:GetObject", obj);
    refusedAtAccessPoint(`role/intruder s3:GetObject ${obj}`);
  });

  it("broad principals of other accounts and anonymous are refused", async () => {
    for (const who of ["probe/account_a", "probe/999999999999", "anonymous"]) {
      await expect(m).toDeny(who, "s3:GetObject", obj);
      await expect(m).toDeny(who, "s3:PutObject", obj);
    }
  });

  it("each hop counts: without the bucket's delegation the bucket refuses; without the key grant the key does", async () => {
    const noDelegation = await matrixOfJson(
      "access-points",
      withPolicy(tf, "aws_s3_bucket_policy", "share_policy", (doc) => {
        doc.Statement = doc.Statement.filter((s) => s.Sid !== DELEGATION_SID);
      }),
    );
    await expect(noDelegation).toDeny("role/reader", "s3:GetObject", obj);
    await expect(noDelegation).toDeny("role/reader", "s3:ListBucket", ap, "prefix=data/");
    expect(cell(noDelegation, `role/reader s3:GetObject ${obj}`).deciding).toEqual([expect.objectContaining({ effect: "NoAllow", source: "bucket" })]);

    const noKeyGrant = await matrixOfJson(
      "access-points",
      withPolicy(tf, "aws_kms_key", "share_key", (doc) => {
        expect(doc.Statement.map((s) => s.Sid)).toContain("KeyAdministrationByOwningAccount");
        doc.Statement = doc.Statement.filter((s) => s.Sid === "KeyAdministrationByOwningAccount");
      }),
    );
    await expect(noKeyGrant).toDeny("role/reader", "s3:GetObject", obj);
    expect(cell(noKeyGrant, `role/reader s3:GetObject ${obj}`).deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "key" }));
    expect(sources(noKeyGrant, `role/reader s3:GetObject ${obj}`)).not.toContain("bucket");
    // the S3 hops still allow: listing (no key involved) is unchanged
    await expect(noKeyGrant).toAllow("role/reader", "s3:ListBucket", ap, "prefix=data/");
  });

  it("the key's per-account form (Principal * + kms:CallerAccount, via S3) is decided by the caller's account", async () => {
    const perAccount = (account: string) =>
      matrixOfJson(
        "access-points",
        withPolicy(tf, "aws_kms_key", "share_key", (doc) => {
          doc.Statement = [
            ...doc.Statement.filter((s) => s.Sid === "KeyAdministrationByOwningAccount"),
            {
              Sid: "ConsumerAccountsViaS31",
              Effect: "Allow",
              Principal: "*",
              Action: ["kms:Decrypt"],
              Resource: "*",
              Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": account } },
            },
          ];
        }),
      );
    const ownAccount = await perAccount(ACCOUNT_A);
    await expect(ownAccount).toAllow("role/reader", "s3:GetObject", obj);
    expect(cell(ownAccount, `role/reader s3:GetObject ${obj}`).deciding).toContainEqual(
      expect.objectContaining({ effect: "Allow", source: "key", sid: "ConsumerAccountsViaS31" }),
    );
    const otherAccount = await perAccount(ACCOUNT_C);
    await expect(otherAccount).toDeny("role/reader", "s3:GetObject", obj);
    expect(cell(otherAccount, `role/reader s3:GetObject ${obj}`).deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "key" }));
  });
});

describe("request classes of access point probes with a key hop", () => {
  const identity = [
    {
      name: "broad",
      source: "probe-identity" as const,
      document: { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "*", Resource: "*" }] },
    },
  ];
  const probeOf = (account: string): MatrixPrincipal => ({
    label: `probe/${account}`,
    kind: "account-probe",
    arn: `arn:aws:iam::${account}:role/probe`,
    account,
    identityPolicies: identity,
    crossAccountOnly: true,
  });
  const base: Probe = {
    action: "s3:GetObject",
    resource: "arn:aws:s3:us-east-1:222222222222:accesspoint/ap/object/x",
    resourceLabel: "ap/ap/x",
    resourceAccount: ACCOUNT_B,
    context: {},
    contextLabel: "",
    blockPublicAccess: false,
  };
  const keyHop: Probe = {
    action: "kms:Decrypt",
    resource: `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/k`,
    resourceLabel: "key/k",
    resourceAccount: ACCOUNT_B,
    context: {},
    contextLabel: "via-s3",
    blockPublicAccess: false,
  };

  it("principals that differ only by account share a class without a key hop, and not with one (kms:CallerAccount)", () => {
    expect(requestClass(probeOf(ACCOUNT_A), base)).toBe(requestClass(probeOf(ACCOUNT_C), base));
    expect(requestClass(probeOf(ACCOUNT_A), { ...base, viaKey: keyHop })).not.toBe(requestClass(probeOf(ACCOUNT_C), { ...base, viaKey: keyHop }));
  });
});
