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

The fix: a statement whose condition does not hold is NEUTRAL; Bool and
String{Equals,NotEquals,Like} are evaluated for the context keys below; any
other key or operator keeps moto's behaviour (treated as holding). The context
is that of a production client: every AWS SDK call goes over TLS, so
aws:SecureTransport is "true" (the emulator's plain HTTP is a test artefact).
Nothing else of moto changes.
"""
import fnmatch
import sys

from moto.iam import access_control as ac
from moto.server import main

REQUEST_CONTEXT = {"aws:SecureTransport": "true"}

_original = ac.IAMPolicyStatement.is_action_permitted


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
            if key not in context:
                continue  # unknown key: moto's behaviour (holds)
            result = _holds(operator, _values(expected), context[key])
            if result is False:
                return False
    return True


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    condition = self._statement.get("Condition")
    if not condition:
        return _original(self, action, resource, principal, incoming_condition_values)
    context = {**REQUEST_CONTEXT, **(incoming_condition_values or {})}
    if not _conditions_hold(condition, context):
        return ac.PermissionResult.NEUTRAL
    unconditioned = ac.IAMPolicyStatement({k: v for k, v in self._statement.items() if k != "Condition"})
    return _original(unconditioned, action, resource, principal, incoming_condition_values)


ac.IAMPolicyStatement.is_action_permitted = is_action_permitted

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
