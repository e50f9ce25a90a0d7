"""One log line per request: who, which bucket and key, how many, how long, and
the outcome. Never a URL, a query string, a signature, a token or a secret.

Lambda's runtime puts one handler on the root logger; in its JSON log format
(``AWS_LAMBDA_LOG_FORMAT=JSON``) it lifts a record's ``extra`` fields to
top-level keys, so the fields go there; in text format they are the message,
as JSON. Either way the line is built once, with no formatting deferred.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from .checks import safe_for_log

logger = logging.getLogger("xpresign.request")


class RequestLog:
    def __init__(self, *, json_format: bool = False):
        self._json_format = json_format

    def write(self, fields: Mapping[str, object], status: int) -> None:
        level = logging.WARNING if status >= 500 else logging.INFO
        if not logger.isEnabledFor(level):
            return
        fields = {
            name: safe_for_log(value) if isinstance(value, str) else value
            for name, value in fields.items()
            if value is not None
        }
        if self._json_format:
            logger.log(level, "request", extra=fields)
        else:
            logger.log(level, json.dumps(fields, ensure_ascii=False, default=str))
