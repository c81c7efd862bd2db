import { loadConfig } from "../../app/config";
import { AssumeRoleStack } from "../../app/stacks/assume-role";
import { ReplicationStack } from "../../app/stacks/replication";
import { Testing } from "../../lib/framework";
import { buildStackModel, type TfJson } from "../../lib/model/stack-model";
import { diffPlan } from "../../tools/access";
import type { StackMatrix } from "../../tools/access/types";
import { allowed, matrixOfJson } from "./helpers";
import { planJson, resourcesOfStack } from "./plan-fixture";

/**
 * The opt-in replication stack: the assume-role pattern plus account B's bucket
 * replicated into the backup account. The replication role's cells are there,
 * and nobody else gains anything over the assume-role stack.
 */
const config = loadConfig({ env: { XACCT_STACKS: "replication" } });
const SOURCE = config.bucketName;
const BACKUP = config.backupBucketName;
const synth = (build: (app: ReturnType<typeof Testing.app>) => unknown): TfJson => {
  const app = Testing.app();
  return JSON.parse(Testing.synth(build(app) as never)) as TfJson;
};
const replicationTf = synth((app) => new ReplicationStack(app, "replication", config));
const assumeRoleTf = synth((app) => new AssumeRoleStack(app, "replication", config));
const ROLE = "role/xacct-replication";
const tls = (m: StackMatrix): string[] =>
  allowed(m)
    .filter((c) => !c.context.includes("no-tls"))
    .map((c) => c.key)
    .sort();

describe("access matrix of the replication stack", () => {
  let m: StackMatrix;
  let before: StackMatrix;
  beforeAll(async () => {
    m = await matrixOfJson("replication", replicationTf);
    before = await matrixOfJson("replication", assumeRoleTf);
  }, 120_000);

  it("the replication role: source read for replication, destination replicate, KMS via S3, and nothing else", () => {
    const cells = allowed(m).filter((c) => c.principal === ROLE && !c.context.includes("no-tls"));
    expect(cells.map((c) => `${c.action} ${c.resource} ${c.context}`.trim()).sort()).toEqual(
      [
        `kms:Decrypt key(${SOURCE}) via-s3`,
        `kms:Encrypt key(${BACKUP}) via-s3`,
        `kms:GenerateDataKey key(${BACKUP}) via-s3`,
        `s3:GetBucketVersioning ${BACKUP}`,
        `s3:GetObjectVersionAcl ${SOURCE}/incoming/x.json`,
        `s3:GetObjectVersionForReplication ${SOURCE}/incoming/x.json`,
        `s3:GetObjectVersionTagging ${SOURCE}/incoming/x.json`,
        `s3:GetReplicationConfiguration ${SOURCE}`,
        `s3:ListBucket ${SOURCE} no-prefix`,
        `s3:ListBucket ${SOURCE} prefix=incoming/`,
        // The documented minimum lists the whole source bucket (no s3:prefix condition).
        `s3:ListBucket ${SOURCE} prefix=other/`,
        `s3:ObjectOwnerOverrideToBucketOwner ${BACKUP}/incoming/x.json`,
        `s3:ReplicateDelete ${BACKUP}/incoming/x.json`,
        `s3:ReplicateObject ${BACKUP}/incoming/x.json`,
        `s3:ReplicateTags ${BACKUP}/incoming/x.json`,
      ].sort(),
    );
    // Into the backup account: cross-account, decided by the backup bucket's and key's policies too.
    const replicate = cells.find((c) => c.action === "s3:ReplicateObject");
    expect(replicate?.external).toBe(true);
    expect(replicate?.deciding.map((d) => d.source).sort()).toEqual(["bucket", "role-inline"]);
    const encrypt = cells.find((c) => c.action === "kms:Encrypt");
    expect(encrypt?.deciding.map((d) => d.source).sort()).toEqual(["key", "role-inline"]);
  });

  it("only S3, acting for the source bucket of account B, assumes the role (aws:SourceAccount/SourceArn)", () => {
    const assume = m.cells.filter((c) => c.action === "sts:AssumeRole" && c.resource === ROLE);
    expect(
      allowed(m)
        .filter((c) => c.action === "sts:AssumeRole" && c.resource === ROLE)
        .map((c) => `${c.principal} ${c.context}`),
    ).toEqual(["service/s3.amazonaws.com source=own"]);
    expect(assume.find((c) => c.principal === "service/s3.amazonaws.com" && c.context === "source=other")?.decision).toBe("Denied");
  });

  it("nobody else gains anything: every other Allowed cell is one of the assume-role stack's", () => {
    const gained = tls(m).filter((k) => !tls(before).includes(k));
    const others = allowed(m).filter((c) => gained.includes(c.key) && c.principal !== ROLE && !(c.via && c.via.role === ROLE));
    // Besides the role's own cells, only S3's AssumeRole of it (its trust) is new.
    expect(others.map((c) => c.key)).toEqual([`service/s3.amazonaws.com sts:AssumeRole ${ROLE} [source=own]`]);
    // S3 itself reaches the role's cells only through the role (the second hop).
    expect(
      allowed(m)
        .filter((c) => c.principal === "service/s3.amazonaws.com" && !c.via)
        .map((c) => c.action),
    ).toEqual(["sts:AssumeRole"]);
  });
});

describe("xacct-access plan: a new replication rule is NEW cross-account data flow", () => {
  it("adding the replication configuration adds the role's replicate cells into the backup account, as external", async () => {
    const model = buildStackModel(replicationTf);
    const { providers, resources } = resourcesOfStack(replicationTf, (v) => model.resolve(v));
    const beforeRes = resources.filter((r) => r.type !== "aws_s3_bucket_replication_configuration");
    const d = await diffPlan(planJson({ providers, before: beforeRes, after: resources }));
    const added = d.stacks[0].added.filter((c) => !c.context.includes("no-tls"));
    const external = added.filter((c) => c.external).map((c) => `${c.principal} ${c.action} ${c.resource}`);
    expect(external).toEqual(
      expect.arrayContaining([`${ROLE} s3:ReplicateObject ${BACKUP}/incoming/x.json`, `${ROLE} s3:ObjectOwnerOverrideToBucketOwner ${BACKUP}/incoming/x.json`]),
    );
    expect(added.every((c) => c.principal === ROLE || c.via?.role === ROLE)).toBe(true);
    expect(d.stacks[0].removed).toEqual([]);
  }, 120_000);
});
