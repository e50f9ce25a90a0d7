"""The Lambda function: ``xpresign.lambda_handler.handler``.

Serves direct invocations and the HTTP front doors (API Gateway REST and HTTP
APIs, Function URLs, ALB) through one request core, :class:`xpresign.api.Api`,
behind one router (:mod:`xpresign.router`). The configuration, the credential
broker and its cached role sessions live at module scope, so they survive
across invocations of one execution environment.

Each invocation's deadline comes from ``context.get_remaining_time_in_millis()``
less ``DEADLINE_MARGIN_SECONDS``, and bounds every STS and S3 call; each front
door's response limit bounds the answer (6 MB, 1 MB through ALB).

Imports only the standard library and this package: boto3 would add about
0.3 s to every cold start (the tests assert it is never imported here).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping

from . import outcome as budgets
from .api import Api
from .config import Config
from .errors import ConfigError, XpresignError
from .events import HttpEvent, parse_event
from .outcome import RESPONSE_HEADERS, Outcome, error_outcome, http_answer, internal_error
from .presigner import PresignedUrl
from .request_log import RequestLog
from .router import Router
from .values import NO_DEADLINE, Deadline

#: Time kept back from Lambda's deadline to write the answer and the log line.
DEADLINE_MARGIN_SECONDS = 0.5
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class InvocationDeadline(Deadline):
    """The invocation's deadline, less the margin, as the runtime's context
    keeps it (on the wall clock): read when a network call asks. A warm GET
    makes no call and never asks; working it out up front cost ~1.6 µs per
    warm GET (measured, benchmarks section 7)."""

    __slots__ = ("_remaining_ms",)

    def __init__(self, remaining_ms: Callable[[], int]):  # no super().__init__: ``at`` is worked out
        self._remaining_ms = remaining_ms

    @property
    def at(self) -> float:
        return time.monotonic() + self.remaining()

    def remaining(self) -> float:
        return self._remaining_ms() / 1000 - DEADLINE_MARGIN_SECONDS


def deadline_of(context: object) -> Deadline:
    """The invocation's deadline, less the margin; none without a context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return NO_DEADLINE if remaining is None else InvocationDeadline(remaining)


class App:
    """Configuration + API + logging: everything a warm invocation needs."""

    def __init__(self, config: Config, api: Api, *, json_logs: bool = False):
        self.config = config
        self.api = api
        self.router = Router(api)
        self._cors = self.router.cors
        # json_logs: Lambda's JSON log format (AWS_LAMBDA_LOG_FORMAT=JSON).
        self._log = RequestLog(json_format=json_logs, one_at_a_time=True)

    def __call__(self, event: object, context: object = None) -> dict:
        started = time.perf_counter()
        http = parse_event(event)
        deadline = deadline_of(context)
        signed = None
        try:
            if http is None:
                outcome = self.api.handle(event, budget=budgets.DIRECT, deadline=deadline)
            elif http.method == "GET" and self.router.reads_query(http.path):
                # The common request: a plain key is signed past the router's general layers.
                query = http.query
                try:
                    signed = self.api.plain_get(query, deadline)
                except XpresignError as error:
                    outcome = self.api.query_error(error, query)
                else:
                    if signed is None:
                        outcome = self.router.route(http, self._budget(http), deadline)
            else:
                outcome = self.router.route(http, self._budget(http), deadline)
        except XpresignError as error:
            outcome = error_outcome(error)
        except Exception:
            # A bug, not the caller's mistake: log the trace, answer without it.
            logging.getLogger(__name__).exception("unexpected error")
            outcome = internal_error("function")
        if signed is not None:
            return self._signed(signed, http, context, started)
        self._write_log(outcome, http, context, started)
        if http is None:
            return outcome.body
        cors = self.router.cors.headers(http.headers) if self.router.cors.enabled else {}
        headers, body = http_answer(outcome, cors)
        return http.response(outcome.status, headers, body)

    @staticmethod
    def _budget(http: HttpEvent) -> budgets.Budget:
        return budgets.ALB if http.front_door == "alb" else budgets.HTTP

    def _signed(self, result: PresignedUrl, http: HttpEvent, context: object, started: float) -> dict:
        """The common answer, one signed URL, and its log line: the general
        path's steps for this one case, without its layers (the router, the
        outcome, the generic tail): ~1.5 µs less per warm GET (measured,
        benchmarks section 7)."""
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        request_id = getattr(context, "aws_request_id", None) or http.request_id
        self._log.write_signed(request_id, http.front_door, result, duration_ms, http.caller)
        cors = self._cors.headers(http.headers) if self._cors.enabled else {}
        return http.response(200, {**RESPONSE_HEADERS, **cors}, result.to_json())

    def _write_log(self, outcome: Outcome, http: HttpEvent | None, context: object, started: float) -> None:
        request_id = getattr(context, "aws_request_id", None) or (http.request_id if http else None)
        front_door = http.front_door if http else "direct"
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        caller = http.caller if http is not None else None
        if outcome.result is not None and outcome.status == 200:
            self._log.write_signed(request_id, front_door, outcome.result, duration_ms, caller)
            return
        fields = {
            "request_id": request_id,
            "front_door": front_door,
            **outcome.log,
            "status": outcome.status,
            "duration_ms": duration_ms,
        }
        if http is not None:
            fields["caller"] = caller
        self._log.write(fields, outcome.status)


def build_app(environ: Mapping[str, str] | None = None) -> App:
    """Read the configuration and wire the pieces. Raises ConfigError (naming
    the setting) when the configuration is invalid."""
    from .wiring import presigner_from_environ  # noqa: PLC0415 - wiring is needed once, at init

    env = os.environ if environ is None else environ
    configure_logging(env)
    presigner = presigner_from_environ(env)
    return App(presigner.config, Api(presigner), json_logs=env.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON")


def configure_logging(env: Mapping[str, str]) -> None:
    """The ``xpresign`` loggers' level, from XPRESIGN_LOG_LEVEL or Lambda's own setting."""
    setting = "XPRESIGN_LOG_LEVEL" if env.get("XPRESIGN_LOG_LEVEL") else "AWS_LAMBDA_LOG_LEVEL"
    level = (env.get(setting) or "INFO").upper()
    # Lambda's application_log_level names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
    level = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
    if level not in LOG_LEVELS:
        raise ConfigError(setting, f"must be one of {', '.join(LOG_LEVELS)}, got {env.get(setting)[:32]!r}")
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
    # SnapStart: no cached session or random state survives into a restored environment.
    from . import snapstart

    snapstart.register(lambda: _app.api.presigner.broker if _app is not None else None)
