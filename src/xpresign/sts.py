"""STS AssumeRole over :mod:`xpresign.transport`, signed with :mod:`xpresign.sigv4`.

Hand-written rather than boto3 because this is the Lambda request path: boto3
costs ~0.3 s of import and ~25 MB on every cold start, for one form POST and one
small XML document. The tests prove the signature byte-identical to botocore's
``SigV4Auth`` and run this client against moto's and SeaweedFS's STS.

What STS says in free text never reaches a caller: errors carry a stable code
and a fixed message, and the log gets STS's code with a bounded, masked
excerpt of its message (:mod:`xpresign.redact`). A redirect is an upstream
error: following it would send the source credentials elsewhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

from . import sigv4, transport, xml_answers
from .errors import RoleNotAssumable, StsThrottled, StsUnavailable, UpstreamError
from .partitions import service_endpoint
from .redact import mask
from .sources import issued_credentials, parse_timestamp
from .values import NO_DEADLINE, ROLE_CHAINING_MAX_SECONDS, Credentials, Deadline, RoleSpec

__all__ = ["MAX_ATTEMPTS", "RETRY_AFTER_SECONDS", "ROLE_CHAINING_MAX_SECONDS", "StsClient"]

logger = logging.getLogger(__name__)

API_VERSION = "2011-06-15"
#: Attempts per AssumeRole (one call plus retries) on throttling, 5xx and network errors.
MAX_ATTEMPTS = 3
#: Full-jitter exponential backoff: sleep uniform(0, min(cap, base * 2**attempt)).
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 2.0
#: Per-attempt connect and read timeout, cut further by the request's deadline.
TIMEOUT_SECONDS = 3.0
#: What the API tells callers to wait (Retry-After) when STS is unusable.
RETRY_AFTER_SECONDS = 5

THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"})
_ROLE_CHAINING_MESSAGE = "role chaining"
#: What a caller is told when STS refuses: no ARNs, no account IDs, no STS text.
REFUSED_MESSAGE = "STS refused the AssumeRole into the bucket owner's role"


def default_endpoint(region: str) -> str:
    """The regional STS endpoint (not the legacy global one, which adds latency
    from outside us-east-1 and fails when us-east-1 does)."""
    return service_endpoint("sts", region)


def full_jitter() -> float:
    """``random.random()``, with ``random`` loaded by the first retry rather
    than at start-up, where it costs ~1.5 ms of a cold start (measured)."""
    import random  # noqa: PLC0415

    return random.random()  # noqa: S311 - backoff jitter, not a secret


class StsClient:
    """``assume_role(role, source_credentials, deadline) -> Credentials``."""

    def __init__(
        self,
        region: str,
        endpoint_url: str | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] | None = None,
    ):
        self.region = region
        self.endpoint_url = (endpoint_url or default_endpoint(region)).rstrip("/") + "/"
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter or full_jitter

    def assume_role(self, role: RoleSpec, source: Credentials, deadline: Deadline = NO_DEADLINE) -> Credentials:
        status, payload = self.call(assume_role_body(role, role.duration_seconds), source, deadline)
        if status != 200 and role.duration_seconds > ROLE_CHAINING_MAX_SECONDS:
            code, message = parse_error(payload)
            if code == "ValidationError" and _ROLE_CHAINING_MESSAGE in message:
                logger.warning(
                    "STS refused DurationSeconds=%d for %s because of the role-chaining cap; retrying with %d",
                    role.duration_seconds,
                    role.role_arn,
                    ROLE_CHAINING_MAX_SECONDS,
                )
                status, payload = self.call(assume_role_body(role, ROLE_CHAINING_MAX_SECONDS), source, deadline)
        if status == 200:
            return parse_credentials(payload)
        code, message = parse_error(payload)
        logger.warning("STS refused AssumeRole of %s: %s %s", role.role_arn, mask(code, 64) or status, mask(message))
        raise RoleNotAssumable(REFUSED_MESSAGE, sts_code=mask(code, 64))

    def call(self, body: bytes, source: Credentials | None, deadline: Deadline = NO_DEADLINE) -> tuple[int, bytes]:
        """POST ``body`` (signed with ``source``, or unsigned when None), retrying
        throttling, 5xx and network errors within the deadline. Returns a final
        ``(status, payload)`` below 500; raises for what retries did not cure."""

        def throttled(response: transport.Response) -> bool:
            return response.status == 429 or (
                response.status != 200 and parse_error(response.body)[0] in THROTTLING_CODES
            )

        try:
            response = transport.with_retries(
                lambda timeout: self._post(body, source, timeout),
                deadline=deadline,
                attempts=self._max_attempts,
                timeout=self._timeout,
                retryable=lambda response: response.status >= 500 or throttled(response),
                pause=self._backoff,
                sleep=self._sleep,
                on_retry=lambda reason: logger.info("STS attempt failed (%s)", reason),
            )
        except transport.RetriesExhausted as exhausted:
            last = exhausted.response
            if last is not None and throttled(last):
                raise StsThrottled("STS is throttling requests", retry_after=RETRY_AFTER_SECONDS) from None
            if last is not None:
                code = parse_error(last.body)[0]
                logger.info("STS failed with HTTP %d (%s)", last.status, mask(code, 64) or "no error code")
                raise StsUnavailable(f"STS failed with HTTP {last.status}", retry_after=RETRY_AFTER_SECONDS) from None
            logger.info("STS did not answer (%s)", exhausted.reason)
            raise StsUnavailable("STS did not answer", retry_after=RETRY_AFTER_SECONDS) from None
        if 300 <= response.status < 400:
            raise UpstreamError("STS answered with a redirect, which is never followed")
        return response.status, response.body

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**attempt))."""
        return self._jitter() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)

    def _post(self, body: bytes, source: Credentials | None, timeout: float) -> transport.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if source is not None:
            headers = sigv4.sign_headers(
                method="POST",
                url=self.endpoint_url,
                headers=headers,
                body=body,
                credentials=source,
                region=self.region,
                service="sts",
                now=int(self._clock()),
            )
        return transport.request("POST", self.endpoint_url, headers=headers, body=body, timeout=timeout)


def assume_role_body(role: RoleSpec, duration: int) -> bytes:
    params = [
        ("Action", "AssumeRole"),
        ("Version", API_VERSION),
        ("RoleArn", role.role_arn),
        ("RoleSessionName", role.session_name),
        ("DurationSeconds", str(duration)),
    ]
    if role.external_id:
        params.append(("ExternalId", role.external_id))
    if role.source_identity:
        params.append(("SourceIdentity", role.source_identity))
    for i, (key, value) in enumerate(role.tags, start=1):
        params += [(f"Tags.member.{i}.Key", key), (f"Tags.member.{i}.Value", value)]
    return urlencode(params).encode("ascii")


def parse_credentials(payload: bytes) -> Credentials:
    """The ``Credentials`` element of an AssumeRole (or WithWebIdentity) answer."""
    root = xml_answers.parse(payload)
    if root is None:
        raise UpstreamError("STS answered with malformed XML")
    fields = {
        name: xml_answers.find_text(root, name)
        for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
    }
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if missing:
        raise UpstreamError(f"STS answer lacks {', '.join(missing)}")
    try:
        expires_at = parse_timestamp(fields["Expiration"])
    except ValueError:
        raise UpstreamError("STS answered an Expiration that is not an ISO 8601 time with a zone") from None
    return issued_credentials(
        "STS", fields["AccessKeyId"], fields["SecretAccessKey"], fields["SessionToken"], expires_at
    )


#: The name the tests and 0.1 used.
parse_assume_role_response = parse_credentials


def parse_error(payload: bytes) -> tuple[str, str]:
    """``(code, message)`` from an STS ``ErrorResponse``; empty strings if unreadable."""
    return xml_answers.error_of(payload)
