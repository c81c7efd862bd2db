"""Summarises the shared reports (a Python Lambda from a directory, LambdaCode.fromDirectory).

The module sets the same environment contract for every runtime: TARGET_BUCKET,
TARGET_PREFIX, TARGET_KMS_KEY_ARN, ... (see the xacct-s3 README). It may read
REPORTS_PREFIX and write one summary object under TARGET_PREFIX.
"""
import datetime
import json
import os

import boto3  # provided by the Lambda Python runtime

s3 = boto3.client("s3")


def handler(event, context):
    bucket = os.environ["TARGET_BUCKET"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=os.environ["REPORTS_PREFIX"], MaxKeys=1000)
    keys = [o["Key"] for o in listed.get("Contents", [])]
    key = f"{os.environ.get('TARGET_PREFIX', '')}{datetime.datetime.utcnow():%Y-%m-%dT%H%M%S}.json"
    extra = {}
    if os.environ.get("TARGET_KMS_KEY_ARN"):
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": os.environ["TARGET_KMS_KEY_ARN"]}
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"count": len(keys), "keys": keys}), **extra)
    return {"key": key, "count": len(keys)}
