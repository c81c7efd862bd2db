import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENV_VARS, KNOWN_KEYS, loadConfig } from "./config";
import { ConfigError } from "../lib/errors";

const fail = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
};

describe("loadConfig defaults", () => {
  const c = loadConfig({ env: {}, cwd: "/repo" });

  it("needs no setup", () => {
    expect(c.accounts.a.id).toBe("111111111111");
    expect(c.accounts.b.id).toBe("222222222222");
    expect(c.accounts.reporting.id).toBe("333333333333");
    expect(c.region).toBe("us-east-1");
    expect(c.target).toBe("aws");
    expect(c.backend).toEqual({ type: "local", dir: "/repo/state" });
  });

  it("derives distinct bucket names per stack", () => {
    expect(new Set([c.bucketName, c.directBucketName, c.productionBucketName, c.reportingBucketName]).size).toBe(4);
    expect(c.bucketName).toBe("xacct-shared-222222222222-us-east-1");
  });

  it("never turns on emulator settings or force-destroy by default", () => {
    expect(c.forceDestroy).toBe(false);
    expect(c.requireMfaForHumans).toBe(true);
    expect(c.processorQueue).toBe(false);
  });
});

describe("processorQueue", () => {
  it("is read from XACCT_PROCESSOR_QUEUE (over the context) and refused when not a boolean, naming the setting", () => {
    expect(loadConfig({ env: { XACCT_PROCESSOR_QUEUE: "1" } }).processorQueue).toBe(true);
    expect(loadConfig({ context: { processorQueue: true }, env: { XACCT_PROCESSOR_QUEUE: "false" } }).processorQueue).toBe(false);
    expect(loadConfig({ context: { processorQueue: true }, env: {} }).processorQueue).toBe(true);
    const e = fail(() => loadConfig({ env: { XACCT_PROCESSOR_QUEUE: "yes" } }));
    expect(e.field).toBe("processorQueue");
    expect(e.message).toMatch(/must be true or false/);
  });
});

describe("loadConfig precedence", () => {
  it("environment overrides context, context overrides defaults", () => {
    const c = loadConfig({
      context: { region: "eu-west-1", accounts: { a: { id: "123456789012", profile: "dev" } } },
      env: { XACCT_REGION: "eu-central-1", XACCT_ACCOUNT_B: "210987654321" },
    });
    expect(c.region).toBe("eu-central-1");
    expect(c.accounts.a).toEqual({ id: "123456789012", profile: "dev", roleArn: undefined });
    expect(c.accounts.b.id).toBe("210987654321");
  });

  it("reads an XACCT_CONFIG file between the two", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-cfg-"));
    fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify({ prefix: "drop/", accessLevel: "write" }));
    const c = loadConfig({ context: { prefix: "ctx/" }, env: { XACCT_CONFIG: "c.json", XACCT_ACCESS_LEVEL: "read" }, cwd: dir });
    expect(c.prefix).toBe("drop/");
    expect(c.accessLevel).toBe("read");
  });

  it("configures the S3 backend with its own region default", () => {
    const c = loadConfig({ env: { XACCT_BACKEND: "s3", XACCT_STATE_BUCKET: "tf-state-bucket" } });
    expect(c.backend).toEqual({
      type: "s3",
      bucket: "tf-state-bucket",
      keyPrefix: "xacct/",
      region: "us-east-1",
      profile: undefined,
      roleArn: undefined,
      kmsKeyId: undefined,
    });
  });
});

describe("loadConfig bad input names the field and the accepted form", () => {
  it.each([
    [{ XACCT_ACCOUNT_A: "12345" }, "accounts.a.id", "12-digit AWS account id"],
    [{ XACCT_ACCOUNT_B: "111111111111" }, "accounts.b.id", "must differ from accounts.a.id"],
    [{ XACCT_ACCOUNT_REPORTING: "222222222222" }, "accounts.reporting.id", "three different accounts"],
    [{ XACCT_BUCKET_NAME: "My_Bucket" }, "bucketName", "not a valid S3 bucket name"],
    [{ XACCT_PREFIX: "/leading" }, "prefix", 'must not start with "/"'],
    [{ XACCT_PREFIX: "a/../b/" }, "prefix", '".."'],
    [{ XACCT_ACCESS_LEVEL: "admin" }, "accessLevel", '"read", "write", "readwrite"'],
    [{ XACCT_SESSION_DURATION: "600" }, "sessionDurationSeconds", "from 900 to 3600"],
    // A Lambda assuming a role is role chaining: STS caps it at 1 h whatever the roles' maximum.
    [{ XACCT_SESSION_DURATION: "7200", XACCT_MAX_SESSION_DURATION: "7200" }, "sessionDurationSeconds", "role chaining"],
    [{ XACCT_MAX_SESSION_DURATION: "50000" }, "maxSessionDurationSeconds", "3600 (1 h) to 43200 (12 h)"],
    [{ XACCT_REGION: "mars-1" }, "region", "AWS region code"],
    [{ XACCT_TARGET: "prod" }, "target", '"aws", "emulator"'],
    [{ XACCT_BACKEND: "s3" }, "backend.bucket", "is required"],
    [{ XACCT_ROLE_ARN_A: "arn:aws:iam::1:role/x" }, "accounts.a.roleArn", "not an IAM principal ARN"],
  ])("%j → %s", (env, field, hint) => {
    const e = fail(() => loadConfig({ env }));
    expect(e.field).toBe(field);
    expect(e.message).toContain(hint);
  });

  it("rejects unknown settings (typos) with the list of known ones", () => {
    const e = fail(() => loadConfig({ context: { regoin: "us-east-1" }, env: {} }));
    expect(e.field).toBe("context.xacct.regoin");
    expect(e.message).toContain("known settings here: region");
  });

  it("rejects a name prefix that would make invalid resource names", () => {
    const e = fail(() => loadConfig({ env: { XACCT_NAME_PREFIX: "Bad Prefix" } }));
    expect(e.field).toBe("namePrefix");
  });

  it.each([
    [{ XACCT_TARGET_ROLE_NAME: "bad role!" }, "targetRoleName", "1-64 characters of letters, digits and + = , . @ _ -"],
    [{ XACCT_TARGET_ROLE_NAME: "r".repeat(65) }, "targetRoleName", "1-64 characters"],
    [{ XACCT_ACCOUNT_PRODUCTION: "111111111111" }, "accounts.production.id", "three different accounts"],
    [{ XACCT_ACCOUNT_REPORTING: "111111111111" }, "accounts.reporting.id", "three different accounts"],
    [{ XACCT_SESSION_DURATION: "7200" }, "sessionDurationSeconds", "exceeds maxSessionDurationSeconds (3600 s)"],
    [{ XACCT_ROLE_ARN_A: "arn:aws:iam::111111111111:user/deployer" }, "accounts.a.roleArn", "not a role ARN"],
    [{ XACCT_ROLE_ARN_B: "arn:aws:iam::222222222222:root" }, "accounts.b.roleArn", "not a role ARN"],
    [{ XACCT_ROLE_ARN_B: "arn:aws:iam::111111111111:role/deployer" }, "accounts.b.roleArn", "pinned to account 222222222222"],
    [
      { XACCT_BACKEND: "s3", XACCT_STATE_BUCKET: "tf-state-bucket", XACCT_STATE_ROLE_ARN: "arn:aws:iam::444444444444:user/ci" },
      "backend.roleArn",
      "not a role ARN",
    ],
  ])("%j → %s", (env, field, hint) => {
    const e = fail(() => loadConfig({ env }));
    expect(e.field).toBe(field);
    expect(e.message).toContain(hint);
  });

  it("accepts a role name, a shorter Lambda session, a raised role maximum (for humans), and deployer roles of their own accounts", () => {
    const c = loadConfig({
      env: {
        XACCT_TARGET_ROLE_NAME: "data-drop.writer@b",
        XACCT_SESSION_DURATION: "1800",
        XACCT_MAX_SESSION_DURATION: "43200",
        XACCT_ROLE_ARN_B: "arn:aws:iam::222222222222:role/ci/deployer",
        XACCT_BACKEND: "s3",
        XACCT_STATE_BUCKET: "tf-state-bucket",
        XACCT_STATE_ROLE_ARN: "arn:aws:iam::444444444444:role/state",
      },
    });
    expect(c.targetRoleName).toBe("data-drop.writer@b");
    expect(c.sessionDurationSeconds).toBe(1800);
    expect(c.maxSessionDurationSeconds).toBe(43200);
    expect(c.accounts.b.roleArn).toBe("arn:aws:iam::222222222222:role/ci/deployer");
    expect(c.backend).toMatchObject({ roleArn: "arn:aws:iam::444444444444:role/state" });
    expect(loadConfig({ env: {} }).targetRoleName).toBe("xacct-writer-target");
  });
});

describe("unknown XACCT_* environment variables", () => {
  it.each([
    ["XACCT_BUCKETNAME", "XACCT_BUCKET_NAME"],
    ["XACCT_REGOIN", "XACCT_REGION"],
    ["XACCT_ACOUNT_B", "XACCT_ACCOUNT_B"],
    ["XACCT_PROFILE_PROD", "XACCT_PROFILE_PRODUCTION"],
    ["XACCT_STATE_BUCKETS", "XACCT_STATE_BUCKET"],
  ])("%s stops synth naming %s", (name, closest) => {
    const e = fail(() => loadConfig({ env: { [name]: "x" } }));
    expect(e.field).toBe(name);
    expect(e.message).toContain(`did you mean ${closest}?`);
  });

  it("accepts every documented variable, the per-account patterns and the tools' own variables", () => {
    const env = {
      XACCT_PROFILE_REPORTING: "p",
      XACCT_ROLE_ARN_DEVELOPMENT: "",
      XACCT_E2E_PROVIDERS: "mirror",
      XACCT_TF_PROVIDERS: "x",
      XACCT_BUNDLE_CACHE: "off",
      XACCT_CACHE: "/tmp",
    };
    expect(() => loadConfig({ env })).not.toThrow();
  });
});

describe("region", () => {
  it.each(["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-5"])("accepts %s", (region) => {
    expect(loadConfig({ env: { XACCT_REGION: region } }).region).toBe(region);
  });
  it.each(["useast1", "US-EAST-1", "us-east", "eu-west-1a"])("refuses %s", (region) => {
    expect(fail(() => loadConfig({ env: { XACCT_REGION: region } })).field).toBe("region");
  });
});

describe("settings only another stack uses", () => {
  const threeAccountBroken = { XACCT_ACCOUNT_PRODUCTION: "111111111111", XACCT_REPORTING_BUCKET_NAME: "Bad_Name" };

  it("do not refuse a synth of one stack (XACCT_STACKS)", () => {
    const c = loadConfig({ env: { ...threeAccountBroken, XACCT_STACKS: "assume-role" } });
    expect(c.stacks).toEqual(["assume-role"]);
    expect(c.bucketName).toBe("xacct-shared-222222222222-us-east-1");
    // Read anyway (another stack's setting): validated then, with the same error.
    expect(fail(() => c.reportingBucketName).field).toBe("reportingBucketName");
  });

  it("refuse the synth of the stack that uses them", () => {
    expect(fail(() => loadConfig({ env: { ...threeAccountBroken, XACCT_STACKS: "three-account" } })).field).toBe("accounts.production.id");
    expect(fail(() => loadConfig({ env: threeAccountBroken })).field).toBe("accounts.production.id");
  });

  it("a bad account of the two-account stacks does not stop the three-account synth", () => {
    const c = loadConfig({ env: { XACCT_ACCOUNT_B: "111111111111", XACCT_STACKS: "three-account" } });
    expect(c.accounts.reporting.id).toBe("333333333333");
    expect(fail(() => loadConfig({ env: { XACCT_ACCOUNT_B: "111111111111" } })).field).toBe("accounts.b.id");
  });

  it("access-points is opt-in: not in the default list, accepted when named, two distinct accounts", () => {
    expect(loadConfig({ env: {} }).stacks).not.toContain("access-points");
    const c = loadConfig({ env: { ...threeAccountBroken, XACCT_STACKS: "access-points" } });
    expect(c.stacks).toEqual(["access-points"]);
    expect(c.bucketName).toBe("xacct-shared-222222222222-us-east-1");
    expect(fail(() => loadConfig({ env: { XACCT_ACCOUNT_B: "111111111111", XACCT_STACKS: "access-points" } })).field).toBe("accounts.b.id");
    expect(fail(() => loadConfig({ env: { XACCT_BUCKET_NAME: "Bad_Name", XACCT_STACKS: "access-points" } })).field).toBe("bucketName");
  });

  it("refuses an unknown stack", () => {
    const e = fail(() => loadConfig({ env: { XACCT_STACKS: "assume-role,three-acount" } }));
    expect(e.field).toBe("stacks");
  });
});

describe("`cat help` explains every command and setting", () => {
  const root = path.resolve(__dirname, "..");
  const help = fs.readFileSync(path.join(root, "help"), "utf8");
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  it.each([...KNOWN_KEYS])("setting %s has a row", (key) => {
    expect(help).toMatch(new RegExp(`^ {4}${escape(key)}[.\\s]`, "m"));
  });

  it.each(Object.keys(ENV_VARS))("environment variable %s is named", (name) => {
    // XACCT_PROFILE_<A|B|...> is written XACCT_PROFILE_<KEY> in help.
    expect(help).toContain(name.replace(/<.*$/, ""));
  });

  it("every npm script is listed", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const script of Object.keys(pkg.scripts)) {
      expect(help).toMatch(new RegExp(`^ {4}npm ${script === "test" ? "test" : `run ${escape(script)}`}\\s`, "m"));
    }
  });
});

describe("perimeter (the demo's opt-in data perimeter, #22)", () => {
  it("is off by default, read from XACCT_PERIMETER_ORG_ID over the context, and refused when not an Organization id", () => {
    expect(loadConfig({ env: {} }).perimeter).toBeUndefined();
    expect(loadConfig({ env: { XACCT_PERIMETER_ORG_ID: "o-a1b2c3d4e5" } }).perimeter).toEqual({ organizationId: "o-a1b2c3d4e5" });
    expect(loadConfig({ context: { perimeter: { organizationId: "o-zzzzzzzzzz" } }, env: { XACCT_PERIMETER_ORG_ID: "o-a1b2c3d4e5" } }).perimeter).toEqual({
      organizationId: "o-a1b2c3d4e5",
    });
    const e = fail(() => loadConfig({ env: { XACCT_PERIMETER_ORG_ID: "o-abc" } }));
    expect(e.field).toBe("perimeter.organizationId");
    expect(fail(() => loadConfig({ context: { perimeter: { organisationId: "o-a1b2c3d4e5" } }, env: {} })).field).toBe("perimeter.organisationId");
  });
});
