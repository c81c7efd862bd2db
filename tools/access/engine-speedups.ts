import * as path from "path";

/**
 * Speed-ups of the IAM policy engine (`@cloud-copilot/iam-simulate`, pinned in
 * evaluate.ts), installed when the engine loads. Each replaces a function that
 * gives the same answer for the same input (a pure function of its arguments,
 * or of a policy document that is never changed) by a memo of it or by a faster
 * equivalent, in the engine's own CommonJS export objects
 * (through which its modules call them). Where a module or function is not
 * where the pinned version has it, that one speed-up is left out and the engine
 * runs as published.
 *
 * Profiled on the demo matrix and the per-consumer plans of
 * `npm run bench:access` (issue #22). Off with `XACCT_ACCESS_ENGINE_SPEEDUPS=off` (or
 * {@link setEngineSpeedups}), which also has every request asked of the engine
 * (no answers by request shape, shortcut.ts): `__tests__/access/engine-speedups.test.ts`
 * computes the demo stacks' matrices with them on and off and compares every
 * cell and deciding statement; `engine-memo.test.ts` compares single answers.
 */

let enabled = process.env.XACCT_ACCESS_ENGINE_SPEEDUPS !== "off";

/** Switches the speed-ups on or off (the engine's own functions answer while off, and every request is asked of the engine). */
export function setEngineSpeedups(on: boolean): void {
  enabled = on;
}

export const engineSpeedupsEnabled = (): boolean => enabled;

type Fn = (...args: never[]) => unknown;
/** A replaced function: the engine's own stays reachable. */
export type Replaced<F extends Fn = Fn> = F & { readonly xacctSpeedup: true; readonly original: F };

/** `holder[name] = faster`, calling the original while the speed-ups are off; nothing when the holder lacks it. */
function replace<F extends Fn>(holder: Record<string, unknown> | undefined, name: string, make: (original: F) => F): void {
  const original = holder?.[name] as F | undefined;
  if (!holder || typeof original !== "function" || (original as Partial<Replaced>).xacctSpeedup) return;
  const faster = make(original);
  const replaced = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return (enabled ? faster : original).apply(this, args) as ReturnType<F>;
  };
  holder[name] = Object.assign(replaced, { xacctSpeedup: true as const, original });
}

/** A promise-returning function memoized by a key of its arguments (failures are not kept). */
function memoAsync<A extends unknown[]>(original: (...a: A) => Promise<unknown>, keyOf: (...a: A) => string | undefined): (...a: A) => Promise<unknown> {
  const memo = new Map<string, Promise<unknown>>();
  return (...a: A): Promise<unknown> => {
    const key = keyOf(...a);
    if (key === undefined) return original(...a);
    let hit = memo.get(key);
    if (!hit) {
      hit = original(...a);
      memo.set(key, hit);
      hit.catch(() => memo.delete(key));
    }
    return hit;
  };
}

/**
 * The representative of an S3 ARN's shape: which resource types of an action
 * an `arn:aws:s3:::` ARN matches depends only on whether it names a bucket or
 * an object (the patterns are `arn:${Partition}:s3:::${BucketName}` and
 * `...:::${BucketName}/${ObjectName}`), not on the names. Other ARNs are their own shape.
 */
export const s3ArnShape = (resource: string): string =>
  /^arn:aws:s3:::[^/]+\/.+$/.test(resource) ? "arn:aws:s3:::bucket/key" : /^arn:aws:s3:::[^/*?]+$/.test(resource) ? "arn:aws:s3:::bucket" : resource;

/** What the context keys an action allows depend on besides the action: the ARN's shape, and whether it is an S3 bucket or object (S3's ABAC keys). */
export const contextKeysShape = (resource: string): string => `${s3ArnShape(resource)}|${/^arn:aws:s3:::/.test(resource)}`;

/** Printable ASCII only: where a case-insensitive comparison is a comparison of lowercased strings. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * For printable ASCII, the only text condition operators hold, the policy
 * library's `caseInsensitiveEquals` (`localeCompare` with
 * `sensitivity: "accent"`, through ICU) equals comparing the lowercased strings; anything
 * else still goes to the original. Undefined (not installed) unless the
 * process's collator agrees with that rule on every printable character
 * (alone, paired, against nothing and after a letter): a locale with other case
 * rules, e.g. Turkish dotted I, keeps the original.
 */
export function fastCaseInsensitive(original: (first: string, second: string) => boolean): ((first: string, second: string) => boolean) | undefined {
  const chars = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  const fast = (first: string, second: string): boolean =>
    PRINTABLE_ASCII.test(first) && PRINTABLE_ASCII.test(second)
      ? first.length === second.length && first.toLowerCase() === second.toLowerCase()
      : original(first, second);
  // `a.localeCompare(b, undefined, options)` is `new Intl.Collator(undefined, options).compare(a, b)`
  // (ECMA-402, String.prototype.localeCompare): one collator checks every pair in a few ms, where
  // localeCompare builds one per call. The function itself is checked against it on each character
  // beside the letters that case rules of some locales single out, and a space.
  const collator = new Intl.Collator(undefined, { sensitivity: "accent" });
  const viaCollator = (x: string, y: string): boolean => collator.compare(x, y) === 0;
  for (const a of chars) for (const b of ["I", "i", "A", "a", " "]) if (original(a, b) !== viaCollator(a, b)) return undefined;
  for (const a of chars) {
    for (const [x, y] of [
      [a, ""],
      [`a${a}`, "a"],
    ])
      if (viaCollator(x, y) !== fast(x, y)) return undefined;
    for (const b of chars) if (viaCollator(a, b) !== fast(a, b)) return undefined;
  }
  return fast;
}

type Module = Record<string, unknown>;

function load(file: string): Module | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- files inside the optional engine package and its policy library, loaded only when installed
    return require(file) as Module;
  } catch {
    return undefined;
  }
}

/** Installs every speed-up that finds its function (once per process). */
export function installEngineSpeedups(enginePackage: string): void {
  let engineDir: string;
  let policyDir: string;
  try {
    engineDir = path.dirname(require.resolve(enginePackage));
    policyDir = path.dirname(require.resolve("@cloud-copilot/iam-policy", { paths: [engineDir] }));
  } catch {
    return;
  }
  const engine = (file: string): Module | undefined => load(path.join(engineDir, file));
  const policyLib = (file: string): Module | undefined => load(path.join(policyDir, file));

  // Half of a per-consumer plan's simulations went to matching the request's ARN against the
  // action's resource-type patterns, twice per request, with one answer per ARN shape.
  type Types = (service: string, action: string, resource: string) => Promise<unknown>;
  replace<Types>(engine("simulation_engine/resourceTypes.js"), "getResourceTypesForAction", (original) =>
    memoAsync(original, (service, action, resource) => `${service}|${action}|${s3ArnShape(resource)}`),
  );
  // The context keys an action allows: from the action's data and the resource type (one per ARN
  // shape), plus S3's ABAC switch; every simulation asks, the single-resource path with no suggested type.
  type Keys = (service: string, action: string, resource: string, abac: boolean, suggested?: unknown) => Promise<unknown>;
  replace<Keys>(engine("simulation_engine/contextKeys.js"), "allowedContextKeysForRequest", (original) =>
    memoAsync(original, (service, action, resource, abac, suggested) =>
      suggested === undefined ? `${service}|${action}|${contextKeysShape(resource)}|${abac}` : undefined,
    ),
  );

  // A third of the demo matrix's simulations went to caseInsensitiveEquals, asked for every
  // condition operator of every statement ("...IfExists?").
  const utils = policyLib("utils.js");
  const equals = utils?.caseInsensitiveEquals as ((a: string, b: string) => boolean) | undefined;
  const fast = typeof equals === "function" && !(equals as Partial<Replaced>).xacctSpeedup ? fastCaseInsensitive(equals) : undefined;
  if (fast && typeof utils?.caseInsensitiveEndsWith === "function") {
    replace<(a: string, b: string) => boolean>(utils, "caseInsensitiveEquals", () => fast);
    // The library's EndsWith calls its own Equals directly: the same rule over the same slice.
    replace<(value: string, suffix: string) => boolean>(
      utils,
      "caseInsensitiveEndsWith",
      () => (value, suffix) => fast(value.slice(suffix.length * -1), suffix),
    );
  }
}
