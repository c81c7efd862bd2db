import type { Finding, Rule } from "./rule";

/**
 * STS refuses `DurationSeconds` above 3600 when the caller is itself a role
 * session ("role chaining"), which is what a Lambda function's execution role
 * is: https://repost.aws/knowledge-center/iam-role-chaining-limit and the
 * AssumeRole API reference ("if you assume a role using role chaining and
 * provide a DurationSeconds parameter value greater than one hour, the
 * operation fails"). A role's maximum may still be up to 12 h, for humans.
 */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

/** The session length a function asks for (the writer's default is one hour). */
export const requestedSeconds = (env: Readonly<Record<string, string>>): number => Number(env.TARGET_SESSION_DURATION_SECONDS ?? "3600");

export const roleChainingSessionRule: Rule = {
  id: "role-chaining-session",
  severity: "error",
  explanation: "A Lambda function assuming a role is role chaining, which STS caps at one hour: a longer DurationSeconds fails every AssumeRole.",
  docs: ["https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html", "https://repost.aws/knowledge-center/iam-role-chaining-limit"],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const fn of model.functions) {
      const roleArn = fn.environment.TARGET_ROLE_ARN;
      const requested = requestedSeconds(fn.environment);
      if (roleArn !== undefined && requested > ROLE_CHAINING_MAX_SECONDS) {
        out.push({
          level: "error",
          address: fn.address,
          check: "role-chaining-session",
          message: `${fn.name} requests ${requested} s sessions of ${roleArn}, but a Lambda function assuming a role is role chaining, which STS caps at ${ROLE_CHAINING_MAX_SECONDS} s: every AssumeRole would fail. Request at most ${ROLE_CHAINING_MAX_SECONDS} s (the SDK refreshes the session before it expires).`,
        });
      }
    }
    return out;
  },
};
