/**
 * Call contracts: every AWS call a handler makes, as data. One table per
 * handler beside its code (`handlers/<handler>/calls.contract.ts`), never
 * imported by the handler itself (so never bundled). Two things read it:
 *
 * - the handler's contract test records every command the handler sends
 *   (aws-sdk-client-mock) and fails on one the table does not declare
 *   ({@link undeclaredCalls});
 * - the access review (`tools/access/calls.ts`) proves, for each stack that
 *   deploys the handler, that every IAM action each call needs is Allowed
 *   with the request's real context, and lists the permissions no call uses.
 *
 * Your own Lambda or consumer role declares its calls with the same type and
 * checks them with the `toAllowCalls` matcher of `xacct-s3/access/jest`.
 */

import type { WriterOperation } from "./contract";

/** The resources a call needs an action on, resolved per deployment (the function's environment, or what the test names). */
export type CallResource =
  /** An object under the target prefix: `arn:aws:s3:::<TARGET_BUCKET>/<TARGET_PREFIX>...` (or the access point's `/object/...`). */
  | "target-object"
  /** The target bucket itself (ListBucket), or the access point. */
  | "target-bucket"
  /** The KMS key of the target bucket (TARGET_KMS_KEY_ARN, else the bucket's default key in the stack). */
  | "target-key"
  /** The role the function assumes (TARGET_ROLE_ARN). */
  | "target-role"
  /** An object of a source bucket (SOURCE_BUCKETS): the metadata processor's HeadObject. */
  | "source-object"
  /** The KMS key of the source bucket. */
  | "source-key";

/** Who signs the request. */
export type CallCredentials =
  /** The session of TARGET_ROLE_ARN when it is set, else the execution role (bucket-policy pattern). */
  | "target"
  /** Always the function's execution role (STS AssumeRole, the processor's same-account HeadObject). */
  | "execution";

/**
 * A request-context value, resolved per deployment:
 * `${kmsKeyArn}` the key the call names (TARGET_KMS_KEY_ARN), `${bucketOwner}` the bucket's account,
 * `${viaS3}` `s3.<region>.amazonaws.com`, `${callerAccount}` the signing principal's account,
 * `${s3ArnContext}` the S3 ARN S3 puts in the KMS encryption context (the bucket ARN with
 * S3 Bucket Keys, else the object ARN), `${prefix}` TARGET_PREFIX, `${externalId}` TARGET_EXTERNAL_ID,
 * `${objectAcl}` TARGET_OBJECT_ACL, `${sse}` `aws:kms` when the call names a key (TARGET_KMS_KEY_ARN). A key whose value resolves to nothing is left out.
 */
export type ContextValue = string;

/** One IAM action a call needs. */
export interface CallNeed {
  readonly action: string;
  readonly resource: CallResource;
  /** Condition keys of the request, as the policies see them. @default none */
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** `kms`: only when the resource's bucket is SSE-KMS (the deployment has a key for it). @default always */
  readonly when?: "kms";
  /** The AWS documentation page this requirement rests on. */
  readonly doc: string;
}

/**
 * How a declared parameter may appear in the command's input:
 * `required` always set, `optional` may be set or not, or the exact value it must have.
 * A parameter of {@link AUTH_PARAMS} that the call does not declare must be absent.
 */
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the two keywords are documented members
export type ParamRule = "required" | "optional" | string;

/** One AWS call a handler makes. */
export interface DeclaredCall {
  /** Stable id, e.g. `get-version`. */
  readonly id: string;
  /** SDK client (`S3`, `STS`). */
  readonly service: "S3" | "STS";
  /** SDK command class name, e.g. `GetObjectCommand`. */
  readonly command: string;
  /** When the handler makes it (one line). */
  readonly when: string;
  readonly credentials: CallCredentials;
  /** The authorization-relevant parameters this call sends (see {@link AUTH_PARAMS}). @default none */
  readonly params?: Readonly<Record<string, ParamRule>>;
  /** Every IAM action the call needs, dependent ones (KMS, versions) included. */
  readonly needs: readonly CallNeed[];
  /**
   * The call is made only in some deployments: `unversioned-source` only when
   * a source bucket is not versioned (the processor's read-before-replace).
   * The access review proves it only there. @default every deployment
   */
  readonly onlyIf?: "unversioned-source";
  /**
   * The writer operation (event field `operation`) that makes the call: not
   * made where the function's TARGET_OPERATIONS leaves it out (its grant's
   * level does not allow it; the handler refuses the event first). @default made by every operation
   */
  readonly operation?: WriterOperation;
  /** The operation's API reference page. */
  readonly doc: string;
}

export type CallContract = readonly DeclaredCall[];

/**
 * Parameters that change what a request needs or how the policies see it.
 * A command sending one its contract entry does not declare is undeclared:
 * ChecksumMode ENABLED on an SSE-KMS HeadObject needs kms:Decrypt
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html), a
 * VersionId turns s3:GetObject into s3:GetObjectVersion
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), the
 * SSE headers are the `s3:x-amz-server-side-encryption*` condition keys
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html),
 * ExpectedBucketOwner refuses a bucket of another account
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html),
 * the ACL is `s3:x-amz-acl`, and the STS parameters are what the trust policy tests
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
 */
export const AUTH_PARAMS = [
  "ChecksumMode",
  "VersionId",
  "ServerSideEncryption",
  "SSEKMSKeyId",
  "SSEKMSEncryptionContext",
  "BucketKeyEnabled",
  "SSECustomerAlgorithm",
  "ExpectedBucketOwner",
  "ACL",
  "IfMatch",
  "IfNoneMatch",
  "UploadId",
  "ExternalId",
  "SerialNumber",
  "TokenCode",
  "Policy",
  "PolicyArns",
  "Tags",
  "SourceIdentity",
] as const;

/** Multipart operations: none of the built-in handlers sends them (bodies are at most MAX_BODY_BYTES ≤ 6 MiB, one PutObject). */
export const MULTIPART_COMMANDS = ["CreateMultipartUploadCommand", "UploadPartCommand", "CompleteMultipartUploadCommand", "AbortMultipartUploadCommand"];

/** A command as a handler sent it. */
export interface SentCommand {
  readonly service: string;
  readonly command: string;
  readonly input: Readonly<Record<string, unknown>>;
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Why `sent` does not fit `call` (undefined: it fits). */
export function mismatch(call: DeclaredCall, sent: SentCommand): string | undefined {
  if (call.service !== sent.service || call.command !== sent.command) return `not ${call.service} ${call.command}`;
  const params = call.params ?? {};
  for (const [name, rule] of Object.entries(params)) {
    const v = sent.input[name];
    if (rule === "required" && !isSet(v)) return `${name} is not set`;
    if (rule !== "required" && rule !== "optional" && isSet(v) && String(v) !== rule) return `${name} is ${JSON.stringify(v)}, not ${JSON.stringify(rule)}`;
    if (rule !== "required" && rule !== "optional" && !isSet(v)) return `${name} is not set (must be ${JSON.stringify(rule)})`;
  }
  for (const name of AUTH_PARAMS) {
    if (!(name in params) && isSet(sent.input[name])) return `sends ${name}=${JSON.stringify(sent.input[name])}, which the entry does not declare`;
  }
  return undefined;
}

/** The contract entry a sent command is, or undefined. */
export function declaredCallOf(contract: CallContract, sent: SentCommand): DeclaredCall | undefined {
  return contract.find((c) => mismatch(c, sent) === undefined);
}

/** One line per sent command that no entry of `contract` declares, with the closest entry's reason. */
export function undeclaredCalls(contract: CallContract, sent: readonly SentCommand[]): string[] {
  const out: string[] = [];
  for (const s of sent) {
    if (declaredCallOf(contract, s)) continue;
    const same = contract.filter((c) => c.service === s.service && c.command === s.command);
    const why = same.length ? same.map((c) => `${c.id}: ${mismatch(c, s)}`).join("; ") : "no entry for this command";
    const params = AUTH_PARAMS.filter((p) => isSet(s.input[p]))
      .map((p) => `${p}=${JSON.stringify(s.input[p])}`)
      .join(", ");
    out.push(`undeclared call ${s.service} ${s.command}${params ? ` (${params})` : ""}: ${why}`);
  }
  return out;
}

/** Checks the table itself: unique ids, a doc URL on every call and need. Throws naming the entry. */
export function validateContract(name: string, contract: CallContract): void {
  const ids = new Set<string>();
  contract.forEach((c, i) => {
    const at = `${name}[${i}] (${c.id})`;
    if (ids.has(c.id)) throw new Error(`${at}: duplicate id`);
    ids.add(c.id);
    if (!/^https:\/\/docs\.aws\.amazon\.com\//.test(c.doc)) throw new Error(`${at}.doc: must be an AWS documentation URL`);
    if (c.needs.length === 0) throw new Error(`${at}.needs: a call needs at least one IAM action`);
    c.needs.forEach((n, j) => {
      if (!/^https:\/\/docs\.aws\.amazon\.com\//.test(n.doc)) throw new Error(`${at}.needs[${j}].doc: must be an AWS documentation URL`);
      if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(n.action)) throw new Error(`${at}.needs[${j}].action: "${n.action}" is not service:Action`);
    });
  });
}

// ------------------------------------------------------------------ the AWS rules the tables cite

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html ("Permissions": kms:GenerateDataKey to upload, kms:Decrypt to download). */
export const DOC_SSE_KMS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html";
/** kms:ViaService and kms:CallerAccount: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html */
export const DOC_KMS_CONDITIONS = "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html";
/** The encryption context S3 sends: bucket ARN with S3 Bucket Keys, else object ARN. */
export const DOC_BUCKET_KEY = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html";
/** Multipart upload permissions (s3:PutObject per part, s3:AbortMultipartUpload, kms:Decrypt for SSE-KMS parts). */
export const DOC_MULTIPART = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions";
/** aws:ResourceAccount: the account owning the resource. */
export const DOC_RESOURCE_ACCOUNT = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount";

/**
 * The context of the KMS request S3 makes with the bucket's key on the
 * caller's behalf: kms:ViaService = S3 of the key's region, kms:CallerAccount
 * = the caller's account (DOC_KMS_CONDITIONS), and the S3 ARN as encryption
 * context (DOC_BUCKET_KEY).
 */
export const KMS_VIA_S3_CONTEXT: Readonly<Record<string, ContextValue>> = {
  "kms:ViaService": "${viaS3}",
  "kms:CallerAccount": "${callerAccount}",
  "kms:EncryptionContext:aws:s3:arn": "${s3ArnContext}",
};

/** aws:ResourceAccount / s3:ResourceAccount of a request to the target bucket (DOC_RESOURCE_ACCOUNT). */
export const BUCKET_OWNER_CONTEXT: Readonly<Record<string, ContextValue>> = { "aws:ResourceAccount": "${bucketOwner}", "s3:ResourceAccount": "${bucketOwner}" };
