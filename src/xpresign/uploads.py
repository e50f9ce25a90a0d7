"""Uploads into the bucket owner's bucket: presigned PUT URLs and POST policies.

Every constraint a caller gives becomes something S3 checks, so an upload
that does not match is refused by S3 itself:

* a PUT signs ``Content-Length``, ``Content-Type`` (always; by default
  ``application/octet-stream``) and, when given, ``x-amz-checksum-sha256``;
  the client must send exactly those headers;
* a POST policy carries ``Content-Type`` and ``content-length-range``
  (``[min_size or 0, min(max_size, max_upload_size)]``).

No checksum is added that the caller did not ask for: the JS SDK's default
CRC32 on presigned PUTs broke many users. Keys must be under the bucket's
``upload_prefixes`` (independent of its read prefixes), and expiries are
capped exactly as a download's (:meth:`xpresign.presigner.Presigner.grant`).
Multipart uploads are in :mod:`xpresign.multipart`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple

from .checks import Invalid, excerpt, printable_text, whole_number
from .config import BucketConfig
from .config_bucket import MAX_SINGLE_UPLOAD_SIZE
from .content_types import DEFAULT_UPLOAD_TYPE
from .errors import InvalidParameter, KeyNotAllowed, UploadTooLarge
from .post_policy import signed_fields
from .presign import presign_s3_request
from .presigner import MAX_CONTENT_TYPE_BYTES, Presigner, check_content_type
from .redact import redacted_repr, without_query
from .s3 import validate_key
from .values import NO_DEADLINE, Deadline

_BASE64_SHA256 = re.compile(r"[A-Za-z0-9+/]{43}=")


class PresignedPut(NamedTuple):
    url: str
    headers: dict[str, str]  # what the client must send, exactly
    bucket: str
    key: str
    expires_at: str
    expires_in: int
    capped_by: str | None

    def __repr__(self) -> str:
        return redacted_repr(self, url=repr(without_query(self.url)))

    def to_dict(self) -> dict:
        return {"url": self.url, "method": "PUT", **self._asdict()}


class PresignedPost(NamedTuple):
    url: str
    fields: dict[str, str]  # the form's fields, before the file
    bucket: str
    key: str
    expires_at: str
    expires_in: int
    capped_by: str | None

    def __repr__(self) -> str:  # the fields hold the session token and the signature
        return redacted_repr(self, fields=f"<{', '.join(self.fields)}>")

    def to_dict(self) -> dict:
        return self._asdict()


def check_upload_key(bucket: BucketConfig, key: object) -> str:
    """A valid key under the bucket's upload prefixes; refused before signing otherwise."""
    key = validate_key(key)
    if not bucket.allows_upload(key):
        where = (
            f"the upload prefixes of {bucket.alias!r}: {', '.join(bucket.upload_prefixes)}"
            if bucket.upload_prefixes
            else f"any prefix: uploads are not configured for {bucket.alias!r}"
        )
        raise KeyNotAllowed(f"key {excerpt(key)} is outside {where}")
    return key


def upload_content_type(bucket: BucketConfig, value: object, name: str = "content_type") -> str:
    """The type an upload is stored with: ``application/octet-stream`` by
    default, never an active type the bucket does not allow."""
    if value is None:
        return DEFAULT_UPLOAD_TYPE
    try:
        kind = printable_text(value, MAX_CONTENT_TYPE_BYTES)
    except Invalid as exc:
        raise InvalidParameter(f"{name} {exc}") from None
    check_content_type(bucket, kind, name)
    return kind


def size(value: object, name: str, bucket: BucketConfig, *, capped: bool = False) -> int:
    """A size in bytes, 0 to the bucket's ``max_upload_size``: over it, 413, or
    with ``capped`` (a POST's ``max_size``) the bucket's limit."""
    try:
        number = whole_number(value, 0, 2**63, " of bytes", text=False)
    except Invalid as exc:
        raise InvalidParameter(f"{name} {exc}") from None
    if capped:
        return min(number, bucket.max_upload_size)
    if number > bucket.max_upload_size:
        raise UploadTooLarge(
            f"{name} is {number} bytes; bucket {bucket.alias!r} takes at most {bucket.max_upload_size}"
        )
    return number


def checksum_sha256(value: object, name: str = "checksum_sha256") -> str:
    """A SHA-256 checksum as S3 takes it: 32 bytes, base64. ``name``: the
    field or option that carried it, for the message."""
    if type(value) is str and _BASE64_SHA256.fullmatch(value):
        try:
            if len(base64.b64decode(value, validate=True)) == 32:
                return value
        except (binascii.Error, ValueError):
            pass
    raise InvalidParameter(f"{name} must be a SHA-256 digest in base64 (44 characters), got {excerpt(value)}")


class Uploader:
    """PUT URLs and POST policies for the configured buckets."""

    def __init__(self, presigner: Presigner):
        self.presigner = presigner

    def put(
        self,
        bucket: BucketConfig,
        key: object,
        *,
        content_length: object,
        content_type: object = None,
        checksum: object = None,
        requested: int,
        deadline: Deadline = NO_DEADLINE,
    ) -> PresignedPut:
        key = check_upload_key(bucket, key)
        length = size(content_length, "content_length", bucket)
        if length > MAX_SINGLE_UPLOAD_SIZE:  # a bucket's limit may be set for multipart uploads
            raise UploadTooLarge(
                f"content_length is {length} bytes; a single PUT takes at most {MAX_SINGLE_UPLOAD_SIZE}:"
                " use a multipart upload"
            )
        headers = {"Content-Type": upload_content_type(bucket, content_type), "Content-Length": str(length)}
        if checksum is not None:
            headers["x-amz-checksum-sha256"] = checksum_sha256(checksum)
        grant = self.presigner.grant(bucket, requested, deadline)
        url = presign_s3_request(
            grant.endpoint,
            key,
            grant.credentials,
            method="PUT",
            expires_in=grant.expires_in,
            now=grant.now,
            headers=headers,
        )
        return PresignedPut(url, headers, bucket.alias, key, grant.expires_at, grant.expires_in, grant.capped_by)

    def post(
        self,
        bucket: BucketConfig,
        key: object,
        *,
        content_type: object = None,
        min_size: object = None,
        max_size: object = None,
        requested: int,
        deadline: Deadline = NO_DEADLINE,
    ) -> PresignedPost:
        key = check_upload_key(bucket, key)
        if "${filename}" in key:
            # S3 puts the uploaded file's own name there: the browser, not this service, would pick the key.
            raise InvalidParameter("a POST key may not hold ${filename}, which S3 replaces with the file's name")
        kind = upload_content_type(bucket, content_type)
        low = 0 if min_size is None else size(min_size, "min_size", bucket)
        high = bucket.max_upload_size if max_size is None else size(max_size, "max_size", bucket, capped=True)
        high = min(high, MAX_SINGLE_UPLOAD_SIZE)  # S3's limit for a POST, whatever the bucket's
        if low > high:
            raise InvalidParameter(f"min_size ({low}) is larger than max_size ({high})")
        grant = self.presigner.grant(bucket, requested, deadline)
        fields = signed_fields(
            bucket=bucket.name,
            key=key,
            scope=grant.scope,
            amz_date=grant.amz,
            session_token=grant.credentials.session_token,
            expiration=grant.expires_at,
            conditions=[{"Content-Type": kind}, ["content-length-range", low, high]],
            fields={"Content-Type": kind},
        )
        url = grant.endpoint.object_url("")[: -1 if grant.endpoint.path_prefix else None]
        return PresignedPost(url, fields, bucket.alias, key, grant.expires_at, grant.expires_in, grant.capped_by)
