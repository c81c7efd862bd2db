import { asList } from "../../model/stack-model";
import { KEY_ADMIN_SID } from "../../policy/documents";
import type { Rule } from "./rule";
import { eachStatement, sidOf } from "./shared";

export const wildcardActionRule: Rule = {
  id: "wildcard-action",
  severity: "warning",
  explanation: "An Allow of s3:*, kms:* or * grants every current and future action of the service; least privilege lists the actions needed.",
  docs: [
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html",
  ],
  check: (model) =>
    eachStatement(model, (p, s) => {
      if (s.Effect !== "Allow") return [];
      // The key's own administration statement (the owner account's root) is the deliberate exception.
      const isKeyAdmin = p.kind === "key" && s.Sid === KEY_ADMIN_SID;
      const wild = asList(s.Action).filter((a) => a === "*" || a.endsWith(":*"));
      if (!wild.length || isKeyAdmin) return [];
      return [
        {
          level: "warning",
          address: p.address,
          check: "wildcard-action",
          acknowledgement: "wildcard-action",
          message: `statement ${sidOf(s)} of ${p.attachedTo} allows ${wild.join(", ")}: list the actions needed (read = s3:GetObject + s3:ListBucket, write = s3:PutObject).`,
        },
      ];
    }),
};
