/**
 * Child process of the handler step: loads a bundled handler (the exact
 * index.js that gets zipped) with plain require(), as the Lambda runtime
 * would, and invokes it once per event, in order, in this one process (a
 * warm container). Environment = the deployed function's variables plus
 * what the runtime and the emulator add (set by the parent).
 *
 * ```text
 * argv: <bundle index.js> <events.json> <results.json>
 * ```
 */
import * as fs from "fs";

interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

type Handler = (event: unknown, context: { awsRequestId: string; functionName?: string }) => Promise<unknown>;

async function main(): Promise<void> {
  const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(bundle) as { handler?: Handler };
  if (typeof mod.handler !== "function") throw new Error(`${bundle} exports no handler function`);
  const events = JSON.parse(fs.readFileSync(eventsFile, "utf8")) as unknown[];
  const outcomes: Outcome[] = [];
  for (const [i, event] of events.entries()) {
    const t0 = performance.now();
    const context = { awsRequestId: `e2e-${process.pid}-${i}`, functionName: process.env.AWS_LAMBDA_FUNCTION_NAME };
    try {
      const result = await mod.handler(event, context);
      outcomes.push({ ok: true, ms: performance.now() - t0, result });
    } catch (err) {
      const e = err as { name?: string; message?: string };
      outcomes.push({ ok: false, ms: performance.now() - t0, error: { name: e.name ?? "Error", message: e.message ?? String(err) } });
    }
  }
  fs.writeFileSync(resultsFile, JSON.stringify(outcomes, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`invoke-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
