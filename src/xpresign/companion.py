"""Uppy's signing routes ("Companion"), on top of the uploads API.

A web page points Uppy's S3 plugin (``uppy@5.2.x``, ``@uppy/aws-s3`` 5.x) at
xpresign with ``endpoint`` and writes no signing code. The six routes it calls,
after any stage or base path (see docs/uppy-protocol.md for the exact shapes):

=============================================  ====================================
``GET /s3/params``                             a POST policy for a single upload
``POST /s3/multipart``                         create a multipart upload
``GET /s3/multipart/{uploadId}/{partNumber}``  sign one part
``GET /s3/multipart/{uploadId}``               list the parts uploaded so far
``POST /s3/multipart/{uploadId}/complete``     complete the upload
``DELETE /s3/multipart/{uploadId}``            abort it
=============================================  ====================================

The browser chooses nothing that matters: the server picks every key,
``<upload prefix><random id>/<sanitised filename>``, in the service's
``companion_bucket``; an active content type from the browser is stored as
``application/octet-stream``. A single upload is a POST policy, because
Uppy's ``GET /s3/params`` sends no size, and only a policy's
``content-length-range`` lets S3 enforce ``max_upload_size``. Errors repeat
their message at the top level, where Uppy shows it to the user.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .api import parse_json
from .checks import excerpt
from .content_types import DEFAULT_UPLOAD_TYPE, is_active
from .errors import InvalidParameter, InvalidRequest, MethodNotAllowed, NotFound, XpresignError
from .outcome import Outcome, error_outcome
from .request_log import logged_key
from .values import Deadline

if TYPE_CHECKING:
    from .api import Api
    from .router import HttpRequest

#: Longest sanitised file name kept in a key.
MAX_FILENAME_CHARS = 200
#: Random bytes in each key's id (from ``secrets``: never shared between
#: environments restored from one SnapStart snapshot).
KEY_ID_BYTES = 16
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_PART_NUMBER = re.compile(r"[0-9]{1,5}")
ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"


def sanitised_filename(name: object) -> str:
    """``A–Z a–z 0–9 . _ -`` kept, everything else ``_``, at most 200 characters."""
    text = name if isinstance(name, str) else ""
    clean = _UNSAFE.sub("_", text[: MAX_FILENAME_CHARS * 2])[:MAX_FILENAME_CHARS]
    return clean.strip(".") or "upload"


def path_segments(path: str, *, decoded: bool) -> list[str]:
    """The segments after ``s3/``, each percent-decoded once. A path that
    arrived decoded (HTTP APIs) has lost the difference between a '/' in an
    uploadId and a separator: there the uploadId is everything between
    ``multipart/`` and a last segment that is a part number or ``complete``."""
    parts = path.strip("/").split("/")[1:]
    if not decoded:
        return [unquote(part) for part in parts]
    if len(parts) > 2 and parts[0] == "multipart":
        if parts[-1] == "complete" or _PART_NUMBER.fullmatch(parts[-1]):
            return ["multipart", "/".join(parts[1:-1]), parts[-1]]
        return ["multipart", "/".join(parts[1:])]
    return parts


def stored_type(kind: object) -> str:
    """The browser's type, unless it is unusable (not printable ASCII, which
    a signed header needs) or active."""
    if (
        not isinstance(kind, str)
        or not kind.strip()
        or len(kind) > 256
        or not kind.isascii()
        or not kind.isprintable()
        or is_active(kind)
    ):
        return DEFAULT_UPLOAD_TYPE
    return kind


def error(error: XpresignError) -> Outcome:
    outcome = error_outcome(error)
    outcome.body["message"] = error.message  # Uppy shows a top-level message to the user
    return outcome


class Companion:
    def __init__(self, api: Api):
        self.api = api

    def new_key(self, bucket, filename: object) -> str:
        return f"{bucket.upload_prefixes[0]}{secrets.token_hex(KEY_ID_BYTES)}/{sanitised_filename(filename)}"

    def route(self, request: HttpRequest, path: str, deadline: Deadline) -> Outcome:
        """Answer ``path`` (``/s3/...``, already matched) for ``request``."""
        try:
            return self._route(request, path, deadline)
        except XpresignError as exc:
            return error(exc)

    def _route(self, request: HttpRequest, path: str, deadline: Deadline) -> Outcome:
        alias = self.api.presigner.config.companion_bucket
        if alias is None:
            raise NotFound("Uppy's signing routes are off here: companion_bucket is not configured")
        bucket = self.api.presigner.config.bucket(alias)
        segments = path_segments(path, decoded=request.path_decoded)
        method = request.method
        uploads = self.api.uploads
        log = {"bucket": bucket.alias, "outcome": "ok"}
        if segments == ["params"] and method == "GET":
            query = request.query
            key = self.new_key(bucket, query.get("filename"))
            post = uploads.uploader.post(
                bucket,
                key,
                content_type=stored_type(query.get("type")),
                requested=bucket.default_expires,
                deadline=deadline,
            )
            return Outcome(200, {"method": "POST", "url": post.url, "fields": post.fields}, log={**log, "key": key})
        if segments == ["multipart"] and method == "POST":
            body = self._json(request)
            key = self.new_key(bucket, body.get("filename"))
            upload_id, key = uploads.multipart.create(bucket, key, stored_type(body.get("type")), deadline)
            return Outcome(200, {"uploadId": upload_id, "key": key, "bucket": bucket.alias}, log={**log, "key": key})
        if len(segments) in (2, 3) and segments[0] == "multipart":
            return self._upload_step(request, bucket, segments[1], segments[2:], deadline, log)
        raise MethodNotAllowed(f"{method[:16]} {excerpt(path)} is not one of Uppy's signing routes")

    def _upload_step(self, request: HttpRequest, bucket, upload_id: str, rest: list[str], deadline, log) -> Outcome:
        method, multipart = request.method, self.api.uploads.multipart
        key = request.query.get("key")
        log = {**log, "key": logged_key(key)}
        if rest and _PART_NUMBER.fullmatch(rest[0]) and method == "GET":
            grant, [(_, url)] = multipart.sign_parts(
                bucket, key, upload_id, [int(rest[0])], requested=bucket.default_expires, most=1, deadline=deadline
            )
            return Outcome(200, {"url": url, "expires": grant.expires_in}, log={**log, "expires_in": grant.expires_in})
        if not rest and method == "GET":
            parts = multipart.list_parts(bucket, key, upload_id, deadline)
            listed = [{"PartNumber": p.part_number, "Size": p.size, "ETag": p.etag} for p in parts]
            return Outcome(200, listed, log={**log, "items": len(listed)})
        if rest == ["complete"] and method == "POST":
            parts = self._json(request).get("parts")
            if not isinstance(parts, list):
                raise InvalidParameter('parts must be a list of {"ETag", "PartNumber"} objects')
            named = [
                {"part_number": p.get("PartNumber"), "etag": p.get("ETag")} if isinstance(p, Mapping) else p
                for p in parts
            ]
            etag = multipart.complete(bucket, key, upload_id, named, deadline)
            location = self.api.presigner.endpoint(bucket).object_url(key)
            return Outcome(200, {"location": location, "key": key, "bucket": bucket.alias, "etag": etag}, log=log)
        if not rest and method == "DELETE":
            multipart.abort(bucket, key, upload_id, deadline)
            return Outcome(200, {}, log=log)
        raise MethodNotAllowed(f"{method[:16]} is not allowed on this route")

    @staticmethod
    def _json(request: HttpRequest) -> Mapping:
        body = parse_json(request.body())
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be a JSON object")
        return body
