import type { AcknowledgementRecord } from "../../lib/checks/acknowledge";
import type { PolicyDocument } from "../../lib/policy";
import type { PrincipalCalls } from "./calls";

/**
 * The access matrix's vocabulary: who asks (MatrixPrincipal), what they ask
 * for (Probe), and what IAM answers (Cell).
 */

/** Where a policy that took part in a decision comes from. */
export type PolicySource =
  | "role-inline"
  | "group-inline"
  | "probe-identity"
  | "bucket"
  | "key"
  | "default-key"
  | "trust"
  | "s3-bpa"
  | "user-inline"
  | "managed"
  | "access-point"
  | "not-in-stack"
  | "scp"
  | "rcp";

/** A policy as the matrix hands it to the engine. */
export interface NamedPolicy {
  /** Terraform address (or a fixed name for probe/default policies): unique within one evaluation. */
  readonly name: string;
  readonly source: PolicySource;
  readonly document: PolicyDocument;
}

export type PrincipalKind =
  | "role"
  | "group-member"
  | "user"
  | "external"
  | "organization"
  | "service"
  | "account-probe"
  | "third-account"
  | "anonymous"
  /** A web identity of an IAM OIDC provider (a CI job's token): `arn` is the provider's ARN. */
  | "federated";

export interface MatrixPrincipal {
  /** Short stable label used in cell keys: `role/<name>`, `member/<group>`, `probe/<alias>`, `anonymous`. */
  readonly label: string;
  readonly kind: PrincipalKind;
  /** The ARN the request is signed as (a role session for roles); undefined for anonymous. */
  readonly arn?: string;
  /** `aws:PrincipalArn`: the role (not its session) or the user. */
  readonly principalArn?: string;
  readonly account?: string;
  readonly identityPolicies: readonly NamedPolicy[];
  /** Probes of the stack's own accounts only make cross-account requests (an account's admins are its own IAM's business). */
  readonly crossAccountOnly: boolean;
  /** Context the principal's requests carry (aws:PrincipalOrgID of an Organization's member). */
  readonly context?: Readonly<Record<string, string>>;
  /** For kind `role`: the role's ARN, so others reaching it by sts:AssumeRole inherit its cells. */
  readonly roleArn?: string;
}

/** One request of the probe set. */
export interface Probe {
  readonly action: string;
  /** ARN of the resource. */
  readonly resource: string;
  /** Short label: `<bucket>`, `<bucket>/<key>`, `key(<bucket>)`, `role/<name>`. */
  readonly resourceLabel: string;
  readonly resourceAccount: string;
  /** Context keys beyond the defaults (aws:SecureTransport=true, principal keys). */
  readonly context: Readonly<Record<string, string>>;
  /** Comma-separated short form of `context`, e.g. `prefix=incoming/,no-tls`, `externalId=correct,mfa`; "" when none. */
  readonly contextLabel: string;
  readonly resourcePolicy?: NamedPolicy;
  /** S3 Block Public Access (RestrictPublicBuckets) is on for the bucket. */
  readonly blockPublicAccess: boolean;
  /** For sts:AssumeRole: the role assumed. */
  readonly assumesRole?: string;
  /** A resource the stack does not create (its policy is assumed to allow): asked only of the stack's own principals. */
  readonly outside?: boolean;
  /**
   * Requests through an S3 access point also need the bucket's consent: the
   * same request, as the bucket policy sees it (object ARN in the bucket,
   * s3:DataAccessPoint* context). Both must allow.
   */
  readonly viaBucket?: {
    readonly resource: string;
    readonly resourceAccount: string;
    readonly context: Readonly<Record<string, string>>;
    readonly resourcePolicy?: NamedPolicy;
    readonly blockPublicAccess: boolean;
  };
  /**
   * Object reads/writes through an access point on an SSE-KMS bucket also need
   * the bucket's key, used by S3 on the caller's behalf: the key probe
   * (kms:Decrypt for GetObject, kms:GenerateDataKey for PutObject, via S3),
   * evaluated with the caller's own identity policies after both S3 sides allowed.
   */
  readonly viaKey?: Probe;
}

export type Decision = "Allowed" | "Denied";

/** A statement (or its absence) that decided a request. */
export interface DecidingStatement {
  readonly effect: "Allow" | "Deny" | "NoAllow";
  readonly source: PolicySource | "identity" | "resource";
  /** Policy name (Terraform address); absent for "no identity policy allows". */
  readonly policy?: string;
  /** Sid, or `#<index>` when the statement has none. */
  readonly sid?: string;
}

/** The hop of a cell reached through sts:AssumeRole. */
export interface Hop {
  /** Label of the role assumed (`role/<name>`). */
  readonly role: string;
  /** Context the AssumeRole needed (`mfa`, `externalId=correct`), "" when none. */
  readonly context: string;
  /** Statements that allowed the AssumeRole. */
  readonly deciding: readonly DecidingStatement[];
}

export interface Cell {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: string;
  readonly decision: Decision;
  readonly deciding: readonly DecidingStatement[];
  readonly via?: Hop;
  /** `principal action resource [context] via role[hopContext]`: what tests and diffs compare. */
  readonly key: string;
  /** Cross-account or public: the principal (or a hop) is not in the resource's account, or is anonymous. AWS service principals are not external. */
  readonly external: boolean;
}

export interface StackMatrix {
  readonly stack: string;
  /** Provider alias → account id. */
  readonly accounts: Readonly<Record<string, string>>;
  readonly principals: readonly string[];
  readonly probeCount: number;
  /** Policies the stack attaches but does not contain (AWS managed ...): their grants are not in the cells. */
  readonly notEvaluated?: readonly string[];
  /** Cells evaluated (direct, Denied included, and via a hop): equals cells.length unless only Allowed cells were kept. */
  readonly evaluated?: number;
  /** Every evaluated cell, direct and via a hop, in a stable order. */
  readonly cells: readonly Cell[];
  /** Warnings of the synth-time checks the stack acknowledged, with their reasons. */
  readonly acknowledgements?: readonly AcknowledgementRecord[];
  /**
   * The call proof (tools/access/calls.ts): per principal of each function the
   * stack deploys, its declared AWS calls proven / refused, and the permissions
   * no declared call uses. Computed by xacct-access (not by matrixOf).
   */
  readonly calls?: readonly PrincipalCalls[];
  /** The stack's data perimeter, and what the principal of another Organization got: present only when the stack has one. */
  readonly perimeter?: MatrixPerimeter;
}

/** The data perimeter as the matrix saw it. */
export interface MatrixPerimeter {
  readonly organizationId: string;
  /** Accounts taken as members (their requests carry aws:PrincipalOrgID, requests to their resources aws:ResourceOrgID). */
  readonly memberAccounts: readonly string[];
  /** Accounts outside the Organization the perimeter lets through (aws:PrincipalAccount). */
  readonly trustedAccounts: readonly string[];
  /** `probe/other-org`: probes asked, and how many were Allowed (0 is the perimeter holding). */
  readonly otherOrganization: { readonly asked: number; readonly allowed: number };
}
