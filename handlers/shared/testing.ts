/**
 * Test helpers for the handlers' jest tests (never imported by a handler, so
 * never bundled). STS is mocked on the STS client that fromTemporaryCredentials
 * really uses: `@aws-sdk/nested-clients/sts`, not `@aws-sdk/client-sts`.
 */
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { mockClient } from "aws-sdk-client-mock";
export { captureLogs } from "./capture-logs";

export { AssumeRoleCommand, STSClient };

export const s3Mock = mockClient(S3Client);
export const stsMock = mockClient(STSClient);

/** Secret of the fake assumed-role credentials: must never show up in a log line. */
export const FAKE_SECRET = "fakeSecretKeyThatMustNeverBeLogged/123";

/** An AssumeRole response whose credentials expire at `expiration`. */
export function assumeRoleOutput(expiration: Date, n = 1) {
  return {
    Credentials: {
      AccessKeyId: `ASIAFAKE${n}`,
      SecretAccessKey: FAKE_SECRET,
      SessionToken: `token-${n}`,
      Expiration: expiration,
    },
    AssumedRoleUser: { Arn: "arn:aws:sts::222222222222:assumed-role/xacct-writer/writer-fn", AssumedRoleId: "AROAFAKE:writer-fn" },
  };
}

/** An error shaped like the ones the SDK throws for a service error code. */
export function awsError(name: string, message: string, status = 403): Error {
  return new S3ServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: status } });
}

/** A GetObject Body stand-in (the mixin's transformToString / transformToByteArray + destroy); text or raw bytes. */
export function fakeBody(content: string | Uint8Array) {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
  return {
    transformToString: async (encoding?: string) => bytes.toString((encoding ?? "utf8") as BufferEncoding),
    transformToByteArray: async () => new Uint8Array(bytes),
    destroy: jest.fn(),
  };
}

/** PutObject's Body as text (the handlers send bytes). */
export function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  throw new Error(`unexpected PutObject Body ${typeof body}`);
}

const ORIGINAL_ENV = { ...process.env };
const OURS = /^(AWS_|TARGET_|MAX_BODY_BYTES$|EXECUTION_ROLE_ARN$)/;

/** Replace the handler-relevant environment with exactly `vars` (plus fake base credentials). */
export function setEnv(vars: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (OURS.test(k)) delete process.env[k];
  // Fake execution-role credentials, so nothing ever reaches for a real credential source.
  process.env.AWS_ACCESS_KEY_ID = "AKIDEXECUTIONROLE";
  process.env.AWS_SECRET_ACCESS_KEY = "execution-role-secret";
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

export function restoreEnv(): void {
  for (const k of Object.keys(process.env)) if (!(k in ORIGINAL_ENV)) delete process.env[k];
  Object.assign(process.env, ORIGINAL_ENV);
}

/** Fake only Date (not timers or ticks), so credential expiry can be driven with jest.setSystemTime. */
export function useFakeClock(iso: string): void {
  jest.useFakeTimers({
    doNotFake: [
      "nextTick",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
      "queueMicrotask",
      "hrtime",
      "performance",
    ],
    now: new Date(iso),
  });
}

export const ctx = (awsRequestId: string) => ({ awsRequestId });
