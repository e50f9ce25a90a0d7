"""Presigned S3 URLs: the fast signer, and the service layer that is honest about expiry.

``presign_s3_url`` is the hot path: SigV4 query-string signing of one GET or
HEAD, byte-identical to botocore's ``generate_presigned_url`` (proved by the
property tests). Everything that does not change from one URL to the next (the
derived key, the encoded credential and session token, the timestamp within a
second) is cached, so a URL costs one SHA-256, one HMAC-SHA256 and a few string
joins.

``Presigner`` adds the rules: configured buckets, allowed prefixes, credentials
from the broker, and an expiry that never outlives the credentials.
"""

from __future__ import annotations

import hashlib
import time
from typing import NamedTuple

from . import sigv4
from .config import BucketConfig, Config
from .credentials import EXPIRY_SAFETY_MARGIN_SECONDS, CredentialBroker, Credentials
from .errors import InvalidExpiry, InvalidParameter, KeyNotAllowed, StsUnavailable
from .s3 import BucketEndpoint, content_disposition, resolve_bucket_endpoint, validate_key

METHODS = ("GET", "HEAD")


class CappedBy:
    """Why a URL's expiry is shorter than asked (``None`` when it is not)."""

    CREDENTIALS = "credentials"  # the signing session ends sooner
    POLICY = "policy"  # the bucket's configured maximum
    S3_LIMIT = "s3-limit"  # SigV4's seven-day maximum


class _Scope(NamedTuple):
    """What one (credentials, region, day) contributes to every URL."""

    scope: str  # 20260101/eu-west-1/s3/aws4_request
    credential_query: str  # X-Amz-Credential value, percent-encoded
    token_query: str  # "&X-Amz-Security-Token=..." or ""
    hmac: sigv4.PrecomputedHmac  # keyed with the derived signing key


_SCOPES: dict[tuple, _Scope] = {}
_SCOPES_SIZE = 64
#: (second, X-Amz-Date) of the last URL: one tuple, so threads read a consistent pair.
_last_amz_date: tuple[int, str] = (-1, "")


def _scope(credentials: Credentials, region: str, date: str) -> _Scope:
    cache_key = (credentials.access_key_id, credentials.secret_access_key, credentials.session_token, region, date)
    found = _SCOPES.get(cache_key)
    if found is None:
        scope = sigv4.credential_scope(date, region, "s3")
        token = credentials.session_token
        found = _Scope(
            scope=scope,
            credential_query=sigv4.uri_encode(f"{credentials.access_key_id}/{scope}"),
            token_query=f"&X-Amz-Security-Token={sigv4.uri_encode(token)}" if token else "",
            hmac=sigv4.PrecomputedHmac(sigv4.signing_key(credentials.secret_access_key, date, region, "s3")),
        )
        if len(_SCOPES) >= _SCOPES_SIZE:
            _SCOPES.clear()
        _SCOPES[cache_key] = found
    return found


def _amz_date(second: int) -> str:
    global _last_amz_date
    last = _last_amz_date
    if last[0] == second:
        return last[1]
    value = sigv4.amz_date(second)
    _last_amz_date = (second, value)
    return value


def validate_expires_in(value: object, setting: str = "expires_in") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= sigv4.MAX_PRESIGN_EXPIRES:
        raise InvalidExpiry(
            f"{setting} must be a whole number of seconds from 1 to {sigv4.MAX_PRESIGN_EXPIRES} "
            f"(SigV4's 7-day maximum), got {value!r}"
        )
    return value


def presign_s3_url(
    endpoint: BucketEndpoint,
    key: str,
    credentials: Credentials,
    *,
    expires_in: int,
    now: float,
    method: str = "GET",
    response_content_disposition: str | None = None,
    response_content_type: str | None = None,
    version_id: str | None = None,
) -> str:
    """A SigV4 presigned URL for one object, signed at ``now`` (epoch seconds).

    The four SigV4 steps of :mod:`xpresign.sigv4`, specialised: the canonical
    query is written already sorted (every parameter name is known), and the
    signing key's HMAC state comes from the per-day cache.
    """
    validate_expires_in(expires_in)
    if method not in METHODS:
        raise InvalidParameter(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    path = endpoint.object_path(key)
    amz = _amz_date(int(now))
    scope = _scope(credentials, endpoint.region, amz[:8])

    # Operation parameters: in the URL before the auth parameters, in the order
    # botocore serialises them; in the canonical query after them (sorted).
    operation = ""
    if response_content_disposition is not None:
        operation += f"&response-content-disposition={sigv4.uri_encode(response_content_disposition)}"
    if response_content_type is not None:
        operation += f"&response-content-type={sigv4.uri_encode(response_content_type)}"
    if version_id is not None:
        operation += f"&versionId={sigv4.uri_encode(version_id)}"

    auth = (
        f"X-Amz-Algorithm={sigv4.ALGORITHM}&X-Amz-Credential={scope.credential_query}"
        f"&X-Amz-Date={amz}&X-Amz-Expires={expires_in}"
    )
    canonical_request = (
        f"{method}\n{path}\n{auth}{scope.token_query}&X-Amz-SignedHeaders=host{operation}\n"
        f"host:{endpoint.host}\n\nhost\n{sigv4.UNSIGNED_PAYLOAD}"
    )
    string_to_sign = (
        f"{sigv4.ALGORITHM}\n{amz}\n{scope.scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    )
    signature = scope.hmac.hexdigest(string_to_sign.encode())
    query = f"{operation[1:]}&{auth}" if operation else auth
    return (
        f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}&X-Amz-SignedHeaders=host"
        f"{scope.token_query}&X-Amz-Signature={signature}"
    )


def effective_expiry(
    requested: int, policy_max: int | None, credentials_left: float | None
) -> tuple[int, str | None]:
    """``min(requested, policy maximum, SigV4 maximum, credentials' life left)``
    and which limit bound it (``None`` when the request stood)."""
    seconds, capped_by = requested, None
    if policy_max is not None and policy_max < seconds:
        seconds, capped_by = policy_max, CappedBy.POLICY
    if sigv4.MAX_PRESIGN_EXPIRES < seconds:
        seconds, capped_by = sigv4.MAX_PRESIGN_EXPIRES, CappedBy.S3_LIMIT
    if credentials_left is not None and credentials_left < seconds:
        seconds, capped_by = int(credentials_left), CappedBy.CREDENTIALS
    return seconds, capped_by


def _iso8601(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


class PresignedUrl(NamedTuple):
    url: str
    bucket: str
    key: str
    expires_at: str  # UTC, ISO 8601
    expires_in: int
    capped_by: str | None

    def to_dict(self) -> dict:
        return self._asdict()


class Presigner:
    """Configured buckets + credential broker → :class:`PresignedUrl`.

    Never returns a URL whose stated expiry outlives the credentials that
    signed it: the expiry is capped at the credentials' life left minus
    ``EXPIRY_SAFETY_MARGIN_SECONDS``, and when that is shorter than asked and a
    new session would be longer, the broker refreshes first.
    """

    def __init__(self, config: Config, broker: CredentialBroker, *, clock=time.time):
        self.config = config
        self.broker = broker
        self._clock = clock
        self._endpoints = {
            alias: resolve_bucket_endpoint(
                bucket.name,
                bucket.region,
                endpoint_url=config.endpoints.s3,
                addressing_style=bucket.addressing_style,
                use_global_endpoint=bucket.use_global_endpoint,
            )
            for alias, bucket in config.buckets.items()
        }

    @classmethod
    def from_environ(cls, environ=None) -> Presigner:
        """Configuration, source credentials and STS endpoint from the
        environment (see docs/configuration.md), as the Lambda handler does."""
        import os  # noqa: PLC0415

        from .config import load_config  # noqa: PLC0415
        from .credentials import EnvironmentCredentials  # noqa: PLC0415
        from .sts import StsClient  # noqa: PLC0415

        env = os.environ if environ is None else environ
        config = load_config(env)
        sts = StsClient(config.region, config.endpoints.sts)
        return cls(config, CredentialBroker(EnvironmentCredentials(env), sts.assume_role))

    def endpoint(self, bucket: BucketConfig) -> BucketEndpoint:
        return self._endpoints[bucket.alias]

    def check_allowed(self, bucket: BucketConfig, key: object) -> str:
        """Validate ``key`` and refuse it, before anything is signed, when it is
        outside the bucket's allowed prefixes."""
        key = validate_key(key)
        if not bucket.allows(key):
            raise KeyNotAllowed(
                f"key {key!r} is outside the prefixes this service may sign for in "
                f"{bucket.alias!r}: {', '.join(bucket.allowed_prefixes)}"
            )
        return key

    def credentials_for(self, bucket: BucketConfig, seconds: int) -> Credentials:
        return self.broker.credentials(bucket.role, seconds + EXPIRY_SAFETY_MARGIN_SECONDS)

    def presign(
        self,
        key: object,
        *,
        bucket: object = None,
        expires_in: object = None,
        filename: object = None,
        content_type: object = None,
        version_id: object = None,
        method: str = "GET",
    ) -> PresignedUrl:
        config = self.config.bucket(bucket)
        key = self.check_allowed(config, key)
        requested = config.default_expires if expires_in is None else validate_expires_in(expires_in)
        disposition = None if filename is None else content_disposition(filename)
        _check_text(content_type, "response_content_type")
        _check_text(version_id, "version_id")

        wanted, capped_by = effective_expiry(requested, config.max_expires, None)
        credentials = self.credentials_for(config, wanted)
        now = int(self._clock())
        left = credentials.seconds_left(now)
        seconds, capped = effective_expiry(
            wanted, None, None if left is None else left - EXPIRY_SAFETY_MARGIN_SECONDS
        )
        if seconds < 1:
            # The broker never hands out credentials this close to expiry; if it
            # ever did, refusing beats promising a URL that is already dead.
            raise StsUnavailable("no credentials with time left to sign; try again", retry_after=1)
        url = presign_s3_url(
            self.endpoint(config),
            key,
            credentials,
            expires_in=seconds,
            now=now,
            method=method,
            response_content_disposition=disposition,
            response_content_type=content_type,
            version_id=version_id,
        )
        return PresignedUrl(url, config.alias, key, _iso8601(now + seconds), seconds, capped or capped_by)


def _check_text(value: object, name: str) -> None:
    """An optional field: absent, or non-empty printable text that UTF-8 can encode."""
    if value is None:
        return
    if not isinstance(value, str) or not value or not value.isprintable():
        raise InvalidParameter(f"{name} must be a non-empty string of printable characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameter(f"{name} is not valid Unicode (it holds a lone surrogate)") from None
