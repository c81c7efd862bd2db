import { asList } from "../../model/stack-model";
import type { Rule } from "./rule";
import { eachStatement, isObjectArn, isS3Resource, lower, sidOf } from "./shared";

const OBJECT_ACTIONS = ["s3:getobject", "s3:putobject", "s3:deleteobject", "s3:getobjectversion", "s3:putobjectacl", "s3:getobjectacl"];

export const objectActionOnBucketArnRule: Rule = {
  id: "object-action-on-bucket-arn",
  severity: "error",
  explanation: "Object actions (GetObject, PutObject, ...) granted only on the bucket ARN never match: they apply to arn:aws:s3:::bucket/key.",
  docs: ["https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"],
  check: (model) =>
    eachStatement(model, (p, s) => {
      if (s.Effect !== "Allow") return [];
      const resources = asList(s.Resource).filter(isS3Resource);
      const objectActions = lower(asList(s.Action)).filter((a) => OBJECT_ACTIONS.includes(a));
      if (resources.length === 0 || objectActions.length === 0 || !resources.every((r) => !isObjectArn(r))) return [];
      return [
        {
          level: "error",
          address: p.address,
          check: "object-action-on-bucket-arn",
          message: `statement ${sidOf(s)} of ${p.attachedTo} grants ${objectActions.join(", ")} only on the bucket ARN (${resources.join(", ")}); object actions apply to arn:aws:s3:::bucket/key and would be denied. Grant them on "arn:aws:s3:::bucket/prefix*".`,
        },
      ];
    }),
};
