import * as crypto from "crypto";
import * as path from "path";
import { ROOT_CREDS } from "../lib/aws";
import { check, configFor, firstError, fromRun, step, terraformEnv, type Ctx, type StackName } from "../lib/context";
import { sleep } from "../lib/proc";
import { Suite, type SuiteResult } from "../lib/report";
import { Terraform } from "../lib/terraform";
import { destroySteps, emulatorSettings, initStep, replanOutcome, synthStep } from "./stack";

/**
 * The smallest stack with the S3 backend (encrypt + use_lockfile from the
 * config) on the emulator: the state lands in the bucket, a concurrent run
 * is refused by the lock, and a refused run leaves the state byte-identical.
 */

const STACK: StackName = "bucket-policy";
const COMMON = ["-input=false", "-no-color"];
const LOCK_ERROR = /Error acquiring the state lock/;

/** The parts of a Terraform state file checked here. */
interface StateFile {
  readonly version: number;
  readonly serial: number;
  readonly lineage: string;
  readonly resources: { mode: string; type: string; name: string; module?: string }[];
}

interface Snapshot {
  readonly raw: Buffer;
  readonly sha: string;
  readonly state: StateFile;
  readonly addresses: string[];
}

export async function s3BackendFlow(ctx: Ctx): Promise<SuiteResult> {
  const suite = new Suite(`${STACK} [s3 backend]`);
  const stateBucket = `xacct-e2e-state-${ctx.runId}`.toLowerCase().slice(0, 63);
  const settings = emulatorSettings(ctx, { XACCT_BACKEND: "s3", XACCT_STATE_BUCKET: stateBucket });
  const config = configFor(settings);
  check(config.backend.type === "s3", "config did not select the s3 backend");
  const b = config.backend as Extract<typeof config.backend, { type: "s3" }>;
  const key = `${b.keyPrefix}${STACK}.tfstate`;
  const lockKey = `${key}.tflock`;
  const emu = ctx.emu;

  const snapshot = async (): Promise<Snapshot> => {
    const raw = await emu.getBytes(stateBucket, key, ROOT_CREDS);
    check(raw !== undefined, `no state object s3://${stateBucket}/${key}`);
    const buf = raw as Buffer;
    const state = JSON.parse(buf.toString("utf8")) as StateFile;
    const addresses = state.resources.map((r) => `${r.module ? `${r.module}.` : ""}${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`).sort();
    return { raw: buf, sha: crypto.createHash("sha256").update(buf).digest("hex"), state, addresses };
  };

  // The state bucket, created first (by moto's default identity, as an ops account would own it).
  const ready = await step(suite, "setup", async () => {
    await emu.createBucket(stateBucket);
    return { ok: true, detail: `state bucket s3://${stateBucket}` };
  });
  const stackDir = ready ? await synthStep(ctx, suite, STACK, `s3-backend-${STACK}`, settings) : undefined;
  if (!stackDir) return suite.result();
  const tf = new Terraform({
    dir: stackDir,
    env: terraformEnv(ctx),
    logDir: path.join(ctx.logDir, suite.name.replace(/[^\w-]+/g, "_")),
    bin: ctx.terraformBin,
  });
  if (!(await initStep(ctx, suite, tf))) return suite.result();

  // 1. A real apply holds the lock; a second apply started meanwhile must be refused.
  const holder = tf.start("apply-holder", ["apply", ...COMMON, "-auto-approve"]);
  let lockBody: Buffer | undefined;
  let contenderRefused = false;
  await step(suite, "lock-race", async () => {
    const deadline = Date.now() + 120_000;
    while (!lockBody && holder.child.exitCode === null && Date.now() < deadline) {
      lockBody = await emu.getBytes(stateBucket, lockKey);
      if (!lockBody) await sleep(100);
    }
    check(lockBody !== undefined, `never saw s3://${stateBucket}/${lockKey} while the first apply ran`);
    const lock = JSON.parse((lockBody as Buffer).toString("utf8")) as { ID?: string; Operation?: string };
    const contender = await tf.run("apply-contender", ["apply", ...COMMON, "-auto-approve", "-lock-timeout=0s"]);
    const text = `${contender.stdout}\n${contender.stderr}`;
    check(contender.code !== 0, `the second apply was not refused (exit ${contender.code})`);
    check(LOCK_ERROR.test(text), `the second apply failed, but not on the lock: ${firstError(contender)}`);
    check(!!lock.ID && text.includes(lock.ID), "the refusal does not name the holder's lock ID");
    const still = await emu.getBytes(stateBucket, lockKey);
    check(still !== undefined && still.equals(lockBody as Buffer), "the holder's lock object changed or vanished while the contender ran");
    contenderRefused = true;
    return { ok: true, detail: `second apply refused while ${lock.Operation ?? "?"} held lock ${lock.ID}`, log: contender.logFile };
  });
  const applied = await step(suite, "apply", async () => fromRun(await holder.done, "first apply (lock holder) completed"));
  if (!applied || !contenderRefused) {
    await destroySteps(suite, tf);
    return suite.result();
  }

  // 2. The state is in the bucket, encrypted, consistent with terraform's view; the lock is released.
  let before: Snapshot | undefined;
  await step(suite, "state-s3", async () => {
    const snap = await snapshot();
    check(
      snap.state.version === 4 && snap.state.serial > 0 && snap.state.resources.length > 0,
      `unexpected state: version ${snap.state.version}, serial ${snap.state.serial}, ${snap.state.resources.length} resources`,
    );
    const { addresses } = await tf.stateList();
    check(
      JSON.stringify(addresses.slice().sort()) === JSON.stringify(snap.addresses),
      `state list (${addresses.length}) != resources in the state object (${snap.addresses.length})`,
    );
    const head = await emu.head(stateBucket, key);
    check(!!head.ServerSideEncryption, "state object is not server-side encrypted (backend encrypt = true)");
    check((await emu.getBytes(stateBucket, lockKey)) === undefined, "lock object left behind after the apply finished");
    before = snap;
    return {
      ok: true,
      detail: `s3://${stateBucket}/${key}: serial ${snap.state.serial}, ${snap.addresses.length} resources, SSE ${head.ServerSideEncryption}; lock released`,
    };
  });

  // 3. A lock held elsewhere (written the way terraform writes it): apply is refused, the state stays byte-identical.
  await step(suite, "lock-held", async () => {
    check(before !== undefined, "no state snapshot to compare with");
    const id = crypto.randomUUID();
    const info = {
      ID: id,
      Operation: "OperationTypeApply",
      Info: "",
      Who: "e2e@harness",
      Version: "1.11.4",
      Created: new Date().toISOString(),
      Path: `${stateBucket}/${key}`,
    };
    await emu.put(stateBucket, lockKey, JSON.stringify(info), ROOT_CREDS, "application/json");
    try {
      const r = await tf.run("apply-locked", ["apply", ...COMMON, "-auto-approve", "-lock-timeout=0s"]);
      check(
        r.code !== 0 && LOCK_ERROR.test(`${r.stdout}\n${r.stderr}`) && `${r.stdout}${r.stderr}`.includes(id),
        `apply was not refused by lock ${id}: exit ${r.code}, ${firstError(r)}`,
      );
      const after = await snapshot();
      const b0 = before as Snapshot;
      check(after.sha === b0.sha, `state object changed (serial ${b0.state.serial} -> ${after.state.serial})`);
    } finally {
      await emu.remove(stateBucket, lockKey);
    }
    const b0 = before as Snapshot;
    return {
      ok: true,
      detail: `refused; state byte-identical (sha256 ${b0.sha.slice(0, 12)}, serial ${b0.state.serial}, lineage ${b0.state.lineage.slice(0, 8)})`,
    };
  });

  // 4. With the lock gone the state is usable again: no changes.
  await step(suite, "replan", () => replanOutcome(tf));
  await destroySteps(suite, tf);
  await step(suite, "state-s3-empty", async () => {
    const snap = await snapshot();
    return snap.state.resources.length === 0
      ? { ok: true, detail: `state object kept, serial ${snap.state.serial}, 0 resources` }
      : { ok: false, detail: `state object still lists ${snap.addresses.join(", ")}` };
  });
  return suite.result();
}
