"""Helpers for the ``xpresign serve`` tests: calling the ASGI app in-process,
a JWKS issuer on loopback with a test key, and the service's environment."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN = "a" * 20 + "0123456789abcdef0123456789abcdef"
ISSUER = "https://issuer.example.test/pool"
AUDIENCE = "xpresign-web"
KID = "test-key-1"
#: Environment credentials (no role): signing needs no STS.
SERVICE_ENV = {
    "XPRESIGN_BUCKET": "classic-movies",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789",
}


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def code(self) -> str | None:
        return self.json().get("error", {}).get("code") if self.body else None


def call(
    app,
    method: str = "GET",
    path: str = "/",
    *,
    query: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | None = None,
    chunks: list[bytes] | None = None,
    chunk_delay: float = 0.0,
    disconnect: bool = False,
    raw_path: bool = True,
) -> Answer | None:
    """One request through the ASGI app, as granian would deliver it; None
    when the app sent nothing (the client went away). ``path`` is as the
    client sent it, percent-encoded: the scope's ``path`` is decoded, as ASGI
    asks, and ``raw_path`` (which granian gives) keeps it, unless told not to."""
    raw_headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    if body is not None and chunks is None:
        raw_headers.append((b"content-length", str(len(body)).encode()))
        chunks = [body]
    if chunks is not None and body is None:
        raw_headers.append((b"transfer-encoding", b"chunked"))
    scope = {
        "type": "http",
        "method": method,
        "path": unquote(path),
        "query_string": query,
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
    }
    if raw_path:
        scope["raw_path"] = path.encode("latin-1")
    pending = list(chunks or [b""])
    sent: list[dict] = []

    async def receive():
        if disconnect:
            return {"type": "http.disconnect"}
        if chunk_delay:
            await asyncio.sleep(chunk_delay)
        chunk = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    if not sent:
        return None
    start = sent[0]
    answer_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    return Answer(start["status"], answer_headers, b"".join(m.get("body", b"") for m in sent[1:]))


def bearer(token: str = TOKEN) -> tuple[str, str]:
    return ("authorization", f"Bearer {token}")


# --- a JWT issuer on loopback ------------------------------------------------------------


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key, kid: str = KID) -> dict:
    found = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**found, "kid": kid, "alg": "RS256", "use": "sig"}


def token_for(private_key, *, kid: str = KID, algorithm: str = "RS256", **claims) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": now, "exp": now + 300, **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, private_key, algorithm=algorithm, headers={"kid": kid})


class JwksServer:
    """Serves ``{"keys": [...]}`` at /jwks on 127.0.0.1 and counts the fetches."""

    def __init__(self, keys: list[dict]):
        self.keys = keys
        self.fetches = 0
        #: Seconds between the body's bytes, to play a slow or hostile issuer; 0: all at once.
        self.trickle = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.fetches += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not server.trickle:
                    self.wfile.write(body)
                    return
                for byte in body:
                    try:
                        self.wfile.write(bytes((byte,)))
                        self.wfile.flush()
                    except OSError:  # the client gave up: as it should
                        return
                    time.sleep(server.trickle)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/jwks"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
