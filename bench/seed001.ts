/**
 * A faithful TypeScript re-implementation of seed 001's "Assume Role" sample
 * handler, kept here ONLY as the benchmark's baseline (never deployed):
 * on every invocation it builds a new STS client, calls AssumeRole, builds a
 * new S3 client from the returned keys, lists the bucket, reads one object,
 * logs the credentials and the object body, and swallows the GetObject error.
 * Names are hard-coded as in the seed.
 */
import { GetObjectCommand, ListObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

export const seedHandler = async (_event: unknown, _context?: unknown): Promise<void> => {
  const roleArn = "arn:aws:iam::222222222222:role/S3ROLE";
  const roleSessionName = "SessionName";
  const s3BucketName = "BUCKET_NAME";
  const s3FileName = "123.txt";

  // Assume the role in the different account
  const stsClient = new STSClient({ region: "us-west-2" });
  const assumeRoleCommand = new AssumeRoleCommand({
    RoleArn: roleArn,
    RoleSessionName: roleSessionName,
  });
  const { Credentials } = await stsClient.send(assumeRoleCommand);

  console.log(Credentials);

  const s3Client = new S3Client({
    region: "us-west-2",
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  });

  const listObjectsParams = { Bucket: s3BucketName };
  const listObjectsCommand = new ListObjectsCommand(listObjectsParams);
  const listObjectsOutput = await s3Client.send(listObjectsCommand);
  console.log(listObjectsOutput.Contents);

  try {
    const getObjectCommand = new GetObjectCommand({ Bucket: s3BucketName, Key: s3FileName });
    const response = await s3Client.send(getObjectCommand);
    const fileContents = await response.Body!.transformToString();
    console.log(fileContents);
  } catch (err) {
    console.error(err);
  }
};
