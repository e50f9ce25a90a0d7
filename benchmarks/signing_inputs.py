"""What the signing benchmarks sign: one bucket, realistic credentials, keys and overrides.

Shared by the signer (1), the batch (5), the scaling table (6), the warm GET (7)
and the threads-versus-processes section (8), so every section signs the same
kind of URL: keys ``movies/<uuid4>.mp4``, a 900-character session token, and
for the overrides a 120-character file name, a content type and a version id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from urllib.parse import parse_qsl, urlsplit

from xpresign import sigv4
from xpresign.s3 import BucketEndpoint, resolve_bucket_endpoint
from xpresign.values import Credentials

from .stats import expect

BUCKET = "classic-movies"
REGION = "us-east-1"
#: xpresign's default expiry (the handler signs for this long unless asked otherwise).
EXPIRES_IN = 900
ACCESS_KEY_ID = "ASIAQXPRESIGNBENCH01"
LONG_TERM_KEY_ID = "AKIAQXPRESIGNBENCH01"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHMARK1"
#: An STS session token is base64 of a binary blob; Lambda's are about 900-1,100 characters.
TOKEN_CHARS = 900
#: How real tokens start (base64 of their first bytes).
TOKEN_PREFIX = "IQoJb3JpZ2luX2Vj"
CONTENT_TYPE = "video/mp4"
#: S3 version ids are 32 characters of base64-like text ('+' and '.' included).
VERSION_ID = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
FILENAME_CHARS = 120
#: Keys with spaces, parentheses, '+', '~', a dash, accents and an emoji: signed for the oracle checks only.
AWKWARD_KEYS = [
    "movies/metropolis-1927.mp4",
    "movies/nosferatu (1922).mp4",
    "movies/the general+1926~restored.mp4",
    "movies/un chien andalou – 1929.mp4",
    "movies/ünïcödé/été 🎬 #1 & 2 = 100%.mp4",
]


def session_token(chars: int = TOKEN_CHARS) -> str:
    """A deterministic stand-in for an STS session token: base64 with '+' and '/'."""
    needed = (chars - len(TOKEN_PREFIX)) * 3 // 4 + 3
    stream = b"".join(
        hashlib.sha256(b"xpresign-bench-token" + i.to_bytes(2, "big")).digest() for i in range(needed // 32 + 1)
    )
    token = TOKEN_PREFIX + base64.b64encode(stream[:needed]).decode("ascii")
    return token[:chars]


def filename() -> str:
    """A plain ASCII download name of ``FILENAME_CHARS`` characters."""
    name = "Metropolis (1927) - restored from the 2010 Buenos Aires negative, with the original Gottfried Huppertz score (4K HD).mp4"
    assert len(name) == FILENAME_CHARS
    return name


def long_term_credentials() -> Credentials:
    return Credentials(LONG_TERM_KEY_ID, SECRET_ACCESS_KEY)


def session_credentials() -> Credentials:
    return Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, session_token())


def endpoint() -> BucketEndpoint:
    """Virtual-hosted, regional us-east-1: ``classic-movies.s3.us-east-1.amazonaws.com``."""
    return resolve_bucket_endpoint(BUCKET, REGION)


def uuid_keys(count: int) -> list[str]:
    """``movies/<uuid4>.mp4``: fresh keys, as a stream of real requests has."""
    return [f"movies/{uuid.uuid4()}.mp4" for _ in range(count)]


def item_filename(number: int) -> str:
    """A per-item download name for batches: plain ASCII, like most."""
    return f"Classic film {number:05d} - restored edition (1080p).mp4"


def environment(credentials: Credentials | None = None) -> dict[str, str]:
    """A Lambda function's environment with its own credentials and no role:
    xpresign signs with them directly (``XPRESIGN_BUCKET``, no ``XPRESIGN_ROLE_ARN``)."""
    credentials = credentials or session_credentials()
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token or "",
        "AWS_LAMBDA_FUNCTION_NAME": "presigned_url_generator",
        "XPRESIGN_BUCKET": BUCKET,
        # The guide's name for the bucket, read by the boto3 side of the cold start.
        "S3_BUCKET": BUCKET,
    }


def floor_inputs(url: str, secret_access_key: str) -> tuple[bytes, bytes, bytes]:
    """``(canonical request, string to sign, signing key)`` behind a presigned
    ``url``, rebuilt from the URL itself and checked by recomputing its signature."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    signature = dict(params)["X-Amz-Signature"]
    amz = dict(params)["X-Amz-Date"]
    canonical = sigv4.canonical_request(
        "GET",
        parts.path,
        sigv4.canonical_query_string([(k, v) for k, v in params if k != "X-Amz-Signature"]),
        f"host:{parts.netloc}\n",
        "host",
        sigv4.UNSIGNED_PAYLOAD,
    ).encode()
    scope = sigv4.credential_scope(amz[:8], REGION, "s3")
    to_sign = f"{sigv4.ALGORITHM}\n{amz}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}".encode()
    key = sigv4.signing_key(secret_access_key, amz[:8], REGION, "s3")
    expect(
        hmac.digest(key, to_sign, "sha256").hex() == signature,
        f"the floor's inputs do not reproduce the signature of {url[:80]}...",
    )
    return canonical, to_sign, key


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
