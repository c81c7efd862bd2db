import type { Cell, StackMatrix } from "../../tools/access/types";
import {
  DEVELOPERS,
  DEVELOPMENT_PROBE,
  PROCESSOR,
  PROD_BUCKET,
  REPORTING_BUCKET,
  REPORTING_PROBE,
  REPORTING_WRITER,
  TESTERS,
  THREE_ACCOUNT_EXPECTED,
  UPLOAD_ROLE,
  VIEW_ROLE,
} from "./expected";
import { allowed, cellsOf, itDeniesTheUsualSuspects, matrixOf } from "./helpers";

const assumeCells = (m: StackMatrix, principal: string): Cell[] => cellsOf(m, principal).filter((c) => c.action === "sts:AssumeRole" && !c.via);
const summary = (cells: Cell[]): string[] => cells.map((c) => `${c.resource}${c.context ? ` [${c.context}]` : ""} ${c.decision}`);

describe("three-account access matrix", () => {
  let m: StackMatrix;
  beforeAll(async () => {
    m = await matrixOf("three-account");
  });

  it("allows exactly the designed cells", async () => {
    await expect(m).toGrantExactly(THREE_ACCOUNT_EXPECTED);
  });

  it("Developers may assume only the upload role, and only with fresh MFA and a session named after themselves", () => {
    expect(summary(assumeCells(m, DEVELOPERS).filter((c) => c.decision === "Allowed"))).toEqual([`${UPLOAD_ROLE} [mfa,session=own-name] Allowed`]);
    expect(summary(assumeCells(m, DEVELOPERS).filter((c) => c.resource === UPLOAD_ROLE))).toEqual([
      `${UPLOAD_ROLE} [session=other-name] Denied`,
      `${UPLOAD_ROLE} [session=own-name] Denied`,
      `${UPLOAD_ROLE} [mfa,session=other-name] Denied`,
      `${UPLOAD_ROLE} [mfa,session=own-name] Allowed`,
      `${UPLOAD_ROLE} [mfa-12h-old,session=other-name] Denied`,
      `${UPLOAD_ROLE} [mfa-12h-old,session=own-name] Denied`,
    ]);
  });

  it("a Development role with sts:AssumeRole on * and MFA cannot assume the human roles: only IAM users are trusted", () => {
    const probe = assumeCells(m, DEVELOPMENT_PROBE).filter((c) => c.resource === UPLOAD_ROLE || c.resource === VIEW_ROLE);
    expect(probe.length).toBe(12);
    expect(probe.filter((c) => c.decision === "Allowed")).toEqual([]);
    const withMfa = probe.find((c) => c.resource === UPLOAD_ROLE && c.context === "mfa,session=own-name");
    expect(withMfa?.deciding).toEqual([expect.objectContaining({ effect: "NoAllow", source: "trust" })]);
    expect(allowed(m).filter((c) => c.principal === DEVELOPMENT_PROBE)).toEqual([]);
  });

  it("Testers may assume only the view role (with MFA) and can never PutObject", () => {
    expect(summary(assumeCells(m, TESTERS).filter((c) => c.decision === "Allowed"))).toEqual([`${VIEW_ROLE} [mfa,session=own-name] Allowed`]);
    expect(allowed(m).filter((c) => c.principal === TESTERS && c.action === "s3:PutObject")).toEqual([]);
    expect(allowed(m).filter((c) => c.principal === VIEW_ROLE && c.action === "s3:PutObject")).toEqual([]);
  });

  it("the processor reads only metadata of the data bucket: no kms:Decrypt on its key", () => {
    const kms = allowed(m).filter((c) => c.principal === PROCESSOR && c.resource === `key(${PROD_BUCKET})`);
    expect(kms).toEqual([]);
    expect(cellsOf(m, PROCESSOR).filter((c) => c.resource === `key(${PROD_BUCKET})`).length).toBeGreaterThan(0);
  });

  it("the processor writes to Reporting via the reporting writer role, and cannot read or delete there", () => {
    const inReporting = allowed(m).filter((c) => c.principal === PROCESSOR && c.resource.startsWith(REPORTING_BUCKET));
    // (twice: without encryption headers, i.e. the bucket default, and with the handler's SSE-KMS headers)
    expect(inReporting.map((c) => [c.action, c.resource, c.context, c.via?.role])).toEqual([
      ["s3:PutObject", `${REPORTING_BUCKET}/metadata/x.json`, "", REPORTING_WRITER],
      ["s3:PutObject", `${REPORTING_BUCKET}/metadata/x.json`, "sse=aws:kms,kms-key=bucket", REPORTING_WRITER],
    ]);
    const denied = cellsOf(m, REPORTING_WRITER).filter((c) => c.resource.startsWith(REPORTING_BUCKET) && c.decision === "Denied");
    expect(new Set(denied.map((c) => c.action))).toEqual(
      new Set(["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteBucket", "s3:PutBucketPolicy"]),
    );
  });

  it("nobody from Reporting can read Production", () => {
    const fromReporting = [REPORTING_WRITER, REPORTING_PROBE];
    const prod = allowed(m).filter((c) => fromReporting.includes(c.principal) && (c.resource.startsWith(PROD_BUCKET) || c.resource === `key(${PROD_BUCKET})`));
    expect(prod).toEqual([]);
    expect(cellsOf(m, REPORTING_PROBE).filter((c) => c.resource.startsWith(PROD_BUCKET)).length).toBeGreaterThan(0);
  });

  it("MFA comes from the trust policy and the group policy alike", () => {
    const noMfa = assumeCells(m, DEVELOPERS).find((c) => c.resource === UPLOAD_ROLE && c.context === "session=own-name");
    expect(noMfa?.deciding).toEqual([
      expect.objectContaining({ effect: "NoAllow", source: "identity" }),
      expect.objectContaining({ effect: "NoAllow", source: "trust" }),
    ]);
  });

  itDeniesTheUsualSuspects(() => m, [REPORTING_BUCKET]);
});
