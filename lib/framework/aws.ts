/**
 * The one place that imports `@cdktf/provider-aws`: every class the library, its tests and the demo app use.
 * Deep imports (one file per resource) keep load time small. A second framework (cdktn) is a second
 * implementation of this file, with the same names.
 */
export { AwsProvider } from "@cdktf/provider-aws/lib/provider";
export { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
export { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
export { IamGroupPolicy } from "@cdktf/provider-aws/lib/iam-group-policy";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
export { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
export { KmsGrant } from "@cdktf/provider-aws/lib/kms-grant";
export { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
export { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
export { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
export { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
export { S3AccessPoint } from "@cdktf/provider-aws/lib/s3-access-point";
export { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
export { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
export { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
export { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
export { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
export { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
export { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
export { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
export { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
export { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
export { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
export { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
export { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
export { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
