import { statementsOf } from "../../lib/model/stack-model";
import type { PolicyDocument, Statement } from "../../lib/policy";
import { diffAllowed, diffMatrices } from "../../tools/access/diff";
import { BUCKET_POLICY_EXPECTED, DIRECT_BUCKET, DIRECT_EXEC, PROCESSOR, PROD_BUCKET, THREE_ACCOUNT_EXPECTED } from "./expected";
import { matrixOfJson, NO_DIFF, synthesized, withPolicy } from "./helpers";

/** The matrix is only worth something if a policy change shows up in it: these edits must. */

const statement = (doc: PolicyDocument, sid: string): Statement => {
  const s = statementsOf(doc).find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}`);
  return s;
};
const addAction = (sid: string, action: string) => (doc: PolicyDocument) => {
  const s = statement(doc, sid);
  s.Action = [...(Array.isArray(s.Action) ? s.Action : [s.Action]), action];
};
const setResource = (sid: string, resource: string) => (doc: PolicyDocument) => {
  statement(doc, sid).Resource = resource;
};

describe("the access matrix catches policy changes", () => {
  const bucketPolicyStack = () => synthesized()["bucket-policy"];

  it("reports exactly the extra cell when the bucket policy and the Lambda's policy add s3:DeleteObject", async () => {
    let tf = withPolicy(bucketPolicyStack(), "aws_s3_bucket_policy", "shared-bucket_policy", addAction("Grant1Objects", "s3:DeleteObject"));
    tf = withPolicy(tf, "aws_iam_role_policy", "writer_execution", addAction("Grant1Objects", "s3:DeleteObject"));
    const m = await matrixOfJson("bucket-policy", tf);
    expect(diffAllowed(m, BUCKET_POLICY_EXPECTED)).toEqual({
      unexpected: [`${DIRECT_EXEC} s3:DeleteObject ${DIRECT_BUCKET}/incoming/x.json`],
      missing: [],
    });
  });

  it("cross-account, the bucket policy alone grants nothing: the Lambda's own policy must allow too", async () => {
    const tf = withPolicy(bucketPolicyStack(), "aws_s3_bucket_policy", "shared-bucket_policy", addAction("Grant1Objects", "s3:DeleteObject"));
    expect(diffAllowed(await matrixOfJson("bucket-policy", tf), BUCKET_POLICY_EXPECTED)).toEqual(NO_DIFF);
  });

  it("reports exactly the cells a widened resource opens (the wrong prefix)", async () => {
    let tf = withPolicy(bucketPolicyStack(), "aws_s3_bucket_policy", "shared-bucket_policy", setResource("Grant1Objects", `arn:aws:s3:::${DIRECT_BUCKET}/*`));
    tf = withPolicy(tf, "aws_iam_role_policy", "writer_execution", setResource("Grant1Objects", `arn:aws:s3:::${DIRECT_BUCKET}/*`));
    expect(diffAllowed(await matrixOfJson("bucket-policy", tf), BUCKET_POLICY_EXPECTED)).toEqual({
      unexpected: [
        `${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/other/x.json`,
        `${DIRECT_EXEC} s3:GetObjectVersion ${DIRECT_BUCKET}/other/x.json`,
        `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/other/x.json`,
        `${DIRECT_EXEC} s3:PutObject ${DIRECT_BUCKET}/other/x.json [sse=aws:kms,kms-key=bucket]`,
      ],
      missing: [],
    });
  });

  it("reports missing cells when the key policy loses the Lambda's grant", async () => {
    const tf = withPolicy(bucketPolicyStack(), "aws_kms_key", "shared-bucket_key", (doc) => {
      doc.Statement = statementsOf(doc).filter((s) => s.Sid !== "CrossAccountUse1");
    });
    expect(diffAllowed(await matrixOfJson("bucket-policy", tf), BUCKET_POLICY_EXPECTED)).toEqual({
      unexpected: [],
      missing: [`${DIRECT_EXEC} kms:Decrypt key(${DIRECT_BUCKET}) [via-s3]`, `${DIRECT_EXEC} kms:GenerateDataKey key(${DIRECT_BUCKET}) [via-s3]`],
    });
  });

  it("same account, a bucket-policy statement alone is enough: exactly one extra cell for the processor", async () => {
    const before = synthesized()["three-account"];
    const tf = withPolicy(before, "aws_s3_bucket_policy", "production-bucket_policy", (doc) => {
      doc.Statement.push({
        Sid: "Oops",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::222222222222:role/xacct-metadata-processor-exec" },
        Action: "s3:DeleteObject",
        Resource: `arn:aws:s3:::${PROD_BUCKET}/*`,
      });
    });
    const after = await matrixOfJson("three-account", tf);
    const expectedDiff = { unexpected: [`${PROCESSOR} s3:DeleteObject ${PROD_BUCKET}/batch-operations/x.json`], missing: [] };
    expect(diffAllowed(after, THREE_ACCOUNT_EXPECTED)).toEqual(expectedDiff);
    expect(diffMatrices(await matrixOfJson("three-account", before), after)).toEqual(expectedDiff);
  });
});
