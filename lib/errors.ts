/**
 * A configuration or props error found at synth time. The message always names
 * the offending field, what was given, and the accepted form, so the fix is
 * obvious from the message alone.
 */
export class ConfigError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. `accounts.b.id` or `BucketShare.bucketName`. */
    public readonly field: string,
    /** What is wrong and what is accepted. */
    public readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "ConfigError";
  }
}
