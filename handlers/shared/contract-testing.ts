/**
 * Test helper (never imported by a handler): every command the handlers sent
 * to the aws-sdk-client-mock mocks of ./testing.ts, checked against a call
 * contract (./call-contract.ts).
 */
import { undeclaredCalls, type CallContract, type SentCommand } from "./call-contract";
import { s3Mock, stsMock } from "./testing";

type Recorded = { args: unknown[] };

function fromMock(service: string, calls: readonly Recorded[]): SentCommand[] {
  return calls.map((c) => {
    const cmd = c.args[0] as { constructor: { name: string }; input?: Record<string, unknown> };
    return { service, command: cmd.constructor.name, input: cmd.input ?? {} };
  });
}

/** The commands sent since the mocks were last reset (S3 first, then STS). */
export function sentCommands(): SentCommand[] {
  return [...fromMock("S3", s3Mock.calls() as Recorded[]), ...fromMock("STS", stsMock.calls() as Recorded[])];
}

/** Throws listing every sent command `contract` does not declare. */
export function assertCallsDeclared(name: string, contract: CallContract, sent: readonly SentCommand[] = sentCommands()): void {
  const bad = undeclaredCalls(contract, sent);
  if (bad.length) throw new Error(`${name}: the handler sent ${bad.length} command(s) its call contract does not declare:\n  ${bad.join("\n  ")}`);
}

/**
 * Registers an afterEach in the calling test file: each test fails when the
 * handler sent a command the contract does not declare (every scenario of the
 * handler's existing tests is a contract check too).
 */
export function checkEveryTestAgainst(name: string, contract: CallContract): void {
  afterEach(() => assertCallsDeclared(name, contract));
}
