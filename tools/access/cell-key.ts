import type { Hop } from "./types";

/**
 * The one-line identity of a cell, as tests list the expected Allowed cells:
 *
 *     role/xacct-writer-exec s3:ListBucket xacct-shared-…-us-east-1 [prefix=incoming/]
 *     member/xacct-Developers s3:GetObject xacct-prod-data-…/data/x.json via role/xacct-developer-upload-download[mfa]
 */
export interface CellIdentity {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: string;
  readonly via?: Pick<Hop, "role" | "context">;
}

const viaPart = (via: CellIdentity["via"]): string => (via ? ` via ${via.role}${via.context ? `[${via.context}]` : ""}` : "");

export function cellKey(c: CellIdentity): string {
  return `${c.principal} ${c.action} ${c.resource}${c.context ? ` [${c.context}]` : ""}${viaPart(c.via)}`;
}
