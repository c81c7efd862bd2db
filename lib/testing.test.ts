import { ConfigError } from "./errors";
import { ACCOUNT_A, ACCOUNT_B, synthModule } from "./testing";

describe("testing helpers", () => {
  it("pin the providers to today's demo accounts by default", () => {
    expect(synthModule(() => undefined).model.accounts).toEqual({ account_a: ACCOUNT_A, account_b: ACCOUNT_B });
  });

  it("take the team's real account ids and region", () => {
    const { model } = synthModule(() => undefined, { a: "123456789012", b: "210987654321", region: "eu-west-1" });
    expect(model.accounts).toEqual({ account_a: "123456789012", account_b: "210987654321" });
    expect(model.region).toBe("eu-west-1");
  });

  it("refuse an account id that is not 12 digits, naming it", () => {
    expect(() => synthModule(() => undefined, { b: "2222" })).toThrow(ConfigError);
    expect(() => synthModule(() => undefined, { b: "2222" })).toThrow(/testing accounts\.b: must be a 12-digit AWS account id/);
  });
});
