"""The Lambda function: ``xpresign.lambda_handler.handler``.

Serves direct invocations and the HTTP front doors (API Gateway REST and HTTP
APIs, Function URLs, ALB) through one request core, :class:`xpresign.api.Api`.
The configuration, the credential broker and its cached role sessions live at
module scope, so they survive across invocations of one execution environment.

Imports only the standard library and this package: boto3 would add about
0.3 s to every cold start (the tests assert it is never imported here).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from http import HTTPStatus

from .api import Api, Outcome, error_outcome, parse_json
from .config import Config
from .errors import ConfigError, InvalidExpiry, InvalidRequest, MethodNotAllowed, XpresignError
from .events import HttpEvent, parse_event
from .presign import Presigner

request_log = logging.getLogger("xpresign.request")

_INTEGER = re.compile(r"-?[0-9]{1,12}")

#: Query-string fields of a GET, and how to read them.
QUERY_FIELDS = {
    "key": str,
    "bucket": str,
    "expires_in": int,
    "filename": str,
    "response_content_type": str,
    "version_id": str,
    "check": bool,
}
CORS_ALLOW_METHODS = "GET, POST, OPTIONS"
# Browser callers of an IAM-authorised front door sign their requests with SigV4.
CORS_ALLOW_HEADERS = "content-type, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256"
CORS_MAX_AGE_SECONDS = 600
# A presigned URL is a bearer token: no proxy or browser cache may keep a copy.
RESPONSE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class App:
    """Configuration + API + logging: everything a warm invocation needs."""

    def __init__(self, config: Config, api: Api, *, json_logs: bool = False):
        self.config = config
        self.api = api
        self._json_logs = json_logs  # Lambda's JSON log format (AWS_LAMBDA_LOG_FORMAT=JSON)

    def __call__(self, event: object, context: object = None) -> dict:
        started = time.perf_counter()
        http = parse_event(event)
        try:
            outcome = self._serve_http(http) if http is not None else self.api.handle(event)
        except XpresignError as error:
            outcome = error_outcome(error)
        except Exception:
            # A bug, not the caller's mistake: log the trace, answer without it.
            logging.getLogger(__name__).exception("unexpected error")
            outcome = Outcome(500, {"error": {"code": "InternalError", "message": "internal error; see the function's logs"}})
            outcome.log["outcome"] = "InternalError"
        self._log(outcome, http, context, started)
        if http is None:
            return outcome.body
        headers = {**RESPONSE_HEADERS, **outcome.headers, **self._cors_headers(http)}
        if outcome.status == HTTPStatus.NO_CONTENT:  # a preflight: no body, so no content type
            del headers["Content-Type"]
            return http.response(outcome.status, headers, "")
        return http.response(outcome.status, headers, json.dumps(outcome.body))

    def _serve_http(self, http: HttpEvent) -> Outcome:
        method = http.method
        if method == "OPTIONS":
            return Outcome(HTTPStatus.NO_CONTENT, {}, self._preflight_headers(http), {"outcome": "preflight"})
        if method == "GET":
            return self.api.handle(query_request(http.query))
        if method == "POST":
            return self.api.handle(parse_json(http.body()))
        outcome = error_outcome(MethodNotAllowed(f"method {method or '(none)'} is not allowed; use GET or POST"))
        outcome.headers["Allow"] = CORS_ALLOW_METHODS
        return outcome

    # --- CORS ------------------------------------------------------------------------

    def _allowed_origin(self, http: HttpEvent) -> str | None:
        origin = http.headers.get("origin")
        allowed = self.config.cors_allow_origins
        if not origin or not allowed:
            return None
        if "*" in allowed:
            return "*"
        return origin if origin in allowed else None

    def _cors_headers(self, http: HttpEvent) -> dict[str, str]:
        origin = self._allowed_origin(http)
        if origin is None:
            return {}
        headers = {"Access-Control-Allow-Origin": origin}
        if origin != "*":
            headers["Vary"] = "Origin"
        return headers

    def _preflight_headers(self, http: HttpEvent) -> dict[str, str]:
        if self._allowed_origin(http) is None:
            return {}
        return {
            "Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
            "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
            "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
        }

    # --- the request's log line --------------------------------------------------------

    def _log(self, outcome: Outcome, http: HttpEvent | None, context: object, started: float) -> None:
        fields = {
            "request_id": getattr(context, "aws_request_id", None) or (http.request_id if http else None),
            "front_door": http.front_door if http else "direct",
            **outcome.log,
            "status": outcome.status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        }
        if http is not None and http.caller:
            fields["caller"] = http.caller
        fields = {k: _writable(v) for k, v in fields.items() if v is not None}
        level = logging.WARNING if outcome.status >= 500 else logging.INFO
        if self._json_logs:
            # Lambda's JSON formatter lifts `extra` fields to top-level keys.
            request_log.log(level, "request", extra=fields)
        else:
            request_log.log(level, json.dumps(fields, ensure_ascii=False, default=str))


def _writable(value: object) -> object:
    """``value`` with lone surrogates escaped. A caller's JSON may hold them
    ("\\ud800" in a key); no log sink can write them as UTF-8, and Lambda's
    would print a logging traceback instead of the request's line."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def query_request(query: Mapping[str, str]) -> dict:
    """A GET's query string as a request object (one key per GET)."""
    request: dict = {}
    for name, value in query.items():
        kind = QUERY_FIELDS.get(name)
        if kind is None:
            raise InvalidRequest(f"unknown query parameter {name!r}; parameters are {', '.join(QUERY_FIELDS)}")
        if kind is int:
            # Plain ASCII digits only: int() would also take " 60", "1_000" and other scripts' digits.
            if not _INTEGER.fullmatch(value):
                raise InvalidExpiry(f"{name} must be a whole number of seconds, got {value!r}")
            request[name] = int(value)
        elif kind is bool:
            if value.lower() not in ("true", "false", "1", "0"):
                raise InvalidRequest(f"{name} must be true or false, got {value!r}")
            request[name] = value.lower() in ("true", "1")
        else:
            request[name] = value
    return request


def build_app(environ: Mapping[str, str] | None = None) -> App:
    """Read the configuration and wire the pieces. Raises ConfigError (naming
    the setting) when the configuration is invalid."""
    env = os.environ if environ is None else environ
    presigner = Presigner.from_environ(env)
    _configure_logging(env)
    return App(presigner.config, Api(presigner), json_logs=env.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _configure_logging(env: Mapping[str, str]) -> None:
    setting = "XPRESIGN_LOG_LEVEL" if env.get("XPRESIGN_LOG_LEVEL") else "AWS_LAMBDA_LOG_LEVEL"
    level = (env.get(setting) or "INFO").upper()
    # Lambda's application_log_level names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
    level = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
    if level not in LOG_LEVELS:
        raise ConfigError(setting, f"must be one of {', '.join(LOG_LEVELS)}, got {env.get(setting)!r}")
    logging.getLogger("xpresign").setLevel(level)


_app: App | None = None


def handler(event: object, context: object = None) -> dict:
    global _app
    if _app is None:
        _app = build_app()
    return _app(event, context)


def reset() -> None:
    """Forget the app (configuration and cached sessions); the next call rebuilds
    it from the environment. For tests and the demo."""
    global _app
    _app = None


# In Lambda, build at init so a bad configuration fails the deployment's first
# start with a message naming the setting, not a request later.
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and os.environ.get("AWS_EXECUTION_ENV"):
    _app = build_app()
