"""The fast signer: SigV4 query-string signing of S3 URLs.

``presign_s3_url`` is the hot path: one GET or HEAD URL, byte-identical to
botocore's ``generate_presigned_url`` (proved by the property tests).
Everything that does not change from one URL to the next (the derived key, the
encoded credential and session token, the timestamp within a second) is
cached, so a URL costs one SHA-256, one HMAC-SHA256 and a few string joins.
``presign_s3_request`` signs the uploads' PUT and UploadPart URLs, whose
constraints travel as signed headers.

The service that decides what may be signed, and for how long, is
:class:`xpresign.presigner.Presigner`. ``Presigner``, ``PresignedUrl``,
``CappedBy`` and ``effective_expiry`` stay importable from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from . import sigv4
from .errors import InvalidParameter
from .expiry import CappedBy, effective_expiry, validate_expires_in
from .redact import HIDDEN, redacted_repr
from .s3 import BucketEndpoint
from .values import Credentials

__all__ = [
    "CappedBy",
    "SigningScope",
    "effective_expiry",
    "presign_s3_request",
    "presign_s3_url",
    "signing_scope",
]

METHODS = ("GET", "HEAD")


class SigningScope(NamedTuple):
    """What one (credentials, region, service, day) contributes to every signature."""

    scope: str  # 20260101/eu-west-1/s3/aws4_request
    credential: str  # ACCESS_KEY_ID/scope, as X-Amz-Credential and in POST policies
    credential_query: str  # the same, percent-encoded for a query string
    token_query: str  # "&X-Amz-Security-Token=..." or ""
    hmac: sigv4.PrecomputedHmac  # keyed with the derived signing key

    def __repr__(self) -> str:
        return redacted_repr(self, token_query=repr(HIDDEN) if self.token_query else "''", hmac=HIDDEN)


_SCOPES: dict[tuple, SigningScope] = {}
#: A few credentials x regions x days; the cache is dropped whole when full
#: rather than tracking recency, which would cost time on every URL.
_SCOPES_SIZE = 64
#: (second, X-Amz-Date) of the last URL: one tuple, so threads read a consistent pair.
_last_amz_date: tuple[int, str] = (-1, "")


def signing_scope(credentials: Credentials, region: str, date: str, service: str = "s3") -> SigningScope:
    """The cached scope, keyed by the whole credentials: the date makes it
    roll over at UTC midnight, the secret makes it change with a new session."""
    cache_key = (credentials, region, date, service)
    found = _SCOPES.get(cache_key)
    if found is None:
        scope = sigv4.credential_scope(date, region, service)
        token = credentials.session_token
        credential = f"{credentials.access_key_id}/{scope}"
        found = SigningScope(
            scope=scope,
            credential=credential,
            credential_query=sigv4.uri_encode(credential),
            token_query=f"&X-Amz-Security-Token={sigv4.uri_encode(token)}" if token else "",
            hmac=sigv4.PrecomputedHmac(sigv4.signing_key(credentials.secret_access_key, date, region, service)),
        )
        if len(_SCOPES) >= _SCOPES_SIZE:
            _SCOPES.clear()
        _SCOPES[cache_key] = found
    return found


def clear_caches() -> None:
    """Forget every cached scope (SnapStart restores run this)."""
    global _last_amz_date
    _SCOPES.clear()
    _last_amz_date = (-1, "")


def amz_date(second: int) -> str:
    """``sigv4.amz_date``, cached for the last second asked."""
    global _last_amz_date
    last = _last_amz_date
    if last[0] == second:
        return last[1]
    value = sigv4.amz_date(second)
    _last_amz_date = (second, value)
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
    """A SigV4 presigned URL for one object, signed at ``now`` (epoch seconds)."""
    validate_expires_in(expires_in)
    if method not in METHODS:
        raise InvalidParameter(f"method must be one of {', '.join(METHODS)}")
    amz = amz_date(int(now))
    return sign_query(
        endpoint,
        endpoint.object_path(key),
        signing_scope(credentials, endpoint.region, amz[:8]),
        amz,
        expires_in,
        operation_query(response_content_disposition, response_content_type, version_id),
        method,
    )


def disposition_param(encoded: str) -> str:
    """From the value already percent-encoded (see :func:`xpresign.s3.encoded_disposition`)."""
    return f"&response-content-disposition={encoded}"


def content_type_param(value: str) -> str:
    return f"&response-content-type={sigv4.uri_encode(value)}"


def version_param(value: str) -> str:
    return f"&versionId={sigv4.uri_encode(value)}"


def operation_query(
    response_content_disposition: str | None = None,
    response_content_type: str | None = None,
    version_id: str | None = None,
) -> str:
    """A GET's operation parameters, each as ``&name=value``, in the order
    botocore serialises them (which is also their sorted order)."""
    operation = ""
    if response_content_disposition is not None:
        operation += disposition_param(sigv4.uri_encode(response_content_disposition))
    if response_content_type is not None:
        operation += content_type_param(response_content_type)
    if version_id is not None:
        operation += version_param(version_id)
    return operation


def sign_query(
    endpoint: BucketEndpoint,
    path: str,
    scope: SigningScope,
    amz: str,
    expires_in: int,
    operation: str = "",
    method: str = "GET",
) -> str:
    """The four SigV4 steps of :mod:`xpresign.sigv4`, specialised for a GET or
    HEAD: the canonical query is written already sorted (every parameter name
    is known: the auth parameters sort before the operation's), and the signing
    key's HMAC state comes from the per-day cache. Inputs are trusted: a batch
    checks them once and calls this per item."""
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
    # In the URL, the operation parameters come first, as botocore writes them.
    query = f"{operation[1:]}&{auth}" if operation else auth
    return (
        f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}&X-Amz-SignedHeaders=host"
        f"{scope.token_query}&X-Amz-Signature={signature}"
    )


def presign_s3_request(
    endpoint: BucketEndpoint,
    key: str,
    credentials: Credentials,
    *,
    method: str,
    expires_in: int,
    now: float,
    headers: Mapping[str, str] | None = None,
    params: Sequence[tuple[str, str]] = (),
) -> str:
    """A presigned URL whose ``headers`` are signed: the client must send them
    with exactly these values, or S3 refuses the request. ``params`` are
    operation parameters (``partNumber``, ``uploadId``), in botocore's order.
    The general SigV4 steps, for PUT and UploadPart URLs."""
    validate_expires_in(expires_in)
    path = endpoint.object_path(key)
    amz = amz_date(int(now))
    scope = signing_scope(credentials, endpoint.region, amz[:8])
    to_sign = {"host": endpoint.host, **{name.lower(): value for name, value in (headers or {}).items()}}
    canonical_headers, signed_headers = sigv4.canonical_headers(to_sign)
    # Encoded once: the scope holds the credential and token already encoded
    # (a 900-character token costs more to encode than to hash).
    encoded = [(sigv4.uri_encode(k), sigv4.uri_encode(v)) for k, v in params]
    auth = [
        ("X-Amz-Algorithm", sigv4.ALGORITHM),
        ("X-Amz-Credential", scope.credential_query),
        ("X-Amz-Date", amz),
        ("X-Amz-Expires", str(expires_in)),
        ("X-Amz-SignedHeaders", sigv4.uri_encode(signed_headers)),
    ]
    if scope.token_query:
        auth.append(("X-Amz-Security-Token", scope.token_query[len("&X-Amz-Security-Token=") :]))
    request = sigv4.canonical_request(
        method,
        path,
        "&".join(f"{k}={v}" for k, v in sorted([*encoded, *auth])),
        canonical_headers,
        signed_headers,
        sigv4.UNSIGNED_PAYLOAD,
    )
    signature = scope.hmac.hexdigest(sigv4.string_to_sign(amz, scope.scope, request).encode())
    query = "&".join(f"{k}={v}" for k, v in [*encoded, *auth])
    return f"{endpoint.scheme}://{endpoint.netloc}{path}?{query}&X-Amz-Signature={signature}"


def __getattr__(name: str):
    # The service layer, re-exported lazily: it imports this module.
    if name in ("Presigner", "PresignedUrl"):
        from . import presigner  # noqa: PLC0415

        return getattr(presigner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
