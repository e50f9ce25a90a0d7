"""One log line per request: who, which bucket and key, how many, how long, and
the outcome. Never a URL, a query string, a signature, a token or a secret.

Lambda's runtime puts one handler on the root logger; in its JSON log format
(``AWS_LAMBDA_LOG_FORMAT=JSON``) it lifts a record's ``extra`` fields to
top-level keys, so the fields go there; in text format they are the message,
as JSON.

The text line is the hot path's largest cost after signing, so it is built
cheaply (measured on a warm Function URL GET, benchmarks section 7: 20 µs down
to ~3 µs, besides the runtime's own handler):

* the JSON is written directly, byte for byte what ``json.dumps(fields,
  ensure_ascii=False)`` gives (tested), without the encoder's machinery; the
  common line, one signed URL, in one f-string (:func:`url_line`);
* the record is passed straight to ``handle``, skipping ``Logger._log``'s walk
  up the stack to find the caller's file and line (``findCaller``), which no
  line of this log ever shows; in Lambda it is copied from the first one
  (:mod:`xpresign.log_records`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

from .checks import safe_for_log
from .log_records import RecordMaker

if TYPE_CHECKING:
    from .presigner import PresignedUrl
    from .uploads import PresignedPost, PresignedPut

logger = logging.getLogger("xpresign.request")

#: A caller's key is logged whole up to S3's limit, no further: the line stays bounded.
MAX_LOGGED_KEY_CHARS = 1024


def logged_key(value: object) -> str | None:
    """A caller's ``key`` as the log line holds it: text, bounded; else None."""
    return value[:MAX_LOGGED_KEY_CHARS] if isinstance(value, str) else None


def result_fields(result: PresignedUrl | PresignedPut | PresignedPost) -> dict:
    """The log fields of one result (a download or an upload)."""
    return {
        "bucket": result.bucket,
        "key": result.key,
        "items": 1,
        "expires_in": result.expires_in,
        "capped_by": result.capped_by,
        "outcome": "ok",
    }


def _json_value(value: object) -> str:
    """The rarer kinds of value: true/false, lists (a batch's buckets), anything else as text."""
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is list:
        return "[" + ", ".join(encode_basestring(safe_for_log(str(v))) for v in value) + "]"
    return encode_basestring(safe_for_log(str(value)))


def _string(value: str) -> str:
    # ASCII holds no lone surrogate: the common case skips the check.
    return encode_basestring(value if value.isascii() else safe_for_log(value))


def line(fields: Mapping[str, object]) -> str:
    """The fields as one JSON object, ``None`` values left out. Field names
    are this module's own ASCII words, so they are written as they are."""
    parts = []
    for name, value in fields.items():
        kind = type(value)
        if kind is str:
            parts.append(f'"{name}": {_string(value)}')
        elif kind is int or kind is float:
            parts.append(f'"{name}": {value!r}')
        elif value is not None:
            parts.append(f'"{name}": {_json_value(value)}')
    return "{" + ", ".join(parts) + "}"


def url_line(
    request_id: str | None, front_door: str, result: PresignedUrl, duration_ms: float, caller: str | None
) -> str:
    """``line()`` of a signed GET's fields, as the general path gathers them
    (tested equal), in one f-string: the generic walk over a dict costs about
    as much as the signature it logs (measured on a warm Function URL GET)."""
    return (
        ("{" if request_id is None else f'{{"request_id": {_string(request_id)}, ')
        + f'"front_door": "{front_door}", "bucket": {_string(result.bucket)}, "key": {_string(result.key)}, '
        f'"items": 1, "expires_in": {result.expires_in}, '
        + ("" if result.capped_by is None else f'"capped_by": "{result.capped_by}", ')
        + f'"outcome": "ok", "status": 200, "duration_ms": {duration_ms!r}'
        + ("}" if caller is None else f', "caller": {_string(caller)}}}')
    )


class RequestLog:
    """``json_format``: Lambda's JSON log format. ``one_at_a_time``: the process
    handles one request at a time outside an event loop (Lambda's runtime), so
    its records may be copied while logging is stock (:mod:`xpresign.log_records`)."""

    def __init__(self, *, json_format: bool = False, one_at_a_time: bool = False):
        self._json_format = json_format
        self._record = RecordMaker(logger, __file__, "write").make if one_at_a_time else _made_record

    def write(self, fields: Mapping[str, object], status: int) -> None:
        level = logging.WARNING if status >= 500 else logging.INFO
        if not logger.isEnabledFor(level):
            return
        if self._json_format:
            extra = {name: safe_for_log(v) if type(v) is str else v for name, v in fields.items() if v is not None}
            logger.log(level, "request", extra=extra)
            return
        logger.handle(self._record(line(fields), level))

    def write_signed(
        self, request_id: object, front_door: str, result: PresignedUrl, duration_ms: float, caller: object
    ) -> None:
        """The line of an answer that is one signed URL: what :meth:`write` gives
        for its fields (:func:`result_fields` between the request's), more cheaply."""
        if not logger.isEnabledFor(logging.INFO):
            return
        if (
            self._json_format
            or not (request_id is None or type(request_id) is str)
            or not (caller is None or type(caller) is str)
        ):
            fields = {"request_id": request_id, "front_door": front_door, **result_fields(result)}
            self.write({**fields, "status": 200, "duration_ms": duration_ms, "caller": caller}, 200)
            return
        logger.handle(self._record(url_line(request_id, front_door, result, duration_ms, caller), logging.INFO))


def _made_record(text: str, level: int) -> logging.LogRecord:
    return logger.makeRecord(logger.name, level, __file__, 0, text, (), None, "write")
