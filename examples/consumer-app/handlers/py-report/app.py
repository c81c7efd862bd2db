"""Summarises the shared reports for the finance team (a Python Lambda from a directory).

The module sets the same environment contract for every runtime: TARGET_BUCKET,
TARGET_PREFIX, TARGET_KMS_KEY_ARN, ... (see the xacct-s3 README).
"""
import json
import os

import boto3  # provided by the Lambda Python runtime

s3 = boto3.client("s3")


def handler(event, context):
    bucket = os.environ["TARGET_BUCKET"]
    prefix = os.environ.get("TARGET_PREFIX", "")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=100)
    keys = [o["Key"] for o in listed.get("Contents", [])]
    return {"statusCode": 200, "body": json.dumps({"bucket": bucket, "count": len(keys), "keys": keys})}
