"""One log line per request: who, which bucket and key, how many, how long, and
the outcome. Never a URL, a query string, a signature, a token or a secret.

Lambda's runtime puts one handler on the root logger; in its JSON log format
(``AWS_LAMBDA_LOG_FORMAT=JSON``) it lifts a record's ``extra`` fields to
top-level keys, so the fields go there; in text format they are the message,
as JSON.

The text line is the hot path's largest cost after signing, so it is built
cheaply (measured on a warm Function URL GET: 20 µs down to ~7 µs, most of
what is left being the runtime's own handler):

* the JSON is written directly, byte for byte what ``json.dumps(fields,
  ensure_ascii=False)`` gives (tested), without the encoder's machinery;
* the record is made with ``makeRecord`` and passed to ``handle``, skipping
  ``Logger._log``'s walk up the stack to find the caller's file and line
  (``findCaller``), which no line of this log ever shows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from json.encoder import encode_basestring

from .checks import safe_for_log

logger = logging.getLogger("xpresign.request")

#: A caller's key is logged whole up to S3's limit, no further: the line stays bounded.
MAX_LOGGED_KEY_CHARS = 1024


def logged_key(value: object) -> str | None:
    """A caller's ``key`` as the log line holds it: text, bounded; else None."""
    return value[:MAX_LOGGED_KEY_CHARS] if isinstance(value, str) else None


def _json_value(value: object) -> str:
    """The rarer kinds of value: true/false, lists (a batch's buckets), anything else as text."""
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is list:
        return "[" + ", ".join(encode_basestring(safe_for_log(str(v))) for v in value) + "]"
    return encode_basestring(safe_for_log(str(value)))


def line(fields: Mapping[str, object]) -> str:
    """The fields as one JSON object, ``None`` values left out. Field names
    are this module's own ASCII words, so they are written as they are."""
    parts = []
    for name, value in fields.items():
        kind = type(value)
        if kind is str:
            # ASCII holds no lone surrogate: the common case skips the check.
            parts.append(f'"{name}": {encode_basestring(value if value.isascii() else safe_for_log(value))}')
        elif kind is int or kind is float:
            parts.append(f'"{name}": {value!r}')
        elif value is not None:
            parts.append(f'"{name}": {_json_value(value)}')
    return "{" + ", ".join(parts) + "}"


class RequestLog:
    def __init__(self, *, json_format: bool = False):
        self._json_format = json_format

    def write(self, fields: Mapping[str, object], status: int) -> None:
        level = logging.WARNING if status >= 500 else logging.INFO
        if not logger.isEnabledFor(level):
            return
        if self._json_format:
            extra = {name: safe_for_log(v) if type(v) is str else v for name, v in fields.items() if v is not None}
            logger.log(level, "request", extra=extra)
            return
        logger.handle(logger.makeRecord(logger.name, level, __file__, 0, line(fields), (), None, "write"))
