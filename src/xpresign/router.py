"""HTTP routing, shared by the Lambda front doors and ``xpresign serve``.

``POST`` with a JSON body and ``GET ?key=...`` reach the JSON API, ``OPTIONS``
is a CORS preflight. On the Lambda front doors every path serves the JSON API
(a Function URL or a stage has one purpose); a server, which owns its whole
URL space, answers ``GET /healthz`` itself and 404 ``NotFound`` elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from .api import Api, parse_json
from .cors import ALLOW_METHODS, COMPANION_ALLOW_METHODS, Cors
from .errors import MethodNotAllowed, NotFound
from .outcome import Budget, Outcome, error_outcome
from .values import Deadline

HEALTH_PATH = "/healthz"
#: Uppy's signing routes ("Companion"), after any API Gateway stage or base path:
#: /s3/params, /s3/multipart, /s3/multipart/{uploadId}[/{partNumber}|/complete].
_COMPANION = re.compile(r"(?:^|.*?/)(s3/(?:params|multipart(?:/.+?)?))/?")


def companion_path(path: str) -> str | None:
    """``/s3/...`` when ``path`` is one of Uppy's signing routes (after any
    stage or base path), else None."""
    if "s3/" not in path:  # every such route has it: most requests skip the regex
        return None
    match = _COMPANION.fullmatch(path)
    return "/" + match.group(1) if match else None


class HttpRequest(Protocol):
    """What the router reads of a request: an event view, or a server's request."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...

    #: True where the front door delivers the path percent-decoded already.
    path_decoded: bool

    @property
    def headers(self) -> Mapping[str, str]: ...  # names lower-cased
    @property
    def query(self) -> Mapping[str, str]: ...
    def body(self) -> bytes | None: ...


class Router:
    def __init__(self, api: Api, *, owns_paths: bool = False):
        self.api = api
        self.cors = Cors(api.presigner.config.cors_allow_origins)
        self._owns_paths = owns_paths
        self._companion = None

    @property
    def companion(self):
        """Uppy's routes, loaded by their first request."""
        if self._companion is None:
            from .companion import Companion  # noqa: PLC0415

            self._companion = Companion(self.api)
        return self._companion

    def reads_query(self, path: str) -> bool:
        """Whether a GET of ``path`` is the API's (:meth:`Api.handle_query`)."""
        return (path == "/" or not self._owns_paths) and companion_path(path) is None

    def route(self, request: HttpRequest, budget: Budget, deadline: Deadline) -> Outcome:
        """The answer to ``request``; the caller adds CORS and common headers."""
        method, path = request.method, request.path
        if method == "GET" and self.reads_query(path):  # the common request, answered first
            return self.api.handle_query(request.query, budget=budget, deadline=deadline)
        uppy = companion_path(path)
        if uppy is not None:
            if method == "OPTIONS":
                preflight = self.cors.preflight(request.headers, COMPANION_ALLOW_METHODS)
                return Outcome(204, None, preflight, {"outcome": "preflight"})
            outcome = self.companion.route(request, uppy, deadline)
            if outcome.status == 405:
                outcome.headers["Allow"] = COMPANION_ALLOW_METHODS
            return outcome
        if self._owns_paths:
            if path == HEALTH_PATH and method in ("GET", "HEAD"):
                return Outcome(200, {"status": "ok"}, log={"outcome": "health"})
            if path != "/":
                return error_outcome(NotFound("no such path; the API is at /"))
        if method == "OPTIONS":
            return Outcome(204, None, self.cors.preflight(request.headers), {"outcome": "preflight"})
        if method == "POST":
            return self.api.handle(parse_json(request.body()), budget=budget, deadline=deadline)
        outcome = error_outcome(MethodNotAllowed(f"method {method[:16] or '(none)'} is not allowed; use GET or POST"))
        outcome.headers["Allow"] = ALLOW_METHODS
        return outcome
