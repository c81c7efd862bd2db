/** Test helper (never imported by a handler): the jest hooks every real-SDK-stack test file needs. */
import { captureLogs } from "./capture-logs";
import { FakeAwsEndpoint, type FakeEndpointOptions } from "./fake-endpoint";

export interface FakeEndpointSuite {
  /** The endpoint (started in beforeAll, reset before each test). */
  readonly fake: FakeAwsEndpoint;
  /** This test's captured log lines (fresh before each test). */
  readonly logs: ReturnType<typeof captureLogs>;
}

export interface FakeEndpointSuiteOptions {
  readonly endpoint: FakeEndpointOptions;
  /** The handler's environment for each test; AWS_ENDPOINT_URL is added (the endpoint's URL). */
  readonly env: Readonly<Record<string, string>>;
  /** The handler module's own reset (its `__resetForTests`). */
  readonly reset: () => void;
}

/**
 * Register the hooks: start the endpoint once, and before each test reset the
 * handler, the endpoint's faults and the environment (every AWS_/TARGET_ and
 * handler setting is removed, then `env` set); after each test restore mocks
 * and the original environment.
 */
export function useFakeEndpoint(o: FakeEndpointSuiteOptions): FakeEndpointSuite {
  const saved = { ...process.env };
  let fake: FakeAwsEndpoint | undefined;
  let logs: ReturnType<typeof captureLogs> | undefined;
  beforeAll(async () => {
    fake = await FakeAwsEndpoint.start(o.endpoint);
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    o.reset();
    const f = fake as FakeAwsEndpoint;
    f.reset();
    for (const k of Object.keys(process.env)) if (/^(AWS_|TARGET_|MAX_BODY_BYTES$|SOURCE_BUCKETS$)/.test(k)) delete process.env[k];
    Object.assign(process.env, o.env, { AWS_ENDPOINT_URL: f.url });
    logs = captureLogs();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  return {
    get fake() {
      return fake as FakeAwsEndpoint;
    },
    get logs() {
      return logs as ReturnType<typeof captureLogs>;
    },
  };
}
