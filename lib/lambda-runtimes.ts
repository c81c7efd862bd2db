import { ConfigError } from "./errors";

/**
 * Lambda runtime identifiers and handler string forms.
 *
 * Source: AWS Lambda Developer Guide, "Lambda runtimes"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, supported
 * and deprecated runtime tables) and "Runtime deprecation"
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html):
 * after a runtime is deprecated Lambda first blocks creating functions on it,
 * then updating them. A runtime listed here as `blocked` is refused at synth,
 * because `terraform apply` would fail (or only work until the update block).
 * Review this table when AWS adds or deprecates a runtime.
 */

export type RuntimeFamily = "nodejs" | "python" | "java" | "dotnet" | "ruby" | "provided";

export interface RuntimeInfo {
  readonly family: RuntimeFamily;
  /** `supported`, or `blocked` (deprecated; Lambda refuses new functions on it). */
  readonly status: "supported" | "blocked";
  /** For blocked runtimes: what to use instead. */
  readonly use?: string;
}

const supported = (family: RuntimeFamily): RuntimeInfo => ({ family, status: "supported" });
const blocked = (family: RuntimeFamily, use: string): RuntimeInfo => ({ family, status: "blocked", use });

export const LAMBDA_RUNTIMES: Readonly<Record<string, RuntimeInfo>> = {
  "nodejs24.x": supported("nodejs"),
  "nodejs22.x": supported("nodejs"),
  // Deprecated 2026-04-30, function create blocked from 2026-08-31.
  "nodejs20.x": blocked("nodejs", "nodejs22.x"),
  "nodejs18.x": blocked("nodejs", "nodejs22.x"),
  "nodejs16.x": blocked("nodejs", "nodejs22.x"),
  "nodejs14.x": blocked("nodejs", "nodejs22.x"),
  "nodejs12.x": blocked("nodejs", "nodejs22.x"),
  "nodejs10.x": blocked("nodejs", "nodejs22.x"),
  "nodejs8.10": blocked("nodejs", "nodejs22.x"),
  "nodejs6.10": blocked("nodejs", "nodejs22.x"),
  "nodejs4.3": blocked("nodejs", "nodejs22.x"),
  nodejs: blocked("nodejs", "nodejs22.x"),
  "python3.14": supported("python"),
  "python3.13": supported("python"),
  "python3.12": supported("python"),
  "python3.11": supported("python"),
  "python3.10": supported("python"),
  "python3.9": blocked("python", "python3.13"),
  "python3.8": blocked("python", "python3.13"),
  "python3.7": blocked("python", "python3.13"),
  "python3.6": blocked("python", "python3.13"),
  "python2.7": blocked("python", "python3.13"),
  java25: supported("java"),
  java21: supported("java"),
  java17: supported("java"),
  java11: supported("java"),
  "java8.al2": supported("java"),
  java8: blocked("java", "java21"),
  dotnet10: supported("dotnet"),
  dotnet8: supported("dotnet"),
  dotnet7: blocked("dotnet", "dotnet8"),
  dotnet6: blocked("dotnet", "dotnet8"),
  "dotnetcore3.1": blocked("dotnet", "dotnet8"),
  "dotnetcore2.1": blocked("dotnet", "dotnet8"),
  "dotnetcore2.0": blocked("dotnet", "dotnet8"),
  "dotnetcore1.0": blocked("dotnet", "dotnet8"),
  "ruby3.4": supported("ruby"),
  "ruby3.3": supported("ruby"),
  "ruby3.2": blocked("ruby", "ruby3.4"),
  "ruby2.7": blocked("ruby", "ruby3.4"),
  "ruby2.5": blocked("ruby", "ruby3.4"),
  "provided.al2023": supported("provided"),
  "provided.al2": supported("provided"),
  provided: blocked("provided", "provided.al2023"),
  "go1.x": blocked("provided", "provided.al2023 (with a bootstrap binary built from your Go code)"),
};

export const SUPPORTED_RUNTIMES: readonly string[] = Object.keys(LAMBDA_RUNTIMES).filter((r) => LAMBDA_RUNTIMES[r].status === "supported");

/** A runtime identifier Lambda accepts for new functions; `families` narrows it (e.g. Node only for bundled code). */
export function lambdaRuntime(field: string, value: unknown, families?: readonly RuntimeFamily[], why = ""): { runtime: string; family: RuntimeFamily } {
  const allowed = SUPPORTED_RUNTIMES.filter((r) => !families || families.includes(LAMBDA_RUNTIMES[r].family));
  const info = typeof value === "string" ? LAMBDA_RUNTIMES[value] : undefined;
  if (!info) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a Lambda runtime identifier; use one of ${allowed.join(", ")}`);
  }
  if (info.status === "blocked") {
    throw new ConfigError(
      field,
      `"${String(value)}" is a deprecated Lambda runtime: Lambda blocks creating (and then updating) functions on it, so apply would fail; use ${info.use}`,
    );
  }
  if (families && !families.includes(info.family)) {
    throw new ConfigError(field, `"${String(value)}" is a ${info.family} runtime, but ${why || "this code source"} needs one of ${allowed.join(", ")}`);
  }
  return { runtime: value as string, family: info.family };
}

const ID = "[A-Za-z_$][\\w$]*";

/** Accepted handler forms per runtime family (Lambda's own limit: 128 characters, no whitespace). */
export const HANDLER_FORMS: Record<RuntimeFamily, { pattern: RegExp; form: string }> = {
  nodejs: {
    pattern: new RegExp(`^[\\w./-]*[\\w-]\\.${ID}$`),
    form: '"<file without extension>.<exported function>", e.g. "index.handler" or "src/app.handler"',
  },
  python: { pattern: /^[\w./-]*\w\.[A-Za-z_]\w*$/, form: '"<module>.<function>", e.g. "app.handler" or "pkg/app.handler"' },
  ruby: {
    pattern: /^[\w./-]*\w\.[A-Za-z_][\w:]*(\.[A-Za-z_]\w*[!?]?)?$/,
    form: '"<file>.<method>" or "<file>.<Module::Class>.<method>", e.g. "function.handler"',
  },
  java: {
    pattern: new RegExp(`^${ID}(\\.${ID})*(::${ID})?$`),
    form: '"<package>.<Class>::<method>" or "<package>.<Class>" (a RequestHandler), e.g. "example.Handler::handleRequest"',
  },
  dotnet: {
    pattern: /^[\w.]+(::[\w.]+::\w+)?$/,
    form: '"<Assembly>::<Namespace>.<Class>::<Method>" (or just "<Assembly>" for an executable assembly), e.g. "App::App.Function::Handler"',
  },
  provided: { pattern: /^\S+$/, form: 'any name without whitespace, passed to your bootstrap as _HANDLER, e.g. "bootstrap"' },
};

export function lambdaHandler(field: string, value: unknown, runtime: string, family: RuntimeFamily): string {
  const { pattern, form } = HANDLER_FORMS[family];
  if (typeof value !== "string" || value.length > 128 || !pattern.test(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a handler for ${runtime}: use ${form} (at most 128 characters)`);
  }
  return value;
}
