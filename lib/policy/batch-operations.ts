import { serviceTrustPolicy } from "./documents";
import { kmsKeyRegion, mergeConditions, objectArn, S3_ARN_CONTEXT_KEY, viaS3Condition } from "./s3-access";
import type { PolicyDocument, Statement } from "./types";

/**
 * The IAM role an S3 Batch Operations job runs as when it invokes a Lambda
 * function (operation LambdaInvoke). AWS's example for that operation grants
 * lambda:InvokeFunction plus s3:GetObject / s3:GetObjectVersion to read the
 * manifest and s3:PutObject to write the completion report, and trusts the
 * service principal batchoperations.s3.amazonaws.com
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-invoke-lambda.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-iam-role-policies.html).
 * Here each grant is scoped to one function and one prefix.
 */
export const BATCH_OPERATIONS_SERVICE = "batchoperations.s3.amazonaws.com";

export function batchOperationsTrustPolicy(): PolicyDocument {
  return serviceTrustPolicy(BATCH_OPERATIONS_SERVICE);
}

export interface BatchOperationsAccess {
  /** ARN of the function the job invokes (unqualified: the job's FunctionArn). */
  readonly functionArn: string;
  readonly manifestBucketArn: string;
  /** "" or ending in "/". */
  readonly manifestPrefix: string;
  readonly reportBucketArn: string;
  /** "" or ending in "/". */
  readonly reportPrefix: string;
  /** Key of an SSE-KMS manifest/report bucket: reading the manifest needs kms:Decrypt, writing the report kms:GenerateDataKey. */
  readonly kmsKeyArn?: string;
  /** Region of the buckets (kms:ViaService). @default the key ARN's region */
  readonly region?: string;
  /** Owner of the manifest and report buckets: the S3 statements hold only there (aws:ResourceAccount). @default no condition */
  readonly resourceAccount?: string;
}

export function batchOperationsStatements(a: BatchOperationsAccess): Statement[] {
  const owner: Pick<Statement, "Condition"> =
    a.resourceAccount === undefined ? {} : { Condition: { StringEquals: { "aws:ResourceAccount": a.resourceAccount } } };
  return [
    { Sid: "InvokeProcessor", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: a.functionArn },
    // On the owner's buckets only (aws:ResourceAccount, as for every consumer: see resourceAccountCondition).
    {
      Sid: "ReadManifest",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: objectArn(a.manifestBucketArn, a.manifestPrefix),
      ...owner,
    },
    { Sid: "WriteCompletionReport", Effect: "Allow", Action: "s3:PutObject", Resource: objectArn(a.reportBucketArn, a.reportPrefix), ...owner },
    // The job reads and writes through S3, so the key is granted only as S3 uses it (kms:ViaService), like every other grant.
    ...(a.kmsKeyArn !== undefined
      ? [
          {
            Sid: "ManifestAndReportKey",
            Effect: "Allow" as const,
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: a.kmsKeyArn,
            // ... and for the manifest and report buckets only (kms:EncryptionContext:aws:s3:arn, bucket or
            // object ARN: the buckets' Bucket Key setting is not known here; see s3ArnContextCondition).
            Condition: mergeConditions(viaS3ConditionIn(a.region ?? kmsKeyRegion(a.kmsKeyArn)).Condition, {
              StringLike: { [S3_ARN_CONTEXT_KEY]: [...new Set([a.manifestBucketArn, a.reportBucketArn])].flatMap((b) => [b, `${b}/*`]) },
            }),
          },
        ]
      : []),
  ];
}

/** The kms:ViaService condition for a known region; none when the region is unknown. */
const viaS3ConditionIn = (region: string | undefined): Pick<Statement, "Condition"> => (region === undefined ? {} : { Condition: viaS3Condition(region) });
