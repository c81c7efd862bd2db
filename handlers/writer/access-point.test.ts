import { PutObjectCommand } from "@aws-sdk/client-s3";
import { AccessDeniedError } from "../shared/errors";
import { awsError, captureLogs, ctx, restoreEnv, s3Mock, setEnv, stsMock, useFakeClock } from "../shared/testing";
import { __resetForTests, handler, type PutResult } from "./index";
import { checkEveryTestAgainst } from "../shared/contract-testing";
import { WRITER_CALLS } from "./calls.contract";

checkEveryTestAgainst("writer", WRITER_CALLS);

/** The writer in access-point mode: TARGET_BUCKET is the function's access point ARN (bucket-policy pattern, no role). */
const AP = "arn:aws:s3:eu-west-1:222222222222:accesspoint/writer-fn-exec-w-0123456789";

beforeEach(() => {
  __resetForTests();
  s3Mock.reset();
  stsMock.reset();
  setEnv({ TARGET_BUCKET: AP, TARGET_PREFIX: "incoming/", AWS_REGION: "eu-west-1", AWS_LAMBDA_FUNCTION_NAME: "writer-fn", MAX_BODY_BYTES: "1024" });
  useFakeClock("2025-01-02T03:04:05.678Z");
  captureLogs();
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  restoreEnv();
});

describe("writer through an access point", () => {
  it("sends the access point ARN as Bucket (AWS SDK v3 routes it to the access point)", async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const out = (await handler({ operation: "put", data: { n: 1 } }, ctx("req-1"))) as PutResult;
    expect(out.bucket).toBe(AP);
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.Bucket).toBe(AP);
  });

  it("diagnoses AccessDenied with the access point policy, not only the bucket policy", async () => {
    s3Mock.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied", 403));
    const err = await handler({ operation: "put", data: {} }, ctx("req-2")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toContain(`Request through access point ${AP}`);
    expect((err as Error).message).toContain("the access point policy must allow principal");
  });
});
