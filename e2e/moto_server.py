"""moto_server with one documented fidelity fix: bucket-policy statements with conditions.

Run with the venv's python exactly like `moto_server` (same arguments):
    python e2e/moto_server.py -H 127.0.0.1 -p PORT

Why: for object requests moto evaluates the bucket policy (moto/s3/responses.py
key_response -> FakeBucket.get_permission), but moto 5.2.5's
IAMPolicyStatement.is_action_permitted
  1. returns DENIED for *any* statement whose condition does not hold, Allow
     statements included (AWS: a statement whose condition does not hold does
     not apply), and
  2. evaluates only StringEquals; every other operator (Bool, StringLike, ...)
     counts as holding, and no request context (aws:SecureTransport) is passed.
Together they turn the TLS-only statement every bucket of this project has,
  {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
into an unconditional deny of every PutObject/GetObject, so no handler could
ever reach a bucket on the emulator.

The fix: a statement whose condition does not hold is NEUTRAL; Bool,
String{Equals,NotEquals,Like} (and their ...IfExists forms) and Null are
evaluated for the context keys below; any other key or operator keeps moto's
behaviour (treated as holding). The context is that of a production client:
every AWS SDK call goes over TLS, so aws:SecureTransport is "true" (the
emulator's plain HTTP is a test artefact); and, for object requests, the S3
encryption condition keys carry the request's own headers
(x-amz-server-side-encryption, ...-aws-kms-key-id, ...-customer-algorithm),
so the SSE-KMS pinning denies of an SSE-KMS bucket decide as in AWS: a Null
condition compares presence, a key absent from the request makes an
...IfExists or negated (StringNotEquals) condition hold and any other fail
("If the key is not present, evaluate the condition element as true", IAM
condition operators). Checked against moto 5.2.5: no headers, the bucket's
key and a multipart upload pass; AES256, another key and aws:kms without a
key id are refused.
Nothing else of moto changes.
"""
import fnmatch
import sys
import threading

from moto.iam import access_control as ac
from moto.s3 import responses as s3_responses
from moto.server import main

REQUEST_CONTEXT = {"aws:SecureTransport": "true"}

# S3 condition keys that are request headers of PutObject.
SSE_HEADER_KEYS = {
    "x-amz-server-side-encryption": "s3:x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id": "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm": "s3:x-amz-server-side-encryption-customer-algorithm",
}
# Condition keys this fix evaluates even when absent from the request (IfExists / Null semantics).
EVALUATED_KEYS = set(SSE_HEADER_KEYS.values())

_request = threading.local()
_original = ac.IAMPolicyStatement.is_action_permitted
_original_key_response = s3_responses.S3Response._key_response


def _key_response(self, request, full_url):
    """Remember the object request's encryption headers while moto checks the bucket policy."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    _request.context = {key: headers[h] for h, key in SSE_HEADER_KEYS.items() if h in headers}
    try:
        return _original_key_response(self, request, full_url)
    finally:
        _request.context = {}


s3_responses.S3Response._key_response = _key_response


def _values(v):
    return [str(x).lower() if isinstance(x, bool) else str(x) for x in (v if isinstance(v, list) else [v])]


def _holds(operator, expected, actual):
    base = operator.replace("IfExists", "")
    if base == "Bool":
        return actual.lower() in [e.lower() for e in expected]
    if base == "StringEquals":
        return actual in expected
    if base == "StringNotEquals":
        return actual not in expected
    if base == "StringLike":
        return any(fnmatch.fnmatchcase(actual, e) for e in expected)
    return None  # not evaluated here


def _conditions_hold(conditions, context):
    for operator, pairs in conditions.items():
        for key, expected in pairs.items():
            if operator == "Null" and key in EVALUATED_KEYS:
                absent = key not in context
                if absent != (_values(expected)[0].lower() == "true"):
                    return False
                continue
            if key not in context:
                # ...IfExists and negated operators hold for an absent key; others do not. Unknown keys: moto's behaviour (holds).
                if key in EVALUATED_KEYS and not operator.endswith("IfExists") and not operator.startswith("StringNot"):
                    return False
                continue
            result = _holds(operator, _values(expected), context[key])
            if result is False:
                return False
    return True


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    condition = self._statement.get("Condition")
    if not condition:
        return _original(self, action, resource, principal, incoming_condition_values)
    context = {**REQUEST_CONTEXT, **getattr(_request, "context", {}), **(incoming_condition_values or {})}
    if not _conditions_hold(condition, context):
        return ac.PermissionResult.NEUTRAL
    unconditioned = ac.IAMPolicyStatement({k: v for k, v in self._statement.items() if k != "Condition"})
    return _original(unconditioned, action, resource, principal, incoming_condition_values)


ac.IAMPolicyStatement.is_action_permitted = is_action_permitted

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
