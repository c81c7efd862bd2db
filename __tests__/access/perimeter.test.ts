import { OTHER_ORG_LABEL } from "../../tools/access/principals";
import type { StackMatrix } from "../../tools/access/types";
import type { TfJson } from "../../lib/model/stack-model";
import {
  ASSUME_ROLE_EXPECTED,
  BUCKET_POLICY_EXPECTED,
  DIRECT_BUCKET,
  DIRECT_EXEC,
  PROD_BUCKET,
  SHARED_BUCKET,
  THREE_ACCOUNT_EXPECTED,
  UPLOAD_ROLE,
} from "./expected";
import { allowed, cellsOf, matrixOf, matrixOfJson, synthesized } from "./helpers";

/** The data perimeter (#22 item 2) as the access review decides it: the demo stacks with `perimeter.organizationId` set. */

const ORG = "o-a1b2c3d4e5";
const ACCOUNT_A = "111111111111";
const ACCOUNT_B = "222222222222";
const PERIMETER = { perimeter: { organizationId: ORG } };

describe.each([
  ["assume-role", ASSUME_ROLE_EXPECTED, SHARED_BUCKET],
  ["bucket-policy", BUCKET_POLICY_EXPECTED, DIRECT_BUCKET],
  ["three-account", THREE_ACCOUNT_EXPECTED, PROD_BUCKET],
] as const)("%s with the data perimeter on", (stack, expected, bucket) => {
  let on: StackMatrix;
  let off: StackMatrix;
  beforeAll(async () => {
    [on, off] = await Promise.all([matrixOf(stack, PERIMETER), matrixOf(stack)]);
  });

  it("keeps every designed cell: the Organization's members pass the perimeter and aws:ResourceOrgID", async () => {
    await expect(on).toGrantExactly(expected);
  });

  it("asks a principal of another Organization, and only with the perimeter on", () => {
    expect(on.principals).toContain(OTHER_ORG_LABEL);
    expect(off.principals).not.toContain(OTHER_ORG_LABEL);
  });

  it("denies the other Organization's principal (broad identity policy of its own) by the perimeter's explicit Deny on the bucket and the key", () => {
    const cells = cellsOf(on, OTHER_ORG_LABEL);
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((c) => c.decision === "Allowed")).toEqual([]);
    const onBucket = cells.filter((c) => c.resource.startsWith(bucket) && c.context === "");
    expect(onBucket.length).toBeGreaterThan(0);
    for (const c of onBucket) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "EnforceIdentityPerimeter" }));
    const onKey = cells.filter((c) => c.action.startsWith("kms:") && c.context === "");
    expect(onKey.length).toBeGreaterThan(0);
    for (const c of onKey) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "key", sid: "EnforceIdentityPerimeter" }));
  });

  it("changes nothing else: the same Allowed cells as without the perimeter", () => {
    const key = (m: StackMatrix): string[] =>
      allowed(m)
        .map((c) => `${c.principal} ${c.action} ${c.resource} ${c.context} ${c.via?.role ?? ""}`)
        .sort();
    expect(key(on)).toEqual(key(off));
  });
});

describe("the perimeter and the roles' trust policies", () => {
  it("denies sts:AssumeRole of the demo's roles to the other Organization by the trust policy's perimeter Deny", async () => {
    const m = await matrixOf("three-account", PERIMETER);
    const assume = cellsOf(m, OTHER_ORG_LABEL).filter((c) => c.action === "sts:AssumeRole" && c.resource.endsWith(UPLOAD_ROLE.replace(/^role\//, "")));
    expect(assume.length).toBeGreaterThan(0);
    for (const c of assume) {
      expect(c.decision).toBe("Denied");
      expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "trust", sid: "EnforceIdentityPerimeter" }));
    }
  });

  it("denies what an account outside any Organization asks (no aws:PrincipalOrgID at all) by the same Deny", async () => {
    const m = await matrixOf("bucket-policy", PERIMETER);
    const third = cellsOf(m, "probe/999999999999").filter((c) => c.resource.startsWith(DIRECT_BUCKET) && c.context === "");
    expect(third.length).toBeGreaterThan(0);
    for (const c of third) expect(c.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", sid: "EnforceIdentityPerimeter" }));
    // The writer (account a, a member) still writes: its identity statements carry aws:ResourceOrgID, which its requests meet.
    await expect(m).toAllow(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/incoming/x.json`);
  });
});

describe("the review takes Organization membership from the perimeter (mutations of the stack JSON)", () => {
  /** bucket-policy with the perimeter, its perimeter markers' member accounts replaced by `members`. */
  const withMembers = (members: string[]): Promise<StackMatrix> => {
    const tf = JSON.parse(JSON.stringify(synthesized(PERIMETER)["bucket-policy"])) as TfJson;
    for (const m of Object.values(tf.locals ?? {}) as Record<string, unknown>[]) {
      if (m.xacct_resource === "perimeter") m.member_accounts = JSON.stringify(members);
    }
    return matrixOfJson("bucket-policy", tf);
  };
  const PUT = `${DIRECT_BUCKET}/incoming/x.json`;

  it("a writer whose account is not of the Organization is denied by the perimeter Deny (no aws:PrincipalOrgID)", async () => {
    const m = await withMembers([ACCOUNT_B]);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", PUT);
    const c = cellsOf(m, DIRECT_EXEC).find((x) => x.action === "s3:PutObject" && x.resource === PUT && x.context === "");
    expect(c?.deciding).toContainEqual(expect.objectContaining({ effect: "Deny", source: "bucket", sid: "EnforceIdentityPerimeter" }));
  });

  it("a bucket whose account is not of the Organization gets nothing from the writer's identity statements (aws:ResourceOrgID absent)", async () => {
    const m = await withMembers([ACCOUNT_A]);
    await expect(m).toDeny(DIRECT_EXEC, "s3:PutObject", PUT);
    const c = cellsOf(m, DIRECT_EXEC).find((x) => x.action === "s3:PutObject" && x.resource === PUT && x.context === "");
    expect(c?.deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow" }));
    expect(c?.deciding).not.toContainEqual(expect.objectContaining({ effect: "Deny" }));
  });

  it("both accounts members: allowed (the unmutated stack)", async () => {
    await expect(await withMembers([ACCOUNT_A, ACCOUNT_B])).toAllow(DIRECT_EXEC, "s3:PutObject", PUT);
  });
});
