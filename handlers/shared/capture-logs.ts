/** Test helper (never imported by a handler): no SDK mocks here, so the real-SDK tests can use it too. */
import { logger } from "./log";
import { metrics } from "./metrics";

/**
 * Capture what the Powertools Logger prints (it writes through its own
 * Console on stdout/stderr, not the global console): the raw lines, and the
 * records JSON-parsed with `level` lower-cased for readable assertions.
 */
export function captureLogs(): { records: () => Record<string, unknown>[]; raw: () => unknown[][]; emf: () => Record<string, unknown>[] } {
  // Powertools Metrics prints its EMF lines through its own Console too.
  const emfLines: unknown[] = [];
  jest
    .spyOn((metrics as unknown as { console: { log: (...a: unknown[]) => void } }).console, "log")
    .mockImplementation((line: unknown) => void emfLines.push(line));
  const target = (logger as unknown as { console: Record<string, (...args: unknown[]) => void> }).console;
  const calls: unknown[][] = [];
  for (const method of ["debug", "info", "warn", "error", "log"]) {
    jest.spyOn(target, method).mockImplementation((...args: unknown[]) => void calls.push(args));
  }
  return {
    raw: () => calls,
    emf: () => emfLines.map((l) => JSON.parse(String(l)) as Record<string, unknown>),
    records: () =>
      calls.map((args) => {
        const r = JSON.parse(String(args[0])) as Record<string, unknown>;
        return { ...r, level: String(r.level).toLowerCase() };
      }),
  };
}
