import { asList } from "../../model/stack-model";
import type { Rule } from "./rule";
import { eachStatement, isObjectArn, isS3Resource, lower, sidOf } from "./shared";

const BUCKET_LEVEL_ACTIONS = ["s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads", "s3:getbucketlocation"];

export const listBucketOnObjectArnRule: Rule = {
  id: "list-bucket-on-object-arn",
  severity: "error",
  explanation: "ListBucket and other bucket-level actions granted only on object ARNs (arn:aws:s3:::bucket/*) never match: they apply to the bucket ARN.",
  docs: ["https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"],
  check: (model) =>
    eachStatement(model, (p, s) => {
      if (s.Effect !== "Allow") return [];
      const resources = asList(s.Resource).filter(isS3Resource);
      const bucketActions = lower(asList(s.Action)).filter((a) => BUCKET_LEVEL_ACTIONS.includes(a));
      if (resources.length === 0 || bucketActions.length === 0 || !resources.every(isObjectArn)) return [];
      return [
        {
          level: "error",
          address: p.address,
          check: "list-bucket-on-object-arn",
          message: `statement ${sidOf(s)} of ${p.attachedTo} grants ${bucketActions.join(", ")} only on object ARNs (${resources.join(", ")}); ListBucket applies to the bucket ARN (arn:aws:s3:::bucket) and would be denied. Grant it on the bucket ARN, narrowed with an s3:prefix condition.`,
        },
      ];
    }),
};
