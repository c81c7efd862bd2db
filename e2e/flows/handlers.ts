import * as path from "path";
import { bundleHandler } from "../../lib/bundle";
import { EMULATOR_DEPLOYER_ROLE } from "../../app/accounts";
import type { ProjectConfig } from "../../app/config";
import { accountOfArn, eventKey, type Creds } from "../lib/aws";
import { lambdaCall, sqsCall } from "../lib/aws-raw";
import { metadataDocumentKey } from "../../handlers/shared/keys";
import { check, type Ctx, type StackName, type StepOutcome } from "../lib/context";
import { archivedSources, deployedFunction, invokeBundled, sha256, synthesizedLogFormat, type DeployedFunction, type Outcome } from "../lib/handler";
import type { Suite } from "../lib/report";
import { stateResources, type StateJson, type Terraform } from "../lib/terraform";

/**
 * The handler step: the real bundled handler (bundleHandler(), the same
 * index.js the archive zips) runs in a child process with the deployed
 * function's environment and its execution role's credentials.
 */

interface Deployed {
  readonly fn: DeployedFunction;
  readonly bundleFile: string;
  readonly execCreds: Creds;
}

/** The deployed function, its bundle (checked identical to the archived asset) and execution-role credentials. */
async function deployed(ctx: Ctx, tf: Terraform, handler: string): Promise<Deployed> {
  const state = await tf.showJson<StateJson>();
  const res = stateResources(state).filter((r) => r.mode === "managed" && r.type === "aws_lambda_function");
  check(res.length === 1, `expected one aws_lambda_function in the state, found ${res.length}`);
  const fn = deployedFunction(res[0], synthesizedLogFormat(path.join(tf.dir, "cdk.tf.json")));

  const bundle = bundleHandler(handler);
  const digest = sha256(bundle.file);
  const archived = archivedSources(tf.dir);
  check(
    archived.some((f) => sha256(f) === digest),
    `bundleHandler("${handler}") differs from every archived asset (${archived.join(", ") || "none found"})`,
  );

  // As Lambda would: a session of the execution role, which moto places in the role's account.
  const execCreds = await ctx.emu.assumeRole(fn.roleArn, `e2e-${fn.name}`);
  const account = await ctx.emu.accountOf(execCreds);
  check(account === accountOfArn(fn.roleArn), `execution-role session is in account ${account}, expected ${accountOfArn(fn.roleArn)}`);
  return { fn, bundleFile: bundle.file, execCreds };
}

function invoke(ctx: Ctx, d: Deployed, stack: StackName, events: readonly unknown[]): Promise<Outcome[]> {
  return invokeBundled({
    bundleFile: d.bundleFile,
    fn: d.fn,
    endpoint: ctx.emu.endpoint,
    creds: d.execCreds,
    events,
    workDir: path.join(ctx.runDir, "handler", stack),
    logFile: path.join(ctx.logDir, stack, "handler.log"),
  });
}

function ok(o: Outcome | undefined, what: string): Record<string, unknown> {
  check(o !== undefined, `${what}: no outcome`);
  const out = o as Outcome;
  check(out.ok, `${what} failed: ${out.error?.name}: ${out.error?.message}`);
  return (out.result ?? {}) as Record<string, unknown>;
}

function deployerCreds(ctx: Ctx, account: string, who: string): Promise<Creds> {
  return ctx.emu.assumeRole(`arn:aws:iam::${account}:role/${EMULATOR_DEPLOYER_ROLE}`, `e2e-${who}`);
}

/** Writer (assume-role / bucket-policy): put, list, get through the handler; the owner account reads the same bytes. */
export async function writerCheck(
  ctx: Ctx,
  tf: Terraform,
  stack: StackName,
  config: ProjectConfig,
  suite: Suite,
  bucketOverride?: string,
): Promise<StepOutcome> {
  const deployedFn = await deployed(ctx, tf, "writer");
  // bucketOverride: the same handler and session, with TARGET_BUCKET replaced (an access point the emulator cannot serve -> its bucket).
  const d =
    bucketOverride === undefined
      ? deployedFn
      : { ...deployedFn, fn: { ...deployedFn.fn, variables: { ...deployedFn.fn.variables, TARGET_BUCKET: bucketOverride } } };
  const bucket = d.fn.variables.TARGET_BUCKET;
  const prefix = d.fn.variables.TARGET_PREFIX ?? "";
  const dir = `${prefix}e2e/${ctx.runId}/${stack}/`;
  const key = `${dir}hello.txt`;
  const body = `hello from ${stack} (${ctx.runId})\nnon-ASCII: ünïcødé ✓ 日本語\n`;
  const outcomes = await invoke(ctx, d, stack, [
    { operation: "put", key, body, contentType: "text/plain; charset=utf-8" },
    { operation: "list", prefix: dir },
    { operation: "get", key },
  ]);
  const put = ok(outcomes[0], "put");
  check(put.key === key && put.bucket === bucket, `put returned ${JSON.stringify(put)}`);
  // TARGET_OPERATIONS (the grant's level): a write grant's writer refuses list and get itself, before
  // any AWS call (AWS would answer AccessDenied; the emulator enforces no IAM and would serve them).
  const enabled = (d.fn.variables.TARGET_OPERATIONS ?? "put,get,list").split(",");
  const refusedOps: string[] = [];
  for (const [i, op] of [
    [1, "list"],
    [2, "get"],
  ] as const) {
    if (enabled.includes(op)) continue;
    const o = outcomes[i];
    check(
      o !== undefined && !o.ok && o.error?.name === "BadEventError" && /^operation: .*is not allowed for this writer/.test(o.error.message ?? ""),
      `${op} with TARGET_OPERATIONS=${enabled.join(",")}: expected the handler's BadEventError on "operation", got ${JSON.stringify(o)}`,
    );
    refusedOps.push(op);
  }
  if (enabled.includes("list")) {
    const list = ok(outcomes[1], "list");
    check(Array.isArray(list.keys) && (list.keys as string[]).includes(key), `list of ${dir} does not show ${key}: ${JSON.stringify(list.keys)}`);
  }
  if (enabled.includes("get")) {
    const got = ok(outcomes[2], "get");
    check(got.body === body, `get returned a different body: ${JSON.stringify(got.body)}`);
    check(got.contentLength === Buffer.byteLength(body), `contentLength ${String(got.contentLength)} != ${Buffer.byteLength(body)} bytes`);
  }

  // The bucket owner (account B) sees exactly those bytes, SSE-KMS with the bucket's key.
  const owner = await deployerCreds(ctx, config.accounts.b.id, "owner-read");
  const bytes = await ctx.emu.getBytes(bucket, key, owner);
  check(bytes !== undefined && bytes.equals(Buffer.from(body, "utf8")), `account B reads different bytes from s3://${bucket}/${key}`);
  const head = await ctx.emu.head(bucket, key, owner);
  const kms = d.fn.variables.TARGET_KMS_KEY_ARN;
  if (kms) check(head.ServerSideEncryption === "aws:kms", `object encryption is ${String(head.ServerSideEncryption)}, expected aws:kms`);

  suite.metrics[`handler_ms`] = outcomes.map((o) => Math.round(o.ms)).join("/");
  const mode = d.fn.variables.TARGET_ROLE_ARN ? `as ${d.fn.variables.TARGET_ROLE_ARN}` : "with the execution role";
  return {
    ok: true,
    detail:
      `${["put", "list", "get"].filter((op) => !refusedOps.includes(op)).join("/")} ${Buffer.byteLength(body)} B under s3://${bucket}/${dir} ${mode}; byte-identical, also read by account ${config.accounts.b.id}` +
      (refusedOps.length ? `; ${refusedOps.join("/")} refused by the handler (TARGET_OPERATIONS=${enabled.join(",")}: a write grant)` : ""),
    log: path.join(ctx.logDir, stack, "handler.log"),
  };
}

/** Three-account: a developer uploads to Production; the processor's document lands in Reporting. */
export async function processorCheck(ctx: Ctx, tf: Terraform, stack: StackName, config: ProjectConfig, suite: Suite): Promise<StepOutcome> {
  const out = await tf.outputs();
  const prodBucket = String(out.production_bucket_name);
  const reportBucket = String(out.reporting_bucket_name);
  const devRole = String(out.developer_role_arn);

  // A developer session (MFA is not enforced by moto: it evaluates no IAM policy).
  const dev = await ctx.emu.assumeRole(devRole, "e2e-developer");
  const devAccount = await ctx.emu.accountOf(dev);
  check(devAccount === config.accounts.production.id, `developer session is in account ${devAccount}, expected ${config.accounts.production.id}`);
  const srcKey = `e2e/${ctx.runId}/reports/q1 summary.csv`;
  const csv = "region,amount\nemea,12.5\namer,7\n";
  // The bucket policy pins writes to SSE-KMS with the bucket's own key: a person must name it
  // (aws s3 cp --sse aws:kms --sse-kms-key-id <arn>); SSE-S3 is refused.
  const prodKey =
    config.encryption === "kms" ? await ctx.emu.bucketKmsKeyArn(prodBucket, await deployerCreds(ctx, config.accounts.production.id, "key-lookup")) : undefined;
  if (prodKey) {
    const refused = await ctx.emu.put(prodBucket, `${srcKey}.aes256`, csv, dev, "text/csv", "AES256").then(
      () => false,
      (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode === 403,
    );
    check(refused, `an SSE-S3 (AES256) upload to s3://${prodBucket} was not refused: the bucket policy should pin writes to ${prodKey}`);
  }
  const put = await ctx.emu.put(prodBucket, srcKey, csv, dev, "text/csv", prodKey ? { kmsKeyArn: prodKey } : undefined);
  const etag = (put.ETag ?? "").replace(/"/g, "");

  const d = await deployed(ctx, tf, "metadata-processor");
  const event = {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: config.region,
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: `AWS:${devRole}` },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "e2e",
          bucket: { name: prodBucket, arn: `arn:aws:s3:::${prodBucket}`, ownerIdentity: { principalId: config.accounts.production.id } },
          object: {
            key: eventKey(srcKey),
            size: Buffer.byteLength(csv),
            eTag: etag,
            ...(put.VersionId ? { versionId: put.VersionId } : {}),
            sequencer: Date.now().toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
  const outcomes = await invoke(ctx, d, stack, [event]);
  const summary = ok(outcomes[0], "metadata-processor") as { written?: { bucket: string; key: string }[]; skipped?: unknown[] };
  check(summary.written?.length === 1, `expected 1 written document, got ${JSON.stringify(summary)}`);
  const written = (summary.written ?? [])[0];
  check(written.bucket === reportBucket, `document written to ${written.bucket}, expected ${reportBucket}`);

  // Read it as the Reporting account.
  const reporting = await deployerCreds(ctx, config.accounts.reporting.id, "reporting-read");
  const bytes = await ctx.emu.getBytes(reportBucket, written.key, reporting);
  check(bytes !== undefined, `no document at s3://${reportBucket}/${written.key}`);
  const doc = JSON.parse((bytes as Buffer).toString("utf8")) as Record<string, unknown>;
  const expect: Record<string, unknown> = { sourceBucket: prodBucket, sourceKey: srcKey, size: Buffer.byteLength(csv), etag, eventName: "ObjectCreated:Put" };
  if (put.VersionId) expect.versionId = put.VersionId;
  for (const [k, v] of Object.entries(expect)) check(doc[k] === v, `document ${k} = ${JSON.stringify(doc[k])}, expected ${JSON.stringify(v)}`);

  // Backfill: an S3 Batch Operations task (schema 2.0) for the same object writes the same document.
  const batch = await invoke(ctx, d, stack, [
    {
      invocationSchemaVersion: "2.0",
      invocationId: `e2e-${ctx.runId}`,
      job: { id: `e2e-job-${ctx.runId}`, userArguments: {} },
      tasks: [{ taskId: "t1", s3Bucket: prodBucket, s3Key: eventKey(srcKey), s3VersionId: put.VersionId ?? null }],
    },
  ]);
  const batchOut = ok(batch[0], "metadata-processor (batch task)") as { results?: { taskId: string; resultCode: string; resultString: string }[] };
  const result = batchOut.results?.[0];
  check(result?.taskId === "t1" && result.resultCode === "Succeeded", `batch task result ${JSON.stringify(batchOut.results)}`);
  if (put.VersionId)
    check(
      result?.resultCode === "Succeeded" && String(result?.resultString).startsWith(`s3://${reportBucket}/${written.key}`),
      `batch task answered ${String(result?.resultString)}, expected the event's document s3://${reportBucket}/${written.key}`,
    );

  // Delete: Production deletes the object's version (a permanent delete: moto 5.2.5 cannot remove a
  // delete marker later - DeleteObject of its version fails with "'FakeDeleteMarker' object has no
  // attribute 'dispose'" and terraform destroy of the bucket never ends), and the ObjectRemoved event
  // writes a tombstone (PutObject only) over that version's document.
  const prodOwner = await deployerCreds(ctx, config.accounts.production.id, "production-delete");
  await ctx.emu.remove(prodBucket, srcKey, prodOwner, put.VersionId);
  const removed = { VersionId: put.VersionId };
  const removedName = "ObjectRemoved:Delete";
  const delEvent = {
    Records: [
      {
        ...event.Records[0],
        eventTime: new Date().toISOString(),
        eventName: removedName,
        s3: {
          ...event.Records[0].s3,
          object: {
            key: eventKey(srcKey),
            ...(removed.VersionId ? { versionId: removed.VersionId } : {}),
            sequencer: (Date.now() + 1).toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
  const del = await invoke(ctx, d, stack, [delEvent]);
  const delSummary = ok(del[0], "metadata-processor (delete)") as { written?: { key: string; tombstone?: boolean }[] };
  const tomb = delSummary.written?.[0];
  check(tomb?.tombstone === true, `expected a tombstone document, got ${JSON.stringify(delSummary)}`);
  const tombBytes = await ctx.emu.getBytes(reportBucket, tomb?.key ?? "", reporting);
  check(tombBytes !== undefined, `no tombstone at s3://${reportBucket}/${tomb?.key ?? ""}`);
  const tombDoc = JSON.parse((tombBytes as Buffer).toString("utf8")) as Record<string, unknown>;
  check(tombDoc.deleted === true && tombDoc.eventName === removedName, `tombstone ${JSON.stringify(tombDoc)}`);
  if (put.VersionId)
    check(
      tomb?.key === written.key,
      `the tombstone of version ${put.VersionId} is ${String(tomb?.key)}, expected it over that version's document ${written.key}`,
    );

  suite.metrics[`handler_ms`] = [...outcomes, ...batch, ...del].map((o) => Math.round(o.ms)).join("/");
  return {
    ok: true,
    detail: `developer put s3://${prodBucket}/${srcKey}${prodKey ? " (SSE-KMS with the bucket key; an AES256 upload was refused)" : ""}; processor wrote s3://${reportBucket}/${written.key} (read back by account ${config.accounts.reporting.id}); batch task Succeeded; delete -> tombstone ${tomb?.key ?? ""}`,
    log: path.join(ctx.logDir, stack, "handler.log"),
  };
}

// ---------------------------------------------------------------- S3 -> SQS -> processor (processorQueue)

interface EventSourceMapping {
  readonly UUID: string;
  readonly EventSourceArn?: string;
  readonly FunctionArn?: string;
  readonly State?: string;
  readonly FunctionResponseTypes?: string[];
}
interface SqsMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body: string;
  readonly MD5OfBody?: string;
  readonly Attributes?: Record<string, string>;
}

/** What the queue step works on: the queue, its event source mapping, production credentials. */
export interface QueueSetup {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly mapping: EventSourceMapping;
  readonly prodCreds: Creds;
}

/**
 * Why the queue step cannot run on this deployment (a reason to skip), or what it needs:
 * the stack must be deployed with processorQueue (output processor_queue_url), and the
 * emulator must answer SQS GetQueueAttributes and Lambda ListEventSourceMappings.
 */
export async function queueSetup(ctx: Ctx, tf: Terraform, config: ProjectConfig): Promise<QueueSetup | string> {
  if (!config.processorQueue) return "the stack was deployed without processorQueue (XACCT_E2E_PROCESSOR_QUEUE=0)";
  const out = await tf.outputs();
  const queueUrl = typeof out.processor_queue_url === "string" ? out.processor_queue_url : "";
  if (!queueUrl) return "no processor_queue_url output in the deployed state";
  const prodCreds = await deployerCreds(ctx, config.accounts.production.id, "queue");
  const { endpoint, region } = ctx.emu;
  let queueArn: string;
  try {
    const attrs = await sqsCall<{ Attributes?: Record<string, string> }>(endpoint, region, prodCreds, "GetQueueAttributes", {
      QueueUrl: queueUrl,
      AttributeNames: ["QueueArn"],
    });
    queueArn = attrs.Attributes?.QueueArn ?? "";
  } catch (e) {
    return `the emulator does not answer SQS GetQueueAttributes (JSON protocol): ${(e as Error).message}`;
  }
  if (!queueArn) return `the emulator returned no QueueArn for ${queueUrl}`;
  let mappings: EventSourceMapping[];
  try {
    const fn = String(out.processor_function_name);
    // By queue: moto 5.2.5 filters FunctionName against what the mapping was created with (Terraform
    // passes the function's ARN), so a name filter finds nothing; the function is checked below.
    mappings = (
      (
        await lambdaCall<{ EventSourceMappings?: EventSourceMapping[] }>(endpoint, region, prodCreds, "GET", "/2015-03-31/event-source-mappings/", undefined, {
          EventSourceArn: queueArn,
        })
      ).EventSourceMappings ?? []
    ).filter((m) => m.FunctionArn === undefined || m.FunctionArn === fn || m.FunctionArn.endsWith(`:function:${fn}`));
  } catch (e) {
    return `the emulator does not answer Lambda ListEventSourceMappings: ${(e as Error).message}`;
  }
  const mapping = mappings.find((m) => m.EventSourceArn === queueArn);
  if (!mapping)
    return `the emulator lists no event source mapping of the processor for ${queueArn} (found ${mappings.map((m) => m.EventSourceArn).join(", ") || "none"})`;
  return { queueUrl, queueArn, mapping, prodCreds };
}

/**
 * The processor through its queue, once: a developer uploads to Production, S3
 * (moto) sends the event notification to the queue, and the bundled handler
 * runs on the SQS batch as Lambda's poller would deliver it. moto's event source
 * mapping cannot run the function (it invokes a stub without Docker, and would
 * delete the message), so the step pauses the mapping (Enabled=false), receives
 * the message itself, invokes the bundled handler in process with the
 * SQS-wrapped event, requires an empty batchItemFailures and the document in
 * Reporting, deletes the messages as the poller does on success, and re-enables the mapping.
 */
export async function queueCheck(ctx: Ctx, tf: Terraform, stack: StackName, config: ProjectConfig, setup: QueueSetup): Promise<StepOutcome> {
  const { endpoint, region } = ctx.emu;
  const { queueUrl, queueArn, mapping, prodCreds } = setup;
  const out = await tf.outputs();
  const prodBucket = String(out.production_bucket_name);
  const reportBucket = String(out.reporting_bucket_name);
  const mappingPath = `/2015-03-31/event-source-mappings/${mapping.UUID}`;
  const responseTypes = mapping.FunctionResponseTypes;
  if (responseTypes !== undefined)
    check(
      responseTypes.includes("ReportBatchItemFailures"),
      `event source mapping FunctionResponseTypes = ${JSON.stringify(responseTypes)}, expected ReportBatchItemFailures`,
    );

  await lambdaCall(endpoint, region, prodCreds, "PUT", mappingPath, { Enabled: false });
  try {
    const dev = await ctx.emu.assumeRole(String(out.developer_role_arn), "e2e-developer-queue");
    const srcKey = `e2e/${ctx.runId}/queue/via sqs.csv`;
    const csv = "queue,ok\nsqs,1\n";
    const prodKey = config.encryption === "kms" ? await ctx.emu.bucketKmsKeyArn(prodBucket, prodCreds) : undefined;
    const put = await ctx.emu.put(prodBucket, srcKey, csv, dev, "text/csv", prodKey ? { kmsKeyArn: prodKey } : undefined);

    // S3 -> SQS: wait for the notification naming our key (other messages, e.g. s3:TestEvent, ride along in the batch).
    const messages: SqsMessage[] = [];
    const deadline = Date.now() + 15_000;
    // The key as S3 event notifications encode it (moto also encodes "/" as %2F).
    const encodings = [eventKey(srcKey), encodeURIComponent(srcKey).replace(/%20/g, "+")];
    const ours = (m: SqsMessage): boolean => encodings.some((k) => m.Body.includes(k));
    while (!messages.some(ours) && Date.now() < deadline) {
      const r = await sqsCall<{ Messages?: SqsMessage[] }>(endpoint, region, prodCreds, "ReceiveMessage", {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        AttributeNames: ["All"],
      });
      messages.push(...(r.Messages ?? []));
    }
    check(
      messages.some(ours),
      `no message for s3://${prodBucket}/${srcKey} arrived in ${queueUrl} within 15 s (received ${messages.length} other message(s)): the bucket notification does not reach the queue`,
    );

    // As Lambda's SQS poller delivers a batch (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, example event).
    const event = {
      Records: messages.map((m) => ({
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body,
        attributes: m.Attributes ?? {},
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? "",
        eventSource: "aws:sqs",
        eventSourceARN: queueArn,
        awsRegion: region,
      })),
    };
    const d = await deployed(ctx, tf, "metadata-processor");
    const outcomes = await invoke(ctx, d, stack, [event]);
    const res = ok(outcomes[0], "metadata-processor (SQS batch)") as { batchItemFailures?: { itemIdentifier: string }[] };
    check(Array.isArray(res.batchItemFailures), `the SQS batch answered ${JSON.stringify(res)}, expected { batchItemFailures: [...] }`);
    check(res.batchItemFailures?.length === 0, `batchItemFailures = ${JSON.stringify(res.batchItemFailures)}: those messages would return to the queue`);

    // The document of that version in Reporting (the key scheme of handlers/shared/keys.ts).
    const docKey = metadataDocumentKey(d.fn.variables.TARGET_PREFIX ?? "", prodBucket, srcKey, put.VersionId ?? "null");
    const reporting = await deployerCreds(ctx, config.accounts.reporting.id, "reporting-read-queue");
    const bytes = await ctx.emu.getBytes(reportBucket, docKey, reporting);
    check(bytes !== undefined, `no document at s3://${reportBucket}/${docKey} after the SQS batch`);
    const doc = JSON.parse((bytes as Buffer).toString("utf8")) as Record<string, unknown>;
    check(doc.sourceBucket === prodBucket && doc.sourceKey === srcKey, `document ${docKey} describes ${String(doc.sourceBucket)}/${String(doc.sourceKey)}`);

    // Success: the poller deletes the batch's messages.
    for (const m of messages) await sqsCall(endpoint, region, prodCreds, "DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle });
    return {
      ok: true,
      detail: `s3://${prodBucket}/${srcKey} -> ${queueArn} (${messages.length} message(s)) -> bundled processor with the SQS event: batchItemFailures [], document s3://${reportBucket}/${docKey}`,
      log: path.join(ctx.logDir, stack, "handler.log"),
    };
  } finally {
    await lambdaCall(endpoint, region, prodCreds, "PUT", mappingPath, { Enabled: true });
  }
}
