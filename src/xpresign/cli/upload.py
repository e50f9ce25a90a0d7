"""``xpresign upload FILE s3://bucket/key``: upload with the user's own credentials.

Signed locally, as ``xpresign url`` signs (botocore's chain, or a role
assumed from it), through the same upload service as the Lambda: a file of up
to ``MULTIPART_THRESHOLD`` bytes is one PUT whose SHA-256 checksum S3
verifies; a larger one is a multipart upload in parts of :func:`part_size`,
aborted if anything fails, the file changes or the user presses Ctrl-C, so no
orphaned parts are left to be billed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
from typing import BinaryIO

from .. import transport
from ..api import Api
from ..config_bucket import MAX_OBJECT_SIZE
from ..errors import ServiceUnavailable, UpstreamError, XpresignError
from ..files import Refused, open_regular
from ..multipart import MAX_PART_NUMBER
from ..values import NO_DEADLINE
from . import argparser
from .core import fail, safe_for_terminal
from .definition import PROG, UsageError
from .exit_codes import ExitCode
from .progress import Progress, isatty
from .streams import Streams
from .url import build_api

MIB = 1024 * 1024
#: Files up to this size are one PUT; larger ones go multipart.
MULTIPART_THRESHOLD = 8 * MIB
MIN_PART_SIZE = 8 * MIB
#: Parts signed per request to the service.
PARTS_PER_SIGNING = 100
#: One part's upload may take this long (a slow link), each retried by S3's client rules.
PART_TIMEOUT_SECONDS = 300.0
PART_ATTEMPTS = 3


class FileChanged(Exception):
    """FILE no longer holds the bytes its size promised; the message says what became of the upload."""

    def __init__(self, outcome: str = "nothing was stored"):
        super().__init__(outcome)


def part_size(size: int) -> int:
    """8 MiB, or more for a file over 10,000 × 8 MiB (~78 GiB): S3 numbers
    parts 1 to 10,000, so the size is chosen up front, in whole MiB. A 5 TiB
    object (S3's limit) gets 525 MiB parts, well under S3's 5 GiB a part."""
    return max(MIN_PART_SIZE, -(-size // (MAX_PART_NUMBER * MIB)) * MIB)


def run_upload(args: argparse.Namespace, streams: Streams) -> ExitCode:
    bucket_name, key = argparser.parse_s3_uri(args.destination)
    argparser.check_signing_options(args)
    argparser.check_content_types(args)
    handle, stat = _open_regular(args.file)
    with handle:
        size = stat.st_size
        if size > MAX_OBJECT_SIZE:
            raise UsageError(f"FILE {_shown(args.file)} is {size} bytes; S3 objects are at most {MAX_OBJECT_SIZE}")
        api = build_api(args, [bucket_name], uploads=True)
        bucket = api.presigner.config.bucket(bucket_name)  # any key, up to S3's limit (cli_config)
        try:
            if size <= MULTIPART_THRESHOLD:
                data = _read(handle, size)
                _check_unchanged(handle, stat)
                etag, parts = _single(api, bucket, key, data, args.content_type), 1
            else:
                etag, parts = _multipart(api, bucket, key, handle, stat, args.content_type, streams, args.quiet)
        except FileChanged as exc:
            # Not USAGE: the command was right, and runs once the file is left alone;
            # the same kind of failure as a file that goes away mid-upload (an OSError).
            return ExitCode(fail(streams, f"FILE {_shown(args.file)} changed during the upload; {exc}", ExitCode.ERROR))
    result = {"bucket": bucket_name, "key": key, "size": size, "parts": parts, "etag": etag}
    if args.json:
        streams.stdout.write(json.dumps(result) + "\n")
    else:
        streams.stdout.write(safe_for_terminal(f"s3://{bucket_name}/{key}") + "\n")
        if not args.quiet:
            streams.stderr.write(f"{PROG}: uploaded {size} bytes in {parts} part{'s' if parts > 1 else ''}\n")
    return ExitCode.OK


def _shown(path: str) -> str:
    return repr(path[:200])


def _open_regular(path: str) -> tuple[BinaryIO, os.stat_result]:
    """``path`` opened, if it is a regular file: only a regular file's size,
    taken once up front, is the number of bytes it then yields (a pipe or
    /dev/stdin says 0; a directory cannot be read)."""
    try:
        return open_regular(path)
    except Refused as exc:
        raise UsageError(f"FILE: cannot read {_shown(path)}: {exc}") from None


def _read(handle: BinaryIO, size: int) -> bytes:
    """Exactly ``size`` bytes: the size was signed, or is one part's share."""
    data = handle.read(size)
    if len(data) != size:
        raise FileChanged
    return data


def _check_unchanged(handle: BinaryIO, before: os.stat_result) -> None:
    """Nothing after the bytes read, and no write since the size was taken
    (one that kept the size changes the time it was modified)."""
    after = os.fstat(handle.fileno())
    if handle.read(1) or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise FileChanged


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


def _multipart(
    api: Api,
    bucket,
    key: str,
    handle: BinaryIO,
    stat: os.stat_result,
    content_type: str | None,
    streams: Streams,
    quiet: bool,
):
    multipart = api.uploads.multipart
    size, each = stat.st_size, part_size(stat.st_size)
    count = -(-size // each)
    upload_id, key = multipart.create(bucket, key, content_type)
    progress = Progress(streams.stderr, size, verb="uploading") if isatty(streams.stderr) and not quiet else None
    etags, done, number = [], 0, 1
    try:
        while number <= count:
            numbers = list(range(number, min(number + PARTS_PER_SIGNING, count + 1)))
            grant, urls = multipart.sign_parts(bucket, key, upload_id, numbers, requested=3600, most=PARTS_PER_SIGNING)
            for part, url in urls:
                # A slow link can outlast a signing: a part that might reach S3
                # after its URL expires is signed again (the first one of a
                # signing always goes, however short the credentials left it).
                if part > numbers[0] and api.presigner.clock() + PART_TIMEOUT_SECONDS > grant.ends_at:
                    break
                chunk = _read(handle, min(each, size - (part - 1) * each))
                etags.append({"part_number": part, "etag": _put(url, chunk, {})})
                done += len(chunk)
                number = part + 1
                if progress is not None:
                    progress.update(done)
        _check_unchanged(handle, stat)
        etag = multipart.complete(bucket, key, upload_id, etags)
    except FileChanged:
        aborted = _abort(multipart, bucket, key, upload_id, streams)
        raise FileChanged("it was aborted" if aborted else "its parts may be left (see the warning)") from None
    except (XpresignError, KeyboardInterrupt, OSError):
        if _abort(multipart, bucket, key, upload_id, streams):
            streams.stderr.write(f"{PROG}: warning: the upload failed; its parts were deleted (aborted)\n")
        raise
    finally:
        if progress is not None:
            progress.close()
    return etag, count


def _abort(multipart, bucket, key: str, upload_id: str, streams: Streams) -> bool:
    """Abort the upload, so that no orphaned parts are billed; False, after a warning, if that failed."""
    try:
        multipart.abort(bucket, key, upload_id)
    except XpresignError as exc:
        streams.stderr.write(f"{PROG}: warning: could not abort upload {upload_id[:64]}: {exc.message}\n")
        return False
    return True
