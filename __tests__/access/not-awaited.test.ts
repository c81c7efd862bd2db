import { spawnSync } from "child_process";
import * as path from "path";

/**
 * A forgotten `await` on an xacct-s3/access/jest matcher fails only its test, with a message saying
 * so; the run goes on and prints its summary (it used to end the whole jest run with an unhandled
 * assertion error and no summary). A child jest over fixtures/not-awaited (setup file + two files).
 */
const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(__dirname, "fixtures", "not-awaited");

describe("a matcher call without await", () => {
  let out = "";
  let status: number | null = null;
  beforeAll(() => {
    const r = spawnSync(
      process.execPath,
      [require.resolve("jest/bin/jest"), "--config", path.join(FIXTURE, "jest.config.js"), "--runInBand", "--ci", "--verbose", "--colors=false"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    );
    out = `${r.stdout}\n${r.stderr}`;
    status = r.status;
  }, 120_000);

  it("fails only its own test with 'this matcher is async: await ...', and the run prints its summary", () => {
    expect(out).toContain("Tests:       3 failed, 2 passed, 5 total");
    expect(out).toContain("Test Suites: 1 failed, 1 passed, 2 total");
    expect(out).toContain('this matcher is async: await expect(...).toAllow(...) (in "an access contract forgets an await")');
    expect(out).toContain('this matcher is async: await expect(...).toAllow(...) (in "an access contract forgets an await on a negated matcher")');
    expect(out).toMatch(/✕ awaits a failing matcher/);
    expect(out).toMatch(/✓ awaits \(/);
    expect(out).not.toMatch(/^Node\.js v/m);
    expect(status).toBe(1);
  });
});
