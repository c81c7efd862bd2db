import { AccessLevel, Condition, PolicyDocument, Principal, Statement } from "./types";
import {
  BUCKET_OWNER_FULL_CONTROL,
  LEVEL_ACTIONS,
  listPrefixCondition,
  mergeConditions,
  objectActions,
  objectArn,
  s3ArnContextCondition,
  viaS3Condition,
} from "./s3-access";

/**
 * Every policy document this project synthesizes is built here. Modules call
 * these builders and render the result with {@link renderPolicy}; nothing else
 * writes IAM JSON by hand.
 */

const doc = (statements: Statement[], id?: string): PolicyDocument => ({ Version: "2012-10-17", ...(id ? { Id: id } : {}), Statement: statements });

const uniqueSorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

const one = (xs: string[]): string | string[] => (xs.length === 1 ? xs[0] : xs);

/**
 * Compact JSON, as AWS stores it; tokens inside strings are resolved by cdktf
 * at synth. IAM policy variables (`${aws:username}`) are written `$${...}`:
 * Terraform reads every `${` in a string as its own interpolation and fails
 * on `${aws:username}` ("Template interpolation doesn't expect a colon ... escape
 * it by starting with `"$${"`); `$${` is its escape for a literal `${`.
 * Terraform references never have a ":" there, so only policy variables match.
 */
export const renderPolicy = (d: PolicyDocument): string => {
  const json = JSON.stringify(d);
  // A pattern principal that reached a Principal element unsplit would be refused at apply: fail the synth instead.
  if (json.includes(`"${ARN_LIKE_PREFIX}`)) throw new Error(`renderPolicy: a principal pattern was not turned into aws:PrincipalArn (${json.slice(0, 200)})`);
  return json.replace(/\$\{([A-Za-z0-9-]+:)/g, "$$$${$1");
};

// ---------------------------------------------------------------- principals given by pattern

/**
 * Principals lists (bucket groups, key grants, trust, access points) carry a
 * principal given by pattern (lib/principals.ts) as `arn-like:<ArnLike pattern>`;
 * every builder here turns such entries into the account principal narrowed
 * by `aws:PrincipalArn` ({@link principalParts}), never into a Principal.
 */
export const ARN_LIKE_PREFIX = "arn-like:";
export const patternPrincipal = (arnLike: string): string => `${ARN_LIKE_PREFIX}${arnLike}`;
export const isPatternPrincipal = (p: string): boolean => p.startsWith(ARN_LIKE_PREFIX);
/** The ARN (or ArnLike pattern) of a principals-list entry. */
export const principalEntryArn = (p: string): string => (isPatternPrincipal(p) ? p.slice(ARN_LIKE_PREFIX.length) : p);
/** `arn:<partition>:iam::<account>:root` of a pattern `arn:<partition>:iam::<account>:role/...`. */
const accountRootOf = (arnLike: string): string => {
  const [, partition, , , account] = arnLike.split(":");
  return `arn:${partition}:iam::${account}:root`;
};

/** One Principal element of a principals list, with the condition that narrows it and the Sid suffix of its statements. */
export interface PrincipalPart {
  readonly principal: Principal;
  readonly condition?: Condition;
  /** "" for the named principals (unchanged Sids), `ByArn` for the patterns. */
  readonly sidSuffix: string;
}

/**
 * Split a principals list: the principals named by ARN in one Principal, and
 * the patterns as their ACCOUNTS narrowed by `ArnLike aws:PrincipalArn` (one
 * statement for all: each pattern names its own literal account, so a
 * principal of one account can never match another account's pattern).
 * `aws:PrincipalArn` is the ARN of the role, not of its session, and is in
 * every signed request's context
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 * The account principal + aws:PrincipalArn form is what AWS documents for
 * roles that do not exist yet or are recreated (no "Invalid principal in
 * policy", no orphaned unique id:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
 */
export function principalParts(principals: readonly string[]): PrincipalPart[] {
  const named = uniqueSorted(principals.filter((p) => !isPatternPrincipal(p)));
  const patterns = uniqueSorted(principals.filter(isPatternPrincipal).map(principalEntryArn));
  const parts: PrincipalPart[] = [];
  if (named.length) parts.push({ principal: { AWS: one(named) }, sidSuffix: "" });
  if (patterns.length) {
    parts.push({
      principal: { AWS: one(uniqueSorted(patterns.map(accountRootOf))) },
      condition: { ArnLike: { "aws:PrincipalArn": one(patterns) } },
      sidSuffix: "ByArn",
    });
  }
  return parts;
}

/** The IAM policy variable of an IAM user's name (absent for roles and federated sessions). */
export const AWS_USERNAME_VARIABLE = "${aws:username}";

// ---------------------------------------------------------------- bucket policy

/** Principals of another account granted one access level on one prefix. */
export interface BucketGrantGroup {
  /** Role/user ARNs (each from an account other than the bucket owner). */
  readonly principals: readonly string[];
  readonly level: AccessLevel;
  readonly prefix: string;
}

/** Every principal of an AWS Organization, by `aws:PrincipalOrgID`. */
export interface OrganizationGrant {
  readonly organizationId: string;
  readonly level: AccessLevel;
  readonly prefix: string;
}

export interface BucketPolicyInput {
  readonly bucketArn: string;
  readonly grants: readonly BucketGrantGroup[];
  readonly organizationGrants?: readonly OrganizationGrant[];
  /** ObjectWriter ownership: deny PutObject without `bucket-owner-full-control`. */
  readonly requireBucketOwnerFullControl?: boolean;
  /**
   * The bucket's SSE-KMS key: deny PutObject that asks for any other
   * encryption (SSE-S3, another KMS key, the AWS managed aws/s3 key, SSE-C).
   * @default none (no encryption pinning)
   */
  readonly kmsKeyArn?: string;
  /** Policy `Id` (see principalsPolicyId in lib/grantee.ts). @default none */
  readonly id?: string;
  /**
   * Statements the modules do not make (`share.addToResourcePolicy()`),
   * appended after the module's own, in the same document.
   * @default []
   */
  readonly additionalStatements?: readonly Statement[];
  /**
   * Data perimeter: deny every S3 action on the bucket to principals outside the
   * Organization (see {@link bucketPerimeterStatement}).
   * @default none
   */
  readonly perimeter?: PerimeterInput;
}

/** Sids of the statements that pin writes to the bucket's KMS key (see {@link sseKmsPinStatements}). */
export const SSE_PIN_SIDS = {
  algorithm: "DenyPutWithOtherEncryption",
  key: "DenyPutWithOtherKmsKey",
  managedKey: "DenyPutWithAwsManagedKey",
  customerKey: "DenyPutWithSseC",
} as const;

const SSE = "s3:x-amz-server-side-encryption";
const SSE_KMS_KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const SSE_C_ALGORITHM = "s3:x-amz-server-side-encryption-customer-algorithm";

/**
 * Deny every PutObject that asks for an encryption other than SSE-KMS with
 * `keyArn`:
 * - `x-amz-server-side-encryption` present and not `aws:kms` (AES256 is
 *   readable without the key and leaves no KMS trail; `aws:kms:dsse` too);
 * - `x-amz-server-side-encryption-aws-kms-key-id` present and not the key's
 *   ARN (a writer's own key: the owner loses the data when it is disabled);
 * - `aws:kms` without a key id: S3 would use the AWS managed key aws/s3, not
 *   the bucket default (PutObject API reference, SSEKMSKeyId: "If you specify
 *   x-amz-server-side-encryption:aws:kms ... but do not provide
 *   x-amz-server-side-encryption-aws-kms-key-id, Amazon S3 uses the Amazon
 *   Web Services managed key (aws/s3)");
 * - SSE-C (`x-amz-server-side-encryption-customer-algorithm` present).
 *
 * Each test is guarded by `Null: "false"` (the header is present) rather than
 * written `StringNotEqualsIfExists`: `...IfExists` and negated operators are
 * *true* when the key is absent (IAM condition operators: "If the key is not
 * present, evaluate the condition element as true"), and multipart UploadPart
 * requests — authorized as s3:PutObject — carry no encryption header, so such
 * a deny refuses every part (aws/aws-cli#4251, boto/botocore#471: "AccessDenied
 * when calling the UploadPart operation"), the very multipart uploads `write`
 * needs kms:Decrypt for. A request without encryption headers gets the bucket
 * default, which is this key; the handlers send both headers anyway
 * (handlers/shared/s3write.ts). The key id is compared as sent: name the key
 * by its ARN, not an alias. Condition keys:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html
 */
export function sseKmsPinStatements(bucketArn: string, keyArn: string): Statement[] {
  const deny = (Sid: string, Condition: Condition): Statement => ({
    Sid,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    Resource: `${bucketArn}/*`,
    Condition,
  });
  return [
    deny(SSE_PIN_SIDS.algorithm, { Null: { [SSE]: "false" }, StringNotEquals: { [SSE]: "aws:kms" } }),
    deny(SSE_PIN_SIDS.key, { Null: { [SSE_KMS_KEY_ID]: "false" }, StringNotEquals: { [SSE_KMS_KEY_ID]: keyArn } }),
    deny(SSE_PIN_SIDS.managedKey, { StringEquals: { [SSE]: "aws:kms" }, Null: { [SSE_KMS_KEY_ID]: "true" } }),
    deny(SSE_PIN_SIDS.customerKey, { Null: { [SSE_C_ALGORITHM]: "false" } }),
  ];
}

/**
 * The bucket policy: TLS-only for everyone, then one pair of statements
 * (ListBucket on the bucket, object actions on the prefix) per distinct
 * (level, prefix), naming all principals that share it. Grouping is what lets
 * hundreds of role ARNs fit under S3's 20 KB bucket-policy limit.
 */
export function bucketPolicy(input: BucketPolicyInput): PolicyDocument {
  const { bucketArn } = input;
  const statements: Statement[] = [denyInsecureTransportStatement(bucketArn)];
  if (input.perimeter !== undefined) statements.push(bucketPerimeterStatement(input.perimeter, bucketArn));
  if (input.requireBucketOwnerFullControl) {
    statements.push({
      Sid: "RequireBucketOwnerFullControl",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringNotEquals: { "s3:x-amz-acl": BUCKET_OWNER_FULL_CONTROL } },
    });
  }
  if (input.kmsKeyArn !== undefined) statements.push(...sseKmsPinStatements(bucketArn, input.kmsKeyArn));

  const groups = new Map<string, { level: AccessLevel; prefix: string; principals: string[] }>();
  for (const g of input.grants) {
    const key = `${g.level}|${g.prefix}`;
    const entry = groups.get(key) ?? { level: g.level, prefix: g.prefix, principals: [] };
    entry.principals.push(...g.principals);
    groups.set(key, entry);
  }
  const ordered = [...groups.values()].sort((x, y) => `${x.level}|${x.prefix}`.localeCompare(`${y.level}|${y.prefix}`));
  ordered.forEach((g, i) => {
    for (const part of principalParts(g.principals)) {
      statements.push(
        ...grantStatements(bucketArn, g.level, g.prefix, part.principal, `Grant${i + 1}${part.sidSuffix}`, part.condition, input.requireBucketOwnerFullControl),
      );
    }
  });
  (input.organizationGrants ?? []).forEach((g, i) => {
    statements.push(
      ...grantStatements(
        bucketArn,
        g.level,
        g.prefix,
        "*",
        `Org${i + 1}`,
        { StringEquals: { "aws:PrincipalOrgID": g.organizationId } },
        input.requireBucketOwnerFullControl,
      ),
    );
  });
  statements.push(...(input.additionalStatements ?? []));
  return doc(statements, input.id);
}

function grantStatements(
  bucketArn: string,
  level: AccessLevel,
  prefix: string,
  principal: Principal,
  sid: string,
  extraCondition: Condition | undefined,
  objectWriter: boolean | undefined,
): Statement[] {
  const a = LEVEL_ACTIONS[level];
  const eq: Condition = extraCondition ?? {};
  const objects: Statement = {
    Sid: `${sid}Objects`,
    Effect: "Allow",
    Principal: principal,
    Action: one(objectActions(level, objectWriter)),
    Resource: objectArn(bucketArn, prefix),
    ...withCondition(eq),
  };
  if (a.bucket.length === 0) return [objects];
  if (prefix === "") {
    // Whole bucket: one statement, so each principal is listed once (what lets
    // 300 consumer roles fit in the 20 KB policy). Each action still only
    // matches its own resource type.
    return [
      {
        Sid: `${sid}BucketAndObjects`,
        Effect: "Allow",
        Principal: principal,
        Action: [...a.bucket, ...objectActions(level, objectWriter)],
        Resource: [bucketArn, objectArn(bucketArn, prefix)],
        ...withCondition(eq),
      },
    ];
  }
  // A prefix needs an s3:prefix condition that only ListBucket requests carry,
  // so listing and object access stay separate statements.
  return [
    {
      Sid: `${sid}ListBucket`,
      Effect: "Allow",
      Principal: principal,
      Action: one(a.bucket),
      Resource: bucketArn,
      ...withCondition(mergeConditions(eq, listPrefixCondition(prefix))),
    },
    objects,
  ];
}

const withCondition = (c: Statement["Condition"]): Pick<Statement, "Condition"> => (c && Object.keys(c).length > 0 ? { Condition: c } : {});

// ---------------------------------------------------------------- access-log bucket policy

/** TLS-only for everyone, on a bucket and its objects. */
export function denyInsecureTransportStatement(bucketArn: string): Statement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export interface AccessLogBucketPolicyInput {
  readonly logBucketArn: string;
  /** Key prefix the logs are written under (ends in `/`). */
  readonly prefix: string;
  /** The bucket whose requests are logged. */
  readonly sourceBucketArn: string;
  /** Its account (server access logs only go to a bucket of the same account and region). */
  readonly sourceAccountId: string;
}

/**
 * Policy of an S3 server access log bucket: TLS-only, and PutObject under
 * `prefix` for the S3 logging service on behalf of exactly one source bucket
 * of this account (aws:SourceArn + aws:SourceAccount: the confused-deputy
 * guard). With BucketOwnerEnforced ownership a bucket policy is the only way
 * to grant log delivery (no ACLs, no target grants).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export function accessLogBucketPolicy(input: AccessLogBucketPolicyInput): PolicyDocument {
  return doc([
    denyInsecureTransportStatement(input.logBucketArn),
    {
      Sid: "S3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${input.logBucketArn}/${input.prefix}*`,
      Condition: { ArnLike: { "aws:SourceArn": input.sourceBucketArn }, StringEquals: { "aws:SourceAccount": input.sourceAccountId } },
    },
  ]);
}

// ---------------------------------------------------------------- KMS key policy

export interface KeyPolicyInput {
  readonly partition: string;
  /** The key's own account: its root keeps administration, as in AWS's default key policy. */
  readonly ownerAccountId: string;
  /** Region of the key (and bucket): grants only hold for requests S3 makes there (`kms:ViaService`). */
  readonly region: string;
  /** Cross-account principals and the level each needs (Decrypt to read, GenerateDataKey + Decrypt to write). */
  readonly grants: readonly { principals: readonly string[]; level: AccessLevel }[];
  /** Organization-wide grants, matching the bucket policy's. */
  readonly organizationGrants?: readonly { organizationId: string; level: AccessLevel }[];
  /** Policy `Id` (see principalsPolicyId in lib/grantee.ts). @default none */
  readonly id?: string;
  /** The bucket the key encrypts: consumers may use the key for it only (`kms:EncryptionContext:aws:s3:arn`). @default no pin */
  readonly bucketArn?: string;
  /** The bucket uses an S3 Bucket Key (context = bucket ARN). @default unknown (bucket and object ARN forms) */
  readonly bucketKey?: boolean;
  /** Data perimeter: deny every KMS action on the key to principals outside the Organization. @default none */
  readonly perimeter?: PerimeterInput;
}

/** The consumers' condition of a key policy: via S3 in the key's region, for the key's bucket only (see s3ArnContextCondition). */
export function keyUseCondition(input: Pick<KeyPolicyInput, "region" | "bucketArn" | "bucketKey">, extra?: Record<string, string | string[]>): Condition {
  return mergeConditions(
    viaS3Condition(input.region),
    extra ? { StringEquals: extra } : undefined,
    input.bucketArn !== undefined ? s3ArnContextCondition(input.bucketArn, input.bucketKey) : undefined,
  );
}

/** Sid of the owner-account statement; policy checks treat it as the acknowledged `:root` use. */
export const KEY_ADMIN_SID = "KeyAdministrationByOwningAccount";

export function keyPolicy(input: KeyPolicyInput): PolicyDocument {
  const statements: Statement[] = [
    {
      Sid: KEY_ADMIN_SID,
      Effect: "Allow",
      Principal: { AWS: `arn:${input.partition}:iam::${input.ownerAccountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (input.perimeter !== undefined) statements.push(keyPerimeterStatement(input.perimeter));
  const byLevel = new Map<AccessLevel, string[]>();
  for (const g of input.grants) byLevel.set(g.level, [...(byLevel.get(g.level) ?? []), ...g.principals]);
  // Merge levels per principal so each principal appears once with exactly the actions it needs.
  const perPrincipal = new Map<string, Set<string>>();
  for (const [level, principals] of byLevel) {
    for (const p of principals) {
      const s = perPrincipal.get(p) ?? new Set<string>();
      LEVEL_ACTIONS[level].kms.forEach((a) => s.add(a));
      perPrincipal.set(p, s);
    }
  }
  const byActions = new Map<string, string[]>();
  for (const [p, actions] of perPrincipal) {
    const key = [...actions].sort().join(",");
    byActions.set(key, [...(byActions.get(key) ?? []), p]);
  }
  [...byActions.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .forEach(([actions, principals], i) => {
      for (const part of principalParts(principals)) {
        statements.push({
          Sid: `CrossAccountUse${i + 1}${part.sidSuffix}`,
          Effect: "Allow",
          Principal: part.principal,
          Action: one(actions.split(",")),
          Resource: "*",
          Condition: mergeConditions(keyUseCondition(input), part.condition),
        });
      }
    });
  (input.organizationGrants ?? []).forEach((g, i) => {
    statements.push({
      Sid: `OrgUse${i + 1}`,
      Effect: "Allow",
      Principal: "*",
      Action: one(LEVEL_ACTIONS[g.level].kms),
      Resource: "*",
      Condition: keyUseCondition(input, { "aws:PrincipalOrgID": g.organizationId }),
    });
  });
  return doc(statements, input.id);
}

// ---------------------------------------------------------------- trust policies

/**
 * The IAM users of one account that may assume a role (the members of an
 * IAM group there: a group cannot be a principal, so the trust names the
 * account and narrows it to its IAM users by condition).
 */
export interface IamUserTrust {
  readonly partition: string;
  readonly accountId: string;
  /** IAM path the users must be under, `/` for any user of the account. */
  readonly userPath: string;
  /** A principal tag every caller must carry, e.g. `{ key: "team", value: "data" }`. */
  readonly principalTag?: { readonly key: string; readonly value: string };
}

export interface RoleTrustInput {
  /** Principal ARNs allowed to call sts:AssumeRole. */
  readonly principals: readonly string[];
  /** IAM users of other accounts allowed to call sts:AssumeRole (humans). @default [] */
  readonly iamUsers?: readonly IamUserTrust[];
  readonly externalId?: string;
  readonly requireMfa?: boolean;
  /** The role's maximum session: MFA older than this is refused (`aws:MultiFactorAuthAge`). Required with iamUsers and requireMfa. */
  readonly maxMfaAgeSeconds?: number;
  /** Policy `Id` (see principalsPolicyId in lib/grantee.ts). @default none */
  readonly id?: string;
  /** Data perimeter: deny sts:AssumeRole to principals outside the Organization (AWS's iam_role_trust_policy.json example). @default none */
  readonly perimeter?: PerimeterInput;
}

/** Sid prefix of the statements that trust the IAM users of an account. */
export const IAM_USERS_SID_PREFIX = "AssumeAsIamUserOf";

/**
 * Trust policy of a role assumable from other accounts.
 *
 * IAM users of an account (`iamUsers`) get their own statement, narrower than
 * "the account root with MFA" (which any role, CI session or SSO session of
 * that account with sts:AssumeRole could satisfy):
 * - `aws:PrincipalArn` like `arn:aws:iam::<account>:user/<path>*`: IAM users
 *   only (a role session's PrincipalArn is the role, a federated user's is
 *   `...:federated-user/...`), optionally only under an IAM path;
 * - `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge` below the role's
 *   maximum session (seconds since the MFA sign-in; present only with MFA:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthage);
 * - `sts:RoleSessionName` = `${aws:username}`, so CloudTrail names the person
 *   behind each session (https://aws.amazon.com/blogs/security/easily-control-naming-individual-iam-role-sessions/;
 *   aws:username exists only for IAM users, so nobody else can match it);
 * - optionally `aws:PrincipalTag/<key>` = value.
 */
export function roleTrustPolicy(input: RoleTrustInput): PolicyDocument {
  const condition: NonNullable<Statement["Condition"]> = {};
  if (input.externalId !== undefined) condition.StringEquals = { "sts:ExternalId": input.externalId };
  if (input.requireMfa) condition.Bool = { "aws:MultiFactorAuthPresent": "true" };
  const statements: Statement[] = [];
  for (const part of principalParts(input.principals)) {
    statements.push({
      Sid: part.sidSuffix ? "AssumeFromPrincipalPatterns" : "AssumeFromNamedPrincipals",
      Effect: "Allow",
      Principal: part.principal,
      Action: "sts:AssumeRole",
      ...withCondition(mergeConditions(condition, part.condition)),
    });
  }
  for (const u of input.iamUsers ?? []) {
    const c: NonNullable<Statement["Condition"]> = {
      ArnLike: { "aws:PrincipalArn": `arn:${u.partition}:iam::${u.accountId}:user${u.userPath}*` },
      StringEquals: {
        "sts:RoleSessionName": AWS_USERNAME_VARIABLE,
        ...(u.principalTag ? { [`aws:PrincipalTag/${u.principalTag.key}`]: u.principalTag.value } : {}),
        ...(input.externalId !== undefined ? { "sts:ExternalId": input.externalId } : {}),
      },
    };
    if (input.requireMfa) {
      if (input.maxMfaAgeSeconds === undefined) throw new Error("roleTrustPolicy: maxMfaAgeSeconds is required with iamUsers and requireMfa");
      c.Bool = { "aws:MultiFactorAuthPresent": "true" };
      c.NumericLessThan = { "aws:MultiFactorAuthAge": String(input.maxMfaAgeSeconds) };
    }
    statements.push({
      Sid: `${IAM_USERS_SID_PREFIX}${u.accountId}`,
      Effect: "Allow",
      Principal: { AWS: `arn:${u.partition}:iam::${u.accountId}:root` },
      Action: "sts:AssumeRole",
      Condition: c,
    });
  }
  if (input.perimeter !== undefined) statements.push(trustPerimeterStatement(input.perimeter));
  return doc(statements, input.id);
}

/** A role assumable by the tokens of one OpenID Connect issuer (a CI system), with audience and subject pinned. */
export interface WebIdentityTrustInput {
  /** ARN of the account's IAM OIDC identity provider (`arn:aws:iam::<account>:oidc-provider/<issuer>`). */
  readonly providerArn: string;
  /**
   * The issuer as IAM names its condition keys: the provider URL without `https://`
   * (`token.actions.githubusercontent.com`, `gitlab.com`): the keys are `<issuer>:aud` and `<issuer>:sub`.
   */
  readonly issuer: string;
  /** Accepted `aud` claims (at least one). */
  readonly audiences: readonly string[];
  /** Accepted `sub` claims, compared exactly (`StringEquals`). @default [] */
  readonly subjects?: readonly string[];
  /** Accepted `sub` patterns with `*` / `?` (`StringLike`): a statement of their own. @default [] */
  readonly subjectPatterns?: readonly string[];
}

/** Sids of the web identity trust statements (exact subjects; subject patterns). */
export const WEB_IDENTITY_SIDS = { exact: "AssumeWithWebIdentity", pattern: "AssumeWithWebIdentitySubjectPattern" } as const;

/**
 * Trust policy of a role assumed with a web identity token (OIDC federation,
 * `sts:AssumeRoleWithWebIdentity`): the `Federated` principal is the account's
 * IAM OIDC provider, and every statement pins both the audience
 * (`<issuer>:aud`) and the subject (`<issuer>:sub`). Without the subject
 * condition, every workflow that the issuer signs tokens for (any repository
 * on github.com) could assume the role: AWS "recommends that users evaluate
 * the IAM condition key token.actions.githubusercontent.com:sub in the trust
 * policy of any role that trusts GitHub's OIDC identity provider"
 * (https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html;
 * condition keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
 * Exact subjects go under `StringEquals`; patterns get a statement of their
 * own under `StringLike` (in one statement both would have to hold at once).
 */
export function webIdentityTrustPolicy(input: WebIdentityTrustInput): PolicyDocument {
  const subjects = uniqueSorted(input.subjects ?? []);
  const patterns = uniqueSorted(input.subjectPatterns ?? []);
  if (input.audiences.length === 0 || subjects.length + patterns.length === 0) {
    throw new Error("webIdentityTrustPolicy: at least one audience and one subject (or subject pattern) are required");
  }
  const aud = { [`${input.issuer}:aud`]: one(uniqueSorted(input.audiences)) };
  const sub = `${input.issuer}:sub`;
  const statement = (Sid: string, Condition: Condition): Statement => ({
    Sid,
    Effect: "Allow",
    Principal: { Federated: input.providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition,
  });
  const statements: Statement[] = [];
  if (subjects.length) statements.push(statement(WEB_IDENTITY_SIDS.exact, { StringEquals: { ...aud, [sub]: one(subjects) } }));
  if (patterns.length) statements.push(statement(WEB_IDENTITY_SIDS.pattern, { StringEquals: aud, StringLike: { [sub]: one(patterns) } }));
  return doc(statements);
}

/** Trust policy of a role assumed by an AWS service (Lambda). */
export function serviceTrustPolicy(service: string): PolicyDocument {
  return doc([{ Sid: "ServiceAssume", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]);
}

// ---------------------------------------------------------------- identity policies

export function identityPolicy(statements: Statement[]): PolicyDocument {
  return doc(statements);
}

/** Write to one log group only (the group itself is created by Terraform, so no CreateLogGroup). */
export function logsStatement(logGroupArn: string): Statement {
  return {
    Sid: "WriteOwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: `${logGroupArn}:*`,
  };
}

/** sts:AssumeRole on exactly one role, optionally only with MFA present. */
export function assumeRoleStatement(roleArn: string, sid = "AssumeTargetRole", requireMfa = false): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "sts:AssumeRole",
    Resource: roleArn,
    ...(requireMfa ? { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } } : {}),
  };
}

export function sendToQueueStatement(queueArn: string): Statement {
  return { Sid: "OnFailureDestination", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn };
}

/**
 * An SQS event source mapping polls with the execution role: ReceiveMessage,
 * DeleteMessage and GetQueueAttributes on the queue
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, execution role
 * permissions; the AWSLambdaSQSQueueExecutionRole managed policy grants the same three).
 */
export function consumeQueueStatement(queueArn: string): Statement {
  return { Sid: "ConsumeS3EventQueue", Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: queueArn };
}

/**
 * Queue policy of an S3 event notification destination: the S3 service may
 * SendMessage for this bucket of this owner only (aws:SourceArn +
 * aws:SourceAccount, the confused-deputy guard), also when the bucket is in
 * another account than the queue
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html).
 */
export function s3NotificationQueuePolicy(queueArn: string, bucketArn: string, bucketOwnerAccountId: string): PolicyDocument {
  return doc([
    {
      Sid: "AllowS3EventNotifications",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queueArn,
      Condition: { ArnEquals: { "aws:SourceArn": bucketArn }, StringEquals: { "aws:SourceAccount": bucketOwnerAccountId } },
    },
  ]);
}

/**
 * Read a specific version of the objects under `prefix`: S3 events of a
 * versioned bucket carry the version id, and HeadObject/GetObject of a
 * version is authorized by s3:GetObjectVersion, not s3:GetObject.
 */
export function objectVersionsStatement(bucketArn: string, prefix: string): Statement {
  return { Sid: "ReadTriggeringObjectVersions", Effect: "Allow", Action: "s3:GetObjectVersion", Resource: objectArn(bucketArn, prefix) };
}

// ---------------------------------------------------------------- data perimeter

/**
 * An identity perimeter around the resources of a share or role: only
 * principals of one AWS Organization (and AWS services acting as themselves)
 * may use them. Built after AWS's data-perimeter examples
 * (https://github.com/aws-samples/data-perimeter-policy-examples,
 * `resource_control_policies/identity_perimeter_rcp.json`, statement
 * `EnforceOrgIdentities`; before RCPs existed the same statement was given per
 * resource as `resource_based_policies/s3_bucket_policy.json`,
 * `kms_key_policy.json` and `iam_role_trust_policy.json`, Sid
 * `EnforceIdentityPerimeter`).
 */
export interface PerimeterInput {
  /** The Organization whose principals stay allowed (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /**
   * Accounts outside the Organization whose principals stay allowed too (AWS's
   * examples: third parties, by `aws:PrincipalAccount` in the same
   * `StringNotEqualsIfExists` block, so either key matching lifts the Deny).
   * @default []
   */
  readonly trustedAccounts?: readonly string[];
}

/** Sid of the perimeter Deny in a bucket, access point, key or trust policy (AWS's name for it). */
export const PERIMETER_SID = "EnforceIdentityPerimeter";

/**
 * The condition of every perimeter Deny: the caller is not of the
 * Organization (`aws:PrincipalOrgID`, "included in the request context only if
 * the principal is a member of an organization", so a missing key — an account
 * outside any Organization, an anonymous caller — is denied: `...IfExists` of a
 * negated operator is true when the key is absent), nor of a trusted account,
 * and it is not an AWS service principal (`aws:PrincipalIsAWSService`, true only
 * for service principals such as `logging.s3.amazonaws.com`; BoolIfExists as in
 * AWS's examples). IAM global condition keys:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
 *
 * No `aws:ViaAWSService` exception: AWS's identity-perimeter statements have
 * none (only their network-perimeter ones do). A call a service makes with the
 * caller's credentials (S3 calling KMS for SSE-KMS: a forward access session,
 * "the service that receives a subsequent FAS request also checks the
 * permissions of the same IAM principal":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html)
 * is decided for the caller, so an Organization member passes and an outsider
 * is refused on the key as on the bucket.
 */
export function perimeterCondition(p: PerimeterInput): Condition {
  const trusted = uniqueSorted(p.trustedAccounts ?? []);
  return {
    StringNotEqualsIfExists: { "aws:PrincipalOrgID": p.organizationId, ...(trusted.length ? { "aws:PrincipalAccount": one(trusted) } : {}) },
    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
  };
}

/** The perimeter Deny of one resource policy: `actions` on `resources` for every principal outside the perimeter. */
export function perimeterDenyStatement(p: PerimeterInput, actions: string | string[], resources?: string | string[]): Statement {
  return {
    Sid: PERIMETER_SID,
    Effect: "Deny",
    Principal: "*",
    Action: actions,
    ...(resources !== undefined ? { Resource: resources } : {}),
    Condition: perimeterCondition(p),
  };
}

/** The perimeter Deny of a bucket policy: every S3 action on the bucket and its objects. */
export const bucketPerimeterStatement = (p: PerimeterInput, bucketArn: string): Statement => perimeterDenyStatement(p, "s3:*", [bucketArn, `${bucketArn}/*`]);

/** The perimeter Deny of a key policy (`Resource "*"` is the key itself in a key policy). */
export const keyPerimeterStatement = (p: PerimeterInput): Statement => perimeterDenyStatement(p, "kms:*", "*");

/** The perimeter Deny of a role's trust policy (AWS's `iam_role_trust_policy.json` names `Principal {"AWS": "*"}` and no Resource). */
export const trustPerimeterStatement = (p: PerimeterInput): Statement => ({ ...perimeterDenyStatement(p, "sts:AssumeRole"), Principal: { AWS: "*" } });

/**
 * STS actions of AWS's RCP identity perimeter (`EnforceOrgIdentities`):
 * AssumeRoleWithSAML / AssumeRoleWithWebIdentity are left out (federated
 * callers carry no aws:PrincipalOrgID), and so are SetSourceIdentity and
 * TagSession (they would break those federated calls), and GetCallerIdentity
 * (needs no permission).
 */
export const RCP_STS_ACTIONS = [
  "sts:AssumeRole",
  "sts:DecodeAuthorizationMessage",
  "sts:GetAccessKeyInfo",
  "sts:GetFederationToken",
  "sts:GetServiceBearerToken",
  "sts:GetSessionToken",
  "sts:SetContext",
];

/** Sids of the RCP's statements (AWS's names in identity_perimeter_rcp.json). */
export const RCP_SIDS = { identities: "EnforceOrgIdentities", confusedDeputy: "EnforceConfusedDeputyProtection" } as const;

/**
 * The resource control policy matching a perimeter, for the Organization's
 * administrators to attach (to the accounts of the shares, their OU or the
 * root): the same identity perimeter for every S3, STS and KMS resource of the
 * accounts it is attached to, so a bucket, key or role created outside these
 * stacks is covered too. RCPs apply to S3, STS, KMS, SQS and Secrets Manager
 * (among others), but not to the resources of the management account
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services);
 * this library's resources are S3, STS and KMS ones, so those are the services
 * named. Statements after AWS's identity_perimeter_rcp.json:
 * `EnforceOrgIdentities` (the perimeter Deny) and `EnforceConfusedDeputyProtection`
 * (an AWS service acting for a resource of another Organization: `aws:SourceOrgID`,
 * enforced only where the service sets `aws:SourceAccount`).
 */
export function perimeterRcp(p: PerimeterInput): PolicyDocument {
  const trusted = uniqueSorted(p.trustedAccounts ?? []);
  return doc([
    { ...perimeterDenyStatement(p, ["s3:*", ...RCP_STS_ACTIONS, "kms:*"], "*"), Sid: RCP_SIDS.identities },
    {
      Sid: RCP_SIDS.confusedDeputy,
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:*", "sts:*", "kms:*"],
      Resource: "*",
      Condition: {
        StringNotEqualsIfExists: { "aws:SourceOrgID": p.organizationId, ...(trusted.length ? { "aws:SourceAccount": one(trusted) } : {}) },
        Null: { "aws:SourceAccount": "false" },
        Bool: { "aws:PrincipalIsAWSService": "true" },
      },
    },
  ]);
}
// ---------------------------------------------------------------- cross-account replication

/**
 * What the replication role needs, per "Setting up permissions for live
 * replication" (S3 User Guide, "Creating an IAM role": the minimum permissions
 * policy; https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html):
 * on the source bucket s3:GetReplicationConfiguration and s3:ListBucket, on its
 * objects s3:GetObjectVersionForReplication, s3:GetObjectVersionAcl and
 * s3:GetObjectVersionTagging; on the destination's objects s3:ReplicateObject,
 * s3:ReplicateDelete and s3:ReplicateTags.
 */
export const REPLICATION_SOURCE_BUCKET_ACTIONS: readonly string[] = ["s3:GetReplicationConfiguration", "s3:ListBucket"];
export const REPLICATION_SOURCE_OBJECT_ACTIONS: readonly string[] = [
  "s3:GetObjectVersionForReplication",
  "s3:GetObjectVersionAcl",
  "s3:GetObjectVersionTagging",
];
export const REPLICATION_DESTINATION_OBJECT_ACTIONS: readonly string[] = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"];
/**
 * The owner override (`AccessControlTranslation` Owner=Destination) needs this
 * action in the role's policy AND in the destination bucket policy ("Changing
 * the replica owner": https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html).
 */
export const OWNER_OVERRIDE_ACTION = "s3:ObjectOwnerOverrideToBucketOwner";
/**
 * Read-only check of the destination's versioning (the destination bucket
 * policy of the cross-account step of the permissions page grants it with
 * s3:PutBucketVersioning and s3:List*; those two are left out here: a source
 * account that may suspend the versioning of its backup defeats the backup).
 */
export const REPLICATION_DESTINATION_BUCKET_ACTIONS: readonly string[] = ["s3:GetBucketVersioning"];
/** The service principal that assumes the replication role. */
export const S3_SERVICE_PRINCIPAL = "s3.amazonaws.com";

/** A bucket's SSE-KMS key as replication uses it. */
export interface ReplicationKey {
  readonly keyArn: string;
  /** Region of the key and its bucket (kms:ViaService = s3.<region>.amazonaws.com). */
  readonly region: string;
  /** The bucket uses an S3 Bucket Key (encryption context = bucket ARN). @default unknown (both forms) */
  readonly bucketKey?: boolean;
}

export interface ReplicationPolicyInput {
  readonly sourceBucketArn: string;
  readonly sourceAccountId: string;
  readonly destinationBucketArn: string;
  /** Key prefixes the rules replicate (`""` = the whole bucket; a tag-only filter is the whole bucket here). */
  readonly prefixes: readonly string[];
  /** Owner override to the destination account. */
  readonly ownerOverride: boolean;
  /** The source bucket's key: the role decrypts source objects with it. @default none (SSE-S3 source) */
  readonly sourceKey?: ReplicationKey;
  /** The destination's key: S3 encrypts replicas with it (replica_kms_key_id). @default none (SSE-S3 destination) */
  readonly destinationKey?: ReplicationKey;
}

const prefixArns = (bucketArn: string, prefixes: readonly string[]): string | string[] =>
  one(uniqueSorted((prefixes.length ? prefixes : [""]).includes("") ? [objectArn(bucketArn, "")] : prefixes.map((p) => objectArn(bucketArn, p))));

/**
 * Trust of the replication role: only S3 may assume it, and only for the
 * source bucket of the source account (`aws:SourceAccount` + `aws:SourceArn`,
 * the confused-deputy guard of service roles:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html;
 * the replication permissions page shows the same conditions on its trust policy).
 */
export function replicationTrustPolicy(sourceAccountId: string, sourceBucketArn: string): PolicyDocument {
  return doc([
    {
      Sid: "S3ReplicationAssume",
      Effect: "Allow",
      Principal: { Service: S3_SERVICE_PRINCIPAL },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": sourceAccountId }, ArnLike: { "aws:SourceArn": sourceBucketArn } },
    },
  ]);
}

/**
 * The KMS condition of one side: via S3 in the key's region, for that bucket
 * only (`kms:EncryptionContext:aws:s3:arn`). "Replicating encrypted objects"
 * scopes the source Decrypt and the destination Encrypt exactly so
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html,
 * "Granting additional permissions for the IAM role"); with S3 Bucket Keys the
 * context is the bucket ARN, not the object ARN (same page, and bucket-key.html).
 */
const replicationKeyCondition = (bucketArn: string, key: ReplicationKey): Condition =>
  mergeConditions(viaS3Condition(key.region), s3ArnContextCondition(bucketArn, key.bucketKey));

/** KMS actions of each side: the source key decrypts; the destination key encrypts replicas (the one S3 path that calls kms:Encrypt). */
export const REPLICATION_SOURCE_KMS_ACTIONS: readonly string[] = ["kms:Decrypt"];
export const REPLICATION_DESTINATION_KMS_ACTIONS: readonly string[] = ["kms:Encrypt", "kms:GenerateDataKey"];

/** Identity policy of the replication role: exactly the documented actions, on the rules' prefixes, KMS via S3 on both sides. */
export function replicationRolePolicy(input: ReplicationPolicyInput): PolicyDocument {
  const statements: Statement[] = [
    { Sid: "ReadSourceReplicationConfiguration", Effect: "Allow", Action: [...REPLICATION_SOURCE_BUCKET_ACTIONS], Resource: input.sourceBucketArn },
    {
      Sid: "ReadSourceObjectVersions",
      Effect: "Allow",
      Action: [...REPLICATION_SOURCE_OBJECT_ACTIONS],
      Resource: prefixArns(input.sourceBucketArn, input.prefixes),
    },
    {
      Sid: "ReplicateToDestination",
      Effect: "Allow",
      Action: [...REPLICATION_DESTINATION_OBJECT_ACTIONS, ...(input.ownerOverride ? [OWNER_OVERRIDE_ACTION] : [])],
      Resource: prefixArns(input.destinationBucketArn, input.prefixes),
    },
    { Sid: "ReadDestinationVersioning", Effect: "Allow", Action: one([...REPLICATION_DESTINATION_BUCKET_ACTIONS]), Resource: input.destinationBucketArn },
  ];
  if (input.sourceKey) {
    statements.push({
      Sid: "DecryptSourceViaS3",
      Effect: "Allow",
      Action: one([...REPLICATION_SOURCE_KMS_ACTIONS]),
      Resource: input.sourceKey.keyArn,
      Condition: replicationKeyCondition(input.sourceBucketArn, input.sourceKey),
    });
  }
  if (input.destinationKey) {
    statements.push({
      Sid: "EncryptReplicasViaS3",
      Effect: "Allow",
      Action: [...REPLICATION_DESTINATION_KMS_ACTIONS],
      Resource: input.destinationKey.keyArn,
      Condition: replicationKeyCondition(input.destinationBucketArn, input.destinationKey),
    });
  }
  return doc(statements);
}

/** Sid prefix of the destination bucket-policy statements of a replication (`<prefix><n>...`). */
export const REPLICATION_SID_PREFIX = "ReplicationFrom";

/**
 * The destination bucket-policy statements for the replication role of
 * another account: replicate (and, with the owner override, take ownership
 * of) objects under the rules' prefixes, and read the bucket's versioning.
 * "(Optional) Step 3: Granting permissions when the source and destination
 * buckets are owned by different AWS accounts" of
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html.
 * `sid` distinguishes several replications into one bucket.
 */
export function replicationDestinationStatements(roleArn: string, input: ReplicationPolicyInput, sid = REPLICATION_SID_PREFIX): Statement[] {
  return [
    {
      Sid: `${sid}Objects`,
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: [...REPLICATION_DESTINATION_OBJECT_ACTIONS, ...(input.ownerOverride ? [OWNER_OVERRIDE_ACTION] : [])],
      Resource: prefixArns(input.destinationBucketArn, input.prefixes),
    },
    {
      Sid: `${sid}Versioning`,
      Effect: "Allow",
      Principal: { AWS: roleArn },
      Action: one([...REPLICATION_DESTINATION_BUCKET_ACTIONS]),
      Resource: input.destinationBucketArn,
    },
  ];
}

/** Key-policy statement of the destination key: the replication role encrypts replicas with it, via S3, for the destination bucket only. */
export function replicationDestinationKeyStatement(
  roleArn: string,
  destinationBucketArn: string,
  key: ReplicationKey,
  sid = `${REPLICATION_SID_PREFIX}Encrypt`,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: roleArn },
    Action: [...REPLICATION_DESTINATION_KMS_ACTIONS],
    Resource: "*",
    Condition: replicationKeyCondition(destinationBucketArn, key),
  };
}

/** Key-policy statement of the source key: the replication role decrypts source objects, via S3, for the source bucket only. */
export function replicationSourceKeyStatement(
  roleArn: string,
  sourceBucketArn: string,
  key: ReplicationKey,
  sid = `${REPLICATION_SID_PREFIX}Decrypt`,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: roleArn },
    Action: one([...REPLICATION_SOURCE_KMS_ACTIONS]),
    Resource: "*",
    Condition: replicationKeyCondition(sourceBucketArn, key),
  };
}

/** Where a Batch Replication job writes its completion report. */
export interface BatchReplicationInput {
  readonly sourceBucketArn: string;
  readonly reportBucketArn: string;
  /** "" or ending in "/". */
  readonly reportPrefix: string;
  /** Key of an SSE-KMS report bucket: writing the manifest and report needs kms:GenerateDataKey via S3. @default none */
  readonly reportKey?: ReplicationKey;
}

/**
 * Trust of the Batch Replication job role: S3 Batch Operations only, for jobs
 * of the source account (aws:SourceAccount, the confused-deputy guard:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
 */
export function batchReplicationTrustPolicy(sourceAccountId: string): PolicyDocument {
  return doc([
    {
      Sid: "BatchOperationsAssume",
      Effect: "Allow",
      Principal: { Service: BATCH_REPLICATION_SERVICE },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": sourceAccountId } },
    },
  ]);
}

/** The service principals of a Batch Replication job role (S3 Batch Operations). */
export const BATCH_REPLICATION_SERVICE = "batchoperations.s3.amazonaws.com";

/**
 * Identity policy of the S3 Batch Operations role of a Batch Replication job
 * with an S3-generated manifest, which replicates EXISTING objects (live
 * replication only copies objects written after the rule exists):
 * s3:InitiateReplication on the source objects, s3:GetReplicationConfiguration
 * and s3:PutInventoryConfiguration on the source bucket, s3:PutObject for the
 * completion report (and the generated manifest, written under the same prefix).
 * "Configuring IAM policies for Batch Replication":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-policies.html
 */
export function batchReplicationPolicy(input: BatchReplicationInput): PolicyDocument {
  return doc([
    { Sid: "InitiateReplication", Effect: "Allow", Action: "s3:InitiateReplication", Resource: objectArn(input.sourceBucketArn, "") },
    {
      Sid: "ReadReplicationConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
      Resource: input.sourceBucketArn,
    },
    { Sid: "WriteManifestAndReport", Effect: "Allow", Action: "s3:PutObject", Resource: objectArn(input.reportBucketArn, input.reportPrefix) },
    ...(input.reportKey
      ? [
          {
            Sid: "ReportKeyViaS3",
            Effect: "Allow" as const,
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: input.reportKey.keyArn,
            Condition: replicationKeyCondition(input.reportBucketArn, input.reportKey),
          },
        ]
      : []),
  ]);
}
