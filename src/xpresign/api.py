"""The JSON API: one request core that every front door (and the CLI) uses.

Single request::

    {"key": "movies/metropolis.mp4", "bucket": "movies", "expires_in": 900,
     "filename": "Metropolis (1927).mp4", "response_content_type": "video/mp4",
     "version_id": "...", "check": false}
    -> {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}

Batch: ``{"items": [item, ...], "bucket": ..., "expires_in": ..., "check": ...}``
(top-level fields are defaults for the items; an item may be just a key
string) -> ``{"results": [result or {"key", "error"}, ...]}`` in order; see
:mod:`xpresign.batch`.

Errors: ``{"error": {"code", "message"}}`` with the status of
:mod:`xpresign.errors`. The original guide's ``{"object_key": ...}`` is accepted
as ``key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import NamedTuple

from .checks import Invalid, boolean, excerpt
from .config import BucketConfig
from .errors import InvalidParameter, InvalidRequest, MalformedJson, XpresignError
from .events import query_request
from .expiry import validate_expires_in
from .fields import GET_FIELDS, METHODS, known_list, unknown_field
from .outcome import DIRECT, Budget, Outcome, error_outcome
from .presign import presign_s3_url
from .presigner import Download, Grant, PresignedUrl, Presigner
from .request_log import logged_key, result_fields
from .s3_calls import check_object, out_of_time
from .values import NO_DEADLINE, Deadline

__all__ = ["CHECK_URL_SECONDS", "Api", "Outcome", "error_outcome", "parse_json"]

#: The existence check signs its HEAD URL for this long: it is used at once.
CHECK_URL_SECONDS = 60

Checker = Callable[[str, Deadline], None]


class Defaults(NamedTuple):
    """A batch's top-level fields, validated once for all its items."""

    bucket: BucketConfig | None = None
    expires_in: int | None = None
    check: bool = False


class GetRequest(NamedTuple):
    """A download and whether to check the object exists."""

    download: Download
    check: bool


def parse_json(data: bytes | None) -> object:
    if data is None:
        raise InvalidRequest('request body is empty: send a JSON object such as {"key": "path/to/object"}')
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson("request body is not UTF-8") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise MalformedJson("request body is nested too deeply") from None
    except ValueError as exc:
        raise MalformedJson(f"request body is not valid JSON ({str(exc)[:100]})") from None


def flag(value: object, name: str) -> bool:
    """A JSON boolean field (a query string's words are read in xpresign.events)."""
    try:
        return boolean(value, text=False)
    except Invalid as exc:
        raise InvalidParameter(f"{name} {exc}") from None


class Api:
    def __init__(self, presigner: Presigner, *, checker: Checker = check_object):
        self.presigner = presigner
        self.check_object = checker
        buckets = presigner.config.buckets
        self._only_bucket = next(iter(buckets.values())) if len(buckets) == 1 else None
        self._uploads = None
        self._pool = None  # created on the first batch that checks

    @property
    def uploads(self):
        """The upload API (PUT, POST, multipart), loaded by the first upload
        request: downloads never pay for its modules' import."""
        if self._uploads is None:
            from .api_uploads import UploadApi  # noqa: PLC0415

            self._uploads = UploadApi(self)
        return self._uploads

    @property
    def max_batch(self) -> int:
        return self.presigner.config.max_batch

    def handle(self, request: object, *, budget: Budget = DIRECT, deadline: Deadline = NO_DEADLINE) -> Outcome:
        """Answer one parsed request (a JSON value). Never raises for the
        caller's input: every problem becomes an error outcome."""
        try:
            if not isinstance(request, dict) and not isinstance(request, Mapping):
                raise InvalidRequest('request must be a JSON object such as {"key": "path/to/object"}')
            if "items" in request:
                from .batch import run_batch  # noqa: PLC0415 - a module of its own, loaded once

                return run_batch(self, request, budget, deadline, as_text=budget.escaped)
            if "action" in request:
                return self.uploads.action(request, budget, deadline)
            if request.get("method", "GET") != "GET":
                upload = self.uploads.upload(request, None, deadline)
                return Outcome(200, upload.to_dict(), log=result_fields(upload))
            result = self.get(self.parse_get(request, Defaults()), deadline)
            return Outcome(200, None, result=result)
        except XpresignError as error:
            return error_outcome(error, request_log(request))

    def handle_query(
        self, query: Mapping[str, str], *, budget: Budget = DIRECT, deadline: Deadline = NO_DEADLINE
    ) -> Outcome:
        """A GET's query string."""
        try:
            result = self.plain_get(query, deadline)
        except XpresignError as error:
            return self.query_error(error, query)
        if result is not None:
            return Outcome(200, None, result=result)
        try:
            request = query_request(query)
        except XpresignError as error:
            return error_outcome(error, request_log(query))
        return self.handle(request, budget=budget, deadline=deadline)

    @staticmethod
    def query_error(error: XpresignError, query: Mapping[str, str]) -> Outcome:
        """The answer when :meth:`plain_get` raises: the key goes in the log line."""
        return error_outcome(error, {"key": query["key"], "items": 1})

    def plain_get(self, query: Mapping[str, str], deadline: Deadline = NO_DEADLINE) -> PresignedUrl | None:
        """The common case's short path: a plain key (and maybe ``expires_in``)
        in the only bucket, signed; None for any other query, which the general
        path reads. Raises what the general path would. Measured on a warm
        Function URL GET, the general path costs ~3x the signing itself; the
        Lambda handler calls this before its router (benchmarks section 7)."""
        bucket = self._only_bucket
        if bucket is None or "key" not in query or not (len(query) == 1 or (len(query) == 2 and "expires_in" in query)):
            return None
        presigner = self.presigner
        key = presigner.plain_key(bucket, query["key"])
        if key is None:
            return None
        expires_in = query.get("expires_in")
        requested = bucket.default_expires if expires_in is None else validate_expires_in(expires_in, text=True)
        grant = presigner.grant(bucket, requested, deadline)
        return PresignedUrl(
            presigner.sign_plain(key, grant), bucket.alias, key, grant.expires_at, grant.expires_in, grant.capped_by
        )

    # --- one download ------------------------------------------------------------

    def parse_get(self, item: Mapping, defaults: Defaults, memo: dict | None = None) -> GetRequest:
        """Check every field of a download request; nothing is signed yet."""
        field = unknown_field(item, GET_FIELDS)
        if field is not None:
            raise InvalidRequest(f"unknown field {excerpt(field)}; fields are {known_list(GET_FIELDS)}")
        if "key" in item and "object_key" in item:
            raise InvalidRequest("give key or object_key, not both")
        method = item.get("method", "GET")
        if method != "GET":
            raise InvalidParameter(f"method must be one of {', '.join(METHODS)}, got {excerpt(method)}")
        presigner = self.presigner
        name = item.get("bucket")
        bucket = defaults.bucket if name in (None, "") and defaults.bucket else presigner.config.bucket(name)
        expires_in = item.get("expires_in")
        if expires_in is not None:
            requested = presigner.requested_expiry(bucket, expires_in)
        else:
            requested = defaults.expires_in or bucket.default_expires
        download = presigner.download(
            item.get("key", item.get("object_key")),
            bucket=bucket,
            requested=requested,
            filename=item.get("filename"),
            content_type=item.get("response_content_type"),
            version_id=item.get("version_id"),
            memo=memo,
        )
        return GetRequest(download, flag(item["check"], "check") if "check" in item else defaults.check)

    def get(self, request: GetRequest, deadline: Deadline) -> PresignedUrl:
        download = request.download
        grant = self.presigner.grant(download.bucket, download.requested, deadline)
        url = self.presigner.sign(download, grant)
        if request.check:
            self.check(download, grant, deadline)
        return PresignedUrl(
            url, download.bucket.alias, download.key, grant.expires_at, grant.expires_in, grant.capped_by
        )

    def check(self, download: Download, grant: Grant, deadline: Deadline) -> None:
        """HEAD the object with the grant's credentials: NoSuchKey, AccessDenied...
        Signed when it runs, not at the grant's second: a batch's checks run
        after all its items are signed, and a HEAD signed too early would come
        back as an expired signature's 403, read as AccessDenied."""
        now = max(grant.now, int(self.presigner.clock()))
        left = grant.ends_at - now
        if left < 1:
            raise out_of_time()
        head = presign_s3_url(
            grant.endpoint,
            download.key,
            grant.credentials,
            expires_in=min(CHECK_URL_SECONDS, left),
            now=now,
            method="HEAD",
            version_id=download.version_id,
        )
        self.check_object(head, deadline)

    def executor(self):
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - only for checked batches

            from .batch import CHECK_WORKERS  # noqa: PLC0415

            self._pool = ThreadPoolExecutor(max_workers=CHECK_WORKERS, thread_name_prefix="xpresign-check")
        return self._pool


# --- log lines: bucket, key, counts and expiry; never the URL ------------------------


def request_log(request: object) -> dict:
    if not isinstance(request, Mapping):
        return {}
    log = {}
    key = logged_key(request.get("key", request.get("object_key")))
    if key is not None:
        log["key"] = key
    if isinstance(request.get("bucket"), str):
        log["bucket"] = request["bucket"][:255]
    items = request.get("items")
    log["items"] = len(items) if isinstance(items, list) else 1
    return log
