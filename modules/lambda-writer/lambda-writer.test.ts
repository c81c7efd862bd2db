import { DataArchiveFile } from "../../lib/framework/archive";
import { LambdaFunction } from "../../lib/framework/aws";
import { statementsOf } from "../../lib/model/stack-model";
import { S3Grant } from "../../lib/policy";
import { ACCOUNT_A, ACCOUNT_B, expectConfigError, only, parsePolicy, resourcesOf, synthModule } from "../../lib/testing";
import { IAssumableRoleTarget } from "../assumable-role";
import { LambdaWriter, LambdaWriterProps } from ".";

const TARGET: IAssumableRoleTarget = {
  roleArn: `arn:aws:iam::${ACCOUNT_B}:role/writer-target`,
  maxSessionDurationSeconds: 7200,
  externalId: "ext-42",
  requireMfa: false,
};
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_B}:key/k1`;
const WRITE: S3Grant = { bucketArn: "arn:aws:s3:::data-b", prefix: "in/", level: "write", kmsKeyArn: KEY };

function writer(props: Partial<LambdaWriterProps> = {}) {
  return synthModule((scope, p) => {
    new LambdaWriter(scope, "writer", {
      provider: p.a,
      archiveProvider: p.archive,
      accountId: ACCOUNT_A,
      functionName: "xacct-writer",
      handler: "writer",
      target: { bucketName: "data-b", prefix: "in/", kmsKeyArn: KEY },
      assumeRole: { role: TARGET },
      ...props,
    });
  });
}

describe("LambdaWriter (assume-role pattern)", () => {
  const { json, tf } = writer();
  const policy = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));

  it("runs the bundled handler on nodejs22.x / arm64 with a code hash from the archive", () => {
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "xacct-writer",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      provider: "aws.account_a",
    });
    const fn = only(tf, "aws_lambda_function");
    expect(fn.source_code_hash).toMatch(/^\$\{data\.archive_file\.[\w-]+\.output_base64sha256\}$/);
    expect(fn.filename).toMatch(/^\$\{data\.archive_file\.[\w-]+\.output_path\}$/);
    expect(json).toHaveDataSourceWithProperties(DataArchiveFile, { type: "zip", output_file_mode: "0644" });
  });

  it("is trusted by the Lambda service only", () => {
    const [t] = statementsOf(parsePolicy(only(tf, "aws_iam_role").assume_role_policy));
    expect(t).toMatchObject({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" });
  });

  it("writes logs to its own log group only", () => {
    expect(only(tf, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/lambda/xacct-writer", retention_in_days: 30 });
    expect(policy[0]).toEqual({
      Sid: "WriteOwnLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}:\*$/),
    });
  });

  it("may assume exactly the target role, and touches S3 only through it", () => {
    expect(policy).toHaveLength(2);
    expect(policy[1]).toEqual({ Sid: "AssumeTargetRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: TARGET.roleArn });
    expect(JSON.stringify(policy)).not.toContain("s3:");
  });

  it("passes the target to the handler through the shared env contract", () => {
    const env = (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;
    expect(env).toEqual({
      EXECUTION_ROLE_ARN: `arn:aws:iam::${ACCOUNT_A}:role/xacct-writer-exec`,
      TARGET_BUCKET: "data-b",
      TARGET_PREFIX: "in/",
      TARGET_KMS_KEY_ARN: KEY,
      TARGET_ROLE_ARN: TARGET.roleArn,
      TARGET_EXTERNAL_ID: "ext-42",
      TARGET_SESSION_DURATION_SECONDS: "3600",
      TARGET_BUCKET_OWNER: ACCOUNT_B, // defaults to the target role's account
      MAX_BODY_BYTES: "1048576",
    });
  });
});

describe("LambdaWriter (bucket-policy pattern)", () => {
  it("holds the S3 and KMS grant itself and has no sts:AssumeRole", () => {
    const { tf } = writer({ assumeRole: undefined, grants: [WRITE] });
    const policy = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    expect(policy.map((s) => s.Action)).toEqual([
      ["logs:CreateLogStream", "logs:PutLogEvents"],
      ["s3:PutObject", "s3:AbortMultipartUpload"],
      // GenerateDataKey to encrypt, Decrypt for multipart uploads; never kms:Encrypt (S3 does not call it)
      ["kms:Decrypt", "kms:GenerateDataKey"],
    ]);
    expect(policy[2].Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::data-b", "arn:aws:s3:::data-b/*"] },
    });
    expect(policy[1].Resource).toBe("arn:aws:s3:::data-b/in/*");
    const env = (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;
    expect(env.TARGET_ROLE_ARN).toBeUndefined();
  });

  it("fails when no grant covers the target", () => {
    expect(() => writer({ assumeRole: undefined, grants: [] })).toThrow(/LambdaWriter\(writer\)\.grants: no write grant covers the target s3:\/\/data-b\/in\//);
    expect(() => writer({ assumeRole: undefined, grants: [{ ...WRITE, level: "read" }] })).toThrow(/no write grant/);
  });
});

describe("LambdaWriter options", () => {
  it("subscribes to S3 events with a source-restricted permission and an on-failure queue", () => {
    const { tf } = writer({ s3Trigger: { bucketName: "prod-data", bucketArn: "arn:aws:s3:::prod-data" }, onFailureQueue: true });
    expect(only(tf, "aws_lambda_permission")).toMatchObject({
      principal: "s3.amazonaws.com",
      action: "lambda:InvokeFunction",
      source_arn: "arn:aws:s3:::prod-data",
      source_account: ACCOUNT_A,
    });
    const n = only(tf, "aws_s3_bucket_notification");
    expect(n.bucket).toBe("prod-data");
    expect((n.lambda_function as Record<string, unknown>[])[0].events).toEqual(["s3:ObjectCreated:*"]);
    expect(only(tf, "aws_lambda_function_event_invoke_config")).toMatchObject({ maximum_retry_attempts: 2 });
    const policy = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    expect(policy.find((s) => s.Action === "sqs:SendMessage")?.Resource).toMatch(/^\$\{aws_sqs_queue\./);
  });

  it("may read the versions the S3 events name (HeadObject with versionId needs s3:GetObjectVersion)", () => {
    const { tf } = writer({ s3Trigger: { bucketName: "prod-data", bucketArn: "arn:aws:s3:::prod-data", prefix: "data/" } });
    const policy = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    expect(policy.filter((s) => JSON.stringify(s.Action).includes("s3:GetObjectVersion"))).toEqual([
      { Sid: "ReadTriggeringObjectVersions", Effect: "Allow", Action: "s3:GetObjectVersion", Resource: "arn:aws:s3:::prod-data/data/*" },
    ]);
    expect(JSON.stringify(statementsOf(parsePolicy(only(writer().tf, "aws_iam_role_policy").policy)))).not.toContain("s3:GetObjectVersion");
  });
});

describe("LambdaWriter bucket owner, source allowlist and batch operations", () => {
  const envOf = (tf: ReturnType<typeof writer>["tf"]) => (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> }).variables;

  it("the built-in writer's TARGET_OPERATIONS follows its grant's level: write = put, readwrite = put,get,list; the assumed role's level in assume-role mode; unset for own code and for a role of unknown level", () => {
    expect(envOf(writer({ assumeRole: undefined, grants: [WRITE] }).tf).TARGET_OPERATIONS).toBe("put");
    expect(envOf(writer({ assumeRole: undefined, grants: [{ ...WRITE, level: "readwrite" }] }).tf).TARGET_OPERATIONS).toBe("put,get,list");
    expect(envOf(writer({ assumeRole: undefined, grants: [WRITE, { ...WRITE, level: "read" }] }).tf).TARGET_OPERATIONS).toBe("put,get,list");
    expect(envOf(writer({ assumeRole: { role: { ...TARGET, accessLevel: "write" } } }).tf).TARGET_OPERATIONS).toBe("put");
    expect(envOf(writer({}).tf).TARGET_OPERATIONS).toBeUndefined();
  });

  it("target.accountId sets TARGET_BUCKET_OWNER (ExpectedBucketOwner); without a role and without it, none is sent", () => {
    expect(envOf(writer({ target: { bucketName: "data-b", prefix: "in/", accountId: "333333333333" } }).tf).TARGET_BUCKET_OWNER).toBe("333333333333");
    expect(envOf(writer({ assumeRole: undefined, grants: [WRITE] }).tf).TARGET_BUCKET_OWNER).toBeUndefined();
    expect(() => writer({ target: { bucketName: "data-b", accountId: "12" } })).toThrow(/LambdaWriter\(writer\)\.target\.accountId/);
  });

  it("s3Trigger's bucket becomes SOURCE_BUCKETS (the processor refuses other buckets' events)", () => {
    expect(envOf(writer({ s3Trigger: { bucketName: "prod-data", bucketArn: "arn:aws:s3:::prod-data" } }).tf).SOURCE_BUCKETS).toBe("prod-data");
    expect(envOf(writer().tf).SOURCE_BUCKETS).toBeUndefined();
  });

  it("batchOperations: a role trusted by S3 Batch Operations that may invoke this function, read manifests and write reports under one prefix", () => {
    const { tf } = writer({ batchOperations: { manifestBucketArn: "arn:aws:s3:::prod-data", manifestPrefix: "batch/", kmsKeyArn: KEY } });
    const roles = Object.values((tf.resource as Record<string, Record<string, Record<string, unknown>>>).aws_iam_role);
    const batch = roles.find((r) => r.name === "xacct-writer-batch") as Record<string, unknown>;
    expect(statementsOf(parsePolicy(batch.assume_role_policy))).toEqual([
      { Sid: "ServiceAssume", Effect: "Allow", Principal: { Service: "batchoperations.s3.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policies = Object.values((tf.resource as Record<string, Record<string, Record<string, unknown>>>).aws_iam_role_policy);
    const p = policies.find((x) => x.name === "batch-operations") as Record<string, unknown>;
    const st = statementsOf(parsePolicy(p.policy));
    expect(st.map((x) => [x.Sid, x.Action, x.Resource])).toEqual([
      ["InvokeProcessor", "lambda:InvokeFunction", expect.stringMatching(/^\$\{aws_lambda_function\.[\w-]+\.arn\}$/)],
      ["ReadManifest", ["s3:GetObject", "s3:GetObjectVersion"], "arn:aws:s3:::prod-data/batch/*"],
      ["WriteCompletionReport", "s3:PutObject", "arn:aws:s3:::prod-data/batch/*"],
      ["ManifestAndReportKey", ["kms:Decrypt", "kms:GenerateDataKey"], KEY],
    ]);
    // On the buckets of the function's account only: a same-named bucket of another account gets nothing (#17 item 4).
    const owner = (x: typeof st): unknown[] => x.filter((y) => y.Sid === "ReadManifest" || y.Sid === "WriteCompletionReport").map((y) => y.Condition);
    expect(owner(st)).toEqual([0, 1].map(() => ({ StringEquals: { "aws:ResourceAccount": ACCOUNT_A } })));
    const other = writer({ batchOperations: { manifestBucketArn: "arn:aws:s3:::prod-data", bucketOwnerAccountId: "333333333333" } }).tf;
    const otherPolicy = Object.values(resourcesOf(other, "aws_iam_role_policy")).find((x) => x.name === "batch-operations") as Record<string, unknown>;
    expect(owner(statementsOf(parsePolicy(otherPolicy.policy)))).toEqual([0, 1].map(() => ({ StringEquals: { "aws:ResourceAccount": "333333333333" } })));
    expect(() => writer({ batchOperations: { manifestBucketArn: "arn:aws:s3:::prod-data", bucketOwnerAccountId: "12" } })).toThrow(
      /LambdaWriter\(writer\)\.batchOperations\.bucketOwnerAccountId/,
    );
  });
});

describe("LambdaWriter bad input", () => {
  it.each([
    [{ handler: "nope" }, "LambdaWriter(writer).handler", 'no handler bundle "nope"'],
    [{ functionName: "bad name" }, "LambdaWriter(writer).functionName", "1-64 characters"],
    [{ target: { bucketName: "Bad_Bucket" } }, "LambdaWriter(writer).target.bucketName", "not a valid S3 bucket name"],
    [{ target: { bucketName: "data-b", prefix: "../up" } }, "LambdaWriter(writer).target.prefix", '".."'],
    [
      { assumeRole: { role: { ...TARGET, maxSessionDurationSeconds: 3600 }, sessionDurationSeconds: 3600 + 1 } },
      "LambdaWriter(writer).assumeRole.sessionDurationSeconds",
      "role chaining",
    ],
    // The role allows 2 h (for humans), but a Lambda's AssumeRole is role chaining, capped at 1 h.
    [
      { assumeRole: { role: TARGET, sessionDurationSeconds: 7200 } },
      "LambdaWriter(writer).assumeRole.sessionDurationSeconds",
      "STS refuses DurationSeconds above 1 hour for chained sessions",
    ],
    [
      { assumeRole: { role: { ...TARGET, maxSessionDurationSeconds: 3600 }, sessionDurationSeconds: 600 } },
      "LambdaWriter(writer).assumeRole.sessionDurationSeconds",
      "from 900 to 3600",
    ],
    [{ assumeRole: { role: { ...TARGET, requireMfa: true } } }, "LambdaWriter(writer).assumeRole.role", "requires MFA"],
    [{ logRetentionDays: 10 }, "LambdaWriter(writer).logRetentionDays", "retention periods"],
    [
      { runtime: "python3.12" },
      "LambdaWriter(writer).runtime",
      "is a python runtime, but the built-in handlers (bundled for Node.js) needs one of nodejs24.x, nodejs22.x",
    ],
  ])("%j fails naming %s", (props, field, hint) => {
    expectConfigError(() => writer(props as Partial<LambdaWriterProps>), field, hint);
  });

  it("lists the available handlers when one is missing", () => {
    expect(() => writer({ handler: "nope" as "writer" })).toThrow(/available handlers: .*writer/);
  });
});

describe("LambdaWriter s3Trigger.queue (S3 -> SQS -> Lambda)", () => {
  const BUCKET = { bucketName: "prod-data", bucketArn: "arn:aws:s3:::prod-data" };
  const queues = (tf: ReturnType<typeof writer>["tf"]) =>
    Object.entries((tf.resource as Record<string, Record<string, Record<string, unknown>>>).aws_sqs_queue ?? {});
  const eventQueueRef = /^\$\{aws_sqs_queue\.[\w-]*s3-events_[\w-]+\.arn\}$/;

  it("creates the event queue and its DLQ (SSE-SQS, redrive after maxReceiveCount, visibility 6x the timeout)", () => {
    const { tf } = writer({ s3Trigger: { ...BUCKET, queue: true }, timeoutSeconds: 20 });
    const byName = Object.fromEntries(queues(tf).map(([, q]) => [q.name, q]));
    expect(Object.keys(byName).sort()).toEqual(["xacct-writer-s3-events", "xacct-writer-s3-events-dlq"]);
    const q = byName["xacct-writer-s3-events"];
    expect(q).toMatchObject({ visibility_timeout_seconds: 120, sqs_managed_sse_enabled: true });
    expect(byName["xacct-writer-s3-events-dlq"]).toMatchObject({ sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
    const redrive = JSON.parse(String(q.redrive_policy)) as Record<string, unknown>;
    expect(redrive).toEqual({ deadLetterTargetArn: expect.stringMatching(/^\$\{aws_sqs_queue\.[\w-]*s3-events-dlq[\w-]*\.arn\}$/), maxReceiveCount: 5 });
  });

  it("allows s3.amazonaws.com to SendMessage for this bucket and owner only, and notifies the queue instead of invoking", () => {
    const { tf } = writer({ s3Trigger: { ...BUCKET, queue: true, events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], prefix: "data/" } });
    const qp = only(tf, "aws_sqs_queue_policy");
    expect(qp.queue_url).toMatch(/^\$\{aws_sqs_queue\.[\w-]*s3-events_[\w-]+\.url\}$/);
    expect(statementsOf(parsePolicy(qp.policy))).toEqual([
      {
        Sid: "AllowS3EventNotifications",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: expect.stringMatching(eventQueueRef),
        Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::prod-data" }, StringEquals: { "aws:SourceAccount": ACCOUNT_A } },
      },
    ]);
    const n = only(tf, "aws_s3_bucket_notification");
    expect(n.lambda_function).toBeUndefined();
    expect(n.queue).toEqual([
      { queue_arn: expect.stringMatching(eventQueueRef), events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], filter_prefix: "data/" },
    ]);
    expect(n.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_sqs_queue_policy\./)]));
    expect((tf.resource as Record<string, unknown>).aws_lambda_permission).toBeUndefined();
  });

  it("maps the queue to the function with partial batch responses; the role may consume exactly that queue", () => {
    const { tf } = writer({ s3Trigger: { ...BUCKET, queue: { batchSize: 100, maximumBatchingWindowSeconds: 5, maxReceiveCount: 3 } } });
    expect(only(tf, "aws_lambda_event_source_mapping")).toMatchObject({
      event_source_arn: expect.stringMatching(eventQueueRef),
      function_name: expect.stringMatching(/^\$\{aws_lambda_function\.[\w-]+\.arn\}$/),
      batch_size: 100,
      maximum_batching_window_in_seconds: 5,
      function_response_types: ["ReportBatchItemFailures"],
      depends_on: [expect.stringMatching(/^aws_iam_role_policy\./)],
    });
    const policy = statementsOf(parsePolicy(only(tf, "aws_iam_role_policy").policy));
    const sqs = policy.filter((s) => JSON.stringify(s.Action).includes("sqs:"));
    expect(sqs).toEqual([
      {
        Sid: "ConsumeS3EventQueue",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        Resource: expect.stringMatching(eventQueueRef),
      },
    ]);
    const q = queues(tf).find(([, x]) => x.name === "xacct-writer-s3-events")?.[1];
    expect(JSON.parse(String(q?.redrive_policy)).maxReceiveCount).toBe(3);
  });

  it("a bucket of another account: the notification uses the bucket owner's provider, the queue policy names that owner", () => {
    const { tf } = synthModule((scope, p) => {
      new LambdaWriter(scope, "writer", {
        provider: p.a,
        archiveProvider: p.archive,
        accountId: ACCOUNT_A,
        functionName: "xacct-writer",
        handler: "writer",
        target: { bucketName: "data-b", prefix: "in/", kmsKeyArn: KEY },
        assumeRole: { role: TARGET },
        s3Trigger: { bucketName: "data-b", bucketArn: "arn:aws:s3:::data-b", queue: true, accountId: ACCOUNT_B, provider: p.b },
      });
    });
    expect(only(tf, "aws_s3_bucket_notification").provider).toBe("aws.account_b");
    expect(only(tf, "aws_sqs_queue_policy").provider).toBe("aws.account_a");
    expect(statementsOf(parsePolicy(only(tf, "aws_sqs_queue_policy").policy))[0].Condition).toEqual({
      ArnEquals: { "aws:SourceArn": "arn:aws:s3:::data-b" },
      StringEquals: { "aws:SourceAccount": ACCOUNT_B },
    });
  });

  it("without queue nothing changes: direct invocation, no queue resources", () => {
    const { tf } = writer({ s3Trigger: BUCKET });
    expect(queues(tf)).toEqual([]);
    const r = tf.resource as Record<string, unknown>;
    expect(r.aws_sqs_queue_policy).toBeUndefined();
    expect(r.aws_lambda_event_source_mapping).toBeUndefined();
    expect(only(tf, "aws_lambda_permission").principal).toBe("s3.amazonaws.com");
  });

  it.each([
    [
      { s3Trigger: { ...BUCKET, queue: { visibilityTimeoutSeconds: 179 } } },
      "LambdaWriter(writer).s3Trigger.queue.visibilityTimeoutSeconds",
      "below 6 × the function timeout (30 s) = 180 s",
    ],
    [{ s3Trigger: { ...BUCKET, queue: { visibilityTimeoutSeconds: 100 } }, timeoutSeconds: 10 }, "", ""],
    [{ s3Trigger: { ...BUCKET, queue: { batchSize: 11 } } }, "LambdaWriter(writer).s3Trigger.queue.batchSize", "maximumBatchingWindowSeconds of at least 1"],
    [{ s3Trigger: { ...BUCKET, queue: { maxReceiveCount: 0 } } }, "LambdaWriter(writer).s3Trigger.queue.maxReceiveCount", "from 1 to 1000"],
    [
      { s3Trigger: { ...BUCKET, queue: { maximumBatchingWindowSeconds: 301 } } },
      "LambdaWriter(writer).s3Trigger.queue.maximumBatchingWindowSeconds",
      "from 0 to 300",
    ],
    [{ s3Trigger: { ...BUCKET, accountId: ACCOUNT_B } }, "LambdaWriter(writer).s3Trigger.accountId", "Set s3Trigger.queue: true"],
  ])("%j: refused naming %s (or accepted)", (props, field, hint) => {
    if (field === "") expect(() => writer(props as Partial<LambdaWriterProps>)).not.toThrow();
    else expectConfigError(() => writer(props), field, hint);
  });
});
