"""Multipart uploads: the service makes S3's calls, the client uploads the parts.

``create`` → ``sign_parts`` (presigned UploadPart URLs, one per part) →
``complete``, or ``abort``; ``list_parts`` for resuming. The calls go to S3
with the bucket owner's role (:mod:`xpresign.s3_rest`); only the parts travel
by presigned URL, so the client never holds credentials.

``complete`` first lists the upload's parts and sums their sizes, as
ListParts reports them: over the bucket's ``max_upload_size`` it aborts the
upload and answers 413 ``UploadTooLarge``. (A presigned UploadPart URL
cannot carry a size limit, so this is where the limit holds.)
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from . import s3_rest, xml_answers
from .checks import Invalid, excerpt, printable_text, whole_number
from .config import BucketConfig
from .errors import BatchTooLarge, InvalidParameter, InvalidPart, UploadTooLarge, UpstreamError
from .presign import presign_s3_request
from .presigner import Grant, Presigner
from .uploads import check_upload_key, upload_content_type
from .values import EXPIRY_SAFETY_MARGIN_SECONDS, NO_DEADLINE, Credentials, Deadline

logger = logging.getLogger(__name__)

MAX_PART_NUMBER = 10_000
#: ListParts answers at most 1,000 parts a page.
PARTS_PER_PAGE = 1000
MAX_UPLOAD_ID_CHARS = 1024
MAX_ETAG_CHARS = 1024


class Part(NamedTuple):
    part_number: int
    etag: str
    size: int


def upload_id(value: object) -> str:
    try:
        text = printable_text(value, MAX_UPLOAD_ID_CHARS)
    except Invalid as exc:
        raise InvalidParameter(f"upload_id {exc}") from None
    if not text.isascii():
        raise InvalidParameter(f"upload_id must be ASCII, got {excerpt(text)}")
    return text


def part_number(value: object, name: str = "part_number") -> int:
    try:
        return whole_number(value, 1, MAX_PART_NUMBER, text=False)
    except Invalid as exc:
        raise InvalidParameter(f"{name} {exc}") from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Multipart:
    def __init__(self, presigner: Presigner):
        self.presigner = presigner

    def _credentials(self, bucket: BucketConfig, deadline: Deadline) -> Credentials:
        return self.presigner.broker.credentials(bucket.role, EXPIRY_SAFETY_MARGIN_SECONDS, deadline)

    def create(
        self, bucket: BucketConfig, key: object, content_type: object = None, deadline: Deadline = NO_DEADLINE
    ) -> tuple[str, str]:
        """``(upload id, key)``: CreateMultipartUpload, with the type the object is stored as."""
        key = check_upload_key(bucket, key)
        kind = upload_content_type(bucket, content_type)
        answer = s3_rest.call(
            "CreateMultipartUpload",
            "POST",
            self.presigner.endpoint(bucket),
            key,
            self._credentials(bucket, deadline),
            deadline,
            params=[("uploads", "")],
            headers={"Content-Type": kind},
        )
        root = xml_answers.parse(answer)
        found = xml_answers.find_text(root, "UploadId") if root is not None else None
        if not found or not found.strip():
            raise UpstreamError("S3 answered CreateMultipartUpload without an UploadId")
        return found.strip(), key

    def sign_parts(
        self,
        bucket: BucketConfig,
        key: object,
        upload: object,
        numbers: object,
        *,
        requested: int,
        most: int,
        deadline: Deadline = NO_DEADLINE,
    ) -> tuple[Grant, list[tuple[int, str]]]:
        """Presigned UploadPart URLs for ``numbers`` (at most ``most`` of them)."""
        key = check_upload_key(bucket, key)
        upload = upload_id(upload)
        if not isinstance(numbers, list) or not numbers:
            raise InvalidParameter("part_numbers must be a non-empty list of part numbers (1 to 10000)")
        if len(numbers) > most:
            raise BatchTooLarge(f"part_numbers may hold at most {most} numbers per request, got {len(numbers)}")
        checked = [part_number(number, "part_numbers") for number in numbers]
        if len(set(checked)) != len(checked):
            raise InvalidParameter("part_numbers holds a number twice")
        grant = self.presigner.grant(bucket, requested, deadline)
        return grant, [
            (
                number,
                presign_s3_request(
                    grant.endpoint,
                    key,
                    grant.credentials,
                    method="PUT",
                    expires_in=grant.expires_in,
                    now=grant.now,
                    params=(("partNumber", str(number)), ("uploadId", upload)),
                ),
            )
            for number in checked
        ]

    def list_parts(
        self, bucket: BucketConfig, key: object, upload: object, deadline: Deadline = NO_DEADLINE
    ) -> list[Part]:
        """Every part S3 holds for the upload, every page fetched."""
        key = check_upload_key(bucket, key)
        upload = upload_id(upload)
        credentials = self._credentials(bucket, deadline)
        parts: list[Part] = []
        marker = "0"
        for _ in range(MAX_PART_NUMBER // PARTS_PER_PAGE + 1):
            answer = s3_rest.call(
                "ListParts",
                "GET",
                self.presigner.endpoint(bucket),
                key,
                credentials,
                deadline,
                params=[("max-parts", str(PARTS_PER_PAGE)), ("part-number-marker", marker), ("uploadId", upload)],
            )
            root = xml_answers.parse(answer)
            if root is None:
                raise UpstreamError("S3 answered ListParts with something that is not XML")
            parts += [_part(element) for element in xml_answers.children(root, "Part")]
            if (xml_answers.child_text(root, "IsTruncated") or "").strip() != "true":
                return parts
            marker = (xml_answers.child_text(root, "NextPartNumberMarker") or "").strip()
            if not marker.isdigit():
                raise UpstreamError("S3 answered a truncated ListParts without a next marker")
        raise UpstreamError("S3 answered more ListParts pages than an upload can have")

    def complete(
        self, bucket: BucketConfig, key: object, upload: object, parts: object, deadline: Deadline = NO_DEADLINE
    ) -> str:
        """The object's ETag; aborts, and answers 413, when the parts add up to
        more than the bucket's ``max_upload_size``.

        The size is that of the parts ListParts shows, so each named ETag must
        be the one listed: S3 joins whatever part holds the named ETag when
        Complete runs, and a bigger part uploaded under the same number
        between the two calls would otherwise pass the check unseen."""
        key = check_upload_key(bucket, key)
        upload = upload_id(upload)
        named = _completion_parts(parts)
        held = {part.part_number: part for part in self.list_parts(bucket, key, upload, deadline)}
        for number, etag in named:
            listed = held.get(number)
            if listed is None or listed.etag.strip('"') != etag.strip('"'):
                raise InvalidPart(f"part {number} is missing, or its ETag is not the one S3 holds for it")
        total = sum(held[number].size for number, _ in named)
        if total > bucket.max_upload_size:
            self.abort(bucket, key, upload, deadline)
            raise UploadTooLarge(
                f"the parts add up to {total} bytes; bucket {bucket.alias!r} takes at most {bucket.max_upload_size}"
                " (the upload was aborted)"
            )
        body = "".join(
            f"<Part><ETag>{_escape(etag)}</ETag><PartNumber>{number}</PartNumber></Part>" for number, etag in named
        )
        document = (
            f'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{body}</CompleteMultipartUpload>'
        )
        answer = s3_rest.call(
            "CompleteMultipartUpload",
            "POST",
            self.presigner.endpoint(bucket),
            key,
            self._credentials(bucket, deadline),
            deadline,
            params=[("uploadId", upload)],
            body=document.encode("utf-8"),
            headers={"Content-Type": "application/xml"},
        )
        root = xml_answers.parse(answer)
        etag = xml_answers.find_text(root, "ETag") if root is not None else None
        if not etag:
            raise UpstreamError("S3 answered CompleteMultipartUpload without an ETag")
        return etag.strip()

    def abort(self, bucket: BucketConfig, key: object, upload: object, deadline: Deadline = NO_DEADLINE) -> None:
        key = check_upload_key(bucket, key)
        upload = upload_id(upload)
        s3_rest.call(
            "AbortMultipartUpload",
            "DELETE",
            self.presigner.endpoint(bucket),
            key,
            self._credentials(bucket, deadline),
            deadline,
            params=[("uploadId", upload)],
        )


def _part(element) -> Part:
    try:
        number = int((xml_answers.child_text(element, "PartNumber") or "").strip())
        size = int((xml_answers.child_text(element, "Size") or "").strip())
    except ValueError:
        raise UpstreamError("S3 answered ListParts with an unreadable part") from None
    return Part(number, (xml_answers.child_text(element, "ETag") or "").strip(), size)


def _completion_parts(parts: object) -> list[tuple[int, str]]:
    if not isinstance(parts, list) or not parts:
        raise InvalidParameter('parts must be a non-empty list of {"part_number", "etag"} objects')
    if len(parts) > MAX_PART_NUMBER:
        raise InvalidParameter(f"parts may hold at most {MAX_PART_NUMBER} parts, got {len(parts)}")
    named = []
    for part in parts:
        if not isinstance(part, dict) or set(part) != {"part_number", "etag"}:
            raise InvalidParameter('each of parts must be an object of exactly "part_number" and "etag"')
        try:
            etag = printable_text(part["etag"], MAX_ETAG_CHARS)
        except Invalid as exc:
            raise InvalidParameter(f"etag {exc}") from None
        named.append((part_number(part["part_number"]), etag))
    return named
