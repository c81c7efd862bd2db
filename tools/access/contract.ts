import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../lib/errors";
import { asList, BucketModel, EXISTING_BUCKET_MARKER, KeyModel, ModelPolicy, statementsOf } from "../../lib/model/stack-model";
import { CONTRACT_MARKER, GrantContractJson, parseContract } from "../../modules/bucket-share/contract";
import { conditionValues } from "./conditions";
import { evaluatePolicies } from "./evaluate";
import { formatDeciding } from "./format";
import { loadStacks, stackFromJson, type SynthesizedStack } from "./load";
import { planSides, readPlanFile, type PlanJson } from "./plan";
import { accessPointProbes, bucketProbes, keyProbes, OTHER_OWNER_LABEL } from "./probes";
import { SESSION_NAME } from "./principals";
import type { DecidingStatement, Decision, MatrixPrincipal, NamedPolicy, Probe } from "./types";

/**
 * `xacct-access contract verify --owner <cdktf.out | plan.json> --consumer <cdktf.out | plan.json>`:
 * do the owner's resource side (bucket policy, access point policies, key
 * policy and KMS grants) and the consumer's identity side grant the same
 * access? Each consumer principal of the grant contract(s) is asked the
 * requests of the access matrix on the contract's bucket, for the contract's
 * prefixes and levels and beyond them (the parent prefixes, a sibling that
 * shares the name, another prefix, the whole bucket, every access point),
 * twice: with the consumer's identity policies against a resource side that
 * allows (what the consumer asks for) and with an identity side that allows
 * against the owner's policies (what the owner grants). A cross-account
 * request needs both (IAM User Guide, "Cross-account policy evaluation logic":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html),
 * so every cell where the two answers differ is a disagreement: the consumer
 * asks for more than the owner granted, or the owner grants what the
 * consumer's identity does not use. SSE-KMS objects also need the key used by
 * S3 for the caller (kms:Decrypt to read, kms:GenerateDataKey to write:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html),
 * on both sides: an object request granted on both sides whose KMS call is not
 * is a missing KMS side.
 */

/**
 * `owner-wider`: the owner's side allows a KMS call no contract speaks of (the key called directly, or
 * via S3 for another bucket: a KMS grant has no kms:ViaService condition) and the consumer's identity
 * narrows it: shown, not a disagreement (the access matrix of the owner's stack reports it).
 */
export type CellVerdict = "granted" | "denied" | "consumer-asks-more" | "unused" | "owner-wider";

export interface ContractCell {
  readonly action: string;
  readonly resource: string;
  readonly context: string;
  /** What the consumer's identity side allows (against a resource side that allows everything). */
  readonly identity: Decision;
  /** What the owner's resource side allows (for an identity side that allows everything). */
  readonly owner: Decision;
  readonly verdict: CellVerdict;
  /** The statements of the side that allows, when the sides disagree. */
  readonly why?: string;
}

export interface KmsProblem {
  /** The object request granted on both sides. */
  readonly request: string;
  /** The KMS call S3 makes for it. */
  readonly kms: string;
  /** Which side does not allow the KMS call. */
  readonly missing: readonly ("identity" | "key policy")[];
}

export interface PrincipalVerification {
  readonly principal: string;
  readonly bucket: string;
  /** The grants the contract(s) name for this principal on the bucket. */
  readonly contract: readonly { readonly level: string; readonly prefix: string }[];
  readonly cells: readonly ContractCell[];
  readonly kms: readonly KmsProblem[];
  /** Notes: key ARN unknown until apply, matched through the consumer's contract; ... */
  readonly notes: readonly string[];
  readonly agree: boolean;
}

export interface ContractVerification {
  readonly owner: string;
  readonly consumer: string;
  readonly principals: readonly PrincipalVerification[];
  /** Principals of the owner's contract that the consumer side holds no identity policy for: not verified. */
  readonly notInConsumer: readonly string[];
  readonly agree: boolean;
}

export class ContractInputError extends Error {}

/** One side: the stacks of a cdktf.out directory, or the planned values of a plan. */
export interface VerifySide {
  readonly label: string;
  readonly stacks: readonly SynthesizedStack[];
  /** Contract JSON texts found in the side's outputs (plan: planned output values). */
  readonly outputTexts: readonly string[];
}

/** A cdktf.out directory (read as it is, never synthesized) or a `terraform show -json` plan file. */
export function loadSide(input: string, log?: (line: string) => void): VerifySide {
  const resolved = path.resolve(input);
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
    const stacks = loadStacks(resolved, { synth: "never", log });
    return { label: input, stacks, outputTexts: stacks.flatMap((s) => Object.values(s.tf.output ?? {}).map((o) => s.model.resolve(String(o.value)))) };
  }
  const plan = readPlanFile(resolved);
  const stack = stackFromJson(path.basename(input), planSides(plan).after);
  const outputs = (plan as PlanJson & { planned_values?: { outputs?: Record<string, { value?: unknown }> } }).planned_values?.outputs ?? {};
  return { label: input, stacks: [stack], outputTexts: Object.values(outputs).map((o) => (typeof o.value === "string" ? o.value : "")) };
}

const contractOf = (label: string, text: string): GrantContractJson | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || !("xacctContract" in json)) return undefined;
  try {
    return parseContract(label, json);
  } catch (e) {
    if (e instanceof ConfigError) throw new ContractInputError(`${label}: ${e.message}`);
    throw e;
  }
};

/** The contracts the owner publishes (outputs) and those the consumer's stacks were built from (locals). */
function contractsOf(owner: VerifySide, consumer: VerifySide): { owner: GrantContractJson[]; consumer: GrantContractJson[] } {
  const published = owner.outputTexts.map((t) => contractOf(`owner ${owner.label}`, t)).filter((c): c is GrantContractJson => c !== undefined);
  const used = consumer.stacks.flatMap((s) =>
    Object.values(s.tf.locals ?? {})
      .filter(
        (l): l is Record<string, unknown> => typeof l === "object" && l !== null && (l as Record<string, unknown>)[EXISTING_BUCKET_MARKER] === CONTRACT_MARKER,
      )
      .map((l) => contractOf(`consumer ${consumer.label} (stack ${s.name})`, String(l.contract)))
      .filter((c): c is GrantContractJson => c !== undefined),
  );
  return { owner: published, consumer: used };
}

const IDENTITY_KINDS: readonly ModelPolicy["kind"][] = ["role-inline", "user-inline", "managed", "group-inline"];
/** `arn:aws:iam::<account>:role/<path/>name` → `<account>:role/name` (policies name roles without their path). */
const principalKey = (arn: string): string => {
  const m = /^arn:[\w-]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `${m[1]}:${m[2]}/${m[3]}` : arn;
};

/** The consumer's identity policies of `principal`, over every stack of the consumer side. */
function identityPoliciesOf(consumer: VerifySide, principal: string): NamedPolicy[] {
  const key = principalKey(principal);
  const out: NamedPolicy[] = [];
  for (const s of consumer.stacks) {
    const seen = new Set<ModelPolicy>();
    const holder = [...s.model.roles, ...s.model.users].find((r) => principalKey(r.arn) === key);
    for (const p of holder?.inline ?? []) seen.add(p);
    for (const p of s.model.policies) if (IDENTITY_KINDS.includes(p.kind) && principalKey(p.attachedTo) === key) seen.add(p);
    for (const p of seen) out.push({ name: `${s.name}: ${p.address}`, source: p.kind === "managed" ? "managed" : "role-inline", document: p.document });
  }
  return out;
}

const ALLOW_ALL_IDENTITY: NamedPolicy = {
  name: "(any identity policy)",
  source: "probe-identity",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};
const allowingResource = (principalArn: string, name: string): NamedPolicy => ({
  name,
  source: "not-in-stack",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: principalArn }, Action: "*", Resource: "*" }] },
});

/** The probe with every resource policy replaced by one that allows the principal: only its identity decides. */
function identityOnly(probe: Probe, principalArn: string): Probe {
  const allow = allowingResource(principalArn, "(any resource policy)");
  return {
    ...probe,
    resourcePolicy: allow,
    blockPublicAccess: false,
    ...(probe.viaBucket ? { viaBucket: { ...probe.viaBucket, resourcePolicy: allow, blockPublicAccess: false } } : {}),
  };
}

/** Object ARN prefixes and s3:prefix values the consumer's identity names on this bucket (and its access points). */
function identityPrefixes(policies: readonly NamedPolicy[], bucketArn: string): string[] {
  const out: string[] = [];
  for (const p of policies) {
    for (const s of statementsOf(p.document).filter((x) => x.Effect === "Allow")) {
      for (const r of asList(s.Resource)) {
        const m = r.startsWith(`${bucketArn}/`) ? r.slice(bucketArn.length + 1) : /:accesspoint\/[^/]+\/object\/(.*)$/.exec(r)?.[1];
        if (m !== undefined && m.endsWith("*") && !m.slice(0, -1).includes("*")) out.push(m.slice(0, -1));
      }
      out.push(...conditionValues({ Version: "2012-10-17", Statement: [s] }, "s3:prefix").map((x) => x.replace(/\*$/, "")));
    }
  }
  return out;
}

/** The contract's prefixes, what the identity names, and the boundaries around them: parents, a same-named sibling. */
export function boundaryPrefixes(prefixes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of prefixes) {
    if (p === "") continue;
    out.add(p);
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) out.add(`${parts.slice(0, i).join("/")}/`);
    out.add(`${p.slice(0, -1)}-sibling/`);
  }
  return [...out].sort();
}

/**
 * The probes the access matrix asks of the bucket, without what the owner alone decides (no TLS, foreign
 * encryption headers) and without the same-named bucket of another account (not the owner's side at all).
 */
const SAME_QUESTION = (p: Probe): boolean =>
  p.contextLabel !== OTHER_OWNER_LABEL &&
  !p.contextLabel.includes("no-tls") &&
  (!p.contextLabel.includes("sse") || p.contextLabel === "sse=aws:kms,kms-key=bucket");

/** A key created by the owner's stack: its ARN is the model's placeholder until apply. */
const isPlaceholder = (k: KeyModel): boolean => k.address.startsWith("aws_kms_key.") && k.arn.endsWith(`:key/${k.address.slice("aws_kms_key.".length)}`);

const KMS_FOR: Readonly<Record<string, string>> = { "s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey" };

const labelOf = (p: Probe): string => p.resourceLabel;

async function verifyPrincipal(
  owner: SynthesizedStack,
  bucket: BucketModel,
  principal: string,
  contracts: readonly GrantContractJson[],
  consumerContracts: readonly GrantContractJson[],
  identityPolicies: NamedPolicy[],
): Promise<PrincipalVerification> {
  const notes: string[] = [];
  const mine = contracts.flatMap((c) => c.grants.filter((g) => g.principal !== undefined && principalKey(g.principal) === principalKey(principal)));
  const contractGrants = [...new Map(mine.map((g) => [`${g.level} ${g.prefix}`, { level: g.level, prefix: g.prefix }])).values()];
  const account = /::(\d{12}):/.exec(principal)?.[1] ?? "000000000000";
  const name = principal.split("/").pop() ?? principal;
  const isUser = /:user\//.test(principal);
  const who: MatrixPrincipal = {
    label: isUser ? `user/${name}` : `role/${name}`,
    kind: isUser ? "user" : "role",
    arn: isUser ? principal : `arn:aws:sts::${account}:assumed-role/${name}/${SESSION_NAME}`,
    principalArn: principal,
    account,
    identityPolicies,
    crossAccountOnly: false,
  };
  const prefixes = boundaryPrefixes([...contractGrants.map((g) => g.prefix), ...identityPrefixes(identityPolicies, bucket.arn)]);
  const seeds = { principalArns: [], accounts: [], organizations: [], services: [], prefixes: { [bucket.name]: prefixes } };
  const { model, extras } = owner;
  const probes: Probe[] = [
    ...bucketProbes(model, extras, bucket, seeds).filter(SAME_QUESTION),
    ...model.accessPoints
      .filter((ap) => ap.bucket === bucket.name)
      .flatMap((ap) => accessPointProbes(model, extras, ap, seeds).map(({ viaKey: _k, ...p }) => p)),
  ];
  // The key: the owner's, addressed as the consumer knows it (a new key's ARN is a placeholder until apply).
  const key = bucket.kmsKeyArn ? model.keys.find((k) => k.arn === bucket.kmsKeyArn) : undefined;
  // The key the consumer was built with (its contracts), else the one the owner publishes.
  const keysOf = (cs: readonly GrantContractJson[]): string[] => [
    ...new Set(
      cs
        .filter((c) => c.bucket.name === bucket.name)
        .map((c) => c.bucket.kmsKeyArn)
        .filter((k): k is string => k !== undefined),
    ),
  ];
  const contractKeys = keysOf(consumerContracts).length ? keysOf(consumerContracts) : keysOf(contracts);
  let keyArn = key?.arn;
  if (key && contractKeys.length && !contractKeys.includes(key.arn)) {
    if (isPlaceholder(key) && contractKeys.length === 1) {
      keyArn = contractKeys[0];
      notes.push(`the owner's key ${key.address} gets its ARN at apply: taken as ${keyArn}, the key of the consumer's contract`);
    } else notes.push(`the contract names key ${contractKeys.join(", ")}, the owner's bucket uses ${key.arn}`);
  }
  if (!bucket.kmsKeyArn && contractKeys.length)
    notes.push(`the contract names key ${contractKeys.join(", ")}, the owner's bucket has no customer managed key in the owner side`);
  if (bucket.kmsKeyArn && !key) notes.push(`the owner's key ${bucket.kmsKeyArn} is not in the owner side: its KMS side is not verified`);
  const kmsProbes = key ? keyProbes(model, key).map((p) => ({ ...p, resource: keyArn as string })) : [];

  const cells: ContractCell[] = [];
  for (const probe of [...probes, ...kmsProbes]) {
    const asked = await evaluatePolicies(who, identityOnly(probe, principal));
    const granted = await evaluatePolicies({ ...who, identityPolicies: [ALLOW_ALL_IDENTITY] }, probe);
    const beyondContract = probe.action.startsWith("kms:") && probe.contextLabel !== "via-s3";
    const verdict: CellVerdict =
      asked.decision === granted.decision
        ? asked.decision === "Allowed"
          ? "granted"
          : "denied"
        : asked.decision === "Allowed"
          ? "consumer-asks-more"
          : beyondContract
            ? "owner-wider"
            : "unused";
    const allowing: readonly DecidingStatement[] =
      verdict === "consumer-asks-more" ? asked.deciding : verdict === "granted" || verdict === "denied" ? [] : granted.deciding;
    cells.push({
      action: probe.action,
      resource: labelOf(probe),
      context: probe.contextLabel,
      identity: asked.decision,
      owner: granted.decision,
      verdict,
      ...(allowing.length ? { why: formatDeciding(allowing.filter((d) => d.effect === "Allow" && !String(d.policy).startsWith("("))) } : {}),
    });
  }

  // An object request granted on both sides needs its KMS call via S3 on both sides too.
  const kms: KmsProblem[] = [];
  if (bucket.kmsKeyArn) {
    for (const action of Object.keys(KMS_FOR)) {
      const both = cells.find((c) => c.action === action && c.verdict === "granted");
      if (!both) continue;
      const k = cells.find((c) => c.action === KMS_FOR[action] && c.context === "via-s3");
      const missing: KmsProblem["missing"][number][] = [];
      if (!k || k.identity !== "Allowed") missing.push("identity");
      if (!k || k.owner !== "Allowed") missing.push("key policy");
      if (missing.length) kms.push({ request: `${action} ${both.resource}`, kms: `${KMS_FOR[action]} via S3 on ${k?.resource ?? bucket.kmsKeyArn}`, missing });
    }
  }
  const agree = kms.length === 0 && cells.every((c) => c.verdict === "granted" || c.verdict === "denied" || c.verdict === "owner-wider");
  return { principal, bucket: bucket.name, contract: contractGrants, cells, kms, notes, agree };
}

/** Verify the consumer side against the owner side, for every principal of their contracts that the consumer holds. */
export async function verifyContract(owner: VerifySide, consumer: VerifySide): Promise<ContractVerification> {
  const contracts = contractsOf(owner, consumer);
  const all = [...contracts.owner, ...contracts.consumer];
  if (all.length === 0) {
    throw new ContractInputError(
      `no grant contract in ${owner.label} (owner: a Terraform output of share.publishContract()) or ${consumer.label} (consumer: a stack built with GrantContract.fromFile/fromJson)`,
    );
  }
  const pairs = new Map<string, { bucket: string; principal: string }>();
  for (const c of all)
    for (const g of c.grants) if (g.principal) pairs.set(`${c.bucket.name} ${principalKey(g.principal)}`, { bucket: c.bucket.name, principal: g.principal });
  const principals: PrincipalVerification[] = [];
  const notInConsumer: string[] = [];
  for (const { bucket: name, principal } of [...pairs.values()].sort((a, b) => `${a.bucket} ${a.principal}`.localeCompare(`${b.bucket} ${b.principal}`))) {
    const policies = identityPoliciesOf(consumer, principal);
    if (policies.length === 0) {
      notInConsumer.push(`${principal} on ${name}`);
      continue;
    }
    const stack = owner.stacks.find((s) => s.model.buckets.some((b) => b.name === name));
    if (!stack) throw new ContractInputError(`the contract's bucket ${name} is not in the owner side ${owner.label}: pass the owner's cdktf.out or plan`);
    const bucket = stack.model.buckets.find((b) => b.name === name) as BucketModel;
    const onBucket = (cs: readonly GrantContractJson[]): GrantContractJson[] => cs.filter((c) => c.bucket.name === name);
    principals.push(await verifyPrincipal(stack, bucket, principal, onBucket(all), onBucket(contracts.consumer), policies));
  }
  if (principals.length === 0) {
    throw new ContractInputError(
      `no principal of the contract has an identity policy in the consumer side ${consumer.label} (contract principals: ${notInConsumer.join("; ")})`,
    );
  }
  return { owner: owner.label, consumer: consumer.label, principals, notInConsumer, agree: principals.every((p) => p.agree) };
}

const VERDICT_LABEL: Record<CellVerdict, string> = {
  granted: "granted",
  denied: "denied",
  "consumer-asks-more": "ASKS MORE",
  unused: "UNUSED",
  "owner-wider": "wider",
};

export function renderVerificationText(v: ContractVerification): string {
  const lines = [`contract verify: owner ${v.owner}, consumer ${v.consumer}`];
  for (const p of v.principals) {
    const granted = p.cells.filter((c) => c.verdict === "granted").length;
    const denied = p.cells.filter((c) => c.verdict === "denied").length;
    lines.push("", `${p.principal} on ${p.bucket} (contract: ${p.contract.map((g) => `${g.level} ${g.prefix || "(whole bucket)"}`).join(", ") || "none"})`);
    const wider = p.cells.filter((c) => c.verdict === "owner-wider").length;
    lines.push(
      `  agree on ${granted + denied} of ${p.cells.length} cells (${granted} granted by both sides, ${denied} by neither${wider ? `; ${wider} wider on the owner's side only` : ""})`,
    );
    for (const c of p.cells.filter((x) => x.verdict !== "granted" && x.verdict !== "denied")) {
      const side =
        c.verdict === "consumer-asks-more"
          ? "the consumer's identity allows it, the owner's side does not"
          : c.verdict === "unused"
            ? "the owner grants it, the consumer's identity does not ask"
            : "the owner's side allows it, no contract asks for it and the consumer's identity narrows it (not a disagreement)";
      lines.push(
        `  ${VERDICT_LABEL[c.verdict].padEnd(9)} ${c.action} ${c.resource}${c.context ? ` [${c.context}]` : ""}: ${side}${c.why ? ` (${c.why})` : ""}`,
      );
    }
    for (const k of p.kms) lines.push(`  KMS MISSING ${k.request} is granted on both sides, ${k.kms} is not allowed by the ${k.missing.join(" and the ")}`);
    for (const n of p.notes) lines.push(`  note: ${n}`);
  }
  if (v.notInConsumer.length) lines.push("", `not in the consumer side (not verified): ${v.notInConsumer.join("; ")}`);
  const bad = v.principals.filter((p) => !p.agree).length;
  lines.push("", v.agree ? "the two sides agree" : `the two sides DISAGREE for ${bad} of ${v.principals.length} principal(s)`);
  return lines.join("\n");
}

export function renderVerificationJson(v: ContractVerification): string {
  return JSON.stringify({ schema: "xacct-access/contract-verify", version: 1, ...v }, null, 2);
}
