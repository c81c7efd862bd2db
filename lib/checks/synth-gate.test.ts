import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ArchiveProvider } from "../framework/archive";
import { AwsProvider, IamRolePolicy } from "../framework/aws";
import { App, Aspects, Construct, TerraformStack } from "../framework";
import { BucketShare } from "../../modules/bucket-share";
import { ACCOUNT_A, ACCOUNT_B } from "../testing";
import { PolicyChecks, registerPolicyChecks, SKIP_POLICY_CHECKS_CONTEXT } from ".";

/**
 * The checks run with no extra call once a module of the library is in a
 * stack, stop synth before ANY stack JSON is written, and survive a second
 * copy of cdktf/constructs (what a `file:` install of the library gives).
 */

type Cdktf = typeof import("cdktf");

/** A second, separate copy of cdktf + constructs, as a `file:` install leaves in the user's node_modules. */
function secondCdktfCopy(): Cdktf {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-cdktf-copy-"));
  for (const pkg of ["cdktf", "constructs"]) {
    const src = path.dirname(require.resolve(`${pkg}/package.json`));
    const dest = path.join(dir, "node_modules", pkg);
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(src)) {
      // The package's own code is copied (a new module identity); its dependencies may be shared.
      if (entry === "node_modules") fs.symlinkSync(path.join(src, entry), path.join(dest, entry));
      else fs.cpSync(path.join(src, entry), path.join(dest, entry), { recursive: true });
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(dir, "node_modules", "cdktf")) as Cdktf;
}

const outdir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "xacct-gate-"));
const stackFiles = (dir: string): string[] =>
  fs.existsSync(path.join(dir, "stacks"))
    ? fs.readdirSync(path.join(dir, "stacks")).filter((s) => fs.existsSync(path.join(dir, "stacks", s, "cdk.tf.json")))
    : [];

/** A clean stack with a library module. */
function cleanStack(stack: Construct): void {
  const b = new AwsProvider(stack, "b", { region: "us-east-1", allowedAccountIds: [ACCOUNT_B] });
  new ArchiveProvider(stack, "archive");
  new BucketShare(stack, "share", {
    provider: b,
    accountId: ACCOUNT_B,
    bucketName: "clean-bucket",
    grants: [{ principal: `arn:aws:iam::${ACCOUNT_A}:role/reader`, level: "read", prefix: "reports/" }],
  });
}

/** A library module, plus the user's own broken policy: ListBucket on an object ARN. */
function brokenStack(stack: Construct): void {
  cleanStack(stack);
  const a = new AwsProvider(stack, "a", { alias: "a", region: "us-east-1", allowedAccountIds: [ACCOUNT_A] });
  new IamRolePolicy(stack, "users-own", {
    provider: a,
    role: "existing-task-role",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "ListIt", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/*" }],
    }),
  });
}

/** Two stacks, the clean one first (written first by cdktf), the broken one second. */
function twoStacks(cdktf: Pick<Cdktf, "App" | "TerraformStack">, context: Record<string, unknown> = {}): { app: App; dir: string } {
  const dir = outdir();
  const app = new cdktf.App({ outdir: dir, context });
  cleanStack(new cdktf.TerraformStack(app, "first"));
  brokenStack(new cdktf.TerraformStack(app, "second"));
  return { app, dir };
}

describe("synth-time checks as stack validations", () => {
  const continueEnv = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  beforeAll(() => {
    // What the cdktf CLI sets: error annotations would not stop synth; validations still do.
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  });
  afterAll(() => {
    if (continueEnv === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = continueEnv;
  });

  it("a broken user policy next to a module stops synth with the check id, and no stack JSON is written for any stack", () => {
    const { app, dir } = twoStacks({ App, TerraformStack });
    expect(() => app.synth()).toThrow(/\[list-bucket-on-object-arn\] statement ListIt of arn:aws:iam::111111111111:role\/existing-task-role/);
    expect(stackFiles(dir)).toEqual([]);
  });

  it("works the same through a second copy of cdktf (a `file:` install), where Aspects of our copy are lost", () => {
    const copy = secondCdktfCopy();
    expect(copy.App).not.toBe(App);
    // The old mechanism, shown lost: an aspect added through our copy never runs in the other copy's synth.
    const lost = twoStacks(copy);
    const visited: string[] = [];
    for (const s of lost.app.node.children) Aspects.of(s).add({ visit: (n) => void visited.push(n.node.path) });
    expect(() => lost.app.synth()).toThrow(/\[list-bucket-on-object-arn\]/);
    expect(visited).toEqual([]);
    expect(stackFiles(lost.dir)).toEqual([]);
  });

  it("a clean app synthesizes every stack", () => {
    const copy = secondCdktfCopy();
    const dir = outdir();
    const app = new copy.App({ outdir: dir });
    cleanStack(new copy.TerraformStack(app, "one"));
    cleanStack(new copy.TerraformStack(app, "two"));
    app.synth();
    expect(stackFiles(dir).sort()).toEqual(["one", "two"]);
  });

  it("a stack without any module, created before the first module, is not written either", () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const plain = new TerraformStack(app, "plain");
    new AwsProvider(plain, "aws", { region: "us-east-1" });
    brokenStack(new TerraformStack(app, "broken"));
    expect(() => app.synth()).toThrow(/list-bucket-on-object-arn/);
    expect(stackFiles(dir)).toEqual([]);
  });

  it(`the documented opt-out (context ${SKIP_POLICY_CHECKS_CONTEXT}) writes the stacks`, () => {
    const { app, dir } = twoStacks({ App, TerraformStack }, { [SKIP_POLICY_CHECKS_CONTEXT]: true });
    app.synth();
    expect(stackFiles(dir).sort()).toEqual(["first", "second"]);
  });

  it("registerPolicyChecks and the PolicyChecks aspect are idempotent: one finding, reported once", () => {
    const { app } = twoStacks({ App, TerraformStack });
    registerPolicyChecks(app);
    registerPolicyChecks(app);
    for (const s of app.node.children) Aspects.of(s).add(new PolicyChecks());
    let message = "";
    try {
      app.synth();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.match(/\[list-bucket-on-object-arn\]/g)).toHaveLength(1);
  });

  it("registerPolicyChecks also checks a stack that holds no module of the library", () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const s = new TerraformStack(app, "users-own");
    const a = new AwsProvider(s, "a", { region: "us-east-1" });
    new IamRolePolicy(s, "p", {
      provider: a,
      role: "r",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/*" }] }),
    });
    app.synth(); // no module, no registration: not checked
    expect(stackFiles(dir)).toEqual(["users-own"]);
    const dir2 = outdir();
    const app2 = new App({ outdir: dir2 });
    const s2 = new TerraformStack(app2, "users-own");
    const a2 = new AwsProvider(s2, "a", { region: "us-east-1" });
    new IamRolePolicy(s2, "p", {
      provider: a2,
      role: "r",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/*" }] }),
    });
    registerPolicyChecks(app2);
    expect(() => app2.synth()).toThrow(/list-bucket-on-object-arn/);
  });

  it("warnings become annotations on the resource, not errors", () => {
    const dir = outdir();
    const app = new App({ outdir: dir });
    const s = new TerraformStack(app, "warn");
    const b = new AwsProvider(s, "b", { region: "us-east-1", allowedAccountIds: [ACCOUNT_B] });
    new BucketShare(s, "share", {
      provider: b,
      accountId: ACCOUNT_B,
      bucketName: "warn-bucket",
      grants: [{ principal: `arn:aws:iam::${ACCOUNT_A}:root`, level: "read" }],
    });
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { annotations: { level: string; message: string }[] }>;
    };
    const warnings = manifest.stacks.warn.annotations.filter((x) => x.level === "@cdktf/warn" && x.message.includes("[account-root-principal]"));
    expect(warnings.length).toBeGreaterThan(0);
  });
});
