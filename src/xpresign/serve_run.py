"""Starting ``xpresign serve``: every check first, then granian's worker processes.

Why granian: measured side by side with uvicorn (both with uvloop; uvicorn
with httptools) on loopback, wrk 2 threads, 64 connections, 6 s runs after a
2 s warm-up, this application on a shared 2-core machine (CPython 3.11,
granian 2.8.9, uvicorn 0.55.0):

=========================  ====================  ====================
                           granian               uvicorn
=========================  ====================  ====================
GET, 1 worker              8,880–9,100 req/s,    8,620–8,650 req/s,
                           p99 12.9–13.8 ms      p99 15.5–15.8 ms
GET, 2 workers             11,000–12,000 req/s,  9,400–13,900 req/s,
                           p99 10.8–12.9 ms      p99 10.5–19.5 ms
100-key POST, 1 worker     1,150–1,350 req/s,    1,080–1,280 req/s,
                           p99 65–85 ms          p99 78–80 ms
100-key POST, 2 workers    1,630–1,740 req/s,    1,680–1,920 req/s,
                           p99 62–80 ms          p99 69–104 ms
=========================  ====================  ====================

Throughput is a draw within the noise; granian's p99 is lower or steadier
in most runs, and uvicorn's multi-worker runs swing with how the kernel spreads
the 64 connections over its workers. Granian also exits 0 after a graceful
SIGTERM with one worker or many, where uvicorn's single process re-raises the
signal (exit 143), which a container platform reads as a crash. uvloop is
worth 30% of single-GET throughput under granian (asyncio: ~6,500 req/s), so
the ``serve`` extra installs it.

Workers are processes (``--workers N``): signing holds the GIL. Each builds
its own service (:func:`create_app`) from the environment and the options
this process leaves in ``XPRESIGN_SERVE_OPTIONS`` (a JSON object; internal).
This process builds it once first, so a bad setting fails here, with one line
naming it, before any port is bound.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import NamedTuple

from .api import Api
from .credentials import spawn_daemon_thread
from .endpoints import is_loopback
from .errors import ConfigError
from .lambda_handler import configure_logging as configure_log_level
from .router import Router
from .serve_app import DEFAULT_TIMEOUT_SECONDS, ServeApp, Service
from .serve_auth import TOKEN_VARIABLE, authenticator, load_token

APP_FACTORY = "xpresign.serve_run:create_app"
OPTIONS_VARIABLE = "XPRESIGN_SERVE_OPTIONS"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: After SIGTERM, a worker still busy this long after the request timeout is killed.
SHUTDOWN_GRACE_SECONDS = 5


class ServeOptions(NamedTuple):
    """What ``xpresign serve`` tells each worker process, besides the environment."""

    timeout: float = DEFAULT_TIMEOUT_SECONDS
    token_file: str | None = None
    jwt_issuer: str | None = None
    jwt_audiences: tuple[str, ...] = ()
    jwks_url: str | None = None

    def to_json(self) -> str:
        return json.dumps(self._asdict())

    @classmethod
    def from_json(cls, text: str | None) -> ServeOptions:
        if not text:
            return cls()
        values = json.loads(text)
        return cls(**{**values, "jwt_audiences": tuple(values.get("jwt_audiences", ()))})


class ServeSettings(NamedTuple):
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    allow_unauthenticated: bool = False
    options: ServeOptions = ServeOptions()


def build_app(environ: Mapping[str, str], options: ServeOptions) -> ServeApp:
    """The application as configured; ConfigError names the setting or option at fault."""
    from .wiring import presigner_from_environ  # noqa: PLC0415 - the service is built once, at start

    # The process is never frozen, so the broker refreshes sessions in the background.
    presigner = presigner_from_environ(environ, spawn=spawn_daemon_thread)
    gate = authenticator(
        options.token_file,
        environ,
        jwt_issuer=options.jwt_issuer,
        jwt_audiences=options.jwt_audiences,
        jwks_url=options.jwks_url,
    )
    return ServeApp(Service(Router(Api(presigner), owns_paths=True), gate), timeout=options.timeout)


def configure_logging(environ: Mapping[str, str]) -> None:
    """One JSON line per request on stderr (a container's log stream), at
    ``XPRESIGN_LOG_LEVEL`` (default INFO)."""
    configure_log_level(environ)
    package = logging.getLogger("xpresign")
    if not any(getattr(h, "xpresign_serve", False) for h in package.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.xpresign_serve = True
        package.addHandler(handler)


def create_app() -> ServeApp:
    """The ASGI factory each worker process calls (``APP_FACTORY``)."""
    configure_logging(os.environ)
    try:
        return build_app(os.environ, ServeOptions.from_json(os.environ.get(OPTIONS_VARIABLE)))
    except ConfigError as error:
        # A setting changed since start-up (a configuration file rewritten, say):
        # one line, not the server's traceback of its worker.
        sys.stderr.write(f"xpresign serve: error: {error}\n")
        raise SystemExit(1) from None


def read_token_once(settings: ServeSettings, environ: MutableMapping[str, str]) -> ServeSettings:
    """``--token-file`` read here, once: a worker reading it again would get
    nothing from a pipe (``--token-file <(...)``) and the new token from a file
    rotated since. Workers are given its value as ``XPRESIGN_SERVE_TOKEN``."""
    path = settings.options.token_file
    if not path:
        return settings
    token = load_token(path, environ)
    environ[TOKEN_VARIABLE] = token
    return settings._replace(options=settings.options._replace(token_file=None))


def check_exposure(host: str, app: ServeApp, allow_unauthenticated: bool) -> None:
    """Refuse to serve anyone who can reach the port unless told to: without a
    token (or JWTs), only loopback clients can."""
    if app.service.gate.open and not is_loopback(host) and not allow_unauthenticated:
        raise ConfigError(
            "--host",
            f"{host} is not a loopback address and no token is set: give --token-file PATH or "
            "XPRESIGN_SERVE_TOKEN (or --allow-unauthenticated to serve anyone who can reach the port)",
        )


def bind_address(host: str) -> str:
    """The address to listen on. granian binds an address, not a name: any
    name but ``localhost`` failed with a traceback from deep inside it."""
    import ipaddress  # noqa: PLC0415

    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(
            "--host", f"must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, got {host[:64]!r}"
        ) from None
    return host


def check_port_free(host: str, port: int) -> None:
    """Listen once and let go, so a port in use is one line, not granian's backtrace."""
    import socket  # noqa: PLC0415

    try:
        socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
    except OSError as exc:
        raise ConfigError("--port", f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


def prepare(settings: ServeSettings, environ: Mapping[str, str]) -> ServeApp:
    """Build the service once, as a worker will: ConfigError names what is wrong."""
    bind_address(settings.host)
    app = build_app(environ, settings.options)
    check_exposure(settings.host, app, settings.allow_unauthenticated)
    return app


def serve(settings: ServeSettings, *, app_factory: str = APP_FACTORY) -> None:
    """Serve until SIGTERM or SIGINT, then let in-flight requests finish.

    ``app_factory`` names the function each worker calls for its application
    (``module:function``); ``xpresign demo --serve`` wraps this one's with its page."""
    from granian import Granian  # noqa: PLC0415 - the serve extra
    from granian.constants import HTTPModes, Interfaces  # noqa: PLC0415
    from granian.log import LOGGING_CONFIG  # noqa: PLC0415

    settings = read_token_once(settings, os.environ)
    prepare(settings, os.environ)
    address = bind_address(settings.host)
    check_port_free(address, settings.port)
    os.environ[OPTIONS_VARIABLE] = settings.options.to_json()  # the workers' options
    Granian(
        app_factory,
        factory=True,
        address=address,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,  # what load balancers speak to targets; serve_app reads bodies by its rules
        log_access=False,  # it would print query strings; the app logs each request
        # The server's own lines (a worker's exit among them) are diagnostics: stderr, as the app's.
        log_dictconfig={
            "handlers": {
                name: {**handler, "stream": "ext://sys.stderr"} for name, handler in LOGGING_CONFIG["handlers"].items()
            }
        },
        workers_kill_timeout=math.ceil(settings.options.timeout) + SHUTDOWN_GRACE_SECONDS,
        respawn_failed_workers=True,
    ).serve()
