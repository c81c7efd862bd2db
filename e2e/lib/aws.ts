import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type DeleteObjectCommandOutput,
  type HeadObjectCommandOutput,
  type PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

/** AWS SDK clients pointed at the emulator, for the harness's own checks. */

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** moto's default credentials (account 123456789012): only used to call STS and for the state bucket. */
export const ROOT_CREDS: Creds = { accessKeyId: "test", secretAccessKey: "test" };

export class Emulator {
  constructor(
    public readonly endpoint: string,
    public readonly region: string,
  ) {}

  public sts(creds: Creds = ROOT_CREDS): STSClient {
    return new STSClient({ region: this.region, endpoint: this.endpoint, credentials: creds });
  }

  public s3(creds: Creds = ROOT_CREDS): S3Client {
    return new S3Client({
      region: this.region,
      endpoint: this.endpoint,
      credentials: creds,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  /**
   * An S3 client for requests through an access point (Bucket = its ARN), as AWS
   * addresses them: the SDK's own virtual host "<name>-<account>.s3-accesspoint.<region>.amazonaws.com"
   * (the only form moto 5.2.5 recognizes as an access point: S3Response.is_access_point), sent
   * to the emulator with that Host header kept. A custom endpoint cannot do it: the SDK would
   * build "<name>-<account>.127.0.0.1" hosts, and refuses ARNs with path-style addressing.
   */
  public s3ViaAccessPoint(creds: Creds, maxAttempts?: number): S3Client {
    const target = new URL(this.endpoint);
    const client = new S3Client({
      region: this.region,
      maxAttempts,
      credentials: creds,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { hostname?: string; port?: number; protocol?: string; headers?: Record<string, string> };
        // Innermost (after signing, on every retry): connect to the emulator, keep the signed Host.
        if (req.headers && req.hostname?.endsWith(".amazonaws.com")) {
          req.headers.host = req.hostname;
          req.hostname = target.hostname;
          req.port = Number(target.port);
          req.protocol = target.protocol;
        }
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "xacctE2eToEmulator" },
    );
    return client;
  }

  /** STS AssumeRole as moto's default identity: the session lands in the role's account. */
  public async assumeRole(roleArn: string, sessionName: string): Promise<Creds> {
    const out = await this.sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64) }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn}: no credentials returned`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  }

  public async accountOf(creds: Creds): Promise<string> {
    const out = await this.sts(creds).send(new GetCallerIdentityCommand({}));
    return out.Account ?? "";
  }

  public async createBucket(bucket: string, creds: Creds = ROOT_CREDS): Promise<void> {
    await this.s3(creds).send(new CreateBucketCommand({ Bucket: bucket }));
  }

  /**
   * PutObject. `encryption`: the SSE headers to send — an SSE-KMS bucket of
   * this project denies writes that do not name its key
   * (`{ kmsKeyArn }` sends aws:kms + the key ARN, `"AES256"` sends SSE-S3).
   */
  public async put(
    bucket: string,
    key: string,
    body: Buffer | string,
    creds: Creds,
    contentType?: string,
    encryption?: { readonly kmsKeyArn: string } | "AES256",
  ): Promise<PutObjectCommandOutput> {
    const sse =
      encryption === undefined
        ? {}
        : encryption === "AES256"
          ? { ServerSideEncryption: "AES256" as const }
          : { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: encryption.kmsKeyArn };
    return this.s3(creds).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...sse }));
  }

  /** The KMS key ARN of a bucket's default encryption, when it is SSE-KMS. */
  public async bucketKmsKeyArn(bucket: string, creds: Creds): Promise<string | undefined> {
    const out = await this.s3(creds).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    return out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  }

  /** The object's bytes, or undefined when there is no such key. */
  public async getBytes(bucket: string, key: string, creds: Creds = ROOT_CREDS): Promise<Buffer | undefined> {
    try {
      const out = await this.s3(creds).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") return undefined;
      throw err;
    }
  }

  public head(bucket: string, key: string, creds: Creds = ROOT_CREDS): Promise<HeadObjectCommandOutput> {
    return this.s3(creds).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  }

  /** DeleteObject, of one version when `versionId` is given (no delete marker then). */
  public async remove(bucket: string, key: string, creds: Creds = ROOT_CREDS, versionId?: string): Promise<DeleteObjectCommandOutput> {
    return this.s3(creds).send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId !== undefined ? { VersionId: versionId } : {}) }));
  }
}

/** Role ARN's account id. */
export function accountOfArn(arn: string): string {
  const m = /^arn:aws[a-z-]*:(?:iam|sts|lambda|s3|kms):[^:]*:(\d{12}):/.exec(arn);
  return m ? m[1] : "";
}

/** An S3 event notification key: URL-encoded per segment, spaces as "+", as S3 sends it. */
export function eventKey(key: string): string {
  return key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/%20/g, "+"))
    .join("/");
}
