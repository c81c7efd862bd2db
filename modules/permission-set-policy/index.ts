import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../lib/errors";
import { Construct, Lazy, onSynthesize, TerraformLocal, TerraformOutput, TerraformStack } from "../../lib/framework";
import type { PrincipalPatternInfo } from "../../lib/grantee";
import { EXISTING_BUCKET_MARKER, PatternPrincipalMarker } from "../../lib/model/stack-model";
import { assumeRoleStatement, identityPolicy, identityStatements, PolicyDocument, renderPolicy, S3Grant, Statement } from "../../lib/policy";
import * as v from "../../lib/validate";
import type { PrincipalPattern } from "../../lib/principals";
import { ensurePolicyChecks } from "../../lib/checks";
import type { IShareConsumer, ShareGrant } from "../bucket-share/grants";

/** The directory, inside the stack's output directory, holding the emitted hand-off documents (as for existing buckets). */
const EMIT_DIR = "xacct";

export interface PermissionSetPolicyProps {
  /** The permission set: `Principals.permissionSet("111111111111", "DataReaders", { region })`. */
  readonly permissionSet: PrincipalPattern;
  /**
   * Identity halves of grants made elsewhere (`share.s3Grant(level, prefix)`,
   * or a `ShareGrant.s3Grant` of another app). `share.grant(thisConstruct, ...)`
   * adds its own. More with `addS3Grant()`.
   * @default []
   */
  readonly grants?: readonly S3Grant[];
}

/**
 * The identity side of grants to an IAM Identity Center permission set, for
 * the Identity Center administrator: the permission set's INLINE POLICY (S3 +
 * KMS statements of each grant), emitted as a JSON file
 * `xacct/<id>.permission-set-policy.json` next to the stack JSON and as the
 * Terraform output `permission-set-inline-policy`. Nothing is created in AWS:
 * permission sets live in the Organization's management (or delegated
 * administrator) account, and Identity Center provisions the set's roles into
 * each assigned account itself
 * (https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html).
 * A grant on a bucket created in the same apply names its key by Terraform
 * reference in the file (`${aws_kms_key....arn}`): take the output after
 * apply then. The admin pastes the document as the permission set's inline policy
 * (console, `aws sso-admin put-inline-policy-to-permission-set`, or
 * `aws_ssoadmin_permission_set_inline_policy` in their own Terraform).
 *
 * It is an {@link IShareConsumer}: `share.grant(psPolicy, { level, prefix })`
 * writes the resource side (the account principal narrowed by
 * `aws:PrincipalArn` on the set's roles) and adds the identity side here.
 * The access review reads the emitted policy as the set's roles' identity policy.
 */
export class PermissionSetPolicy extends Construct implements IShareConsumer {
  /** The set's `ArnLike` role pattern (what the resource side narrows `aws:PrincipalArn` to). */
  public readonly principalArn: string;
  public readonly principalPattern: PrincipalPatternInfo;
  public readonly permissionSetName: string;
  /** The inline policy as JSON (a Terraform output). */
  public readonly output: TerraformOutput;
  /** The emitted file, relative to the stack's output directory. */
  public readonly emittedFile: string;
  private readonly grants: S3Grant[] = [];
  private readonly assumeRoles: string[] = [];

  constructor(scope: Construct, id: string, props: PermissionSetPolicyProps) {
    super(scope, id);
    ensurePolicyChecks(this);
    const f = (name: string): string => `PermissionSetPolicy(${id}).${name}`;
    const ps = props.permissionSet;
    if (ps === undefined || ps === null || ps.kind !== "permission-set" || ps.permissionSetName === undefined) {
      throw new ConfigError(f("permissionSet"), 'must be an Identity Center permission set: Principals.permissionSet("111111111111", "DataReaders")');
    }
    this.principalArn = ps.principalArn;
    this.principalPattern = ps.principalPattern;
    this.permissionSetName = ps.permissionSetName;
    (props.grants ?? []).forEach((g) => this.addS3Grant(g));

    const document = (): string => renderPolicy(this.document());
    this.emittedFile = `${EMIT_DIR}/${id}.permission-set-policy.json`;
    this.output = new TerraformOutput(this, "permission-set-inline-policy", {
      description: `Inline policy of the Identity Center permission set ${ps.permissionSetName} (for the Identity Center admin)`,
      value: Lazy.stringValue({ produce: document }),
    });
    // What the checks and the access model read back: the set's roles and their identity policy.
    new TerraformLocal(this, "xacct-pattern-principal", {
      [EXISTING_BUCKET_MARKER]: "pattern-principal",
      label: ps.principalPattern.label,
      account: ps.accountId,
      arn_like: ps.principalArn,
      policy: Lazy.stringValue({ produce: document }),
    } satisfies Record<keyof PatternPrincipalMarker, unknown>);

    const stack = TerraformStack.of(this);
    onSynthesize(this, (session) => {
      // Nothing is written when the checks failed the synth.
      if (stack.node.findAll().some((c) => c.node.metadata.some((m) => m.type === "@cdktf/error"))) return;
      const dir = path.dirname(path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath));
      // The output's value as synthesized (tokens resolved to Terraform references, as in existing.ts).
      const outputs = (stack.toTerraform() as { output?: Record<string, { value: string }> }).output ?? {};
      const json = outputs[stack.getLogicalId(this.output)]?.value;
      if (json === undefined) return;
      fs.mkdirSync(path.join(dir, EMIT_DIR), { recursive: true });
      fs.writeFileSync(path.join(dir, this.emittedFile), `${JSON.stringify(JSON.parse(json) as PolicyDocument, null, 2)}\n`);
    });
  }

  /** IShareConsumer: `share.grant(this, ...)` hands over the identity side. */
  public bindGrant(grant: ShareGrant): void {
    this.addS3Grant(grant.s3Grant);
  }

  /** Add the identity half of one more grant. */
  public addS3Grant(grant: S3Grant): void {
    this.grants.push(grant);
  }

  /**
   * Let the permission set's roles assume one role (of another account, e.g.
   * an `AssumableRole` trusting this permission set): `sts:AssumeRole` on
   * exactly that role ARN.
   */
  public addAssumeRole(roleArn: string): void {
    this.assumeRoles.push(v.principalArn(`PermissionSetPolicy(${this.node.id}).addAssumeRole(${this.assumeRoles.length + 1})`, roleArn).arn);
  }

  /** The permission set's inline policy. Synth fails if it has no grant and no role to assume. */
  public document(): PolicyDocument {
    if (this.grants.length === 0 && this.assumeRoles.length === 0) {
      throw new ConfigError(
        `PermissionSetPolicy(${this.node.id}).grants`,
        "has no grant: call share.grant(this, { level, prefix }), addS3Grant(share.s3Grant(level, prefix)) or addAssumeRole(roleArn)",
      );
    }
    const assume: Statement[] = this.assumeRoles.map((arn, i) => assumeRoleStatement(arn, `AssumeRole${i + 1}`));
    return identityPolicy([...this.grants.flatMap((g, i) => identityStatements(g, `Grant${i + 1}`, this.principalArn)), ...assume]);
  }
}
