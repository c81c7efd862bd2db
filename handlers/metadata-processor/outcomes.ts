import { BadEventError } from "../shared/errors";

/** A record's failure that no retry can fix (the invocation does not fail for it). */
export class PermanentRecordError extends Error {
  constructor(
    name: string,
    message: string,
    public readonly superseded = false,
  ) {
    super(message);
    this.name = name;
  }
}

/** Permanent: retrying cannot help. Everything else is treated as transient. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentRecordError || err instanceof BadEventError;
}
