import { parseTargetConfig } from "./config";
import { diagnoseAccessDenied } from "./diagnose";

/** Access-point mode: the target "bucket" is an access point ARN or alias. */
const AP = "arn:aws:s3:us-east-1:222222222222:accesspoint/xacct-writer-exec-w-0123456789";
const denied = (message: string): Error => Object.assign(new Error(message), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });

describe("writer config with an access point", () => {
  it("accepts an access point ARN or alias as TARGET_BUCKET", () => {
    expect(parseTargetConfig({ TARGET_BUCKET: AP, AWS_REGION: "us-east-1" }).bucket).toBe(AP);
    expect(parseTargetConfig({ TARGET_BUCKET: "my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias", AWS_REGION: "us-east-1" }).bucket).toMatch(/-s3alias$/);
  });

  it("refuses a malformed access point ARN, naming the accepted forms", () => {
    expect(() => parseTargetConfig({ TARGET_BUCKET: "arn:aws:s3:us-east-1:222222222222:accesspoint/Bad_Name", AWS_REGION: "us-east-1" })).toThrow(
      /access point ARN \(arn:aws:s3:<region>:<account>:accesspoint\/<name>\)/,
    );
  });
});

describe("AccessDenied through an access point", () => {
  const config = parseTargetConfig({
    TARGET_BUCKET: AP,
    TARGET_PREFIX: "in/",
    AWS_REGION: "us-east-1",
    EXECUTION_ROLE_ARN: "arn:aws:iam::111111111111:role/xacct-writer-exec",
  });

  it("names the three policies: identity on the access point ARN, the access point policy, the bucket's delegation", () => {
    const e = diagnoseAccessDenied(denied("User: arn:aws:sts::111111111111:assumed-role/xacct-writer-exec/fn is not authorized to perform: s3:PutObject"), {
      action: "s3:PutObject",
      bucket: AP,
      key: "in/x.json",
      caller: "execution-role-cross-account",
      config,
    });
    expect(e?.message).toContain(`S3 denied s3:PutObject on ${AP}/object/in/x.json`);
    expect(e?.message).toContain(`on the access point (${AP}/object/in/*)`);
    expect(e?.message).toContain("the access point policy must allow principal arn:aws:sts::111111111111:assumed-role/xacct-writer-exec/fn");
    expect(e?.message).toContain("s3:DataAccessPointAccount");
  });

  it("keeps the bucket-policy diagnosis for a plain bucket", () => {
    const plain = parseTargetConfig({ TARGET_BUCKET: "bucket-b", AWS_REGION: "us-east-1" });
    const e = diagnoseAccessDenied(denied("denied"), {
      action: "s3:PutObject",
      bucket: "bucket-b",
      key: "k",
      caller: "execution-role-cross-account",
      config: plain,
    });
    expect(e?.message).not.toContain("access point");
    expect(e?.message).toContain("arn:aws:s3:::bucket-b/k");
  });
});
