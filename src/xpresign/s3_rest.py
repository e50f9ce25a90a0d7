"""Header-signed S3 calls the service makes itself, with the bucket owner's role:
the multipart steps (create, list parts, complete, abort).

Signed with :func:`xpresign.sigv4.sign_headers` including
``X-Amz-Content-SHA256``, as botocore's ``S3SigV4Auth`` signs them; sent
through :mod:`xpresign.transport` with the one retry rule (throttling and 5xx,
within the request's deadline). boto3 stays off the Lambda path.

S3's own message text never reaches a caller: an S3 error code maps to a
stable xpresign code and a fixed sentence, and the log keeps S3's code and a
masked excerpt. CompleteMultipartUpload can answer 200 with an ``<Error>``
body; that is an error, as botocore treats it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from . import sigv4, transport, xml_answers
from .errors import (
    AccessDenied,
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
    ServiceUnavailable,
    UpstreamError,
    XpresignError,
)
from .redact import mask
from .s3 import BucketEndpoint
from .values import Credentials, Deadline

logger = logging.getLogger(__name__)

ATTEMPTS = 3
#: Per-attempt connect and read timeout; CompleteMultipartUpload of many parts
#: can take seconds, and the deadline cuts it further.
TIMEOUT_SECONDS = 10.0
BACKOFF_SECONDS = 0.2
RETRY_AFTER_SECONDS = 2
RETRYABLE_CODES = frozenset({"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"})

#: S3's error codes that callers may act on, with xpresign's own words.
_ERRORS: dict[str, tuple[type[XpresignError], str]] = {
    "NoSuchUpload": (NoSuchUpload, "no such multipart upload (completed, aborted, or never created)"),
    "InvalidPart": (InvalidPart, "a part is missing, or its ETag does not match the part S3 holds"),
    "InvalidPartOrder": (InvalidPartOrder, "parts must be listed in ascending part-number order"),
    "EntityTooSmall": (EntityTooSmall, "every part but the last must be at least 5 MiB"),
    "AccessDenied": (AccessDenied, "the bucket owner's role may not do this (check its upload permissions)"),
}


def _refusal(operation: str, status: int, payload: bytes) -> XpresignError:
    code, message = xml_answers.error_of(payload)
    logger.warning("S3 refused %s: HTTP %d %s %s", operation, status, mask(code, 64), mask(message))
    known = _ERRORS.get(code)
    if known is not None:
        return known[0](known[1])
    if status == 404 and operation != "CreateMultipartUpload":
        return NoSuchUpload(_ERRORS["NoSuchUpload"][1])
    return UpstreamError(f"S3 refused {operation} (HTTP {status})")


def call(
    operation: str,
    method: str,
    endpoint: BucketEndpoint,
    key: str,
    credentials: Credentials,
    deadline: Deadline,
    *,
    params: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    clock=time.time,
) -> bytes:
    """The answer's body to a signed ``method`` on ``key``; an xpresign error
    for anything else. ``params`` are the query (``("uploads", "")``...)."""
    query = "&".join(f"{sigv4.uri_encode(k)}={sigv4.uri_encode(v)}" if v else sigv4.uri_encode(k) for k, v in params)
    url = endpoint.object_url(key) + (f"?{query}" if query else "")

    def send(timeout: float) -> transport.Response:
        signed = sigv4.sign_headers(
            method=method,
            url=url,
            headers=headers or {},
            body=body,
            credentials=credentials,
            region=endpoint.region,
            service="s3",
            now=int(clock()),
            sign_payload_header=True,
        )
        return transport.request(method, url, headers=signed, body=body or None, timeout=timeout)

    def retryable(response: transport.Response) -> bool:
        # SlowDown and InternalError come as 503/500, or inside a 200 (Complete).
        # Complete also sends its 200 before its body: a connection closed in
        # between leaves a 200 that is not XML, which botocore retries too.
        return (
            response.status == 429
            or response.status >= 500
            or xml_answers.error_of(response.body)[0] in RETRYABLE_CODES
            or (response.status == 200 and bool(response.body) and xml_answers.parse(response.body) is None)
        )

    try:
        response = transport.with_retries(
            send,
            deadline=deadline,
            attempts=ATTEMPTS,
            timeout=TIMEOUT_SECONDS,
            retryable=retryable,
            pause=lambda attempt: BACKOFF_SECONDS * 2 ** (attempt - 1),
            on_retry=lambda reason: logger.info("S3 %s attempt failed (%s)", operation, reason),
        )
    except transport.RetriesExhausted as exhausted:
        logger.warning("S3 %s gave no answer (%s)", operation, exhausted.reason)
        raise ServiceUnavailable(f"S3 did not answer {operation}; try again", retry_after=RETRY_AFTER_SECONDS) from None
    if 300 <= response.status < 400:
        raise UpstreamError(f"S3 answered {operation} with a redirect, which is never followed")
    if response.status >= 400:
        raise _refusal(operation, response.status, response.body)
    root = xml_answers.parse(response.body) if response.body else None
    if root is not None and xml_answers.local_name(root.tag) == "Error":
        raise _refusal(operation, response.status, response.body)  # a 200 that is an error
    return response.body
