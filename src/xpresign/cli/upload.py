"""``xpresign upload FILE s3://bucket/key``: upload with the user's own credentials.

Signed locally, as ``xpresign url`` signs (botocore's chain, or a role
assumed from it), through the same upload service as the Lambda: a file of up
to ``MULTIPART_THRESHOLD`` bytes is one PUT whose SHA-256 checksum S3
verifies; a larger one is a multipart upload in ``PART_SIZE`` parts, aborted
if anything fails or the user presses Ctrl-C, so no orphaned parts are left
to be billed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os

from .. import transport
from ..api import Api
from ..checks import Invalid, printable_text
from ..config_bucket import MAX_OBJECT_SIZE
from ..errors import ServiceUnavailable, UpstreamError, XpresignError
from ..presigner import MAX_CONTENT_TYPE_BYTES
from ..values import NO_DEADLINE
from . import argparser
from .definition import PROG, UsageError
from .exit_codes import ExitCode
from .progress import Progress, isatty
from .streams import Streams
from .url import build_api

MIB = 1024 * 1024
#: Files up to this size are one PUT; larger ones go multipart.
MULTIPART_THRESHOLD = 8 * MIB
PART_SIZE = 8 * MIB
#: Parts signed per request to the service.
PARTS_PER_SIGNING = 100
#: One part's upload may take this long (a slow link), each retried by S3's client rules.
PART_TIMEOUT_SECONDS = 300.0
PART_ATTEMPTS = 3


def run_upload(args: argparse.Namespace, streams: Streams) -> ExitCode:
    bucket_name, key = argparser.parse_s3_uri(args.destination)
    try:
        size = os.path.getsize(args.file)
    except OSError as exc:
        raise UsageError(f"FILE: cannot read {args.file[:200]!r}: {exc.strerror}") from None
    argparser.check_signing_options(args)
    if args.content_type is not None:
        try:
            printable_text(args.content_type, MAX_CONTENT_TYPE_BYTES)
        except Invalid as exc:
            raise UsageError(f"--content-type {exc}") from None
    api = build_api(args, [bucket_name], uploads=True)
    bucket = api.presigner.config.bucket(bucket_name)._replace(upload_prefixes=("",), max_upload_size=MAX_OBJECT_SIZE)
    with open(args.file, "rb") as handle:
        if size <= MULTIPART_THRESHOLD:
            etag, parts = _single(api, bucket, key, handle.read(), args.content_type), 1
        else:
            etag, parts = _multipart(api, bucket, key, handle, size, args.content_type, streams)
    result = {"bucket": bucket_name, "key": key, "size": size, "parts": parts, "etag": etag}
    if args.json:
        streams.stdout.write(json.dumps(result) + "\n")
    else:
        streams.stdout.write(f"s3://{bucket_name}/{key}\n")
        if not args.quiet:
            streams.stderr.write(f"{PROG}: uploaded {size} bytes in {parts} part{'s' if parts > 1 else ''}\n")
    return ExitCode.OK


def _put(url: str, data: bytes, headers: dict[str, str]) -> str:
    """PUT ``data`` to a presigned URL; the ETag S3 answers."""
    try:
        response = transport.with_retries(
            lambda timeout: transport.request("PUT", url, headers=headers, body=data, timeout=timeout),
            deadline=NO_DEADLINE,
            attempts=PART_ATTEMPTS,
            timeout=PART_TIMEOUT_SECONDS,
            retryable=lambda response: response.status == 429 or response.status >= 500,
            pause=lambda attempt: attempt,
        )
    except transport.RetriesExhausted as exhausted:
        raise ServiceUnavailable(f"S3 did not take the upload ({exhausted.reason})") from None
    if response.status != 200:
        raise UpstreamError(f"S3 refused the upload (HTTP {response.status})")
    return response.headers.get("etag", "")


def _single(api: Api, bucket, key: str, data: bytes, content_type: str | None) -> str:
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    signed = api.uploads.uploader.put(
        bucket, key, content_length=len(data), content_type=content_type, checksum=checksum, requested=900
    )
    return _put(signed.url, data, signed.headers)


def _multipart(api: Api, bucket, key: str, handle, size: int, content_type: str | None, streams: Streams):
    multipart = api.uploads.multipart
    upload_id, key = multipart.create(bucket, key, content_type)
    count = -(-size // PART_SIZE)
    progress = Progress(streams.stderr, size, verb="uploading") if isatty(streams.stderr) else None
    etags, done = [], 0
    try:
        for first in range(1, count + 1, PARTS_PER_SIGNING):
            numbers = list(range(first, min(first + PARTS_PER_SIGNING, count + 1)))
            _, urls = multipart.sign_parts(bucket, key, upload_id, numbers, requested=3600, most=PARTS_PER_SIGNING)
            for number, url in urls:
                chunk = handle.read(PART_SIZE)
                etags.append({"part_number": number, "etag": _put(url, chunk, {})})
                done += len(chunk)
                if progress is not None:
                    progress.update(done)
        etag = multipart.complete(bucket, key, upload_id, etags)
    except (XpresignError, KeyboardInterrupt, OSError):
        _abort(multipart, bucket, key, upload_id, streams)
        raise
    finally:
        if progress is not None:
            progress.close()
    return etag, count


def _abort(multipart, bucket, key: str, upload_id: str, streams: Streams) -> None:
    try:
        multipart.abort(bucket, key, upload_id)
        streams.stderr.write(f"{PROG}: warning: the upload failed; its parts were deleted (aborted)\n")
    except XpresignError as exc:
        streams.stderr.write(f"{PROG}: warning: could not abort upload {upload_id[:64]}: {exc.message}\n")
