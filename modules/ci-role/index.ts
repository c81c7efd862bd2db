import { AwsProvider, IamOpenidConnectProvider, IamRole, IamRolePolicy } from "../../lib/framework/aws";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy } from "../../lib/framework";
import { acknowledge, Acknowledgement, validateAcknowledgements } from "../../lib/checks/acknowledge";
import { AccessLevel, identityPolicy, identityStatements, renderPolicy, S3Grant, webIdentityTrustPolicy } from "../../lib/policy";
import { ensurePolicyChecks } from "../../lib/checks";
import * as v from "../../lib/validate";
import type { IBucketShare, IShareConsumer, ShareGrant } from "../bucket-share/grants";

/** GitHub Actions' OIDC issuer (the `iss` claim of every job's token). */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` requests for AWS. */
export const GITHUB_ACTIONS_AUDIENCE = "sts.amazonaws.com";
/** GitLab.com's issuer (a self-managed GitLab is its own URL). */
export const GITLAB_COM_ISSUER = "https://gitlab.com";

/**
 * Who issues the CI job's OIDC tokens.
 * - `github`: GitHub Actions (issuer https://token.actions.githubusercontent.com, audience
 *   `sts.amazonaws.com`, what `aws-actions/configure-aws-credentials` requests:
 *   https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services).
 * - `gitlab`: GitLab CI `id_tokens` (issuer https://gitlab.com or a self-managed instance's URL; the
 *   job's `id_tokens: <NAME>: aud:` sets the audience: https://docs.gitlab.com/ee/ci/cloud_services/aws/).
 * - `generic`: any other OIDC issuer: `url` and `audiences` required, subjects given as `subject`.
 */
export interface CiIssuer {
  readonly kind: "github" | "gitlab" | "generic";
  /**
   * The issuer URL (`https://...`, no trailing slash): the IAM OIDC provider's URL and, without
   * `https://`, the prefix of the trust's condition keys (`<issuer>:aud`, `<issuer>:sub`).
   * @default github: https://token.actions.githubusercontent.com (fixed); gitlab: https://gitlab.com; generic: required
   */
  readonly url?: string;
  /**
   * The `aud` claims accepted (the provider's client ids and the trust's `<issuer>:aud` condition).
   * @default github: ["sts.amazonaws.com"]; gitlab: [the issuer URL] (what GitLab's AWS guide configures); generic: required
   */
  readonly audiences?: readonly string[];
}

/**
 * One `sub` claim the role accepts. Give `repository` and exactly one of `branch`, `tag`,
 * `environment` or `pullRequest`; or (any issuer, required for `generic`) the raw `subject`.
 * GitHub's subjects (https://docs.github.com/en/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims):
 * `repo:<owner>/<name>:ref:refs/heads/<branch>`, `...:ref:refs/tags/<tag>`,
 * `...:environment:<name>` (a job that names an environment gets this one, never the ref form),
 * `...:pull_request`. GitLab's: `project_path:<group>/<project>:ref_type:branch|tag:ref:<name>`.
 * A `*` or `?` anywhere makes the match `StringLike` and is refused unless acknowledged
 * (`web-identity-wildcard-subject`); `pullRequest` is refused unless acknowledged
 * (`web-identity-pull-request`): a pull request's workflow runs code that is not yet reviewed.
 */
export interface CiSubject {
  /** `owner/name` (GitHub) or `group[/subgroup]/project` (GitLab). @default none (then `subject` is required) */
  readonly repository?: string;
  /** A branch name (`main`). @default none */
  readonly branch?: string;
  /** A tag name (`v1.2.3`). @default none */
  readonly tag?: string;
  /** A GitHub deployment environment (`prod`). @default none */
  readonly environment?: string;
  /** GitHub workflows run for pull requests (`repo:<o>/<r>:pull_request`). @default false */
  readonly pullRequest?: boolean;
  /** The raw `sub` claim, as the issuer writes it. @default built from repository + branch / tag / environment / pullRequest */
  readonly subject?: string;
}

/**
 * The IAM OIDC identity provider the role trusts: created here (`{ create: true }`), or an
 * existing one of the role's account by ARN (IAM holds one provider per issuer URL and account:
 * a second `create` of the same URL fails at apply).
 */
export type CiOidcProvider =
  | {
      readonly create: true;
      /**
       * Server certificate thumbprints (40 hex digits). Not needed for GitHub, GitLab and other
       * issuers whose JWKS endpoint has a certificate of a CA AWS trusts: IAM then verifies with its
       * own library of root CAs and ignores thumbprints
       * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html,
       * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
       * @default none (the provider's thumbprint_list is left out)
       */
      readonly thumbprints?: readonly string[];
    }
  | { readonly arn: string };

export interface CiRoleProps {
  /** AWS provider of the account the role lives in (the consuming account of the shares it is granted). */
  readonly provider: AwsProvider;
  /** Id of that account (the OIDC provider must be in it too). */
  readonly accountId: string;
  /** IAM role name (what the workflow names in `role-to-assume`). */
  readonly roleName: string;
  /** @default `{ kind: "github" }` */
  readonly issuer?: CiIssuer;
  /** @default `{ create: true }` */
  readonly oidcProvider?: CiOidcProvider;
  /** The `sub` claims that may assume the role: at least one. */
  readonly subjects: readonly CiSubject[];
  /**
   * The role's maximum session duration in seconds, 3600-43200 (the job's
   * `role-duration-seconds` may not exceed it).
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
  /**
   * Identity halves of bucket grants (`share.s3Grant(level, prefix)`); more with `addS3Grant()` or
   * `share.grant(ciRole, { level, prefix })` (both sides at once). Synth fails if the role ends up with none.
   * @default []
   */
  readonly grants?: readonly S3Grant[];
  /** Deliberate findings: `web-identity-wildcard-subject`, `web-identity-pull-request` (with a reason). @default [] */
  readonly acknowledge?: readonly Acknowledgement[];
  /** @default "CI role for <issuer> (<subjects>)" */
  readonly description?: string;
  /** @default `{}` */
  readonly tags?: Record<string, string>;
  /** @default "aws" */
  readonly partition?: string;
}

const WILDCARD = /[*?]/;

/**
 * An IAM role for a CI system's jobs without stored keys: trusted by an OIDC
 * identity provider (new or existing) for `sts:AssumeRoleWithWebIdentity`
 * with the token's audience and subject pinned (repository + branch, tag or
 * environment), holding the identity side of its share grants. It is an
 * {@link IShareConsumer}: `share.grant(ciRole, { level: "write", prefix: "artifacts/" })`
 * names the role in the share's resource side (bucket / access point / key
 * policy) and adds the matching S3 + KMS statements to the role, in one call.
 */
export class CiRole extends Construct implements IShareConsumer {
  /** The role (`aws_iam_role`) the CI job assumes. */
  public readonly role: IamRole;
  /** Its inline policy: the identity sides of its grants. */
  public readonly rolePolicy: IamRolePolicy;
  /** The OIDC provider, when created here. */
  public readonly oidcProvider?: IamOpenidConnectProvider;
  /** ARN of the trusted IAM OIDC provider. */
  public readonly oidcProviderArn: string;
  /** The issuer as the condition keys name it (`token.actions.githubusercontent.com`). */
  public readonly issuerHost: string;
  /** The role's name (the workflow's `role-to-assume` is {@link CiRole.roleArn}). */
  public readonly roleName: string;
  /** Literal role ARN (`arn:aws:iam::<account>:role/<name>`). */
  public readonly roleArn: string;
  /** The account the role (and its OIDC provider) is in. */
  public readonly accountId: string;
  /** The role's `max_session_duration`. */
  public readonly maxSessionDurationSeconds: number;
  /** The accepted `sub` claims (exact) and patterns (`StringLike`). */
  public readonly subjects: readonly string[];
  public readonly subjectPatterns: readonly string[];
  /** The accepted `aud` claims (the provider's client ids). */
  public readonly audiences: readonly string[];
  private readonly grants: S3Grant[] = [];

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `CiRole(${id}).${name}`;
    const partition = props.partition ?? "aws";
    this.accountId = v.accountId(f("accountId"), props.accountId);
    v.providerAccount(f("provider"), props.provider, f("accountId"), this.accountId);
    this.roleName = v.iamName(f("roleName"), props.roleName);
    this.roleArn = `arn:${partition}:iam::${this.accountId}:role/${this.roleName}`;
    this.maxSessionDurationSeconds = v.sessionDuration(f("maxSessionDurationSeconds"), props.maxSessionDurationSeconds ?? 3600);
    const acks = validateAcknowledgements(f("acknowledge"), props.acknowledge);

    const issuer = props.issuer ?? { kind: "github" };
    const kind = v.oneOf(f("issuer.kind"), issuer.kind, ["github", "gitlab", "generic"] as const);
    const url = issuerUrl(f("issuer.url"), kind, issuer.url);
    this.issuerHost = url.slice("https://".length);
    this.audiences = audiencesOf(f("issuer.audiences"), kind, url, issuer.audiences);

    const given = props.subjects as unknown;
    if (!Array.isArray(given) || given.length === 0) {
      throw new ConfigError(
        f("subjects"),
        kind === "generic"
          ? 'must name at least one subject ({ subject: "<sub claim>" }): without a pinned sub, every token of the issuer could assume the role'
          : 'must name at least one subject, e.g. { repository: "octo-org/octo-repo", branch: "main" }: without a pinned sub, every repository of the issuer could assume the role',
      );
    }
    const subs = props.subjects.map((s, i) => subjectOf(f(`subjects[${i}]`), kind, s, acks));
    this.subjects = [...new Set(subs.filter((s) => !WILDCARD.test(s)))];
    this.subjectPatterns = [...new Set(subs.filter((s) => WILDCARD.test(s)))];

    const oidc = props.oidcProvider ?? { create: true };
    if ("arn" in oidc) {
      this.oidcProviderArn = existingProviderArn(f("oidcProvider.arn"), oidc.arn, this.accountId, this.issuerHost);
    } else if (oidc.create === true) {
      this.oidcProviderArn = `arn:${partition}:iam::${this.accountId}:oidc-provider/${this.issuerHost}`;
      const thumbprints = (oidc.thumbprints ?? []).map((t, i) => thumbprint(f(`oidcProvider.thumbprints[${i}]`), t));
      this.oidcProvider = new IamOpenidConnectProvider(this, "oidc-provider", {
        provider: props.provider,
        url,
        clientIdList: [...this.audiences],
        ...(thumbprints.length ? { thumbprintList: thumbprints } : {}),
      });
    } else {
      throw new ConfigError(
        f("oidcProvider"),
        'must be { create: true } (a new IAM OIDC provider) or { arn: "arn:aws:iam::<account>:oidc-provider/<issuer>" } (an existing one)',
      );
    }

    const tags = props.tags && Object.keys(props.tags).length ? { ...props.tags } : undefined;
    this.role = new IamRole(this, "role", {
      provider: props.provider,
      name: this.roleName,
      description: props.description ?? `CI role for ${this.issuerHost} (${[...this.subjects, ...this.subjectPatterns].join(", ")})`.slice(0, 1000),
      assumeRolePolicy: renderPolicy(
        webIdentityTrustPolicy({
          providerArn: this.oidcProviderArn,
          issuer: this.issuerHost,
          audiences: this.audiences,
          subjects: this.subjects,
          subjectPatterns: this.subjectPatterns,
        }),
      ),
      maxSessionDuration: this.maxSessionDurationSeconds,
      tags,
      // IAM rejects a trust policy whose Federated principal does not exist yet.
      dependsOn: this.oidcProvider ? [this.oidcProvider] : undefined,
    });
    acknowledge(this.role, acks);

    (props.grants ?? []).forEach((g, i) => this.addS3Grant(g, `grants[${i}]`));
    this.rolePolicy = new IamRolePolicy(this, "access", {
      provider: props.provider,
      name: "s3-access",
      role: this.role.name,
      // Rendered at synth time, so grants bound later (share.grant(ciRole, ...)) are included.
      policy: Lazy.stringValue({
        produce: () => {
          if (this.grants.length === 0) {
            throw new ConfigError(
              f("grants"),
              "the role would get an empty policy: call share.grant(ciRole, { level, prefix }), pass grants (share.s3Grant(...)) or call addS3Grant()",
            );
          }
          return renderPolicy(identityPolicy(this.grants.flatMap((g, i) => identityStatements(g, `Grant${i + 1}`, this.roleArn))));
        },
      }),
    });
  }

  /** IGrantee: the role, for bucket, key and access point policies. */
  public get principalArn(): string {
    return this.roleArn;
  }

  /** IGrantee: the role's unique id, so policies naming it are re-applied when it is replaced. */
  public get uniqueId(): string {
    return this.role.uniqueId;
  }

  /** IGrantee: the resource policies naming the role wait for it. */
  public get dependable(): IamRole {
    return this.role;
  }

  /** IShareConsumer: take the identity side of a share grant (called by `share.grant(ciRole, ...)`). */
  public bindGrant(grant: ShareGrant): void {
    this.addS3Grant(grant.s3Grant);
  }

  /** Add the identity half of a grant (`share.s3Grant(level, prefix)`). */
  public addS3Grant(grant: S3Grant, field = `grants[${this.grants.length}]`): void {
    v.keyPrefix(`CiRole(${this.node.id}).${field}.prefix`, grant.prefix);
    this.grants.push(grant);
  }

  /** Both halves at once; same as `share.grant(ciRole, { level, prefix }).s3Grant`. */
  public useBucket(share: IBucketShare, level: AccessLevel, prefix = ""): S3Grant {
    return share.grant(this, { level, prefix }).s3Grant;
  }
}

function issuerUrl(field: string, kind: CiIssuer["kind"], url: string | undefined): string {
  if (kind === "github") {
    if (url !== undefined && url !== GITHUB_ACTIONS_ISSUER) {
      throw new ConfigError(
        field,
        `GitHub Actions' issuer is ${GITHUB_ACTIONS_ISSUER} (got ${JSON.stringify(url)}); leave url out, or use kind "generic" for GitHub Enterprise Server (https://<host>/_services/token)`,
      );
    }
    return GITHUB_ACTIONS_ISSUER;
  }
  const value = url ?? (kind === "gitlab" ? GITLAB_COM_ISSUER : undefined);
  // IAM: the URL must begin with https:// and is case-sensitive; no query, fragment or trailing slash.
  if (typeof value !== "string" || !/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}(:\d+)?(\/[\w.~-]+)*$/.test(value)) {
    throw new ConfigError(
      field,
      `must be the issuer URL, https://<host>[/<path>] without a trailing slash (the token's iss claim), e.g. "https://gitlab.example.com" (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

function audiencesOf(field: string, kind: CiIssuer["kind"], url: string, given: readonly string[] | undefined): string[] {
  const list = given ?? (kind === "github" ? [GITHUB_ACTIONS_AUDIENCE] : kind === "gitlab" ? [url] : undefined);
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(
      field,
      `must name at least one audience (the aud claim the CI job requests): the trust pins <issuer>:aud to it (got ${JSON.stringify(list)})`,
    );
  }
  return list.map((a, i) => {
    if (typeof a !== "string" || a.length === 0 || a.length > 255 || WILDCARD.test(a)) {
      throw new ConfigError(`${field}[${i}]`, `must be an audience of 1-255 characters without * or ? (got ${JSON.stringify(a)})`);
    }
    return a;
  });
}

/** Repository / project paths: letters, digits, `_ . - /` (GitHub owner and repository names, GitLab group paths). */
const REPOSITORY = /^[\w.*?/-]+$/;
/** Branch and tag names as git allows them, minus `:` (the claim's separator): no space, `~ ^ [ \`. */
const REF_NAME = /^[^\s:~^[\\]+$/;
/** GitHub environment names (up to 255 characters); `:` would break the claim. */
const ENVIRONMENT = /^[^:]+$/;

function part(field: string, value: unknown, what: string, pattern: RegExp, chars: string): string {
  if (typeof value !== "string" || !pattern.test(value) || value.length > 255) {
    throw new ConfigError(field, `must be ${what}: ${chars}, at most 255 (with * or ? only when acknowledged) (got ${JSON.stringify(value)})`);
  }
  return value;
}

function subjectOf(field: string, kind: CiIssuer["kind"], s: CiSubject, acks: readonly Acknowledgement[]): string {
  if (typeof s !== "object" || s === null)
    throw new ConfigError(field, `must be { repository, branch | tag | environment | pullRequest } or { subject } (got ${JSON.stringify(s)})`);
  const refs = (["branch", "tag", "environment", "pullRequest"] as const).filter((k) => s[k] !== undefined && s[k] !== false);
  let sub: string;
  if (s.subject !== undefined) {
    if (s.repository !== undefined || refs.length)
      throw new ConfigError(field, "give either subject (the raw sub claim) or repository with branch / tag / environment / pullRequest, not both");
    if (typeof s.subject !== "string" || s.subject.length === 0 || s.subject.length > 1000) {
      throw new ConfigError(`${field}.subject`, `must be the token's sub claim, 1-1000 characters (got ${JSON.stringify(s.subject)})`);
    }
    sub = s.subject;
  } else {
    if (kind === "generic")
      throw new ConfigError(`${field}.subject`, 'is required for a generic issuer (its sub format is unknown here): give { subject: "<sub claim>" }');
    const repo = part(
      `${field}.repository`,
      s.repository,
      kind === "github" ? 'a repository "owner/name"' : 'a project path "group/project"',
      REPOSITORY,
      "letters, digits and _ . - /",
    );
    if (!repo.includes("/") || repo.startsWith("/") || repo.endsWith("/") || (kind === "github" && repo.split("/").length !== 2)) {
      throw new ConfigError(
        `${field}.repository`,
        `must be ${kind === "github" ? '"owner/name"' : '"group[/subgroup]/project"'} (got ${JSON.stringify(repo)})`,
      );
    }
    if (refs.length !== 1) {
      throw new ConfigError(
        field,
        `must name exactly one of branch, tag, environment${kind === "github" ? ", pullRequest" : ""} with the repository (got ${refs.length ? refs.join(" + ") : "none"}): the sub claim holds one of them`,
      );
    }
    const ref = refs[0];
    if (kind === "gitlab" && (ref === "environment" || ref === "pullRequest")) {
      throw new ConfigError(
        `${field}.${ref}`,
        "GitLab's sub claim has no environment or merge request form (project_path:<group>/<project>:ref_type:branch|tag:ref:<name>); pin a branch or tag",
      );
    }
    if (ref === "pullRequest") {
      if (s.pullRequest !== true) throw new ConfigError(`${field}.pullRequest`, `must be true or left out (got ${JSON.stringify(s.pullRequest)})`);
      if (!acks.some((a) => a.rule === "web-identity-pull-request")) {
        throw new ConfigError(
          `${field}.pullRequest`,
          `"repo:${repo}:pull_request" lets the workflow of any pull request (code nobody has reviewed yet, from a fork if the repository takes them) assume the role; pin a branch, tag or environment, or add { rule: "web-identity-pull-request", reason: "..." } to acknowledge`,
        );
      }
      sub = `repo:${repo}:pull_request`;
    } else {
      const name =
        ref === "environment"
          ? part(`${field}.environment`, s.environment, "an environment name", ENVIRONMENT, "any characters but :")
          : part(`${field}.${ref}`, s[ref], `a ${ref} name`, REF_NAME, "no space, : ~ ^ [ or \\");
      if (kind === "github")
        sub = ref === "environment" ? `repo:${repo}:environment:${name}` : `repo:${repo}:ref:refs/${ref === "branch" ? "heads" : "tags"}/${name}`;
      else sub = `project_path:${repo}:ref_type:${ref}:ref:${name}`;
    }
  }
  if (WILDCARD.test(sub) && !acks.some((a) => a.rule === "web-identity-wildcard-subject")) {
    throw new ConfigError(
      field,
      `${JSON.stringify(sub)} has a wildcard: the trust would match it with StringLike, and every branch, tag, environment or pull request it covers (and any repository or project whose name fits) could assume the role; name them exactly, or add { rule: "web-identity-wildcard-subject", reason: "..." } to acknowledge`,
    );
  }
  return sub;
}

function existingProviderArn(field: string, value: unknown, accountId: string, issuerHost: string): string {
  const m = typeof value === "string" ? /^arn:aws[\w-]*:iam::(\d{12}):oidc-provider\/(.+)$/.exec(value) : null;
  if (!m) {
    throw new ConfigError(field, `must be an IAM OIDC provider ARN, "arn:aws:iam::${accountId}:oidc-provider/${issuerHost}" (got ${JSON.stringify(value)})`);
  }
  if (m[1] !== accountId) {
    throw new ConfigError(field, `"${String(value)}" is a provider of account ${m[1]}: a role can only trust an OIDC provider of its own account ${accountId}`);
  }
  if (m[2] !== issuerHost) {
    throw new ConfigError(
      field,
      `"${String(value)}" is the provider of ${m[2]}, not of the issuer ${issuerHost}: the trust's condition keys (${issuerHost}:aud / :sub) would never match its tokens`,
    );
  }
  return value as string;
}

function thumbprint(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^[0-9a-fA-F]{40}$/.test(value)) {
    throw new ConfigError(field, `must be a certificate thumbprint of 40 hex digits (got ${JSON.stringify(value)})`);
  }
  return value.toLowerCase();
}
