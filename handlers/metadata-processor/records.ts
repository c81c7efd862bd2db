/**
 * The records the metadata processor handles and the documents it writes:
 * types shared by index.ts and batch.ts (their own file, so batch.ts does not
 * import index.ts).
 */

/** One validated record (S3 event record or Batch Operations task), key URL-decoded. */
export interface SourceRecord {
  readonly index: number;
  /** "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", ... or "BatchOperations:LambdaInvoke". */
  readonly eventName: string;
  readonly eventTime: string | null;
  readonly region: string | null;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  readonly sequencer?: string;
  /** responseElements["x-amz-request-id"]: the S3 request that caused the event. */
  readonly s3RequestId?: string;
  /** requestParameters.sourceIPAddress. */
  readonly sourceIp?: string;
}

export interface WrittenDocument {
  readonly index: number;
  readonly sourceBucket: string;
  readonly sourceKey: string;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string | null;
  readonly versionId: string | null;
  readonly tombstone: boolean;
}
