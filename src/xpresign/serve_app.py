"""``xpresign serve``'s ASGI application: the Lambda's router behind an HTTP server.

Each request becomes a :class:`ServeRequest` (the view
:class:`xpresign.router.HttpRequest` reads), passes the gate of
:mod:`xpresign.serve_auth`, and is answered by the same
:class:`~xpresign.router.Router` as the Lambda front doors, owning its paths
(``GET /healthz``, 404 ``NotFound`` elsewhere). What differs from Lambda:

* **budget**: no 6 MB response limit (``outcome.UNLIMITED``); ``max_batch``
  still bounds a batch;
* **limits**: a body over ``events.MAX_BODY_BYTES`` is 413 ``PayloadTooLarge``,
  refused from its Content-Length before it is read when it says so; each
  request has ``timeout`` seconds: to send its body (else 408
  ``RequestTimeout``) and to be answered (its :class:`~xpresign.values.Deadline`
  bounds every STS and S3 call; past it, 503 ``ServiceUnavailable``);
* **threads**: the router is synchronous. A request that may wait on the
  network (a signing session from STS, until every bucket's is cached; an
  existence check or an upload route on S3; a JWT's JWKS) runs on a thread
  pool, so the event loop keeps serving; one that only signs runs on the loop:
  measured in-process, 30 µs a GET, against 110-175 µs with the hop to a
  thread and back. Once warm, a signing request can still wait on STS, and
  hold the loop while it does, in two rare cases, both bounded by its
  deadline: the background refresh has failed until the session's last 10
  minutes (STS is down), or it asks for a longer expiry than the session has
  left (a refresh first, at most once per 5 minutes);
* **preflights and health** need no credential: a browser sends none with an
  ``OPTIONS``, and a liveness probe has none;
* **logs**: one line per request through :class:`~xpresign.request_log.RequestLog`
  (method, path, caller, status, outcome, timing; never a query string, a URL
  or a token). The server's own access log is off: it would print query strings.

Each worker process builds its own with :func:`xpresign.serve_run.create_app`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

from .errors import InvalidRequest, PayloadTooLarge, RequestTimeout, ServiceUnavailable, Unauthorized, XpresignError
from .events import MAX_BODY_BYTES, NOT_UTF8, parse_query
from .lambda_handler import DEADLINE_MARGIN_SECONDS
from .outcome import UNLIMITED, Outcome, error_outcome, http_answer
from .outcome import internal_error as outcome_internal_error
from .request_log import RequestLog
from .router import HEALTH_PATH, Router, companion_path
from .serve_auth import Authenticator, challenge
from .values import NO_DEADLINE, Deadline

#: Where the router serves the JSON API when it owns the paths.
API_PATH = "/"
DEFAULT_TIMEOUT_SECONDS = 30
#: Threads per worker process answering requests. Signing is CPU-bound and
#: holds the GIL, so more threads add nothing to it; they are for requests
#: waiting on STS, S3 or the JWKS, which release it.
ROUTER_THREADS = 16
#: The caller went away before its answer (nginx's convention), for the log only.
CLIENT_CLOSED = 499
RETRY_AFTER_TIMEOUT_SECONDS = 1

logger = logging.getLogger(__name__)


class ClientGone(Exception):
    """The connection closed before the request body was read."""


class ServeRequest:
    """One HTTP request as the router reads it (:class:`xpresign.router.HttpRequest`)."""

    __slots__ = ("_query", "headers", "method", "path", "path_decoded", "raw_body", "raw_query")

    def __init__(
        self, method: str, path: str, headers: dict[str, str], raw_query: bytes, raw_body: bytes, *, decoded: bool
    ):
        self.method = method
        self.path = path
        self.path_decoded = decoded
        self.headers = headers  # names lower-cased (ASGI's rule); the last of repeated names
        self.raw_query = raw_query
        self.raw_body = raw_body
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters, the last of repeated names (as ALB's)."""
        if self._query is None:
            self._query = query_of(self.raw_query)
        return self._query

    def body(self) -> bytes | None:
        return self.raw_body or None


def header_dict(scope: Mapping) -> dict[str, str]:
    # latin-1 maps each byte to one character: nothing a client sends fails to decode.
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}


def query_of(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(NOT_UTF8) from None
    return parse_query(text)


def has_body(headers: Mapping[str, str]) -> bool:
    """In HTTP/1.1 (the only version served) a request with neither
    Content-Length nor Transfer-Encoding has no body: nothing to wait for."""
    return "content-length" in headers or "transfer-encoding" in headers


async def read_body(receive, headers: Mapping[str, str]) -> bytes:
    """The whole body, refused (413) as soon as it is known to be too large."""
    declared = headers.get("content-length")
    if declared is not None:
        declared = declared.strip()
        if not (declared.isascii() and declared.isdigit()):
            raise InvalidRequest("Content-Length must be a whole number of bytes")
        # Leading zeros dropped and the length compared first: int() refuses more than 4,300 digits.
        digits = declared.lstrip("0") or "0"
        if len(digits) > len(str(MAX_BODY_BYTES)) or int(digits) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class Service:
    """The synchronous part: authenticate, route, never raise."""

    def __init__(self, router: Router, gate: Authenticator):
        self.router = router
        self.gate = gate
        #: Every bucket's signing session is cached (a bucket whose role has
        #: none would wait on STS), and the broker refreshes them in the
        #: background from now on.
        self.warm = False
        presigner = router.api.presigner
        self._roles = {bucket.role for bucket in presigner.config.buckets.values()}
        self._broker = presigner.broker

    def may_wait(self, request: ServeRequest) -> bool:
        """Whether answering may wait on the network: the first signing
        session (STS), an existence check or an upload route (S3), a JWT (the
        issuer's JWKS). Those run on a thread; the rest only computes."""
        return (
            not self.warm
            or companion_path(request.path) is not None
            or self.gate.may_fetch(request.headers)
            or b"check" in request.raw_query
            or b"check" in request.raw_body
        )

    def refusal(self, method: str, path: str, headers: Mapping[str, str]) -> Outcome | None:
        """The answer to a request whose credential fails with no fetch to make
        (none at all, a wrong token), given before its body is read: otherwise
        anyone could make the server hold 2 MiB for a whole request timeout."""
        if method == "OPTIONS" or path == HEALTH_PATH or self.gate.open or self.gate.may_fetch(headers):
            return None
        try:
            self.gate.caller(headers, path, NO_DEADLINE)
        except XpresignError as error:
            return refused(error)
        return None

    def answer(self, request: ServeRequest, deadline: Deadline) -> tuple[Outcome, str | None]:
        """The outcome and who called (None when no credential was checked)."""
        caller = None
        try:
            if request.method != "OPTIONS" and request.path != HEALTH_PATH:
                caller = self.gate.caller(request.headers, request.path, deadline)
            outcome = self.router.route(request, UNLIMITED, deadline)
            if not self.warm and outcome.status == HTTPStatus.OK and request.path == API_PATH:
                self.warm = self._broker.holds_sessions(self._roles)
        except XpresignError as error:
            outcome = refused(error)
        except Exception:  # noqa: BLE001 - internal_error() logs the trace
            outcome = internal_error()
        return outcome, caller


def refused(error: XpresignError) -> Outcome:
    outcome = error_outcome(error)
    if isinstance(error, Unauthorized):
        outcome.headers["WWW-Authenticate"] = challenge(error)
    return outcome


class ServeApp:
    """The ASGI application (HTTP and lifespan; no websockets)."""

    def __init__(self, service: Service, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, log: RequestLog | None = None):
        self.service = service
        self.timeout = timeout
        self._log = log or RequestLog()
        self._pool = ThreadPoolExecutor(max_workers=ROUTER_THREADS, thread_name_prefix="xpresign-serve")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def http(self, scope, receive, send) -> None:
        started = time.perf_counter()
        headers = header_dict(scope)
        try:
            outcome, caller = await self._outcome(scope, headers, receive)
        except Exception:  # noqa: BLE001 - internal_error() logs the trace
            outcome, caller = internal_error(), None
        if outcome is not None:
            await send_outcome(send, outcome, self.service.router.cors.headers(headers))
        status = CLIENT_CLOSED if outcome is None else outcome.status
        self._write_log(scope, headers, outcome, caller, status, started)

    async def _outcome(self, scope, headers: dict[str, str], receive) -> tuple[Outcome | None, str | None]:
        deadline = Deadline.after(self.timeout - DEADLINE_MARGIN_SECONDS)
        # ASGI's path is percent-decoded; the raw one keeps an encoded '/' apart from a separator.
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        early = self.service.refusal(scope["method"], path, headers)
        if early is not None:
            return early, None
        body = b""
        if has_body(headers):
            try:
                async with asyncio.timeout(deadline.remaining()):
                    body = await read_body(receive, headers)
            except ClientGone:
                return None, None
            except TimeoutError:
                return error_outcome(RequestTimeout(f"the request body did not arrive within {self.timeout:g} s")), None
            except XpresignError as error:
                return error_outcome(error), None
        query = scope.get("query_string", b"")
        request = ServeRequest(scope["method"], path, headers, query, body, decoded=not raw_path)
        if not self.service.may_wait(request):
            return self.service.answer(request, deadline)
        work = asyncio.get_running_loop().run_in_executor(self._pool, self.service.answer, request, deadline)
        try:
            async with asyncio.timeout(self.timeout):
                return await work
        except TimeoutError:
            error = ServiceUnavailable("the request timed out", retry_after=RETRY_AFTER_TIMEOUT_SECONDS)
            return error_outcome(error), None

    def _write_log(self, scope, headers, outcome: Outcome | None, caller: str | None, status: int, started) -> None:
        client = scope.get("client")
        fields = {
            "request_id": headers.get("x-request-id") or headers.get("x-amzn-trace-id"),
            "front_door": "serve",
            "method": scope["method"][:16],
            "path": scope["path"][:256],
            **(outcome.log if outcome is not None else {"outcome": "ClientClosed"}),
            "status": int(status),
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "caller": caller,
            "client": client[0] if client else None,
        }
        self._log.write(fields, status)


def internal_error() -> Outcome:
    """A bug, not the caller's mistake: the trace goes to the log, never to the caller."""
    logger.exception("unexpected error")
    return outcome_internal_error("server")


async def send_outcome(send, outcome: Outcome, cors_headers: Mapping[str, str]) -> None:
    """Status, the common headers (as the Lambda's), CORS, and the JSON body."""
    headers, text = http_answer(outcome, dict(cors_headers))
    body = text.encode("utf-8")
    headers["Content-Length"] = str(len(body))
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": outcome.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
