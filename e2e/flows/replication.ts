import { GetBucketReplicationCommand, GetBucketVersioningCommand, ListObjectVersionsCommand, type ReplicationRule } from "@aws-sdk/client-s3";
import { EMULATOR_DEPLOYER_ROLE } from "../../app/accounts";
import type { ProjectConfig } from "../../app/config";
import { check, type Ctx, type StackName, type StepOutcome } from "../lib/context";
import type { Suite } from "../lib/report";
import { stateResources, type StateJson, type Terraform } from "../lib/terraform";
import { writerCheck } from "./handlers";

/**
 * The handler step of the opt-in `replication` stack:
 * 1. the assume-role pattern still works (writerCheck: put/list/get through the writer);
 * 2. the replication configuration terraform applied is what S3 returns:
 *    GetBucketReplication on the source bucket (account B) gives the role and one
 *    rule per applied rule, with its filter prefix, destination bucket and account,
 *    owner override, replica key, SSE-KMS selection and delete-marker status;
 * 3. versioning is Enabled on both buckets (GetBucketVersioning, each in its account);
 * 4. what the emulator does with the object the writer put: moto 5.2.5 stores a
 *    replication configuration (PutBucketReplication refuses an unversioned bucket)
 *    and returns it, but never replicates an object and evaluates no IAM policy
 *    (e2e/README.md): the backup bucket is expected to hold no version of it. That
 *    is recorded, not failed; the permissions are proven by the access review
 *    (__tests__/access/replication.test.ts), not by the emulator.
 */

/** The applied rules as `rule_id -> what S3 must return`. */
export interface AppliedReplication {
  readonly bucket: string;
  readonly role: string;
  readonly rules: readonly {
    id: string;
    prefix: string;
    destinationBucket: string;
    account: string;
    owner?: string;
    replicaKey?: string;
    sseKms: boolean;
    deleteMarkers: string;
  }[];
}

type Attrs = Record<string, unknown>;
const first = (x: unknown): Attrs => ((Array.isArray(x) ? x[0] : x) ?? {}) as Attrs;

export function appliedReplication(state: StateJson): AppliedReplication {
  const r = stateResources(state).find((x) => x.mode === "managed" && x.type === "aws_s3_bucket_replication_configuration");
  check(r !== undefined, "no aws_s3_bucket_replication_configuration in the state");
  const v = (r as { values: Attrs }).values;
  const rules = (Array.isArray(v.rule) ? (v.rule as Attrs[]) : []).map((rule) => {
    const d = first(rule.destination);
    return {
      id: String(rule.id),
      prefix: typeof first(rule.filter).prefix === "string" ? (first(rule.filter).prefix as string) : "",
      destinationBucket: String(d.bucket),
      account: String(d.account),
      ...(first(d.access_control_translation).owner ? { owner: String(first(d.access_control_translation).owner) } : {}),
      ...(first(d.encryption_configuration).replica_kms_key_id ? { replicaKey: String(first(d.encryption_configuration).replica_kms_key_id) } : {}),
      sseKms: String(first(first(rule.source_selection_criteria).sse_kms_encrypted_objects).status) === "Enabled",
      deleteMarkers: String(first(rule.delete_marker_replication).status),
    };
  });
  return { bucket: String(v.bucket), role: String(v.role), rules };
}

/**
 * What moto 5.2.5's GetBucketReplication never returns as put (moto/s3/responses.py
 * get_bucket_replication: every rule comes back with Filter.Prefix "", DeleteMarkerReplication
 * Disabled and no SourceSelectionCriteria): a difference in one of these fields, with moto's
 * constant answer, is an emulator loss, recorded; any other value still fails.
 */
export const MOTO_REPLICATION_LOSSES: Readonly<Record<string, unknown>> = {
  "Filter.Prefix": "",
  "DeleteMarkerReplication.Status": "Disabled",
  "SourceSelectionCriteria.SseKmsEncryptedObjects": false,
};

/** A difference that is moto's constant answer for a field it does not keep. */
export const isMotoLoss = (mismatch: string): boolean =>
  Object.entries(MOTO_REPLICATION_LOSSES).some(([field, motoValue]) =>
    new RegExp(`^rule \\S+ ${field.replace(/\./g, "\\.")}: ${String(motoValue)} != `).test(mismatch),
  );

/** What differs between the applied configuration and GetBucketReplication's answer ([] when they agree). */
export function replicationMismatches(applied: AppliedReplication, got: { Role?: string; Rules?: ReplicationRule[] }): string[] {
  const out: string[] = [];
  if (got.Role !== applied.role) out.push(`Role ${String(got.Role)} != ${applied.role}`);
  if ((got.Rules ?? []).length !== applied.rules.length) out.push(`${(got.Rules ?? []).length} rule(s), applied ${applied.rules.length}`);
  for (const a of applied.rules) {
    const g = (got.Rules ?? []).find((x) => x.ID === a.id);
    if (!g) {
      out.push(`rule ${a.id} missing`);
      continue;
    }
    const field = (name: string, have: unknown, want: unknown): void =>
      void (have !== want && out.push(`rule ${a.id} ${name}: ${String(have)} != ${String(want)}`));
    field("Status", g.Status, "Enabled");
    field("Filter.Prefix", g.Filter?.Prefix ?? g.Prefix ?? "", a.prefix);
    field("Destination.Bucket", g.Destination?.Bucket, a.destinationBucket);
    field("Destination.Account", g.Destination?.Account, a.account);
    field("Destination.AccessControlTranslation.Owner", g.Destination?.AccessControlTranslation?.Owner, a.owner);
    field("Destination.EncryptionConfiguration.ReplicaKmsKeyID", g.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID, a.replicaKey);
    field("SourceSelectionCriteria.SseKmsEncryptedObjects", g.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status === "Enabled", a.sseKms);
    field("DeleteMarkerReplication.Status", g.DeleteMarkerReplication?.Status, a.deleteMarkers);
  }
  return out;
}

export async function replicationCheck(ctx: Ctx, tf: Terraform, stack: StackName, config: ProjectConfig, suite: Suite): Promise<StepOutcome> {
  const writer = await writerCheck(ctx, tf, stack, config, suite);
  const state = await tf.showJson<StateJson>();
  const applied = appliedReplication(state);
  const creds = (account: string, who: string): ReturnType<Ctx["emu"]["assumeRole"]> =>
    ctx.emu.assumeRole(`arn:aws:iam::${account}:role/${EMULATOR_DEPLOYER_ROLE}`, `e2e-replication-${who}`);
  const source = await creds(config.accounts.b.id, "source");
  const backup = await creds(config.accounts.backup.id, "backup");
  const got = await ctx.emu.s3(source).send(new GetBucketReplicationCommand({ Bucket: applied.bucket }));
  const all = replicationMismatches(applied, got.ReplicationConfiguration ?? {});
  const losses = all.filter(isMotoLoss);
  const mismatches = all.filter((m) => !isMotoLoss(m));
  check(mismatches.length === 0, `GetBucketReplication of ${applied.bucket} differs from the applied configuration: ${mismatches.join("; ")}`);
  for (const [bucket, c] of [
    [applied.bucket, source],
    [config.backupBucketName, backup],
  ] as const) {
    const vers = await ctx.emu.s3(c).send(new GetBucketVersioningCommand({ Bucket: bucket }));
    check(vers.Status === "Enabled", `versioning of ${bucket} is ${String(vers.Status)}, expected Enabled`);
  }
  // The writer's object under the replicated prefix: moto does not replicate (recorded, not failed).
  const listed = await ctx.emu.s3(backup).send(new ListObjectVersionsCommand({ Bucket: config.backupBucketName, Prefix: `${config.prefix}e2e/${ctx.runId}/` }));
  const replicas = (listed.Versions ?? []).length;
  const emulatorNote =
    replicas === 0
      ? "moto stores and returns the configuration but replicates no object (the writer's object is absent from the backup bucket, as expected on the emulator)"
      : `the backup bucket holds ${replicas} version(s) under the writer's prefix: this emulator replicates`;
  suite.metrics.replication_rules = String(applied.rules.length);
  return {
    ok: writer.ok,
    detail: `${writer.detail ?? ""}; GetBucketReplication of ${applied.bucket} matches the applied ${applied.rules.length} rule(s) (role ${applied.role}, into ${applied.rules.map((r) => `${r.destinationBucket} of ${r.account}`).join(", ")})${losses.length ? ` except what moto 5.2.5 never returns (${losses.join("; ")})` : ""}; versioning Enabled on both; ${emulatorNote}`,
    log: writer.log,
    caveat: true,
  };
}
