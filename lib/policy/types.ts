/** IAM policy grammar (the subset this project writes). */
export type Principal = "*" | { AWS?: string | string[]; Service?: string | string[]; Federated?: string | string[] };

export type ConditionValue = string | string[] | boolean;
export type Condition = Record<string, Record<string, ConditionValue>>;

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Principal;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Condition;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  /** Free text; see principalsPolicyId (lib/grantee.ts) for why ours may carry principals' unique ids. */
  Id?: string;
  Statement: Statement[];
}

/** What a principal may do with a bucket: the model every grant in this project uses. */
export type AccessLevel = "read" | "write" | "readwrite";
export const ACCESS_LEVELS: readonly AccessLevel[] = ["read", "write", "readwrite"];

/** Where an access point lives: its ARN is `arn:<partition>:s3:<region>:<account>:accesspoint/<name>`. */
export interface AccessPointLocation {
  readonly partition: string;
  readonly region: string;
  /** The bucket owner's account (access points are created there). */
  readonly accountId: string;
  readonly bucketName: string;
}
