import { ConfigError } from "../../../lib/errors";
import * as v from "../../../lib/validate";
import { accessPointMode } from "./access-points";
import { bucketPolicyMode } from "./bucket-policy";
import type { ShareModeFactory } from "./mode";

export type { ShareMode, ShareModeFactory, ShareModeHost } from "./mode";
export { bucketPolicyMode } from "./bucket-policy";
export { accessPointMode, accessPointsOf, AccessPointSet } from "./access-points";

/** The share's mode: `mode`, or `accessPoints: true` as its shorthand for {@link accessPointMode}; bucket-policy mode by default. */
export function resolveShareMode(label: string, props: { readonly mode?: ShareModeFactory; readonly accessPoints?: boolean }): ShareModeFactory {
  const ap = v.flag(`${label}.accessPoints`, props.accessPoints ?? false);
  if (props.mode === undefined) return ap ? accessPointMode : bucketPolicyMode;
  if (typeof props.mode !== "object" || props.mode === null || typeof props.mode.create !== "function") {
    throw new ConfigError(`${label}.mode`, "is not a share mode: pass bucketPolicyMode or accessPointMode (exported by xacct-s3)");
  }
  if (ap && props.mode !== accessPointMode) {
    throw new ConfigError(`${label}.accessPoints`, `is true but mode is "${props.mode.name}": set only one of them`);
  }
  return props.mode;
}
