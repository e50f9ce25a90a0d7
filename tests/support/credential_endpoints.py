"""Loopback fakes of the endpoints that hand out credentials: the container
endpoint, IMDSv2, and STS's AssumeRoleWithWebIdentity.

Each is a real HTTP server (``ThreadingHTTPServer`` on 127.0.0.1, a free
port), so the client under test runs its whole network path. Each behaves like
the endpoint it stands for, including how it refuses:

* :class:`FakeContainerEndpoint`, the ECS agent / EKS Pod Identity agent /
  Lambda's endpoint: ``GET`` on one path, an ``Authorization`` header that must
  match, credentials as JSON (``AccessKeyId``, ``SecretAccessKey``, ``Token``,
  ``Expiration`` as ``2026-11-30T03:00:00Z``, plus ``AccountId`` and
  ``RoleArn``), errors as ``{"code": ..., "message": ...}``;
* :class:`FakeImds`, IMDS with ``HttpTokens=required`` (v2 only, unless
  ``v1_allowed``): ``PUT /latest/api/token`` needs a TTL header of 1 to 21600
  and refuses ``X-Forwarded-For``; GETs without a valid token get 401; the
  role's credentials come with ``"Code": "Success"``, ``LastUpdated`` and
  ``Type``; no instance profile is a 404;
* :class:`FakeWebIdentitySts`, STS for ``AssumeRoleWithWebIdentity``: a form
  POST, the token checked against ``accepted``, the answer and errors as STS's
  namespaced XML (``InvalidIdentityToken``, ``IDPCommunicationError``,
  ``ValidationError``...).

Every request is recorded (:class:`Seen`); a test scripts misbehaviour with
:meth:`LoopbackFake.script` (the next answers) or :meth:`LoopbackFake.fail_with`
(every answer until :meth:`LoopbackFake.recover`). Credentials expire
``lifetime`` seconds after the fake's ``clock``, which the test may control.
"""

from __future__ import annotations

import collections
import itertools
import json
import secrets
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

#: Longest a handler hangs, whatever a test asks: stopping releases it at once.
MAX_HANG_SECONDS = 30.0
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
ACCOUNT_ID = "111111111111"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    hang: float = 0.0  # seconds to wait before answering
    headers: tuple[tuple[str, str], ...] = ()


def json_error(status: int, code: str, message: str) -> Reply:
    """A container agent's error body."""
    return Reply(status, json.dumps({"code": code, "message": message}).encode())


def raw(status: int, body: bytes | str, content_type: str = "text/plain") -> Reply:
    return Reply(status, body.encode() if isinstance(body, str) else body, content_type)


def hang(seconds: float) -> Reply:
    return Reply(200, b"{}", hang=seconds)


def redirect(location: str) -> Reply:
    return Reply(302, b"", "text/plain", headers=(("Location", location),))


def sts_error(status: int, code: str, message: str, error_type: str = "Sender") -> Reply:
    document = (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>{error_type}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{secrets.token_hex(8)}</RequestId></ErrorResponse>"
    )
    return Reply(status, document.encode(), "text/xml")


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic()


@dataclass(frozen=True)
class Issued:
    access_key_id: str
    secret_access_key: str
    token: str
    expiration: str  # as sent
    expires_at: float


@dataclass
class LoopbackFake:
    """The server, the script and the record; subclasses answer."""

    clock: Callable[[], float] = time.time
    lifetime: float = 6 * 3600
    tls: ssl.SSLContext | None = None  # a server context: https instead of http
    requests: list[Seen] = field(default_factory=list)
    issued: list[Issued] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script: collections.deque[Reply] = collections.deque()
        self._failure: Reply | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._serial = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                fake._serve(self)

            def do_PUT(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # --- the script ------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order, then as usual."""
        with self._lock:
            self._script.extend(replies)

    def fail_with(self, reply: Reply) -> None:
        with self._lock:
            self._failure = reply

    def recover(self) -> None:
        with self._lock:
            self._failure = None
            self._script.clear()

    @property
    def count(self) -> int:
        return len(self.requests)

    def issue(self) -> Issued:
        """New credentials, expiring ``lifetime`` after the fake's clock."""
        serial = next(self._serial)
        expires_at = int(self.clock() + self.lifetime)
        issued = Issued(
            f"ASIAFAKE{serial:012d}",
            secrets.token_urlsafe(30),
            "FQoGZXIvYXdz" + secrets.token_urlsafe(60),
            time.strftime(ISO_FORMAT, time.gmtime(expires_at)),
            expires_at,
        )
        self.issued.append(issued)
        return issued

    # --- serving ---------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        seen = Seen(
            handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body, time.monotonic()
        )
        with self._lock:
            self.requests.append(seen)
            reply = self._failure or (self._script.popleft() if self._script else None)
        if reply is None:
            reply = self.answer(seen)
        if reply.hang:
            self._stopping.wait(min(reply.hang, MAX_HANG_SECONDS))
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a timeout under test)

    def answer(self, seen: Seen) -> Reply:
        raise NotImplementedError


@dataclass
class FakeContainerEndpoint(LoopbackFake):
    """The container credential endpoint at :attr:`url`."""

    token: str | None = None  # the Authorization value required; None: none
    path: str = "/v1/credentials"
    role_arn: str = f"arn:aws:iam::{ACCOUNT_ID}:role/task-role"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, seen: Seen) -> Reply:
        if seen.method != "GET":
            return json_error(405, "MethodNotAllowed", f"{seen.method} is not allowed")
        if seen.path != self.path:
            return json_error(404, "NotFound", "no credentials at this path")
        if self.token is not None and seen.headers.get("authorization") != self.token:
            return json_error(401, "AccessDeniedException", "the authorization token is missing or invalid")
        issued = self.issue()
        document = {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "Token": issued.token,
            "Expiration": issued.expiration,
            "AccountId": ACCOUNT_ID,
            "RoleArn": self.role_arn,
        }
        return Reply(200, json.dumps(document).encode())


@dataclass
class FakeImds(LoopbackFake):
    """IMDS requiring v2 session tokens (``HttpTokens=required``)."""

    role: str | None = "xpresign-instance-role"  # None: no instance profile
    v1_allowed: bool = False
    tokens: dict[str, float] = field(default_factory=dict)  # token -> monotonic expiry

    CREDENTIALS = "/latest/meta-data/iam/security-credentials/"

    def answer(self, seen: Seen) -> Reply:
        if seen.path == "/latest/api/token":
            return self._token(seen)
        if seen.method != "GET":
            return raw(405, "Method Not Allowed")
        token = seen.headers.get("x-aws-ec2-metadata-token")
        if (token is None and not self.v1_allowed) or (token is not None and not self._valid(token)):
            return raw(401, "")
        if seen.path == self.CREDENTIALS:
            return raw(200, self.role) if self.role else raw(404, "Not Found")
        if self.role and seen.path == self.CREDENTIALS + self.role:
            issued = self.issue()
            document = {
                "Code": "Success",
                "LastUpdated": time.strftime(ISO_FORMAT, time.gmtime(self.clock())),
                "Type": "AWS-HMAC",
                "AccessKeyId": issued.access_key_id,
                "SecretAccessKey": issued.secret_access_key,
                "Token": issued.token,
                "Expiration": issued.expiration,
            }
            return Reply(200, json.dumps(document, indent=2).encode(), "text/plain")
        return raw(404, "Not Found")

    def _token(self, seen: Seen) -> Reply:
        if seen.method != "PUT":
            return raw(405, "Method Not Allowed")
        if "x-forwarded-for" in seen.headers:
            return raw(403, "Forbidden")
        ttl = seen.headers.get("x-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return raw(400, "Bad Request")
        token = secrets.token_urlsafe(40)
        with self._lock:
            self.tokens[token] = time.monotonic() + int(ttl)
        return Reply(200, token.encode(), "text/plain", headers=(("X-aws-ec2-metadata-token-ttl-seconds", ttl),))

    def _valid(self, token: str) -> bool:
        with self._lock:
            return self.tokens.get(token, 0) > time.monotonic()


@dataclass
class FakeWebIdentitySts(LoopbackFake):
    """STS answering AssumeRoleWithWebIdentity for the tokens in ``accepted``."""

    accepted: set[str] = field(default_factory=set)
    lifetime: float = 3600

    def answer(self, seen: Seen) -> Reply:
        if seen.method != "POST" or seen.path != "/":
            return sts_error(400, "InvalidAction", "Could not find operation for this request")
        params = dict(parse_qsl(seen.body.decode("utf-8"), keep_blank_values=True))
        if params.get("Action") != "AssumeRoleWithWebIdentity":
            return sts_error(400, "InvalidAction", f"Could not find operation {params.get('Action')}")
        for name in ("Version", "RoleArn", "RoleSessionName", "WebIdentityToken"):
            if not params.get(name):
                return sts_error(400, "ValidationError", f"1 validation error detected: {name} is required")
        if params["WebIdentityToken"] not in self.accepted:
            return sts_error(
                400, "InvalidIdentityToken", "The web identity token that was passed could not be validated"
            )
        issued = self.issue()
        role = params["RoleArn"].split("/", 1)[1]
        document = (
            f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NAMESPACE}"><AssumeRoleWithWebIdentityResult>'
            "<SubjectFromWebIdentityToken>system:serviceaccount:default:presigner</SubjectFromWebIdentityToken>"
            "<Audience>sts.amazonaws.com</Audience>"
            f"<AssumedRoleUser><Arn>arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{params['RoleSessionName']}</Arn>"
            f"<AssumedRoleId>AROAFAKE:{params['RoleSessionName']}</AssumedRoleId></AssumedRoleUser>"
            f"<Credentials><SessionToken>{issued.token}</SessionToken>"
            f"<SecretAccessKey>{issued.secret_access_key}</SecretAccessKey>"
            f"<Expiration>{issued.expiration}</Expiration><AccessKeyId>{issued.access_key_id}</AccessKeyId>"
            "</Credentials><Provider>oidc.eks.us-east-1.amazonaws.com/id/FAKE</Provider>"
            "</AssumeRoleWithWebIdentityResult>"
            f"<ResponseMetadata><RequestId>{secrets.token_hex(8)}</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
        )
        return Reply(200, document.encode(), "text/xml")
