import { ArchiveProvider, DataArchiveFile } from "../../lib/framework/archive";
import {
  AwsProvider,
  CloudwatchLogGroup,
  IamRole,
  IamRolePolicy,
  LambdaEventSourceMapping,
  LambdaFunction,
  LambdaFunctionEventInvokeConfig,
  LambdaPermission,
  S3BucketNotification,
  SqsQueue,
  SqsQueuePolicy,
} from "../../lib/framework/aws";
import { ENV, writerOperationsFor } from "../../handlers/shared/contract";
import { ConfigError } from "../../lib/errors";
import { AssetType, Construct, ITerraformDependable, Lazy, TerraformAsset, Token } from "../../lib/framework";
import {
  AccessLevel,
  assumeRoleStatement,
  batchOperationsStatements,
  batchOperationsTrustPolicy,
  BUCKET_OWNER_FULL_CONTROL,
  identityPolicy,
  grantAccessPointArn,
  identityStatements,
  logsStatement,
  objectVersionsStatement,
  renderPolicy,
  S3Grant,
  consumeQueueStatement,
  s3NotificationQueuePolicy,
  sendToQueueStatement,
  serviceTrustPolicy,
  Statement,
  kmsKeyRegion,
} from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import { DataPerimeter, emitPerimeter, grantWithinPerimeter, ResolvedPerimeter, resolvePerimeter } from "../../lib/perimeter";
import type { IAssumableRoleTarget } from "../assumable-role";
import type { IShareConsumer, ShareGrant } from "../bucket-share/grants";
import { BuiltinHandler, LambdaCode } from "./code";

export { LambdaCode } from "./code";
export type { BuiltinHandler, DirectoryCodeOptions, EntryCodeOptions } from "./code";

/** Assume-role pattern: the handler assumes this role (in the bucket's account) for every S3 call. */
export interface LambdaAssumeRoleProps {
  readonly role: IAssumableRoleTarget;
  /**
   * Requested session duration, 900-3600. The handler's credential provider
   * refreshes before expiry. A Lambda function assuming a role is role
   * chaining (its execution role's session assumes another role), which STS
   * caps at 1 hour whatever the role's maximum; it must not exceed the role's
   * maximum either.
   * @default 3600
   */
  readonly sessionDurationSeconds?: number;
}

/** Where the handler writes. */
export interface LambdaTarget {
  /**
   * The bucket name; or, for a bucket shared in access-point mode
   * (`BucketShare` `accessPoints: true`), the ARN of the function's access
   * point (checked against its grant) or that access point's alias. The
   * handler passes it as the S3 `Bucket` parameter, which AWS SDK v3 accepts in all three forms.
   * The bucket name of an access-point share fails synth (every call would be
   * AccessDenied): leave `target` out and use `share.grant(writer, ...)`,
   * whose grant knows the address.
   */
  readonly bucketName: string;
  /** @default "" (the whole bucket) */
  readonly prefix?: string;
  /** The bucket's KMS key, sent as the SSE-KMS key id on PutObject. @default none (the bucket default applies) */
  readonly kmsKeyArn?: string;
  /** The target bucket keeps ObjectWriter ownership: the handler sends `bucket-owner-full-control`. @default false */
  readonly objectWriterOwnership?: boolean;
  /** Region of the bucket. @default the function's region */
  readonly region?: string;
  /**
   * Id of the account that owns the bucket: the handler sends it as
   * ExpectedBucketOwner on every S3 call to the bucket (env TARGET_BUCKET_OWNER),
   * so a bucket name that now belongs to another account is refused (403)
   * instead of written to.
   * @default the account of `assumeRole.role` (the assume-role pattern's role lives in the bucket's account); none in the bucket-policy pattern
   */
  readonly accountId?: string;
}

/**
 * Deliver the bucket's S3 events through an SQS queue in the function's
 * account (S3 → SQS → Lambda event source mapping) instead of invoking the
 * function directly: messages that fail transiently return to the queue
 * (partial batch responses) and land in a dead-letter queue after
 * `maxReceiveCount` receives. Both queues use SQS-managed SSE (SSE-SQS): with a
 * customer KMS key, S3 would need kms:GenerateDataKey and kms:Decrypt on it in
 * the key policy to publish, and the function kms:Decrypt to poll
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html),
 * a second cross-service grant for no gain in a queue that carries only event metadata.
 */
export interface LambdaS3TriggerQueue {
  /**
   * Visibility timeout of the queue. Lambda recommends at least six times the
   * function timeout (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html);
   * a lower value fails synth.
   * @default 6 × timeoutSeconds
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the dead-letter queue (redrive policy), 1-1000. @default 5 */
  readonly maxReceiveCount?: number;
  /** Messages per invocation, 1-10 (up to 10000 with a batching window of at least 1 s). @default 10 */
  readonly batchSize?: number;
  /** Seconds the poller gathers messages before invoking, 0-300. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
}

/** Invoke the function on S3 events of a bucket: directly (bucket in the function's account) or through an SQS queue. */
export interface LambdaS3Trigger {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** @default ["s3:ObjectCreated:*"] */
  readonly events?: readonly string[];
  /** @default "" (every key) */
  readonly prefix?: string;
  /** The resource that creates the bucket, so the notification waits for it. @default none */
  readonly dependable?: ITerraformDependable;
  /**
   * Subscribe through an SQS queue (with a dead-letter queue) instead of
   * direct S3 invocation: `true` for the defaults, or the queue's settings.
   * @default false (S3 invokes the function)
   */
  readonly queue?: boolean | LambdaS3TriggerQueue;
  /**
   * Id of the account that owns the bucket: the queue policy's
   * aws:SourceAccount. Another account than the function's needs `queue`.
   * @default the function's account
   */
  readonly accountId?: string;
  /** Provider of the bucket owner's account: the bucket notification is created with it. @default the function's provider */
  readonly provider?: AwsProvider;
}

/**
 * An IAM role for S3 Batch Operations jobs that invoke this function
 * (LambdaInvoke, e.g. a metadata backfill over an S3 Inventory or CSV
 * manifest): trusted by batchoperations.s3.amazonaws.com, may invoke this
 * function only, read manifests under one prefix and write completion reports
 * under one prefix.
 */
export interface LambdaBatchOperations {
  /** Bucket holding the job manifests (CSV or S3 Inventory manifest.json). */
  readonly manifestBucketArn: string;
  /** @default "" (the whole bucket) */
  readonly manifestPrefix?: string;
  /** Bucket the job writes its completion report to. @default manifestBucketArn */
  readonly reportBucketArn?: string;
  /** @default manifestPrefix */
  readonly reportPrefix?: string;
  /** KMS key of an SSE-KMS manifest/report bucket (kms:Decrypt + kms:GenerateDataKey on it, via S3 only). @default none */
  readonly kmsKeyArn?: string;
  /**
   * Region of the manifest/report bucket, for the key's `kms:ViaService`.
   * @default the key ARN's region, else the provider's region (synth fails if neither is literal)
   */
  readonly region?: string;
  /** @default `${functionName}-batch` */
  readonly roleName?: string;
  /**
   * Account owning the manifest and report buckets: the role's S3 statements hold only there
   * (`aws:ResourceAccount`), so a same-named bucket of another account gets nothing.
   * @default the function's account (accountId)
   */
  readonly bucketOwnerAccountId?: string;
}

export interface LambdaWriterProps {
  /** AWS provider of the consuming account (account A). */
  readonly provider: AwsProvider;
  /** Archive provider used to zip the bundled handler. */
  readonly archiveProvider: ArchiveProvider;
  /** Id of the account the function runs in. */
  readonly accountId: string;
  readonly functionName: string;
  /**
   * The function's code: `LambdaCode.builtin("writer")`, your own entry file
   * (`LambdaCode.fromEntry("src/fn.ts")`, bundled by esbuild) or directory
   * for any runtime (`LambdaCode.fromDirectory("py", { handler: "app.handler", runtime: "python3.12" })`).
   * Exactly one of `code` and `handler` is set.
   * @default none
   */
  readonly code?: LambdaCode;
  /**
   * Shorthand for `code: LambdaCode.builtin(handler)`.
   * @default none
   */
  readonly handler?: BuiltinHandler;
  /**
   * Where the handler reads and writes (env TARGET_BUCKET, TARGET_PREFIX, ...).
   * Leave it out and let a share grant set it: `share.grant(writer, { level, prefix })`
   * or `access`; the grant knows the address (the bucket name, or the access
   * point ARN in access-point mode). Of several bound grants, the first that
   * can write is the target (the first one when all are read-only). A writer
   * with neither fails synth.
   * @default the target of the bound share grant
   */
  readonly target?: LambdaTarget;
  /**
   * Share grants made for this function (`share.grant(...)` returns them):
   * their identity side goes into the execution role's policy, and the first
   * that can write (else the first) is the target when `target` is not set.
   * `share.grant(writer, ...)` binds a grant by itself: no need to pass it here too.
   * @default []
   */
  readonly access?: ShareGrant | readonly ShareGrant[];
  /** Assume-role pattern. Without it, the execution role itself must hold a grant on the target bucket. */
  readonly assumeRole?: LambdaAssumeRoleProps;
  /**
   * Direct S3 (+KMS) permissions of the execution role, e.g. the
   * bucket-policy pattern's `bucketShare.s3Grant("write", "incoming/")`.
   * @default []
   */
  readonly grants?: readonly S3Grant[];
  /** @default `${functionName}-exec` */
  readonly roleName?: string;
  /**
   * Lambda runtime identifier. Built-in and entry code need a Node.js runtime;
   * directory code carries its own (set it there, or here identically).
   * @default "nodejs22.x" (built-in and entry code), the code's runtime (directory code)
   */
  readonly runtime?: string;
  /** @default "arm64" */
  readonly architecture?: "arm64" | "x86_64";
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Largest object body the writer accepts. @default 1048576 (1 MiB) */
  readonly maxBodyBytes?: number;
  /** Invoke on S3 events of a bucket in this account; its bucket becomes the handler's SOURCE_BUCKETS allowlist. @default none */
  readonly s3Trigger?: LambdaS3Trigger;
  /** Create a role for S3 Batch Operations jobs that invoke this function. @default none */
  readonly batchOperations?: LambdaBatchOperations;
  /**
   * Send events that still fail after Lambda's async retries to an SQS queue
   * (on-failure destination).
   * @default false
   */
  readonly onFailureQueue?: boolean;
  /** Extra environment variables. @default `{}` */
  readonly environment?: Record<string, string>;
  /** @default `{}` */
  readonly tags?: Record<string, string>;
  /** @default "aws" */
  readonly partition?: string;
  /**
   * Opt-in data perimeter ({@link DataPerimeter}): every S3/KMS statement of
   * the execution role's grants also holds only while `aws:ResourceOrgID` is
   * the Organization, whichever app made the grant.
   * @default none
   */
  readonly perimeter?: DataPerimeter;
}

/**
 * A Lambda function in the consuming account that writes to a bucket of
 * another account: execution role (logs to its own group, and either
 * sts:AssumeRole on exactly one role or direct grants), its code (a built-in
 * handler, your own entry file bundled by esbuild, or your own directory for
 * any runtime; see {@link LambdaCode}) zipped by the archive provider, and its
 * configuration (the environment contract of handlers/shared/contract.ts).
 */
export class LambdaWriter extends Construct implements IShareConsumer {
  public readonly role: IamRole;
  public readonly roleName: string;
  /** Literal execution role ARN: what bucket, key and trust policies name. */
  public readonly roleArn: string;
  public readonly rolePolicy: IamRolePolicy;
  public readonly function: LambdaFunction;
  public readonly functionName: string;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly archive: DataArchiveFile;
  public readonly failureQueue?: SqsQueue;
  /** The queue S3 events arrive through (`s3Trigger.queue`), and its dead-letter queue. */
  public readonly eventQueue?: SqsQueue;
  public readonly eventDeadLetterQueue?: SqsQueue;
  /** The S3 Batch Operations role (`batchOperations`), for `aws s3control create-job --role-arn`. */
  public readonly batchRole?: IamRole;
  public readonly batchRoleArn?: string;
  /** Share grants bound to this function (`access`, `share.grant(writer, ...)`). */
  private readonly bound: ShareGrant[] = [];
  private readonly props: LambdaWriterProps;
  private readonly partition: string;
  private readonly maxBody: number;
  /** Built-in handlers need a write grant covering the target; your own code takes any level. */
  private readonly builtin: boolean;
  /** The built-in writer (TARGET_OPERATIONS from its grant's level). */
  private readonly builtinWriter: boolean;
  private readonly assumeRoleEnv: Record<string, string> = {};
  private readonly assumeRoleStatements: Statement[] = [];
  /** The data perimeter, when on. */
  public readonly perimeter?: ResolvedPerimeter;

  constructor(scope: Construct, id: string, props: LambdaWriterProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `LambdaWriter(${id}).${name}`;
    const partition = props.partition ?? "aws";
    const accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), accountId);
    this.functionName = v.functionName(f("functionName"), props.functionName);
    this.roleName = v.iamName(f("roleName"), props.roleName ?? `${this.functionName}-exec`);
    this.roleArn = `arn:${partition}:iam::${accountId}:role/${this.roleName}`;
    this.perimeter = resolvePerimeter(f("perimeter"), props.perimeter, accountId);
    if (this.perimeter) emitPerimeter(this, id, `LambdaWriter(${id})`, this.perimeter, () => [accountId], { rcp: false });
    if ((props.code === undefined) === (props.handler === undefined)) {
      throw new ConfigError(
        f("code"),
        'set exactly one of "code" (LambdaCode.builtin / fromEntry / fromDirectory) or "handler" ("writer" | "metadata-processor")',
      );
    }
    const code = props.code ?? LambdaCode.builtin(props.handler as BuiltinHandler);
    const resolved = code.resolve(f(props.code ? "code" : "handler"), f("runtime"), props.runtime);
    const architecture = v.oneOf(f("architecture"), props.architecture ?? "arm64", ["arm64", "x86_64"] as const);
    const memorySize = v.integerInRange(f("memorySize"), props.memorySize ?? 256, 128, 10240);
    const timeout = v.integerInRange(f("timeoutSeconds"), props.timeoutSeconds ?? 30, 1, 900);
    const retention = v.logRetention(f("logRetentionDays"), props.logRetentionDays ?? 30);
    const maxBody = v.integerInRange(f("maxBodyBytes"), props.maxBodyBytes ?? 1024 * 1024, 1, 6 * 1024 * 1024);
    this.props = props;
    this.partition = partition;
    this.maxBody = maxBody;
    this.builtin = code.kind === "builtin";
    this.builtinWriter = code.builtinHandler === "writer";
    (props.grants ?? []).forEach((g, i) => v.keyPrefix(f(`grants[${i}].prefix`), g.prefix));
    const access = props.access === undefined ? [] : Array.isArray(props.access) ? (props.access as readonly ShareGrant[]) : [props.access as ShareGrant];
    access.forEach((g, i) => {
      // A grant made for another principal: its bucket / access point policy does not name this role.
      if (g.principalArn !== undefined && g.principalArn !== this.roleArn) {
        throw new ConfigError(
          f(Array.isArray(props.access) ? `access[${i}]` : "access"),
          `is a grant for ${g.principalArn}, not for this function's execution role ${this.roleArn}: every call would be AccessDenied. Grant this function (share.grant(writer, ...), or share.grant("${this.roleArn}", ...)) or set roleName to match`,
        );
      }
    });
    this.bound.push(...access);

    if (props.assumeRole) {
      const target = props.assumeRole.role;
      const duration = v.chainedSessionDuration(f("assumeRole.sessionDurationSeconds"), props.assumeRole.sessionDurationSeconds ?? 3600);
      if (duration > target.maxSessionDurationSeconds) {
        throw new ConfigError(
          f("assumeRole.sessionDurationSeconds"),
          `${duration} s exceeds the maximum session duration of ${target.roleArn} (${target.maxSessionDurationSeconds} s); STS would refuse every AssumeRole. Lower it or raise the role's maxSessionDurationSeconds`,
        );
      }
      if (target.requireMfa) {
        throw new ConfigError(
          f("assumeRole.role"),
          `${target.roleArn} requires MFA, which a Lambda function cannot present; use a role without requireMfa for workloads`,
        );
      }
      this.assumeRoleEnv[ENV.roleArn] = target.roleArn;
      this.assumeRoleEnv[ENV.sessionDurationSeconds] = String(duration);
      if (target.externalId !== undefined) this.assumeRoleEnv[ENV.externalId] = target.externalId;
      this.assumeRoleStatements.push(assumeRoleStatement(target.roleArn));
    }
    // A target given (or a grant passed in `access`): check it now, where the mistake is made.
    const initial = this.resolveTarget();
    if (initial !== undefined) this.checkTarget(initial);
    const env = this.environment;
    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;
    const provider = props.provider;

    // ---- execution role
    this.role = new IamRole(this, "role", {
      provider,
      name: this.roleName,
      description: `Execution role of Lambda ${this.functionName}`,
      assumeRolePolicy: renderPolicy(serviceTrustPolicy("lambda.amazonaws.com")),
      tags,
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      provider,
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: retention,
      tags,
    });
    const logs = logsStatement(this.logGroup.arn);

    let failureQueue: SqsQueue | undefined;
    if (props.onFailureQueue) {
      failureQueue = new SqsQueue(this, "on-failure", {
        provider,
        name: `${this.functionName}-failures`,
        messageRetentionSeconds: 14 * 24 * 3600,
        sqsManagedSseEnabled: true,
        tags,
      });
    }
    this.failureQueue = failureQueue;

    // ---- S3 events through SQS (s3Trigger.queue): validated here, where the mistake is made.
    const trigger = props.s3Trigger;
    const bucketOwner = trigger?.accountId === undefined ? accountId : v.accountId(f("s3Trigger.accountId"), trigger.accountId);
    const queueOpts = trigger?.queue === undefined || trigger.queue === false ? undefined : trigger.queue === true ? {} : trigger.queue;
    if (trigger && !queueOpts && bucketOwner !== accountId) {
      throw new ConfigError(
        f("s3Trigger.accountId"),
        `is ${bucketOwner}, another account than the function's (${accountId}): direct invocation is set up for a bucket of the function's account only. Set s3Trigger.queue: true (S3 -> SQS in account ${accountId} -> Lambda)`,
      );
    }
    let eventQueue: SqsQueue | undefined;
    let queueSettings: { batchSize: number; window: number } | undefined;
    if (trigger && queueOpts) {
      const visibility = v.integerInRange(f("s3Trigger.queue.visibilityTimeoutSeconds"), queueOpts.visibilityTimeoutSeconds ?? 6 * timeout, 0, 43200);
      if (visibility < 6 * timeout) {
        // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html: at least six times the
        // function timeout, so a batch retried after throttling is not received twice while still running.
        throw new ConfigError(
          f("s3Trigger.queue.visibilityTimeoutSeconds"),
          `is ${visibility} s, below 6 × the function timeout (${timeout} s) = ${6 * timeout} s that Lambda recommends for SQS event sources: raise it to at least ${6 * timeout} or lower timeoutSeconds`,
        );
      }
      const maxReceiveCount = v.integerInRange(f("s3Trigger.queue.maxReceiveCount"), queueOpts.maxReceiveCount ?? 5, 1, 1000);
      const window = v.integerInRange(f("s3Trigger.queue.maximumBatchingWindowSeconds"), queueOpts.maximumBatchingWindowSeconds ?? 0, 0, 300);
      const batchSize = v.integerInRange(f("s3Trigger.queue.batchSize"), queueOpts.batchSize ?? 10, 1, 10000);
      if (batchSize > 10 && window < 1) {
        // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (BatchSize)
        throw new ConfigError(
          f("s3Trigger.queue.batchSize"),
          `is ${batchSize}: above 10 Lambda requires maximumBatchingWindowSeconds of at least 1; set it, or a batchSize of 10 or less`,
        );
      }
      queueSettings = { batchSize, window };
      const dlq = new SqsQueue(this, "s3-events-dlq", {
        provider,
        name: `${this.functionName}-s3-events-dlq`,
        messageRetentionSeconds: 14 * 24 * 3600,
        sqsManagedSseEnabled: true,
        tags,
      });
      eventQueue = new SqsQueue(this, "s3-events", {
        provider,
        name: `${this.functionName}-s3-events`,
        visibilityTimeoutSeconds: visibility,
        sqsManagedSseEnabled: true,
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
        tags,
      });
      this.eventDeadLetterQueue = dlq;
    }
    this.eventQueue = eventQueue;

    this.rolePolicy = new IamRolePolicy(this, "execution", {
      provider,
      name: "execution",
      role: this.role.name,
      // Rendered at synth time, so grants bound later (share.grant(writer, ...)) are included.
      policy: Lazy.stringValue({
        produce: () => {
          const target = this.resolveTarget();
          if (target === undefined) {
            throw new ConfigError(
              f("target"),
              "is not set and no share grant is bound: call share.grant(writer, { level, prefix }) (the grant names the bucket or access point to address), pass access: share.grant(...), or set target",
            );
          }
          this.checkTarget(target);
          const statements: Statement[] = [logs, ...this.assumeRoleStatements];
          this.allGrants().forEach((g, i) => statements.push(...identityStatements(g, `Grant${i + 1}`, this.roleArn)));
          if (props.s3Trigger) statements.push(objectVersionsStatement(props.s3Trigger.bucketArn, v.keyPrefix(f("s3Trigger.prefix"), props.s3Trigger.prefix)));
          if (failureQueue) statements.push(sendToQueueStatement(failureQueue.arn));
          if (eventQueue) statements.push(consumeQueueStatement(eventQueue.arn));
          return renderPolicy(identityPolicy(statements));
        },
      }),
    });

    // ---- code: bundle or directory -> asset in the stack dir -> archive_file zip
    const asset = new TerraformAsset(this, "bundle", { path: resolved.dir, type: AssetType.DIRECTORY });
    this.archive = new DataArchiveFile(this, "zip", {
      provider: props.archiveProvider,
      type: "zip",
      sourceDir: asset.path,
      outputPath: `dist/${this.functionName}.zip`,
      outputFileMode: "0644",
    });

    this.function = new LambdaFunction(this, "function", {
      provider,
      functionName: this.functionName,
      description: this.description(),
      role: this.role.arn,
      runtime: resolved.runtime,
      architectures: [architecture],
      handler: resolved.handler,
      filename: this.archive.outputPath,
      sourceCodeHash: this.archive.outputBase64Sha256,
      memorySize,
      timeout,
      environment: { variables: env },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tags,
      dependsOn: [this.rolePolicy, this.logGroup],
    });

    if (failureQueue) {
      new LambdaFunctionEventInvokeConfig(this, "async", {
        provider,
        functionName: this.function.functionName,
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: failureQueue.arn } },
      });
    }

    if (props.batchOperations) {
      const b = props.batchOperations;
      const batchRoleName = v.iamName(f("batchOperations.roleName"), b.roleName ?? `${this.functionName}-batch`);
      const manifestPrefix = v.keyPrefix(f("batchOperations.manifestPrefix"), b.manifestPrefix);
      const reportPrefix = v.keyPrefix(f("batchOperations.reportPrefix"), b.reportPrefix ?? manifestPrefix);
      this.batchRoleArn = `arn:${partition}:iam::${accountId}:role/${batchRoleName}`;
      this.batchRole = new IamRole(this, "batch-role", {
        provider,
        name: batchRoleName,
        description: `S3 Batch Operations jobs invoking Lambda ${this.functionName}`,
        assumeRolePolicy: renderPolicy(batchOperationsTrustPolicy()),
        tags,
      });
      new IamRolePolicy(this, "batch-policy", {
        provider,
        name: "batch-operations",
        role: this.batchRole.name,
        policy: renderPolicy(
          identityPolicy(
            batchOperationsStatements({
              functionArn: this.function.arn,
              manifestBucketArn: b.manifestBucketArn,
              manifestPrefix,
              reportBucketArn: b.reportBucketArn ?? b.manifestBucketArn,
              reportPrefix,
              resourceAccount:
                b.bucketOwnerAccountId === undefined ? accountId : v.accountId(f("batchOperations.bucketOwnerAccountId"), b.bucketOwnerAccountId),
              ...(b.kmsKeyArn !== undefined ? { kmsKeyArn: b.kmsKeyArn, region: batchKeyRegion(f("batchOperations.region"), b, props.provider) } : {}),
            }),
          ),
        ),
      });
    }

    if (trigger && eventQueue && queueSettings) {
      const t = trigger;
      const bucketArn = t.bucketArn;
      const queuePolicy = new SqsQueuePolicy(this, "s3-events-policy", {
        provider,
        queueUrl: eventQueue.url,
        policy: renderPolicy(s3NotificationQueuePolicy(eventQueue.arn, bucketArn, bucketOwner)),
      });
      new S3BucketNotification(this, "s3-notification", {
        // The notification configuration belongs to the bucket: its owner's account.
        provider: t.provider ?? provider,
        bucket: v.bucketName(f("s3Trigger.bucketName"), t.bucketName),
        queue: [
          {
            queueArn: eventQueue.arn,
            events: [...(t.events ?? ["s3:ObjectCreated:*"])],
            filterPrefix: v.keyPrefix(f("s3Trigger.prefix"), t.prefix) || undefined,
          },
        ],
        // S3 sends a test message when the configuration is put and refuses it if it cannot publish.
        dependsOn: [queuePolicy, ...(t.dependable ? [t.dependable] : [])],
      });
      new LambdaEventSourceMapping(this, "s3-events-mapping", {
        provider,
        eventSourceArn: eventQueue.arn,
        functionName: this.function.arn,
        batchSize: queueSettings.batchSize,
        maximumBatchingWindowInSeconds: queueSettings.window > 0 ? queueSettings.window : undefined,
        // The processor answers { batchItemFailures }: only those messages return to the queue
        // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting).
        functionResponseTypes: ["ReportBatchItemFailures"],
        // Lambda checks the execution role's SQS permissions when the mapping is created.
        dependsOn: [this.rolePolicy],
      });
    } else if (trigger) {
      const t = trigger;
      const permission = new LambdaPermission(this, "s3-invoke", {
        provider,
        statementId: "AllowS3Invoke",
        action: "lambda:InvokeFunction",
        functionName: this.function.functionName,
        principal: "s3.amazonaws.com",
        // Confused-deputy guard: only this bucket, in this account, may invoke.
        sourceArn: t.bucketArn,
        sourceAccount: accountId,
      });
      new S3BucketNotification(this, "s3-notification", {
        provider,
        bucket: v.bucketName(f("s3Trigger.bucketName"), t.bucketName),
        lambdaFunction: [
          {
            lambdaFunctionArn: this.function.arn,
            events: [...(t.events ?? ["s3:ObjectCreated:*"])],
            filterPrefix: v.keyPrefix(f("s3Trigger.prefix"), t.prefix) || undefined,
          },
        ],
        dependsOn: [permission, ...(t.dependable ? [t.dependable] : [])],
      });
    }
  }

  /** The environment the handler runs with (tokens for apply-time values). */
  public get environment(): Record<string, string> {
    const f = (name: string): string => `LambdaWriter(${this.node.id}).${name}`;
    const props = this.props;
    const target = this.resolveTarget();
    const env: Record<string, string> = { [ENV.executionRoleArn]: this.roleArn };
    if (target !== undefined) {
      // A bucket name, or (access-point mode) an access point ARN or alias: AWS SDK v3 takes each as `Bucket`.
      env[ENV.bucket] = v.bucketOrAccessPoint(f("target.bucketName"), target.bucketName);
      env[ENV.prefix] = v.keyPrefix(f("target.prefix"), target.prefix);
    }
    env[ENV.maxBodyBytes] = String(this.maxBody);
    if (target?.region !== undefined) env[ENV.region] = v.region(f("target.region"), target.region);
    if (target?.kmsKeyArn !== undefined) env[ENV.kmsKeyArn] = target.kmsKeyArn;
    if (target?.objectWriterOwnership) env[ENV.objectAcl] = BUCKET_OWNER_FULL_CONTROL;
    const bucketOwner = target?.accountId ?? props.assumeRole?.role.roleArn.split(":")[4];
    if (bucketOwner !== undefined)
      env[ENV.bucketOwner] = v.accountId(
        f(
          target?.accountId === undefined
            ? "assumeRole.role (account of its ARN)"
            : props.target !== undefined
              ? "target.accountId"
              : "share grant (accountId of its share)",
        ),
        bucketOwner,
      );
    if (props.s3Trigger) env[ENV.sourceBuckets] = v.bucketName(f("s3Trigger.bucketName"), props.s3Trigger.bucketName);
    // The built-in writer refuses, before any AWS call, the operations its grant does not allow (a get
    // on a write grant would be AccessDenied on AWS): the access review's call proof skips them too.
    const level = this.builtinWriter && target !== undefined ? this.targetLevel(target) : undefined;
    if (level !== undefined) env[ENV.operations] = writerOperationsFor(level).join(",");
    return { ...env, ...this.assumeRoleEnv, ...(props.environment ?? {}) };
  }

  /**
   * IShareConsumer: take the identity side of a share grant (called by
   * `share.grant(writer, ...)`). The function's target, environment and role
   * policy follow it (see {@link LambdaWriterProps.target}).
   */
  public bindGrant(grant: ShareGrant): void {
    this.bound.push(grant);
    if (this.props.target === undefined) {
      this.function.putEnvironment({ variables: this.environment });
      this.function.description = this.description();
    }
  }

  /** `target`, else the first bound grant that can write, else the first bound grant. */
  private resolveTarget(): LambdaTarget | undefined {
    if (this.props.target !== undefined) return this.props.target;
    const g = this.bound.find((x) => x.level !== "read") ?? this.bound[0];
    if (g === undefined) return undefined;
    // The grant knows the bucket's owner: the handler sends it as ExpectedBucketOwner (TARGET_BUCKET_OWNER).
    return {
      bucketName: g.address,
      prefix: g.prefix,
      kmsKeyArn: g.kmsKeyArn,
      accountId: g.accountId,
      ...(g.objectWriterOwnership ? { objectWriterOwnership: true } : {}),
    };
  }

  /**
   * The level the function holds on its target: the assumed role's, or the
   * union of the grants covering the target's bucket (or access point) and
   * prefix; undefined when unknown (every operation stays enabled).
   */
  private targetLevel(target: LambdaTarget): AccessLevel | undefined {
    if (this.props.assumeRole) return this.props.assumeRole.role.accessLevel;
    const levels = new Set(this.coveringGrants(target.bucketName, target.prefix ?? "").map((g) => g.level));
    if (levels.size === 0) return undefined;
    if (levels.has("readwrite") || (levels.has("read") && levels.has("write"))) return "readwrite";
    return levels.has("write") ? "write" : "read";
  }

  /**
   * The grants covering `prefix` of the target: an access point ARN is covered
   * by the grant of that access point, an access point alias (only AWS knows
   * whose) by any access-point grant, a bucket name by the grants on that bucket.
   */
  private coveringGrants(bucket: string, prefix: string): S3Grant[] {
    const targetArn = `arn:${this.partition}:s3:::${bucket}`;
    return this.allGrants().filter(
      (g) =>
        prefix.startsWith(g.prefix) &&
        (bucket.startsWith("arn:")
          ? grantAccessPointArn(g, this.roleArn) === bucket
          : bucket.endsWith("-s3alias")
            ? g.accessPoint !== undefined
            : g.bucketArn === targetArn),
    );
  }

  /** The execution role's S3 grants: `grants`, then the bound share grants' identity sides. */
  private allGrants(): S3Grant[] {
    const f = `LambdaWriter(${this.node.id})`;
    return [
      ...(this.props.grants ?? []).map((g, i) => grantWithinPerimeter(this.perimeter, `${f}.grants[${i}]`, g)),
      ...this.bound.map((g) => grantWithinPerimeter(this.perimeter, `${f}.access`, g.s3Grant)),
    ];
  }

  private description(): string {
    const t = this.resolveTarget();
    const where = t === undefined ? "its share grant's bucket" : `s3://${t.bucketName}/${t.prefix ?? ""}`;
    return `Writes to ${where}${this.props.assumeRole ? ` as ${this.props.assumeRole.role.roleArn}` : ""}`;
  }

  /**
   * Without assume-role, the execution role itself must hold a grant on the
   * target: a write grant for the built-in handlers (they write there), any
   * level for your own code. A bucket shared in access-point mode must be
   * addressed through this function's access point.
   */
  private checkTarget(target: LambdaTarget): void {
    const f = (name: string): string => `LambdaWriter(${this.node.id}).${name}`;
    const bucket = v.bucketOrAccessPoint(f("target.bucketName"), target.bucketName);
    const prefix = v.keyPrefix(f("target.prefix"), target.prefix);
    if (this.props.assumeRole) return;
    const grants = this.allGrants();
    const targetArn = `arn:${this.partition}:s3:::${bucket}`;
    const viaAccessPoint = grants.find((g) => g.bucketArn === targetArn && grantAccessPointArn(g, this.roleArn) !== undefined);
    if (viaAccessPoint) {
      throw new ConfigError(
        f("target.bucketName"),
        `"${bucket}" is shared in access-point mode: this function must address its access point ${grantAccessPointArn(viaAccessPoint, this.roleArn)}, every call to the bucket name is AccessDenied. Leave target out and call share.grant(writer, { level, prefix }) (or pass access: share.grant(...)): the grant knows the address`,
      );
    }
    // Access-point mode: the target is the access point of this function's grant (or its alias, which
    // only AWS knows: then any access-point grant covering the prefix is taken as the one).
    const covering = this.coveringGrants(bucket, prefix).find((g) => !this.builtin || g.level !== "read");
    if (!covering) {
      throw new ConfigError(
        f("grants"),
        this.builtin
          ? `no write grant covers the target s3://${bucket}/${prefix}: the built-in handler writes there. Call share.grant(writer, { level: "write" | "readwrite", prefix: "${prefix}" }), pass bucketShare.s3Grant("write" | "readwrite", "${prefix}") in grants (bucket-policy pattern) or set assumeRole (assume-role pattern)`
          : `no grant covers the target s3://${bucket}/${prefix}: call share.grant(writer, { level, prefix: "${prefix}" }), pass bucketShare.s3Grant(level, "${prefix}") in grants, or set assumeRole`,
      );
    }
  }

  /** IGrantee: the execution role, for bucket, key and trust policies. */
  public get principalArn(): string {
    return this.roleArn;
  }

  /** IGrantee: the execution role's unique id, so policies naming it are re-applied when it is replaced. */
  public get uniqueId(): string {
    return this.role.uniqueId;
  }

  public get dependable(): IamRole {
    return this.role;
  }
}

/** The region the batch role's key is used in (kms:ViaService): the prop, the key ARN's, or the provider's literal region. */
function batchKeyRegion(field: string, b: LambdaBatchOperations, provider: AwsProvider): string {
  const r = b.region ?? kmsKeyRegion(b.kmsKeyArn ?? "") ?? provider.region;
  if (r === undefined || Token.isUnresolved(r)) {
    throw new ConfigError(
      field,
      'is required when the key ARN is a reference and the provider has no literal region (the key is granted via S3 in that region only), e.g. "eu-west-1"',
    );
  }
  return v.region(field, r);
}
