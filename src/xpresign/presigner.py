"""The signing service: what may be signed, with which credentials, for how long.

``Presigner`` adds the rules to the fast signer of :mod:`xpresign.presign`:
configured buckets, allowed prefixes and content types, credentials from the
broker, and an expiry that never outlives the credentials. Its
:meth:`Presigner.grant` is the one expiry decision that downloads, uploads
and batches share.
"""

from __future__ import annotations

import time
from json.encoder import encode_basestring_ascii as _encode
from typing import NamedTuple

from .checks import Invalid, excerpt, printable_text
from .config import BucketConfig, Config
from .content_types import allowed as content_type_allowed
from .credentials import CredentialBroker
from .errors import InvalidParameter, KeyNotAllowed, NoCredentials, StsUnavailable
from .expiry import effective_expiry, iso8601, validate_expires_in
from .presign import (
    METHODS,
    SigningScope,
    amz_date,
    content_type_param,
    disposition_param,
    sign_query,
    signing_scope,
    version_param,
)
from .redact import redacted_repr, without_query
from .s3 import (
    MAX_KEY_BYTES,
    BucketEndpoint,
    encoded_disposition,
    resolve_bucket_endpoint,
    validate_key,
)
from .sigv4 import PATH_SAFE, uri_encode
from .values import EXPIRY_SAFETY_MARGIN_SECONDS, NO_DEADLINE, Credentials, Deadline

#: Longest ``response_content_type``: a media type is at most 127/127 (RFC 6838), plus parameters.
MAX_CONTENT_TYPE_BYTES = 256
#: S3 version IDs are at most 1,024 bytes.
MAX_VERSION_ID_BYTES = 1024


class PresignedUrl(NamedTuple):
    url: str
    bucket: str
    key: str
    expires_at: str  # UTC, ISO 8601
    expires_in: int
    capped_by: str | None

    def __repr__(self) -> str:
        return redacted_repr(self, url=repr(without_query(self.url)))

    def to_dict(self) -> dict:
        return self._asdict()

    def to_json(self) -> str:
        """``json.dumps(self.to_dict())``, byte for byte, at a fraction of the
        cost: the URL and the timestamp need no escaping (tested)."""
        capped = "null" if self.capped_by is None else f'"{self.capped_by}"'
        return (
            f'{{"url": "{self.url}", "bucket": {_encode(self.bucket)}, "key": {_encode(self.key)}, '
            f'"expires_at": "{self.expires_at}", "expires_in": {self.expires_in}, "capped_by": {capped}}}'
        )


class Grant(NamedTuple):
    """One expiry decision: the credentials that sign, at one instant, and the
    expiry they allow. A batch makes one per (bucket, expires_in)."""

    bucket: BucketConfig
    endpoint: BucketEndpoint
    credentials: Credentials
    now: int
    expires_in: int
    expires_at: str
    capped_by: str | None
    amz: str  # X-Amz-Date of ``now``
    scope: SigningScope

    @property
    def ends_at(self) -> int:
        """When what it signs stops working (epoch seconds), within the credentials' life."""
        return self.now + self.expires_in


class Download(NamedTuple):
    """One download, checked: everything needed to sign it but the grant."""

    bucket: BucketConfig
    key: str
    requested: int  # seconds asked for, before the caps
    operation: str  # the encoded response overrides and version, or ""
    version_id: str | None


def optional_text(value: object, name: str, max_bytes: int) -> str | None:
    """An optional field: absent, or non-empty printable text of bounded size."""
    if value is None:
        return None
    try:
        return printable_text(value, max_bytes)
    except Invalid as exc:
        raise InvalidParameter(f"{name} {exc}") from None


def check_content_type(bucket: BucketConfig, value: str, name: str) -> None:
    """A media type is ASCII (RFC 6838); an upload's travels in a signed
    header, which cannot carry anything else."""
    if not value.isascii():
        raise InvalidParameter(f"{name} must be an ASCII media type such as image/png, got {excerpt(value)}")
    if not content_type_allowed(value, bucket.allowed_content_types):
        raise InvalidParameter(
            f"{name} {excerpt(value)} is not allowed for bucket {bucket.alias!r}"
            + (
                ""
                if bucket.allowed_content_types
                else " (an active type a browser would run; see allowed_content_types)"
            )
        )


def _content_type_query(bucket: BucketConfig, value: object) -> str:
    kind = optional_text(value, "response_content_type", MAX_CONTENT_TYPE_BYTES)
    check_content_type(bucket, kind, "response_content_type")
    return content_type_param(kind)


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
        self.clock = clock  # epoch seconds; the tests move it
        #: (requested seconds, the grant): the last decision, reused within its second.
        self._last_grant: tuple[int, Grant] | None = None
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
        from .wiring import presigner_from_environ  # noqa: PLC0415

        return presigner_from_environ(environ)

    def endpoint(self, bucket: BucketConfig) -> BucketEndpoint:
        return self._endpoints[bucket.alias]

    def check_allowed(self, bucket: BucketConfig, key: object) -> str:
        """Validate ``key`` and refuse it, before anything is signed, when it is
        outside the bucket's allowed prefixes."""
        key = validate_key(key)
        if not bucket.allows(key):
            raise KeyNotAllowed(
                f"key {excerpt(key)} is outside the prefixes this service may sign for in "
                f"{bucket.alias!r}: {', '.join(bucket.allowed_prefixes)}"
            )
        return key

    def requested_expiry(self, bucket: BucketConfig, expires_in: object) -> int:
        return bucket.default_expires if expires_in is None else validate_expires_in(expires_in)

    def grant(self, bucket: BucketConfig, requested: int, deadline: Deadline = NO_DEADLINE) -> Grant:
        """Credentials and the expiry they allow for ``requested`` seconds.

        A grant is a pure function of the bucket, ``requested``, the
        credentials and the clock second, so the last one is reused while they
        match: a busy function answers many GETs a second, and the decision
        (two caps, the scope, ``expires_at``) costs about as much as the
        signature (measured on a warm Function URL GET)."""
        wanted, capped_by = effective_expiry(requested, bucket.max_expires, None)
        credentials = self.broker.credentials(bucket.role, wanted + EXPIRY_SAFETY_MARGIN_SECONDS, deadline)
        now = int(self.clock())
        last = self._last_grant
        if last is not None:
            last_requested, last_grant = last
            if (
                last_grant.now == now
                and last_requested == requested
                and last_grant.bucket is bucket
                and last_grant.credentials is credentials
            ):
                return last_grant
        left = credentials.seconds_left(now)
        seconds, capped = effective_expiry(wanted, None, None if left is None else left - EXPIRY_SAFETY_MARGIN_SECONDS)
        if seconds < 1:
            # Refusing beats promising a URL that is already dead. A role's
            # session or a refreshing source renews itself; anything else
            # (exported keys with AWS_CREDENTIAL_EXPIRATION) only a person renews.
            if bucket.role is None and not getattr(self.broker.source, "refreshes", False):
                raise NoCredentials(
                    f"the credentials end at {iso8601(int(credentials.expires_at))}, too soon to sign with: renew them"
                )
            raise StsUnavailable("no credentials with time left to sign; try again", retry_after=1)
        amz = amz_date(now)
        endpoint = self.endpoint(bucket)
        scope = signing_scope(credentials, endpoint.region, amz[:8])
        grant = Grant(
            bucket, endpoint, credentials, now, seconds, iso8601(now + seconds), capped or capped_by, amz, scope
        )
        self._last_grant = (requested, grant)
        return grant

    def download(
        self,
        key: object,
        *,
        bucket: BucketConfig,
        requested: int,
        filename: object = None,
        content_type: object = None,
        version_id: object = None,
        memo: dict | None = None,
    ) -> Download:
        """Check a download's fields; nothing is signed yet. ``memo`` (a dict a
        batch keeps) remembers checked options: items repeat their content
        type, and often their file name, and checking and encoding them costs
        as much as signing (measured)."""
        key = self.check_allowed(bucket, key)
        operation, version_id = self.options(bucket, filename, content_type, version_id, memo)
        return Download(bucket, key, requested, operation, version_id)

    @staticmethod
    def options(
        bucket: BucketConfig, filename: object, content_type: object, version_id: object, memo: dict | None = None
    ) -> tuple[str, str | None]:
        """``(the encoded response overrides and version, version_id)``, checked.
        A content type is checked and encoded once per ``memo``: a batch's
        items repeat theirs."""
        if filename is None and content_type is None and version_id is None:
            return "", None
        disposition = "" if filename is None else disposition_param(encoded_disposition(filename))
        if content_type is None:
            kind = ""
        elif memo is not None and type(content_type) is str:
            kind = memo.get((bucket.alias, content_type))
            if kind is None:
                kind = memo[(bucket.alias, content_type)] = _content_type_query(bucket, content_type)
        else:
            kind = _content_type_query(bucket, content_type)
        version_id = optional_text(version_id, "version_id", MAX_VERSION_ID_BYTES)
        version = "" if version_id is None else version_param(version_id)
        return disposition + kind + version, version_id

    @staticmethod
    def plain_key(bucket: BucketConfig, key: object) -> str | None:
        """``key`` when it is plain ASCII within the size limit and the bucket's
        prefixes: the short path of a simple GET and of a batch's bare keys,
        with nothing else to check. None sends the caller down the full path,
        which gives the precise error."""
        if (
            type(key) is str
            and key.isascii()
            and 0 < len(key) <= MAX_KEY_BYTES
            and (not bucket.allowed_prefixes or key.startswith(bucket.allowed_prefixes))
        ):
            return key
        return None

    @staticmethod
    def sign_plain(key: str, grant: Grant, operation: str = "") -> str:
        """The GET URL for a key :meth:`plain_key` accepted, with checked
        ``operation`` parameters (:meth:`options`)."""
        endpoint = grant.endpoint
        return sign_query(
            endpoint,
            f"{endpoint.path_prefix}/{uri_encode(key, PATH_SAFE)}",
            grant.scope,
            grant.amz,
            grant.expires_in,
            operation,
        )

    @staticmethod
    def sign(download: Download, grant: Grant, method: str = "GET") -> str:
        """The URL for ``download`` under ``grant``; ``method`` GET or HEAD."""
        if method not in METHODS:
            raise InvalidParameter(f"method must be one of {', '.join(METHODS)}")
        endpoint = grant.endpoint
        return sign_query(
            endpoint,
            endpoint.object_path(download.key),
            grant.scope,
            grant.amz,
            grant.expires_in,
            download.operation,
            method,
        )

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
        deadline: Deadline = NO_DEADLINE,
    ) -> PresignedUrl:
        """A download (or HEAD) URL for ``key``, checked and signed."""
        config = self.config.bucket(bucket)
        download = self.download(
            key,
            bucket=config,
            requested=self.requested_expiry(config, expires_in),
            filename=filename,
            content_type=content_type,
            version_id=version_id,
        )
        grant = self.grant(config, download.requested, deadline)
        url = self.sign(download, grant, method)
        return PresignedUrl(url, config.alias, download.key, grant.expires_at, grant.expires_in, grant.capped_by)
