import { resolveEncryptionContext } from "./evaluate";
import type { PolicyDocument } from "../../lib/policy";

/** kms:EncryptionContext:* conditions are decided before the engine (which drops such context keys). */
describe("resolveEncryptionContext", () => {
  const KEY = "kms:EncryptionContext:aws:s3:arn";
  const doc = (Condition: NonNullable<PolicyDocument["Statement"][number]["Condition"]>): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition }],
  });
  const NEVER = { StringEquals: { "aws:ResourceTag/xacct-access-never": "never" } };
  it.each([
    [
      "StringEquals, same bucket",
      { StringEquals: { [KEY]: "arn:aws:s3:::b", "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      "arn:aws:s3:::b",
      { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
    ],
    ["StringEquals, other bucket", { StringEquals: { [KEY]: "arn:aws:s3:::b" } }, "arn:aws:s3:::other", NEVER],
    ["StringLike, object ARN", { StringLike: { [KEY]: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] } }, "arn:aws:s3:::b/in/x.json", undefined],
    ["StringLike, a bucket sharing the prefix", { StringLike: { [KEY]: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] } }, "arn:aws:s3:::b2", NEVER],
    ["StringEquals, no context", { StringEquals: { [KEY]: "arn:aws:s3:::b" } }, undefined, NEVER],
  ])("%s", (_name, condition, actual, expected) => {
    const out = resolveEncryptionContext(doc(condition), actual === undefined ? {} : { [KEY]: actual });
    expect(out.Statement[0].Condition).toEqual(expected);
  });
});
