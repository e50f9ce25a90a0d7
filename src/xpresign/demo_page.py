"""The demo's web page, served by ``xpresign demo --serve`` only.

``xpresign serve`` owns its URL space and serves the JSON API and Uppy's
routes, nothing else. The demo wraps that application (the same factory,
:func:`xpresign.serve_run.create_app`) in :class:`DemoPage`, which answers a
fixed table of paths from the package's ``static`` folder and hands every
other request to ``xpresign serve`` unchanged:

==========================================  ===========================================
``GET /demo/``                              the page (``static/demo/index.html``)
``GET /demo/demo.js`` and ``demo.css``      its script and style
``GET /demo/config.json``                   the demo bucket's movies and upload prefix
``GET /static/uppy/uppy.min.js``, ``.css``  the vendored Uppy bundle (``static/uppy/``)
==========================================  ===========================================

The page calls the server's own JSON API (``GET /?key=...``) and Uppy's
routes, from the same origin, with no credential: the demo's server binds
127.0.0.1 only and asks for none (see :mod:`xpresign.demo_serve`). Files are
read once per worker with :mod:`importlib.resources`; no path from a request
ever reaches the file system. None of this is in the Lambda zip, which takes
only the modules the handler imports (:mod:`xpresign.build`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib.resources import files

from .serve_run import create_app as create_serve_app

APP_FACTORY = "xpresign.demo_page:create_app"
#: The page's settings, a JSON object, left in the environment for the workers.
CONFIG_VARIABLE = "XPRESIGN_DEMO_PAGE"
PAGE_PATH = "/demo/"
CONFIG_PATH = "/demo/config.json"
#: URL path -> (folder under ``static``, file name).
STATIC_FILES = {
    PAGE_PATH: ("demo", "index.html"),
    "/demo/demo.js": ("demo", "demo.js"),
    "/demo/demo.css": ("demo", "demo.css"),
    "/static/uppy/uppy.min.js": ("uppy", "uppy.min.js"),
    "/static/uppy/uppy.min.css": ("uppy", "uppy.min.css"),
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}


def page_config(*, bucket: str, movies: list[str], upload_prefix: str, s3_endpoint: str) -> dict:
    """What the page reads from ``/demo/config.json``."""
    return {"bucket": bucket, "movies": sorted(movies), "upload_prefix": upload_prefix, "s3_endpoint": s3_endpoint}


def content_security_policy(s3_endpoint: str) -> str:
    """The page's scripts and styles come from this server; it talks to this
    server and, for Uppy's uploads, to the emulator's S3 endpoint."""
    return (
        "default-src 'self'; "
        f"connect-src 'self' {s3_endpoint}; "
        "img-src 'self' data: blob:; "
        "style-src 'self' 'unsafe-inline'; "  # Uppy's Dashboard sets style attributes
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def _read(folder: str, name: str) -> bytes:
    return files("xpresign").joinpath("static", folder, name).read_bytes()


class DemoPage:
    """An ASGI wrapper: the page's fixed paths, else the wrapped application."""

    def __init__(self, app, config: Mapping):
        self.app = app
        csp = content_security_policy(config["s3_endpoint"])
        self._answers: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}
        for path, (folder, name) in STATIC_FILES.items():
            extra = {"content-security-policy": csp} if name.endswith(".html") else {}
            self._answers[path] = self._answer(name, _read(folder, name), extra)
        self._answers[CONFIG_PATH] = self._answer("config.json", json.dumps(config).encode(), {})

    @staticmethod
    def _answer(name: str, body: bytes, extra: Mapping[str, str]) -> tuple[list[tuple[bytes, bytes]], bytes]:
        headers = {
            "content-type": CONTENT_TYPES[os.path.splitext(name)[1]],
            "content-length": str(len(body)),
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            **extra,
        }
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()], body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == PAGE_PATH.rstrip("/"):
                await _send(send, 308, [(b"location", PAGE_PATH.encode()), (b"content-length", b"0")], b"")
                return
            answer = self._answers.get(path)
            if answer is not None:
                await self._static(scope, send, *answer)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _static(scope, send, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send(send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0")], b"")
            return
        await _send(send, 200, headers, b"" if method == "HEAD" else body)


async def _send(send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app() -> DemoPage:
    """The ASGI factory each worker of ``xpresign demo --serve`` calls (``APP_FACTORY``)."""
    return DemoPage(create_serve_app(), json.loads(os.environ[CONFIG_VARIABLE]))
