import { checkModel } from "../../lib/checks";
import { Testing } from "../../lib/framework";
import { buildStackModel, type TfJson } from "../../lib/model/stack-model";
import { loadConfig } from "../config";
import { ReplicationStack } from "./replication";

describe("ReplicationStack (opt-in XACCT_STACKS=replication)", () => {
  it("synthesizes with its validations (the policy checks) passing, into a third account", () => {
    const config = loadConfig({ env: { XACCT_STACKS: "replication" } });
    const stack = new ReplicationStack(Testing.app(), "replication", config);
    const tf = JSON.parse(Testing.synth(stack, true)) as TfJson;
    const model = buildStackModel(tf);
    expect(checkModel(model)).toEqual([]);
    expect(model.replications).toHaveLength(1);
    expect(model.replications[0]).toMatchObject({ sourceBucket: config.bucketName, account: config.accounts.b.id });
    expect(model.replications[0].rules[0]).toMatchObject({
      destinationAccount: "444444444444",
      prefix: "incoming/",
      ownerOverride: true,
      deleteMarkers: false,
    });
    expect(model.buckets.find((b) => b.name === config.backupBucketName)?.account).toBe("444444444444");
  });

  it("is opt-in: not in the default stacks, and the backup account must be a third account", () => {
    expect(loadConfig({ env: {} }).stacks).not.toContain("replication");
    expect(() => loadConfig({ env: { XACCT_STACKS: "replication", XACCT_ACCOUNT_BACKUP: "222222222222" } })).toThrow(/accounts.backup.id/);
  });

  it("a broken variant fails synth with the check's id (versioning off on the destination)", () => {
    const config = loadConfig({ env: { XACCT_STACKS: "replication" } });
    const stack = new ReplicationStack(Testing.app(), "replication", config);
    // The backup share's versioning resource removed: what `versioning: false` would write.
    stack.backup.versioning?.addOverride("versioning_configuration.status", "Suspended");
    expect(() => Testing.synth(stack, true)).toThrow(/replication-versioning/);
  });
});
