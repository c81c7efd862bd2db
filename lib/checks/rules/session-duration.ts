import type { Finding, Rule } from "./rule";
import { requestedSeconds } from "./role-chaining-session";

export const sessionDurationRule: Rule = {
  id: "session-duration",
  severity: "error",
  explanation: "A function asking for longer sessions than its target role's MaxSessionDuration fails every AssumeRole.",
  docs: ["https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"],
  check(model): Finding[] {
    const out: Finding[] = [];
    for (const fn of model.functions) {
      const requested = requestedSeconds(fn.environment);
      const role = model.roles.find((r) => r.arn === fn.environment.TARGET_ROLE_ARN);
      if (role && requested > role.maxSessionDurationSeconds) {
        out.push({
          level: "error",
          address: fn.address,
          check: "session-duration",
          message: `${fn.name} requests ${requested} s sessions of ${role.arn}, whose maximum is ${role.maxSessionDurationSeconds} s: STS would refuse every AssumeRole. Lower the session duration or raise the role's maxSessionDurationSeconds.`,
        });
      }
    }
    return out;
  },
};
