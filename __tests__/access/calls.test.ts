import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { statementsOf } from "../../lib/model/stack-model";
import { synthToOutdir } from "../../app/synth";
import type { PolicyDocument } from "../../lib/policy";
import type { CallContract } from "../../handlers/shared/call-contract";
import { callsOfStack, deploymentsOf, type PrincipalCalls } from "../../tools/access/calls";
import { stackFromJson } from "../../tools/access/load";
import type { TfJson } from "../../lib/model/stack-model";
import { runCli, synthesized, withPolicy } from "./helpers";

/**
 * The call proof: every declared call of the built-in handlers, in every demo
 * stack that deploys one, asked of the engine with its real principal,
 * resource and context; and the policy mutations it must catch.
 */

const proof = async (tf: TfJson): Promise<PrincipalCalls[]> => {
  const s = stackFromJson("stack", tf);
  return callsOfStack(s.model, s.extras);
};
const byPrincipal = (ps: PrincipalCalls[], label: string): PrincipalCalls => {
  const p = ps.find((x) => x.principal === label);
  if (!p) throw new Error(`no principal ${label}: ${ps.map((x) => x.principal).join(", ")}`);
  return p;
};
const summary = (ps: PrincipalCalls[]) => ps.map((p) => ({ principal: p.principal, proven: p.proven, refused: p.refused }));

/** Removes `action` from every Allow statement of the document that lists it. */
const withoutAction = (action: string) => (doc: PolicyDocument) => {
  const kept = statementsOf(doc).filter((s) => s.Action !== action);
  for (const s of kept) if (Array.isArray(s.Action)) s.Action = s.Action.filter((a) => a !== action);
  (doc as { Statement: unknown }).Statement = kept;
};

const ALL = { stacks: ["assume-role", "bucket-policy", "three-account", "access-points"] };

describe("the call proof of the demo stacks", () => {
  it("finds the functions with the handler env contract and the contract each runs", () => {
    const found = Object.fromEntries(
      Object.entries(synthesized(ALL)).map(([name, tf]) => [name, deploymentsOf(stackFromJson(name, tf).model).map((d) => `${d.name}:${d.contract}`)]),
    );
    expect(found).toMatchObject({
      "assume-role": ["xacct-writer:writer"],
      "bucket-policy": ["xacct-direct-writer:writer"],
      "three-account": ["xacct-metadata-processor:metadata-processor"],
      "access-points": ["xacct-ap-writer:writer"],
    });
  });

  it("assume-role: AssumeRole as the execution role, every S3 call (and its KMS call via S3) as the target role's session", async () => {
    const ps = await proof(synthesized()["assume-role"]);
    expect(summary(ps)).toEqual([
      { principal: "role/xacct-writer-exec", proven: ["assume-role"], refused: [] },
      { principal: "role/xacct-writer-target", proven: ["put", "get", "get-version", "list"], refused: [] },
    ]);
    const target = byPrincipal(ps, "role/xacct-writer-target");
    expect(target.checks.find((c) => c.call === "put" && c.action === "kms:GenerateDataKey")).toMatchObject({
      resource: "key(xacct-shared-222222222222-us-east-1)",
      context: "via=s3.us-east-1.amazonaws.com,caller=222222222222,s3-arn=arn:aws:s3:::xacct-shared-222222222222-us-east-1",
      decision: "Allowed",
    });
    expect(target.checks.find((c) => c.call === "get-version" && c.action === "s3:GetObjectVersion")?.decision).toBe("Allowed");
  });

  it("bucket-policy: every call as the execution role, cross-account (identity and bucket policy, key policy)", async () => {
    const ps = await proof(synthesized()["bucket-policy"]);
    expect(summary(ps)).toEqual([{ principal: "role/xacct-direct-writer-exec", proven: ["put", "get", "get-version", "list"], refused: [] }]);
    expect(byPrincipal(ps, "role/xacct-direct-writer-exec").checks.find((c) => c.call === "put" && c.action === "s3:PutObject")?.context).toMatch(
      /^owner=222222222222,sse=aws:kms,kms-key=arn:aws:kms:/,
    );
  });

  it("three-account: HeadObject metadata-only as the processor, documents as the reporting role; the unversioned-only calls are not made", async () => {
    const ps = await proof(synthesized()["three-account"]);
    expect(summary(ps)).toEqual([
      { principal: "role/xacct-metadata-processor-exec", proven: ["assume-role", "head-version", "head"], refused: [] },
      { principal: "role/xacct-reporting-metadata-writer", proven: ["put-create", "put-tombstone"], refused: [] },
    ]);
    const writer = byPrincipal(ps, "role/xacct-reporting-metadata-writer");
    expect(writer.notMade.map((n) => n.split(":")[0])).toEqual(["put-replace", "read-document"]);
    // The reporting role may decrypt, which no call of a versioned source needs.
    expect(writer.unused.some((u) => u.startsWith("kms:Decrypt on arn:aws:kms:"))).toBe(true);
  });

  it("access-points: put through the writer's access point (access point, bucket and key policy) proven; get and list not made (its write grant: TARGET_OPERATIONS=put)", async () => {
    const ps = await proof(synthesized(ALL)["access-points"]);
    expect(summary(ps)).toEqual([{ principal: "role/xacct-ap-writer-exec", proven: ["put"], refused: [] }]);
    const p = byPrincipal(ps, "role/xacct-ap-writer-exec");
    expect(p.notMade).toEqual(
      ["get", "get-version", "list"].map((id) =>
        expect.stringMatching(new RegExp(`^${id}: operation "(get|list)" is not allowed by the function's grant \\(TARGET_OPERATIONS=put\\)`)),
      ),
    );
    const put = p.checks.filter((c) => c.call === "put");
    expect(put.map((c) => [c.action, c.decision])).toEqual([
      ["s3:PutObject", "Allowed"],
      ["kms:GenerateDataKey", "Allowed"],
    ]);
    expect(put[0].deciding.map((d) => d.source)).toEqual(["role-inline", "access-point", "bucket"]);
  });

  it("access-points: without TARGET_OPERATIONS the same writer's get and list are asked, and its write grant refuses them", async () => {
    const tf = structuredClone(synthesized(ALL)["access-points"]);
    const functions = (tf.resource as { aws_lambda_function: Record<string, { environment: { variables: Record<string, string> } }> }).aws_lambda_function;
    for (const fn of Object.values(functions)) delete fn.environment.variables.TARGET_OPERATIONS;
    const p = byPrincipal(await proof(tf), "role/xacct-ap-writer-exec");
    expect([p.proven, p.refused, p.notMade]).toEqual([["put"], ["get", "get-version", "list"], []]);
  });

  it("lists the grants no declared call uses (s3:AbortMultipartUpload: the handlers send no multipart upload)", async () => {
    const ps = await proof(synthesized()["bucket-policy"]);
    expect(byPrincipal(ps, "role/xacct-direct-writer-exec").unused).toEqual([
      expect.stringMatching(/^s3:AbortMultipartUpload on arn:aws:s3:::xacct-direct-.*\/incoming\/\* /),
    ]);
  });
});

describe("the call proof catches a policy losing a dependent action", () => {
  it("without kms:Decrypt in the writer's identity policy, get and get-version are refused on the KMS call S3 makes (put still proven)", async () => {
    const tf = withPolicy(synthesized()["bucket-policy"], "aws_iam_role_policy", "writer_execution", withoutAction("kms:Decrypt"));
    const p = byPrincipal(await proof(tf), "role/xacct-direct-writer-exec");
    expect([p.proven, p.refused]).toEqual([
      ["put", "list"],
      ["get", "get-version"],
    ]);
    const refused = p.checks.filter((c) => c.decision !== "Allowed");
    expect(refused.map((c) => `${c.call} ${c.action}`)).toEqual(["get kms:Decrypt", "get-version kms:Decrypt"]);
    expect(refused[0].deciding).toContainEqual(expect.objectContaining({ effect: "NoAllow", source: "identity" }));
  });

  it("without s3:GetObjectVersion, get with a versionId is refused", async () => {
    const tf = withPolicy(synthesized()["assume-role"], "aws_iam_role_policy", "target-role_access", withoutAction("s3:GetObjectVersion"));
    const p = byPrincipal(await proof(tf), "role/xacct-writer-target");
    expect(p.refused).toEqual(["get-version"]);
  });

  it("without the processor's s3:GetObjectVersion (its s3Trigger statement and grant), HeadObject of a version is refused", async () => {
    const tf = withPolicy(synthesized()["three-account"], "aws_iam_role_policy", "metadata-processor_execution", withoutAction("s3:GetObjectVersion"));
    expect(byPrincipal(await proof(tf), "role/xacct-metadata-processor-exec").refused).toEqual(["head-version"]);
  });
});

describe("toAllowCalls: the same proof for your own code's calls", () => {
  const MY_CALLS: CallContract = [
    {
      id: "upload",
      service: "S3",
      command: "PutObjectCommand",
      when: "always",
      credentials: "execution",
      needs: [
        {
          action: "s3:PutObject",
          resource: "target-object",
          context: { "s3:x-amz-server-side-encryption": "${sse}", "s3:x-amz-server-side-encryption-aws-kms-key-id": "${kmsKeyArn}" },
          doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
        },
        {
          action: "kms:GenerateDataKey",
          resource: "target-key",
          context: { "kms:ViaService": "${viaS3}", "kms:CallerAccount": "${callerAccount}", "kms:EncryptionContext:aws:s3:arn": "${s3ArnContext}" },
          when: "kms",
          doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
        },
      ],
      doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
    },
  ];
  const DELETE: CallContract = [
    {
      id: "cleanup",
      service: "S3",
      command: "DeleteObjectCommand",
      when: "always",
      credentials: "execution",
      needs: [{ action: "s3:DeleteObject", resource: "target-object", doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html" }],
      doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html",
    },
  ];
  const json = (): string => JSON.stringify(synthesized()["bucket-policy"]);

  it("passes when every call is Allowed (target taken from the function whose execution role it is)", async () => {
    await expect(json()).toAllowCalls("role/xacct-direct-writer-exec", MY_CALLS);
  });

  it("fails naming the refused action, and .not passes", async () => {
    await expect(json()).not.toAllowCalls("role/xacct-direct-writer-exec", DELETE);
    await expect(expect(json()).toAllowCalls("role/xacct-direct-writer-exec", DELETE)).rejects.toThrow(
      /refused \(1\):\n {2}role\/xacct-direct-writer-exec cleanup: s3:DeleteObject xacct-direct-222222222222-us-east-1\/incoming\/x\.json: no Allow in identity policy; no Allow in bucket policy/,
    );
  });

  it("takes an explicit target for a consumer role without a function (another prefix: refused)", async () => {
    await expect(json()).not.toAllowCalls("role/xacct-direct-writer-exec", MY_CALLS, { bucket: "xacct-direct-222222222222-us-east-1", prefix: "other/" });
  });
});

describe("xacct-access shows the call proof per principal", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xacct-calls-out-"));
  const saved = process.env.XACCT_STACKS;
  beforeAll(() => {
    process.env.XACCT_STACKS = "three-account,access-points";
    synthToOutdir(outdir);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XACCT_STACKS;
    else process.env.XACCT_STACKS = saved;
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it("text: a CALLS section after the matrix, one line per principal, the refusals and unused grants under it", async () => {
    const r = await runCli("--outdir", outdir, "--stack", "access-points");
    expect(r.code).toBe(0);
    expect(r.out).toContain("CALLS  (declared AWS calls of the deployed handlers");
    expect(r.out).toContain("  role/xacct-ap-writer-exec  (xacct-ap-writer, writer contract): 1 proven (put), 0 refused, 2 granted but unused");
    expect(r.out).toContain('    NOT MADE get: operation "get" is not allowed by the function\'s grant (TARGET_OPERATIONS=put)');
    expect(r.out).toMatch(/\n {4}UNUSED {3}s3:AbortMultipartUpload on arn:aws:s3:us-east-1:222222222222:accesspoint\//);
  });

  it("--json: each stack's calls field (principal, proven, refused, checks, unused)", async () => {
    const j = JSON.parse((await runCli("--outdir", outdir, "--json", "--stack", "three-account")).out) as { stacks: { calls?: PrincipalCalls[] }[] };
    expect(summary(j.stacks[0].calls ?? [])).toEqual([
      { principal: "role/xacct-metadata-processor-exec", proven: ["assume-role", "head-version", "head"], refused: [] },
      { principal: "role/xacct-reporting-metadata-writer", proven: ["put-create", "put-tombstone"], refused: [] },
    ]);
  });
});
