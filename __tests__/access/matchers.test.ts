import { execFileSync } from "child_process";
import * as path from "path";
import { TerraformStack, Testing } from "../../lib/framework";
import { buildApp } from "../../app";
import { loadEngine } from "../../tools/access/evaluate";
import { toAllow, toDeny, toGrantExactly } from "../../tools/access/jest";
import { BUCKET_POLICY_EXPECTED, DIRECT_BUCKET, DIRECT_EXEC } from "./expected";
import { synthesized } from "./helpers";

/** xacct-s3/access/jest over the subjects users have: Testing.synth's JSON string, and a stack. */

const json = (): string => JSON.stringify(synthesized()["bucket-policy"]);

describe("access matchers", () => {
  it("over the JSON string of Testing.synth(stack)", async () => {
    await expect(json()).toAllow(DIRECT_EXEC, "s3:PutObject", `${DIRECT_BUCKET}/incoming/x.json`);
    await expect(json()).toDeny("anonymous", "s3:GetObject", `${DIRECT_BUCKET}/incoming/x.json`);
    await expect(json()).not.toAllow(DIRECT_EXEC, "s3:DeleteObject", `${DIRECT_BUCKET}/incoming/x.json`);
    await expect(json()).toGrantExactly(BUCKET_POLICY_EXPECTED);
  });

  it("over a cdktf stack", async () => {
    const app = Testing.app({ context: { xacct: {} } });
    buildApp(app);
    const stack = app.node.children.find((c) => TerraformStack.isStack(c) && c.node.id === "bucket-policy") as TerraformStack;
    await expect(stack).toAllow(DIRECT_EXEC, "s3:ListBucket", DIRECT_BUCKET, "prefix=incoming/");
    await expect(stack).toDeny(DIRECT_EXEC, "s3:ListBucket", DIRECT_BUCKET, "no-prefix");
  });

  it("fail with messages that say what was found", async () => {
    const allow = await toAllow.call(undefined, json(), DIRECT_EXEC, "s3:GetObject", `${DIRECT_BUCKET}/other/x.json`);
    expect(allow.pass).toBe(false);
    expect(allow.message()).toContain(`expected ${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/other/x.json to be Allowed, but it is not.`);
    expect(allow.message()).toContain(`${DIRECT_EXEC} s3:GetObject ${DIRECT_BUCKET}/other/x.json [no-tls] Denied`);

    const deny = await toDeny.call(undefined, json(), DIRECT_EXEC, "s3:GetObject", `${DIRECT_BUCKET}/incoming/x.json`);
    expect([deny.pass, deny.message()]).toEqual([false, expect.stringContaining("to be Denied, but Allowed")]);

    const unknown = await toDeny.call(undefined, json(), "role/nobody", "s3:GetObject", `${DIRECT_BUCKET}/incoming/x.json`);
    expect([unknown.pass, unknown.message()]).toEqual([
      false,
      expect.stringContaining('is not a cell of the matrix, so it cannot be shown Denied.\nno principal "role/nobody"'),
    ]);

    const exactly = await toGrantExactly.call(undefined, json(), [...BUCKET_POLICY_EXPECTED.slice(1), "role/x s3:GetObject b/x.json"]);
    expect(exactly.pass).toBe(false);
    expect(exactly.message()).toContain(`Allowed but not expected (more access than designed) (1):\n  ${BUCKET_POLICY_EXPECTED[0]}`);
    expect(exactly.message()).toContain("expected but not Allowed (designed access that does not work) (1):\n  role/x s3:GetObject b/x.json");
  });

  it("refuse text that is not JSON", async () => {
    await expect(toAllow.call(undefined, "not json", "a", "b", "c")).rejects.toThrow(
      "expected the JSON string of Testing.synth(stack), got text that is not JSON",
    );
  });
});

describe("licence: the AGPL engine is an optional peer dependency, loaded lazily", () => {
  it("is not loaded by importing xacct-s3/access (only by the first evaluation)", () => {
    const root = path.join(__dirname, "..", "..");
    const script = `require("ts-node").register({ transpileOnly: true }); require("./tools/access"); require("./tools/access/jest");
      process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes("iam-simulate")).length));`;
    expect(execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" })).toBe("0");
  });

  it("names the package and the install command when it is missing", () => {
    const missing = (): never => {
      throw new Error("Cannot find module '@cloud-copilot/iam-simulate'");
    };
    // a fresh module instance, so the engine cached by the other tests does not answer
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require("../../tools/access/evaluate") as { loadEngine: typeof loadEngine };
      expect(() => fresh.loadEngine(missing)).toThrow(
        "the access review needs the IAM policy engine @cloud-copilot/iam-simulate (AGPL-3.0), an optional peer dependency of xacct-s3 that is not installed (Cannot find module '@cloud-copilot/iam-simulate'). Install it next to xacct-s3: npm install --save-dev @cloud-copilot/iam-simulate@0.1.173",
      );
    });
  });
});
