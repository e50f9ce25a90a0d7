"""STS AssumeRole over ``urllib``, signed with :mod:`xpresign.sigv4`.

Hand-written rather than boto3 because this is the Lambda request path: boto3
costs ~0.3 s of import and ~25 MB on every cold start, for one form POST and one
small XML document. The tests prove the signature byte-identical to botocore's
``SigV4Auth`` and run this client against moto's and SeaweedFS's STS.
"""

from __future__ import annotations

import http.client
import logging
import random
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlencode

from . import sigv4
from .credentials import Credentials, RoleSpec, parse_timestamp
from .errors import RoleNotAssumable, StsThrottled, StsUnavailable, UpstreamError, XpresignError

logger = logging.getLogger(__name__)

API_VERSION = "2011-06-15"
#: Assuming a role with role credentials (a Lambda's, say) is role chaining,
#: which STS caps at one hour whatever the role's MaxSessionDuration.
ROLE_CHAINING_MAX_SECONDS = 3600
#: Attempts per AssumeRole (one call plus retries) on throttling, 5xx and network errors.
MAX_ATTEMPTS = 3
#: Full-jitter exponential backoff: sleep uniform(0, min(cap, base * 2**attempt)).
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 2.0
#: Per-attempt connect and read timeout. Lambda's own timeout bounds the total.
TIMEOUT_SECONDS = 3.0
#: What the API tells callers to wait (Retry-After) when STS is unusable.
RETRY_AFTER_SECONDS = 5

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)
_ROLE_CHAINING_MESSAGE = "role chaining"
_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


def default_endpoint(region: str) -> str:
    """The regional STS endpoint (not the legacy global one, which adds latency
    from outside us-east-1 and fails when us-east-1 does)."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://sts.{region}.{suffix}"


class StsClient:
    """``assume_role(role, source_credentials) -> Credentials``."""

    def __init__(
        self,
        region: str,
        endpoint_url: str | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self.region = region
        self.endpoint_url = (endpoint_url or default_endpoint(region)).rstrip("/") + "/"
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    def assume_role(self, role: RoleSpec, source: Credentials) -> Credentials:
        try:
            return self._assume_role(role, role.duration_seconds, source)
        except RoleNotAssumable as exc:
            if (
                role.duration_seconds > ROLE_CHAINING_MAX_SECONDS
                and exc.sts_code == "ValidationError"
                and _ROLE_CHAINING_MESSAGE in exc.message
            ):
                logger.warning(
                    "STS refused DurationSeconds=%d for %s because of the role-chaining cap; "
                    "retrying with %d",
                    role.duration_seconds,
                    role.role_arn,
                    ROLE_CHAINING_MAX_SECONDS,
                )
                return self._assume_role(role, ROLE_CHAINING_MAX_SECONDS, source)
            raise

    def _assume_role(self, role: RoleSpec, duration: int, source: Credentials) -> Credentials:
        body = assume_role_body(role, duration)
        last_error: XpresignError | None = None
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(self._jitter() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))
            try:
                status, payload = self._post(body, source)
            # HTTPException: a connection cut mid-answer (IncompleteRead...).
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = StsUnavailable(
                    f"STS at {self.endpoint_url} did not answer ({reason})",
                    retry_after=RETRY_AFTER_SECONDS,
                )
                continue
            if status == 200:
                return parse_assume_role_response(payload)
            code, message = parse_error(payload)
            if code in THROTTLING_CODES or status == 429:
                last_error = StsThrottled(
                    f"STS is throttling AssumeRole ({code or status})", retry_after=RETRY_AFTER_SECONDS
                )
                continue
            if status >= 500:
                last_error = StsUnavailable(
                    f"STS failed with HTTP {status} ({code or 'no error code'})",
                    retry_after=RETRY_AFTER_SECONDS,
                )
                continue
            raise RoleNotAssumable(
                f"cannot assume {role.role_arn}: {code or status}: {message}".rstrip(": "),
                sts_code=code,
            )
        assert last_error is not None
        raise last_error

    def _post(self, body: bytes, source: Credentials) -> tuple[int, bytes]:
        headers = sigv4.sign_headers(
            method="POST",
            url=self.endpoint_url,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            body=body,
            credentials=source,
            region=self.region,
            service="sts",
            now=int(self._clock()),
        )
        request = urllib.request.Request(self.endpoint_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()


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


def _find_text(root: ET.Element, name: str) -> str | None:
    # STS answers in its namespace; some emulators answer without one.
    for element in root.iter():
        if element.tag in (name, _NS + name):
            return element.text
    return None


def parse_assume_role_response(payload: bytes) -> Credentials:
    try:
        root = ET.fromstring(payload)
    except ET.ParseError as exc:
        raise UpstreamError(f"STS answered with malformed XML ({exc})") from None
    fields = {name: _find_text(root, name) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise UpstreamError(f"STS answer lacks {', '.join(missing)}")
    try:
        expires_at = parse_timestamp(fields["Expiration"])
    except ValueError:
        raise UpstreamError(f"STS answered an unreadable Expiration {fields['Expiration']!r}") from None
    return Credentials(fields["AccessKeyId"], fields["SecretAccessKey"], fields["SessionToken"], expires_at)


def parse_error(payload: bytes) -> tuple[str, str]:
    """``(code, message)`` from an STS ``ErrorResponse``; empty strings if unreadable."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return "", ""
    return (_find_text(root, "Code") or "").strip(), (_find_text(root, "Message") or "").strip()
