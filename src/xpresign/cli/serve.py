"""``xpresign serve``: the JSON API over HTTP, for containers and local development.

The options come from the command line, else from the variables a container
platform sets (``XPRESIGN_SERVE_HOST``, ``XPRESIGN_SERVE_PORT``,
``XPRESIGN_SERVE_WORKERS``), else the defaults: 127.0.0.1, 8080, one worker.
The service's own settings are the Lambda's (``XPRESIGN_*``, ``AWS_*``).
Every one is checked, and the service built once, before a port is bound.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from importlib.util import find_spec

from ..checks import Invalid, whole_number
from ..errors import ConfigError
from ..serve_run import DEFAULT_HOST, DEFAULT_PORT, ServeOptions, ServeSettings, serve
from .definition import MAX_SERVE_WORKERS, MAX_TCP_PORT, PROG, UsageError
from .exit_codes import ExitCode
from .streams import Streams

HOST_VARIABLE = "XPRESIGN_SERVE_HOST"
PORT_VARIABLE = "XPRESIGN_SERVE_PORT"
WORKERS_VARIABLE = "XPRESIGN_SERVE_WORKERS"


def _from_environ(environ: Mapping[str, str], variable: str, low: int, high: int) -> int | None:
    text = environ.get(variable)
    if not text:
        return None
    try:
        return whole_number(text, low, high)
    except Invalid as exc:
        raise ConfigError(variable, str(exc)) from None


def serve_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> ServeSettings:
    """The settings the command line and the environment give, checked."""
    host = args.host or environ.get(HOST_VARIABLE) or DEFAULT_HOST
    if any(c.isspace() for c in host):
        raise UsageError(f"--host must be an address such as 127.0.0.1 or 0.0.0.0, got {host[:64]!r}")
    port = args.port or _from_environ(environ, PORT_VARIABLE, 1, MAX_TCP_PORT) or DEFAULT_PORT
    workers = args.workers or _from_environ(environ, WORKERS_VARIABLE, 1, MAX_SERVE_WORKERS) or 1
    options = ServeOptions(
        timeout=args.request_timeout,
        token_file=args.token_file,
        jwt_issuer=args.jwt_issuer,
        jwt_audiences=tuple(args.jwt_audience or ()),
        jwks_url=args.jwks_url,
    )
    return ServeSettings(host, port, workers, args.allow_unauthenticated, options)


def run_serve(args: argparse.Namespace, streams: Streams) -> ExitCode:
    """``xpresign serve``, and ``xpresign demo --serve``."""
    if find_spec("granian") is None:
        raise UsageError(f"{PROG} serve needs its server: pip install 'xpresign[serve]'")
    if args.command == "demo":
        return _demo(streams)
    serve(serve_settings(args, os.environ))
    return ExitCode.OK


def _demo(streams: Streams) -> ExitCode:
    from ..demo import DemoError  # noqa: PLC0415 - needs moto and boto3
    from ..demo_serve import run_demo_serve  # noqa: PLC0415

    try:
        run_demo_serve(streams.stdout)
    except DemoError as exc:
        streams.stderr.write(f"{PROG}: error: {exc}\n")
        return ExitCode.ERROR
    return ExitCode.OK
