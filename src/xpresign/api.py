"""The JSON API: one request core that every front door (and the CLI) uses.

Single request::

    {"key": "movies/metropolis.mp4", "bucket": "movies", "expires_in": 900,
     "filename": "Metropolis (1927).mp4", "response_content_type": "video/mp4",
     "version_id": "...", "check": false}
    -> {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}

Batch: ``{"items": [item, ...], "bucket": ..., "expires_in": ..., "check": ...}``
(top-level fields are defaults for the items; an item may be just a key
string) -> ``{"results": [result or {"key", "error"}, ...]}`` in order.

Errors: ``{"error": {"code", "message"}}`` with the status of
:mod:`xpresign.errors`. The original guide's ``{"object_key": ...}`` is accepted
as ``key``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from .errors import (
    AccessDenied,
    BatchTooLarge,
    InvalidParameter,
    InvalidRequest,
    MalformedJson,
    NoSuchKey,
    UpstreamError,
    XpresignError,
)
from .presign import PresignedUrl, Presigner

ITEM_FIELDS = frozenset(
    {"key", "object_key", "bucket", "expires_in", "filename", "response_content_type", "version_id", "check"}
)
BATCH_FIELDS = frozenset({"items", "bucket", "expires_in", "check"})
#: Fields a batch passes down to its items as defaults.
INHERITED_FIELDS = ("bucket", "expires_in", "check")
#: The existence check signs its HEAD URL for this long: it is used at once.
CHECK_URL_SECONDS = 60
CHECK_TIMEOUT_SECONDS = 3.0
#: Concurrent HEAD requests for a batch with ``check``.
CHECK_WORKERS = 16


class Outcome:
    """What the API answers: a status, a JSON body, extra headers, and the
    fields of the request's log line (never a URL, token or secret)."""

    __slots__ = ("status", "body", "headers", "log")

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None, log: dict | None = None):
        self.status = status
        self.body = body
        self.headers = {} if headers is None else headers
        self.log = {} if log is None else log


def error_outcome(error: XpresignError, log: dict | None = None) -> Outcome:
    body: dict = {"error": error.to_dict()}
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
        body["error"]["retry_after"] = error.retry_after
    return Outcome(error.status, body, headers, {**(log or {}), "outcome": error.code})


def parse_json(data: bytes | None) -> object:
    if data is None:
        raise InvalidRequest('request body is empty: send a JSON object such as {"key": "path/to/object"}')
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJson("request body is not UTF-8") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(f"request body is not valid JSON ({exc})") from None


def check_object(url: str, timeout: float = CHECK_TIMEOUT_SECONDS) -> None:
    """HEAD a presigned URL: return if the object is there and readable."""
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - our own https URL
            return
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 404:
            raise NoSuchKey("no such object (checked with the bucket owner's role)") from None
        if exc.code == 403:
            raise AccessDenied("the bucket owner's role may not read this object (or it does not exist)") from None
        raise UpstreamError(f"S3 answered the existence check with HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise UpstreamError(f"S3 did not answer the existence check ({getattr(exc, 'reason', exc)})") from None


class Api:
    def __init__(self, presigner: Presigner, *, checker: Callable[[str], None] = check_object):
        self.presigner = presigner
        self._check = checker
        self._pool = None  # created on the first batch that checks

    @property
    def max_batch(self) -> int:
        return self.presigner.config.max_batch

    def handle(self, request: object) -> Outcome:
        """Answer one parsed request (a JSON value). Never raises for the
        caller's input: every problem becomes an error outcome."""
        try:
            if not isinstance(request, Mapping):
                raise InvalidRequest('request must be a JSON object such as {"key": "path/to/object"}')
            if "items" in request:
                return self._batch(request)
            result = self._item(request, {})
            return Outcome(200, result.to_dict(), log=_result_log(result))
        except XpresignError as error:
            return error_outcome(error, _request_log(request))

    # --- one item ------------------------------------------------------------------

    def _item(self, item: Mapping, defaults: Mapping) -> PresignedUrl:
        unknown = set(item) - ITEM_FIELDS
        if unknown:
            raise InvalidRequest(
                f"unknown field {sorted(map(str, unknown))[0]!r}; fields are {', '.join(sorted(ITEM_FIELDS - {'object_key'}))}"
            )
        if "key" in item and "object_key" in item:
            raise InvalidRequest("give key or object_key, not both")
        fields = {**defaults, **item}
        check = fields.get("check", False)
        if not isinstance(check, bool):
            raise InvalidParameter("check must be true or false")
        key = fields.get("key", fields.get("object_key"))
        result = self.presigner.presign(
            key,
            bucket=fields.get("bucket"),
            expires_in=fields.get("expires_in"),
            filename=fields.get("filename"),
            content_type=fields.get("response_content_type"),
            version_id=fields.get("version_id"),
        )
        if check:
            self._check_exists(fields, result)
        return result

    def _check_exists(self, fields: Mapping, result: PresignedUrl) -> None:
        head = self.presigner.presign(
            result.key,
            bucket=result.bucket,
            expires_in=CHECK_URL_SECONDS,
            version_id=fields.get("version_id"),
            method="HEAD",
        )
        self._check(head.url)

    # --- batches -------------------------------------------------------------------

    def _batch(self, request: Mapping) -> Outcome:
        unknown = set(request) - BATCH_FIELDS
        if unknown:
            raise InvalidRequest(
                f"unknown field {sorted(map(str, unknown))[0]!r} in a batch; fields are {', '.join(sorted(BATCH_FIELDS))}"
            )
        items = request["items"]
        if not isinstance(items, list) or not items:
            raise InvalidRequest("items must be a non-empty list of requests (objects, or key strings)")
        if len(items) > self.max_batch:
            raise BatchTooLarge(f"a batch may hold at most {self.max_batch} items, this one holds {len(items)}")
        defaults = {name: request[name] for name in INHERITED_FIELDS if name in request}
        # STS throttled or down for a bucket's role: the batch's other items for
        # that bucket fail the same way at once instead of asking STS again.
        unavailable: dict[object, XpresignError] = {}

        def one(item: object) -> tuple[dict, XpresignError | None]:
            bucket: object = None
            try:
                if isinstance(item, str):
                    item = {"key": item}
                if not isinstance(item, Mapping):
                    raise InvalidRequest("each item must be an object or a key string")
                bucket = item.get("bucket", defaults.get("bucket"))
                held = unavailable.get(bucket) if isinstance(bucket, (str, type(None))) else None
                if held is not None:
                    raise held
                return self._item(item, defaults).to_dict(), None
            except XpresignError as error:
                if error.status in (429, 503) and isinstance(bucket, (str, type(None))):
                    unavailable.setdefault(bucket, error)
                entry: dict = {"error": error.to_dict()}
                key = item.get("key", item.get("object_key")) if isinstance(item, Mapping) else None
                if isinstance(key, str):
                    entry = {"key": key, **entry}
                return entry, error

        if defaults.get("check") is True or any(isinstance(i, Mapping) and i.get("check") is True for i in items):
            answers = list(self._executor().map(one, items))
        else:
            answers = [one(item) for item in items]
        results = [result for result, _ in answers]
        failures = [error for _, error in answers if error is not None]
        # When every item failed on the same unavailable dependency, say so as a
        # whole, with Retry-After: there is nothing partial to return.
        if failures and len(failures) == len(results):
            first = failures[0]
            if first.status in (429, 503) and all(f.code == first.code for f in failures):
                return error_outcome(first, {"items": len(results)})
        return Outcome(200, {"results": results}, log=_batch_log(results, len(failures)))

    def _executor(self):
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - only for checked batches

            self._pool = ThreadPoolExecutor(max_workers=CHECK_WORKERS, thread_name_prefix="xpresign-check")
        return self._pool


# --- log lines: bucket, key, counts and expiry; never the URL ------------------------


def _result_log(result: PresignedUrl) -> dict:
    return {
        "bucket": result.bucket,
        "key": result.key,
        "items": 1,
        "expires_in": result.expires_in,
        "capped_by": result.capped_by,
        "outcome": "ok",
    }


def _request_log(request: object) -> dict:
    if not isinstance(request, Mapping):
        return {}
    log = {}
    key = request.get("key", request.get("object_key"))
    if isinstance(key, str):
        log["key"] = key[:1024]
    if isinstance(request.get("bucket"), str):
        log["bucket"] = request["bucket"][:255]
    items = request.get("items")
    log["items"] = len(items) if isinstance(items, list) else 1
    return log


def _batch_log(results: list[dict], failed: int) -> dict:
    ok = [r for r in results if "url" in r]
    buckets = sorted({r["bucket"] for r in ok})
    capped = sorted({r["capped_by"] for r in ok if r["capped_by"]})
    return {
        "bucket": buckets[0] if len(buckets) == 1 else buckets,
        "items": len(results),
        "failed": failed,
        "expires_in": min((r["expires_in"] for r in ok), default=None),
        "capped_by": capped[0] if len(capped) == 1 else (capped or None),
        "outcome": "ok" if not failed else "partial",
    }
