import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BucketShare } from "../../modules/bucket-share";
import { App, TerraformStack } from "../framework";
import { AwsProvider } from "../framework/aws";
import { ACCOUNT_A, ACCOUNT_B } from "../testing";

/**
 * Friction 7, mistake 3: two AWS providers without alias in one stack synthesized silently.
 * The synth-time gate stops synth naming the providers' construct paths and the fix (alias).
 * Data-driven: which providers each stack holds, and what synth says.
 */
type Providers = readonly { readonly id: string; readonly alias?: string; readonly account: string }[];

const CASES: { name: string; stacks: Record<string, Providers>; error?: readonly string[] }[] = [
  {
    name: "two un-aliased providers",
    stacks: {
      s: [
        { id: "a", account: ACCOUNT_A },
        { id: "b", account: ACCOUNT_B },
      ],
    },
    error: ["2 AWS providers without alias in stack s: s/a, s/b"],
  },
  {
    name: "three providers, two un-aliased",
    stacks: {
      s: [
        { id: "a", account: ACCOUNT_A },
        { id: "b", account: ACCOUNT_B },
        { id: "c", alias: "c", account: ACCOUNT_B },
      ],
    },
    error: ["2 AWS providers without alias in stack s: s/a, s/b"],
  },
  {
    name: "one un-aliased and one aliased",
    stacks: {
      s: [
        { id: "a", account: ACCOUNT_A },
        { id: "b", alias: "b", account: ACCOUNT_B },
      ],
    },
  },
  {
    name: "two aliased",
    stacks: {
      s: [
        { id: "a", alias: "a", account: ACCOUNT_A },
        { id: "b", alias: "b", account: ACCOUNT_B },
      ],
    },
  },
  { name: "one un-aliased provider in each of two stacks", stacks: { s: [{ id: "b", account: ACCOUNT_B }], t: [{ id: "b", account: ACCOUNT_B }] } },
];

describe("un-aliased AWS providers", () => {
  it.each(CASES)("$name", ({ stacks, error }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-providers-"));
    try {
      const app = new App({ outdir: dir });
      for (const [name, providers] of Object.entries(stacks)) {
        const stack = new TerraformStack(app, name);
        const made = providers.map(
          (p) => new AwsProvider(stack, p.id, { region: "us-east-1", allowedAccountIds: [p.account], ...(p.alias ? { alias: p.alias } : {}) }),
        );
        const b = made[providers.findIndex((p) => p.account === ACCOUNT_B)];
        new BucketShare(stack, "share", { provider: b, accountId: ACCOUNT_B, bucketName: `bucket-${name}` });
      }
      let thrown: unknown;
      try {
        app.synth();
      } catch (e) {
        thrown = e;
      }
      const written = fs.existsSync(path.join(dir, "stacks"))
        ? fs.readdirSync(path.join(dir, "stacks")).filter((s) => fs.existsSync(path.join(dir, "stacks", s, "cdk.tf.json")))
        : [];
      if (error) {
        expect(thrown).toBeInstanceOf(Error);
        const message = (thrown as Error).message;
        expect(message).toContain("[unaliased-providers]");
        for (const e of error) expect(message).toContain(e);
        expect(message).toContain('Give each provider an alias (new AwsProvider(this, "b", { alias: "b", ... }))');
        expect(written).toEqual([]);
      } else {
        expect(thrown).toBeUndefined();
        expect(written.sort()).toEqual(Object.keys(stacks).sort());
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
