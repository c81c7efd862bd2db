/** Test helper (never imported by a handler): no SDK mocks here, so the real-SDK tests can use it too. */
import { logger } from "./log";

/**
 * Capture what the Powertools Logger prints (it writes through its own
 * Console on stdout/stderr, not the global console): the raw lines, and the
 * records JSON-parsed with `level` lower-cased for readable assertions.
 */
export function captureLogs(): { records: () => Record<string, unknown>[]; raw: () => unknown[][] } {
  const target = (logger as unknown as { console: Record<string, (...args: unknown[]) => void> }).console;
  const calls: unknown[][] = [];
  for (const method of ["debug", "info", "warn", "error", "log"]) {
    jest.spyOn(target, method).mockImplementation((...args: unknown[]) => void calls.push(args));
  }
  return {
    raw: () => calls,
    records: () =>
      calls.map((args) => {
        const r = JSON.parse(String(args[0])) as Record<string, unknown>;
        return { ...r, level: String(r.level).toLowerCase() };
      }),
  };
}

