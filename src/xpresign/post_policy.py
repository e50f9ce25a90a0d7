"""SigV4 POST policies: the signed form fields of a browser upload.

A policy is a JSON document of an ``expiration`` and ``conditions``; the form
carries it base64-encoded, with its signature (an HMAC of that base64 text
under the day's signing key). S3 checks every form field against the
conditions, including the file's size against ``content-length-range``.

The document is written as botocore's ``generate_presigned_post`` writes it
(the caller's conditions, then the bucket, the key and the auth fields, with
``json.dumps``'s separators), so the fields are equal to botocore's for the
same conditions at the same instant (tested).
"""

from __future__ import annotations

import base64
import json

from .presign import SigningScope
from .sigv4 import ALGORITHM


def signed_fields(
    *,
    bucket: str,
    key: str,
    scope: SigningScope,
    amz_date: str,
    session_token: str | None,
    expiration: str,
    conditions: list,
    fields: dict[str, str],
) -> dict[str, str]:
    """The form fields for ``key``: ``fields`` (e.g. ``Content-Type``), ``key``,
    the auth fields, ``policy`` and ``x-amz-signature``. ``conditions`` are
    the caller's, e.g. ``[{"Content-Type": ...}, ["content-length-range", 0, n]]``."""
    auth = {"x-amz-algorithm": ALGORITHM, "x-amz-credential": scope.credential, "x-amz-date": amz_date}
    if session_token:
        auth["x-amz-security-token"] = session_token
    document = {
        "expiration": expiration,
        "conditions": [*conditions, {"bucket": bucket}, {"key": key}, *({name: value} for name, value in auth.items())],
    }
    policy = base64.b64encode(json.dumps(document).encode("utf-8")).decode("ascii")
    return {
        **fields,
        "key": key,
        **auth,
        "policy": policy,
        "x-amz-signature": scope.hmac.hexdigest(policy.encode("ascii")),
    }
