"""Calls the service makes to S3 itself, with the bucket owner's role.

The existence check (``"check": true``) is a HEAD of a short-lived presigned
URL. Every call goes through :mod:`xpresign.transport` (one TLS context, no
redirects, bounded answers) within the request's deadline. S3's own message
text never reaches a caller: the answer's status maps to a stable code.
"""

from __future__ import annotations

import logging

from . import transport
from .errors import AccessDenied, NoSuchKey, ServiceUnavailable, UpstreamError
from .values import NO_DEADLINE, Deadline

logger = logging.getLogger(__name__)

#: Per-call connect and read timeout, cut further by the deadline.
TIMEOUT_SECONDS = 3.0
#: Retry-After for an S3 call that ran out of time.
RETRY_AFTER_SECONDS = 2


def out_of_time() -> ServiceUnavailable:
    """The check could not run in time: the invocation's, or the grant's."""
    return ServiceUnavailable("no time was left to check the object", retry_after=RETRY_AFTER_SECONDS)


def _timeout(deadline: Deadline) -> float:
    timeout = transport.attempt_timeout(deadline, TIMEOUT_SECONDS)
    if timeout is None:
        raise out_of_time()
    return timeout


def check_object(url: str, deadline: Deadline = NO_DEADLINE) -> None:
    """HEAD a presigned URL: return if the object is there and readable."""
    try:
        response = transport.request("HEAD", url, timeout=_timeout(deadline))
    except transport.TransportError as exc:
        logger.warning("S3 existence check failed (%s)", exc.reason)
        if exc.timed_out:
            raise ServiceUnavailable(
                "S3 did not answer the existence check in time", retry_after=RETRY_AFTER_SECONDS
            ) from None
        if exc.unanswered:
            raise ServiceUnavailable("S3 did not answer the existence check", retry_after=RETRY_AFTER_SECONDS) from None
        raise UpstreamError("S3's answer to the existence check was unreadable") from None
    if response.status == 200:
        return
    if response.status == 404:
        raise NoSuchKey("no such object (checked with the bucket owner's role)")
    if response.status == 403:
        raise AccessDenied("the bucket owner's role may not read this object (or it does not exist)")
    if response.status == 429 or response.status >= 500:  # SlowDown, or S3 failing: it may pass
        raise ServiceUnavailable(
            f"S3 answered the existence check with HTTP {response.status}", retry_after=RETRY_AFTER_SECONDS
        )
    raise UpstreamError(f"S3 answered the existence check with HTTP {response.status}")
