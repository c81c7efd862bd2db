import { buildStackModel, type TfJson } from "../../model/stack-model";
import type { Statement } from "../../policy";
import { RULES, ruleById, runRules } from ".";

/**
 * One table per rule: hand-written Terraform JSON (so a broken policy can be fed in), each fixture
 * with the number of findings the rule must report on it. Account A 111111111111 consumes,
 * account B 222222222222 owns the bucket `data-b` and its key.
 */
const A = "111111111111";
const B = "222222222222";
const ROLE_A = `arn:aws:iam::${A}:role/consumer`;
const KEY_ARN = `arn:aws:kms:us-east-1:${B}:key/k`;
const doc = (...Statement: Statement[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const VIA_S3 = { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } };

interface Parts {
  /** Inline policy of role `hand` (account B). */
  role?: Statement[];
  roleAccount?: "a" | "b";
  maxSession?: number;
  bucketPolicy?: Statement[];
  /** Makes `data-b` SSE-KMS with key `k`, whose policy these statements are. */
  keyPolicy?: Statement[];
  ownership?: string;
  trust?: Statement[];
  fn?: Record<string, string>;
  /** An `aws_kms_grant` on key `k` for ROLE_A (needs keyPolicy), with these `constraints` blocks. */
  grant?: { operations: string[]; constraints?: Record<string, unknown>[] };
  /** Versioning Enabled on data-b. */
  versioned?: boolean;
  /** A replication of data-b (role `hand` of B) into `backup-a` (account A, versioned unless said), its rule's attributes merged in. */
  replication?: { rule?: Record<string, unknown>; destPolicy?: Statement[]; destVersioned?: boolean; destAccount?: "a" | "b" };
}

function tf(p: Parts): TfJson {
  const provider = (x: "a" | "b"): string => `aws.account_${x}`;
  const resource: NonNullable<TfJson["resource"]> = {};
  const add = (type: string, name: string, attrs: Record<string, unknown>): void => {
    resource[type] = { ...(resource[type] ?? {}), [name]: attrs };
  };
  add("aws_s3_bucket", "b", { provider: provider("b"), bucket: "data-b" });
  if (p.role || p.trust || p.maxSession !== undefined) {
    const acct = p.roleAccount ?? "b";
    add("aws_iam_role", "hand", {
      provider: provider(acct),
      name: "hand",
      assume_role_policy: doc(...(p.trust ?? [{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "sts:AssumeRole" }])),
      ...(p.maxSession !== undefined ? { max_session_duration: p.maxSession } : {}),
    });
    if (p.role) add("aws_iam_role_policy", "hand", { provider: provider(acct), role: "${aws_iam_role.hand.name}", policy: doc(...p.role) });
  }
  if (p.bucketPolicy) add("aws_s3_bucket_policy", "p", { provider: provider("b"), bucket: "${aws_s3_bucket.b.id}", policy: doc(...p.bucketPolicy) });
  if (p.keyPolicy) {
    add("aws_kms_key", "k", { provider: provider("b"), policy: doc(...p.keyPolicy) });
    add("aws_s3_bucket_server_side_encryption_configuration", "e", {
      provider: provider("b"),
      bucket: "${aws_s3_bucket.b.id}",
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.k.arn}" } }],
    });
  }
  if (p.ownership)
    add("aws_s3_bucket_ownership_controls", "o", { provider: provider("b"), bucket: "${aws_s3_bucket.b.id}", rule: [{ object_ownership: p.ownership }] });
  if (p.grant)
    add("aws_kms_grant", "g", {
      provider: provider("b"),
      key_id: "${aws_kms_key.k.arn}",
      grantee_principal: ROLE_A,
      operations: p.grant.operations,
      ...(p.grant.constraints ? { constraints: p.grant.constraints } : {}),
    });
  if (p.versioned)
    add("aws_s3_bucket_versioning", "v", { provider: provider("b"), bucket: "${aws_s3_bucket.b.id}", versioning_configuration: { status: "Enabled" } });
  if (p.replication) {
    const r = p.replication;
    const acct = r.destAccount ?? "a";
    add("aws_s3_bucket", "d", { provider: provider(acct), bucket: "backup-a" });
    if (r.destVersioned ?? true)
      add("aws_s3_bucket_versioning", "dv", { provider: provider(acct), bucket: "${aws_s3_bucket.d.id}", versioning_configuration: { status: "Enabled" } });
    if (r.destPolicy) add("aws_s3_bucket_policy", "dp", { provider: provider(acct), bucket: "${aws_s3_bucket.d.id}", policy: doc(...r.destPolicy) });
    add("aws_s3_bucket_replication_configuration", "r", {
      provider: provider("b"),
      bucket: "${aws_s3_bucket.b.id}",
      role: "${aws_iam_role.hand.arn}",
      rule: [
        { id: "r1", status: "Enabled", filter: { prefix: "" }, destination: { bucket: "arn:aws:s3:::backup-a", account: acct === "a" ? A : B }, ...r.rule },
      ],
    });
  }
  if (p.fn) add("aws_lambda_function", "f", { provider: provider("b"), function_name: "writer", environment: [{ variables: p.fn }] });
  return {
    provider: {
      aws: [
        { alias: "account_a", region: "us-east-1", allowed_account_ids: [A] },
        { alias: "account_b", region: "us-east-1", allowed_account_ids: [B] },
      ],
    },
    resource,
  };
}

/** A CI role's trust: GitHub's OIDC provider of account B, with these conditions. */
const GH = "token.actions.githubusercontent.com";
const ghTrust = (Condition?: Statement["Condition"]): Statement[] => [
  {
    Effect: "Allow",
    Principal: { Federated: `arn:aws:iam::${B}:oidc-provider/${GH}` },
    Action: "sts:AssumeRoleWithWebIdentity",
    ...(Condition ? { Condition } : {}),
  },
];
const AUD = { [`${GH}:aud`]: "sts.amazonaws.com" };

/** The deny statements BucketShare writes for an SSE-KMS bucket (algorithm, key, SSE-C). */
const PIN: Statement[] = [
  {
    Sid: "Alg",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    Resource: "arn:aws:s3:::data-b/*",
    Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
  },
  {
    Sid: "Key",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    Resource: "arn:aws:s3:::data-b/*",
    Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN } },
  },
  {
    Sid: "SseC",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:PutObject",
    Resource: "arn:aws:s3:::data-b/*",
    Condition: { Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" } },
  },
];
const KEY_FOR_A: Statement = {
  Sid: "UseA",
  Effect: "Allow",
  Principal: { AWS: ROLE_A },
  Action: ["kms:Decrypt", "kms:GenerateDataKey"],
  Resource: "*",
  Condition: VIA_S3,
};
const ROLE_KMS: Statement = { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN, Condition: VIA_S3 };
const many = Array.from({ length: 600 }, (_, i) => `arn:aws:iam::${String(100000000000 + i)}:role/consumer-${i}`);

/** The replication role `hand` of B: S3 may assume it; its documented permissions into backup-a. */
const REPL_TRUST: Statement[] = [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }];
const REPL_ROLE: Statement[] = [
  { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: "arn:aws:s3:::data-b" },
  { Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: "arn:aws:s3:::data-b/*" },
  { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: "arn:aws:s3:::backup-a/*" },
];
const ROLE_HAND = `arn:aws:iam::${B}:role/hand`;
const DEST_ALLOW: Statement = {
  Sid: "Replicas",
  Effect: "Allow",
  Principal: { AWS: ROLE_HAND },
  Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
  Resource: "arn:aws:s3:::backup-a/*",
};
const OVERRIDE = { destination: { bucket: "arn:aws:s3:::backup-a", account: A, access_control_translation: { owner: "Destination" } } };
const REPL = { versioned: true, trust: REPL_TRUST, role: REPL_ROLE };

type Case = [name: string, parts: Parts, findings: number];
const TABLES: Record<string, Case[]> = {
  "policy-size": [
    [
      "a small bucket policy",
      { bucketPolicy: [{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] },
      0,
    ],
    [
      "a bucket policy naming 600 roles",
      { bucketPolicy: [{ Effect: "Allow", Principal: { AWS: many }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] },
      1,
    ],
    ["a trust policy naming 600 roles", { trust: [{ Effect: "Allow", Principal: { AWS: many }, Action: "sts:AssumeRole" }] }, 1],
  ],
  "list-bucket-on-object-arn": [
    ["ListBucket on the bucket ARN", { role: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data-b" }] }, 0],
    ["ListBucket on object ARNs only", { role: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data-b/*" }] }, 1],
    ["a Deny of ListBucket on object ARNs", { role: [{ Effect: "Deny", Action: "s3:ListBucket", Resource: "arn:aws:s3:::data-b/*" }] }, 0],
  ],
  "object-action-on-bucket-arn": [
    ["GetObject on object ARNs", { role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/in/*" }] }, 0],
    ["GetObject on the bucket ARN only", { role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b" }] }, 1],
  ],
  "wildcard-action": [
    ["named actions", { role: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::data-b/*" }] }, 0],
    ["s3:*", { role: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::data-b/*" }] }, 1],
    ["a Deny of s3:*", { role: [{ Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::data-b/*" }] }, 0],
  ],
  "wildcard-principal": [
    [
      "Principal * narrowed by aws:PrincipalOrgID",
      {
        bucketPolicy: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::data-b/*",
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } },
          },
        ],
      },
      0,
    ],
    [
      "Principal * with only a TLS condition",
      {
        bucketPolicy: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::data-b/*",
            Condition: { Bool: { "aws:SecureTransport": "true" } },
          },
        ],
      },
      1,
    ],
    ['Principal { AWS: "*" }', { bucketPolicy: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] }, 1],
    [
      "a Null test on a caller key does not narrow",
      {
        bucketPolicy: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::data-b/*",
            Condition: { Null: { "aws:PrincipalOrgID": "false" } },
          },
        ],
      },
      1,
    ],
  ],
  "account-root-principal": [
    ["a role ARN", { bucketPolicy: [{ Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] }, 0],
    [
      "an account root",
      { bucketPolicy: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] },
      1,
    ],
    [
      "an account root narrowed by aws:PrincipalArn",
      {
        bucketPolicy: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${A}:root` },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::data-b/*",
            Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${A}:user/*` } },
          },
        ],
      },
      0,
    ],
  ],
  "kms-identity-grant": [
    [
      "a reader with the key",
      { keyPolicy: [], bucketPolicy: PIN, role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }, ROLE_KMS] },
      0,
    ],
    [
      "a reader without the key",
      { keyPolicy: [], bucketPolicy: PIN, role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] },
      1,
    ],
    ["a reader of a bucket without KMS", { role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] }, 0],
  ],
  "kms-key-policy-grant": [
    [
      "the bucket and the key grant account A's role",
      {
        keyPolicy: [KEY_FOR_A],
        bucketPolicy: [...PIN, { Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }],
      },
      0,
    ],
    [
      "the bucket grants account A's role, the key does not",
      { keyPolicy: [], bucketPolicy: [...PIN, { Effect: "Allow", Principal: { AWS: ROLE_A }, Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }] },
      1,
    ],
    [
      "a role of account A in the stack, not in the key policy",
      { keyPolicy: [], bucketPolicy: PIN, roleAccount: "a", role: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data-b/*" }, ROLE_KMS] },
      1,
    ],
  ],
  "kms-without-via-service": [
    ["a key statement for account A with kms:ViaService", { keyPolicy: [KEY_FOR_A], bucketPolicy: PIN }, 0],
    ["a key statement for account A without kms:ViaService", { keyPolicy: [{ ...KEY_FOR_A, Condition: undefined }], bucketPolicy: PIN }, 1],
    [
      "a role policy on the bucket key without kms:ViaService",
      { keyPolicy: [], bucketPolicy: PIN, role: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN }] },
      1,
    ],
  ],
  "object-writer-without-bofc": [
    ["BucketOwnerEnforced", { ownership: "BucketOwnerEnforced" }, 0],
    ["ObjectWriter without a bucket-owner-full-control Deny", { ownership: "ObjectWriter" }, 1],
    [
      "ObjectWriter with the Deny",
      {
        ownership: "ObjectWriter",
        bucketPolicy: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: "arn:aws:s3:::data-b/*",
            Condition: { StringNotEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
          },
        ],
      },
      0,
    ],
  ],
  "sse-kms-not-pinned": [
    ["SSE-KMS with all three Deny statements", { keyPolicy: [], bucketPolicy: PIN }, 0],
    ["SSE-KMS with no bucket policy", { keyPolicy: [] }, 1],
    ["SSE-KMS without the SSE-C Deny", { keyPolicy: [], bucketPolicy: PIN.slice(0, 2) }, 1],
  ],
  "role-chaining-session": [
    ["one hour", { fn: { TARGET_ROLE_ARN: `arn:aws:iam::${B}:role/hand`, TARGET_SESSION_DURATION_SECONDS: "3600" } }, 0],
    ["two hours", { fn: { TARGET_ROLE_ARN: `arn:aws:iam::${B}:role/hand`, TARGET_SESSION_DURATION_SECONDS: "7200" } }, 1],
    ["two hours but no role assumed", { fn: { TARGET_SESSION_DURATION_SECONDS: "7200" } }, 0],
  ],
  "web-identity-unpinned": [
    ["aud and sub pinned", { trust: ghTrust({ StringEquals: { ...AUD, [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } }) }, 0],
    ["aud only (any repository on GitHub)", { trust: ghTrust({ StringEquals: AUD }) }, 1],
    ["sub only", { trust: ghTrust({ StringEquals: { [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } }) }, 1],
    ["no condition", { trust: ghTrust() }, 1],
    ["sub only under a negated operator", { trust: ghTrust({ StringEquals: AUD, StringNotEquals: { [`${GH}:sub`]: "repo:o/r:pull_request" } }) }, 1],
    ["an AWS principal's trust", {}, 0],
  ],
  "web-identity-wildcard-subject": [
    ["an exact sub", { trust: ghTrust({ StringEquals: { ...AUD, [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } }) }, 0],
    ["a StringLike pattern", { trust: ghTrust({ StringEquals: AUD, StringLike: { [`${GH}:sub`]: "repo:o/r:*" } }) }, 1],
    ["StringLike without a wildcard", { trust: ghTrust({ StringEquals: AUD, StringLike: { [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } }) }, 0],
  ],
  "web-identity-pull-request": [
    ["a branch", { trust: ghTrust({ StringEquals: { ...AUD, [`${GH}:sub`]: "repo:o/r:ref:refs/heads/main" } }) }, 0],
    [
      "pull requests among the subjects",
      { trust: ghTrust({ StringEquals: { ...AUD, [`${GH}:sub`]: ["repo:o/r:ref:refs/heads/main", "repo:o/r:pull_request"] } }) },
      1,
    ],
  ],
  "kms-grant-unconstrained": [
    ["no grant", { keyPolicy: [], bucketPolicy: PIN }, 0],
    ["a Decrypt grant without constraints", { keyPolicy: [], bucketPolicy: PIN, grant: { operations: ["Decrypt"] } }, 1],
    [
      "a grant constrained to the bucket (encryption_context_subset)",
      {
        keyPolicy: [],
        bucketPolicy: PIN,
        grant: { operations: ["Decrypt", "GenerateDataKey"], constraints: [{ encryption_context_subset: { "aws:s3:arn": "arn:aws:s3:::data-b" } }] },
      },
      0,
    ],
    [
      "a grant with encryption_context_equals",
      {
        keyPolicy: [],
        bucketPolicy: PIN,
        grant: { operations: ["Decrypt"], constraints: [{ encryption_context_equals: { "aws:s3:arn": "arn:aws:s3:::data-b" } }] },
      },
      0,
    ],
    [
      "an empty constraints block (plan values: nulls)",
      { keyPolicy: [], bucketPolicy: PIN, grant: { operations: ["Decrypt"], constraints: [{ encryption_context_subset: null }] } },
      1,
    ],
    ["a grant of DescribeKey only (no context to constrain)", { keyPolicy: [], bucketPolicy: PIN, grant: { operations: ["DescribeKey"] } }, 0],
  ],
  "replication-versioning": [
    ["both versioned", { ...REPL, replication: {} }, 0],
    ["source not versioned", { ...REPL, versioned: false, replication: {} }, 1],
    ["destination not versioned", { ...REPL, replication: { destVersioned: false } }, 1],
  ],
  "replication-kms": [
    ["SSE-S3 on both sides", { ...REPL, replication: {} }, 0],
    [
      "SSE-KMS source, objects selected, Decrypt on both sides",
      {
        ...REPL,
        role: [...REPL_ROLE, { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN, Condition: VIA_S3 }],
        keyPolicy: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: "kms:*", Resource: "*" }],
        replication: { rule: { source_selection_criteria: { sse_kms_encrypted_objects: { status: "Enabled" } } } },
      },
      0,
    ],
    ["SSE-KMS source, objects not selected, no Decrypt on either side", { ...REPL, keyPolicy: [], replication: {} }, 3],
    [
      "replica key named, the role may not encrypt with it",
      {
        ...REPL,
        replication: {
          rule: {
            destination: { bucket: "arn:aws:s3:::backup-a", account: A, encryption_configuration: { replica_kms_key_id: `arn:aws:kms:us-east-1:${A}:key/d` } },
          },
        },
      },
      2,
    ],
  ],
  "replication-owner-override": [
    [
      "override allowed on both sides",
      {
        ...REPL,
        role: [...REPL_ROLE, { Effect: "Allow", Action: "s3:ObjectOwnerOverrideToBucketOwner", Resource: "arn:aws:s3:::backup-a/*" }],
        replication: { rule: OVERRIDE, destPolicy: [{ ...DEST_ALLOW, Action: [...(DEST_ALLOW.Action as string[]), "s3:ObjectOwnerOverrideToBucketOwner"] }] },
      },
      0,
    ],
    ["override, the destination policy does not allow it", { ...REPL, replication: { rule: OVERRIDE, destPolicy: [DEST_ALLOW] } }, 1],
    ["no override", { ...REPL, replication: { destPolicy: [DEST_ALLOW] } }, 0],
  ],
  "replication-same-account": [
    ["into another account", { ...REPL, replication: {} }, 0],
    ["into the same account", { ...REPL, replication: { destAccount: "b" } }, 1],
  ],
  "replication-sse-pin": [
    ["a PutObject pin", { ...REPL, replication: { destPolicy: [DEST_ALLOW, { ...PIN[0], Resource: "arn:aws:s3:::backup-a/*" }] } }, 0],
    ["a pin on s3:*", { ...REPL, replication: { destPolicy: [DEST_ALLOW, { ...PIN[0], Action: "s3:*", Resource: "arn:aws:s3:::backup-a/*" }] } }, 1],
    [
      "TLS-only on s3:*",
      {
        ...REPL,
        replication: {
          destPolicy: [
            DEST_ALLOW,
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::backup-a/*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        },
      },
      0,
    ],
  ],
  "session-duration": [
    ["within the role's maximum", { maxSession: 3600, fn: { TARGET_ROLE_ARN: `arn:aws:iam::${B}:role/hand`, TARGET_SESSION_DURATION_SECONDS: "1800" } }, 0],
    ["over the role's maximum", { maxSession: 900, fn: { TARGET_ROLE_ARN: `arn:aws:iam::${B}:role/hand`, TARGET_SESSION_DURATION_SECONDS: "1800" } }, 1],
  ],
};

describe("the rule registry", () => {
  it("lists every rule once, each with a table of fixtures here", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(TABLES).sort()).toEqual([...ids].sort());
  });

  it.each(RULES.map((r) => [r.id, r] as const))("%s has a severity, a one-line explanation and AWS documentation", (_, r) => {
    expect(["error", "warning"]).toContain(r.severity);
    expect(r.explanation).toMatch(/^[^\n]{20,200}$/);
    expect(r.docs.length).toBeGreaterThan(0);
    for (const url of r.docs) expect(url).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//);
  });
});

describe.each(Object.entries(TABLES))("rule %s", (id, cases) => {
  const rule = ruleById(id);
  it.each(cases)("%s: %i finding(s)", (_, parts, count) => {
    const findings = rule?.check(buildStackModel(tf(parts))) ?? [];
    expect(findings).toHaveLength(count);
    for (const f of findings) {
      expect(f.check).toBe(id);
      expect(f.level).toBe(rule?.severity);
    }
    // Each fixture that trips must trip through the full run too (no rule hides another).
    expect(runRules(buildStackModel(tf(parts))).filter((f) => f.check === id)).toHaveLength(count);
  });
});
