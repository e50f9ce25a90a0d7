"""A fake AWS STS on loopback that speaks the AssumeRole Query protocol.

Used where a real STS (or moto's) cannot be made to misbehave on cue: it can be
scripted to throttle, fail with 5xx, hang past the client's timeout, drop or
truncate its answer, refuse with AccessDenied, and refuse DurationSeconds over
an hour the way STS does for role chaining. It is a real HTTP server
(``ThreadingHTTPServer`` on 127.0.0.1, a free port), so the client under test
runs its whole network path: signing, urllib, timeouts, status codes and XML.

Like STS, it checks every request before answering, and refuses what STS
would refuse:

* the SigV4 ``Authorization`` header, structurally (algorithm, credential
  scope ``<date>/<region>/sts/aws4_request`` matching ``X-Amz-Date``, signed
  headers including ``host``, ``x-amz-date`` and any session token) and, for
  access keys given in ``secrets``, the signature itself, recomputed with
  botocore's ``SigV4Auth`` (an implementation independent of xpresign's);
* ``X-Amz-Date`` against the fake's own clock (STS allows five minutes' skew);
* the form body: ``Action=AssumeRole``, ``Version``, ``RoleArn``,
  ``RoleSessionName``, ``DurationSeconds``, ``ExternalId``, ``SourceIdentity``,
  ``Tags.member.N.Key/Value`` and nothing else.

Each request is recorded (:class:`StsRequest`) so tests can assert what was
sent. Credentials expire ``DurationSeconds`` (or ``session_seconds``) after the
fake's ``clock``, which the test controls, so sessions can be made to end soon.
"""

from __future__ import annotations

import calendar
import collections
import itertools
import re
import secrets as secrets_module
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials

REGION = "us-east-1"
API_VERSION = "2011-06-15"
NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
ACCOUNT_ID = "111111111111"
#: What STS answers when a role session assumed with role credentials asks for
#: more than an hour (observed wording; clients match on it).
ROLE_CHAINING_MESSAGE = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)
ROLE_CHAINING_MAX_SECONDS = 3600
MIN_DURATION_SECONDS, MAX_DURATION_SECONDS = 900, 43200
DEFAULT_DURATION_SECONDS = 3600
#: STS refuses a signature whose X-Amz-Date is further than this from its clock.
MAX_CLOCK_SKEW_SECONDS = 300
#: Longest a handler may be kept hanging, whatever a test asks: a stopped fake
#: releases them at once anyway.
MAX_HANG_SECONDS = 30.0

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<akid>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/(?P<terminator>[^/,\s]+), SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_TAG_PARAM = re.compile(r"^Tags\.member\.(\d+)\.(Key|Value)$")
_SCALAR_PARAMS = frozenset(
    {"Action", "Version", "RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId", "SourceIdentity"}
)
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


# --- what the fake answers -----------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``kind``: ``ok`` (answer as STS would), ``error``
    (an STS ``ErrorResponse``), ``hang`` (say nothing for ``seconds``, then
    close), ``drop`` (close without answering), ``truncate`` (promise a body,
    send half of it), ``raw`` (``status`` with ``body`` as given)."""

    kind: str
    status: int = 200
    error_type: str = ""
    code: str = ""
    message: str = ""
    seconds: float = 0.0
    body: bytes = b""


def error(status: int, code: str, message: str, error_type: str = "Sender") -> Reply:
    return Reply("error", status=status, error_type=error_type, code=code, message=message)


def hang(seconds: float) -> Reply:
    return Reply("hang", seconds=seconds)


def raw(status: int, body: bytes) -> Reply:
    return Reply("raw", status=status, body=body)


OK = Reply("ok")
THROTTLING = error(400, "Throttling", "Rate exceeded")
INTERNAL_FAILURE = error(500, "InternalFailure", "An internal error occurred.", "Receiver")
SERVICE_UNAVAILABLE = error(503, "ServiceUnavailable", "Service is unavailable.", "Receiver")
ACCESS_DENIED = error(
    403,
    "AccessDenied",
    "User: arn:aws:sts::222222222222:assumed-role/presigner/xpresign is not authorized "
    "to perform: sts:AssumeRole on resource: {role_arn}",
)
DROP = Reply("drop")
TRUNCATED = Reply("truncate")


# --- what the fake saw ---------------------------------------------------------------


@dataclass(frozen=True)
class StsRequest:
    """One request as received. ``problems`` lists why the fake refused it as
    malformed (empty for a well-formed AssumeRole)."""

    method: str
    path: str
    headers: Mapping[str, str]  # names lower-cased
    params: Mapping[str, str]
    access_key_id: str | None
    scope: str | None  # 20260101/us-east-1/sts/aws4_request
    signed_headers: tuple[str, ...]
    signature_checked: bool
    problems: tuple[str, ...]
    reply: str  # the kind of reply given, or the error code

    @property
    def duration_seconds(self) -> int | None:
        value = self.params.get("DurationSeconds")
        return None if value is None else int(value)

    @property
    def tags(self) -> list[tuple[str, str]]:
        found: dict[int, dict[str, str]] = collections.defaultdict(dict)
        for name, value in self.params.items():
            match = _TAG_PARAM.match(name)
            if match:
                found[int(match.group(1))][match.group(2)] = value
        return [(found[i]["Key"], found[i]["Value"]) for i in sorted(found)]


@dataclass(frozen=True)
class IssuedSession:
    """Credentials the fake handed out, so tests can tell sessions apart."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: int  # epoch seconds, as written in <Expiration>
    duration_seconds: int


class ManualClock:
    """A clock that moves only when told: ``clock()`` -> epoch seconds."""

    def __init__(self, start: float):
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def set(self, when: float) -> None:
        self.now = float(when)


# --- the server ----------------------------------------------------------------------


class FakeSts:
    """``with FakeSts(...) as sts: StsClient(sts.region, sts.url)``.

    ``script(*replies)`` queues answers for the next requests; when the queue is
    empty the fake gives ``default`` (``OK`` unless ``fail_with`` changed it).
    ``delay`` holds every answer back (to widen races); ``role_chaining``
    refuses DurationSeconds over an hour as STS does for role credentials;
    ``session_seconds`` makes sessions end that long after the clock instead of
    after DurationSeconds.
    """

    def __init__(
        self,
        *,
        region: str = REGION,
        clock: Callable[[], float] = time.time,
        delay: float = 0.0,
        role_chaining: bool = True,
        secrets: Mapping[str, str] | None = None,
        session_seconds: int | None = None,
        max_clock_skew: float | None = MAX_CLOCK_SKEW_SECONDS,
        tls=None,
    ):
        self.region = region
        self.clock = clock
        self.delay = delay
        self.role_chaining = role_chaining
        self.secrets = dict(secrets or {})
        self.session_seconds = session_seconds
        self.max_clock_skew = max_clock_skew
        self.tls = tls  # an ssl.SSLContext: serve https (tests/support/tls.py)
        self.default = OK
        self._script: collections.deque[Reply] = collections.deque()
        self._requests: list[StsRequest] = []
        self._issued: list[IssuedSession] = []
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._stopping = threading.Event()
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting ---------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Requests received and not yet answered."""
        with self._lock:
            return self._in_flight

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def fail_with(self, reply: Reply) -> None:
        """Answer every request with ``reply`` until ``recover``."""
        with self._lock:
            self._script.clear()
            self.default = reply

    def recover(self) -> None:
        with self._lock:
            self._script.clear()
            self.default = OK

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    # --- observations --------------------------------------------------------------

    @property
    def requests(self) -> list[StsRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def count(self) -> int:
        """AssumeRole requests received, answered or not."""
        with self._lock:
            return len(self._requests)

    @property
    def issued(self) -> list[IssuedSession]:
        with self._lock:
            return list(self._issued)

    def wait_for_count(self, count: int, timeout: float = 10.0) -> None:
        """Block until at least ``count`` requests have arrived and none is
        being answered (for background refreshes a test cannot join)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= count and self._in_flight == 0:
                return
            time.sleep(0.005)
        raise AssertionError(f"fake STS saw {self.count} requests, expected {count}, within {timeout} s")

    # --- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake STS is not running"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> FakeSts:
        fake = self

        class Handler(_Handler):
            sts = fake

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-sts", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # releases hanging and delayed handlers
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeSts:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- answering -------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            self._answer(handler)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        check = self._check(handler.command, handler.path, headers, body)
        if check.problems:
            code, status = check.refusal
            reply = error(status, code, "; ".join(check.problems))
        else:
            reply = self._next_reply()
            if reply.kind == "ok" and self.role_chaining:
                duration = int(check.params.get("DurationSeconds", DEFAULT_DURATION_SECONDS))
                if duration > ROLE_CHAINING_MAX_SECONDS:
                    reply = error(400, "ValidationError", ROLE_CHAINING_MESSAGE)
        # Recorded on arrival, so `count` includes requests still held back.
        self._record(handler, headers, check, reply.code or reply.kind)
        if self.delay and self._stopping.wait(self.delay):
            return  # stopping: leave without answering

        if reply.kind == "ok":
            handler.send_xml(200, self._issue(check.params))
        elif reply.kind == "error":
            message = reply.message.replace("{role_arn}", check.params.get("RoleArn", ""))
            handler.send_xml(reply.status, error_document(reply.code, message, reply.error_type))
        elif reply.kind == "hang":
            self._stopping.wait(min(reply.seconds, MAX_HANG_SECONDS))
            handler.close_connection = True
        elif reply.kind == "drop":
            handler.close_connection = True
        elif reply.kind == "truncate":
            document = self._issue(check.params)
            handler.send_response(200)
            handler.send_header("Content-Type", "text/xml")
            handler.send_header("Content-Length", str(len(document)))
            handler.end_headers()
            handler.wfile.write(document[: len(document) // 2])
            handler.wfile.flush()
            handler.close_connection = True
        elif reply.kind == "raw":
            handler.send_xml(reply.status, reply.body)
        else:  # pragma: no cover - a typo in a test
            raise ValueError(f"unknown reply kind {reply.kind!r}")

    def _record(self, handler: _Handler, headers: dict[str, str], check: _Check, reply: str) -> None:
        request = StsRequest(
            method=handler.command,
            path=handler.path,
            headers=headers,
            params=check.params,
            access_key_id=check.access_key_id,
            scope=check.scope,
            signed_headers=check.signed_headers,
            signature_checked=check.signature_checked,
            problems=tuple(check.problems),
            reply=reply,
        )
        with self._lock:
            self._requests.append(request)

    def _issue(self, params: Mapping[str, str]) -> bytes:
        serial = next(self._serial)
        duration = int(params.get("DurationSeconds", DEFAULT_DURATION_SECONDS))
        lifetime = duration if self.session_seconds is None else self.session_seconds
        session = IssuedSession(
            access_key_id=f"ASIAFAKESTS{serial:09d}",
            secret_access_key=secrets_module.token_urlsafe(30),
            session_token=secrets_module.token_urlsafe(120),
            expires_at=int(self.clock()) + lifetime,
            duration_seconds=duration,
        )
        with self._lock:
            self._issued.append(session)
        role_arn = params["RoleArn"]
        role_name = role_arn.rsplit("/", 1)[-1]
        session_name = params["RoleSessionName"]
        source_identity = params.get("SourceIdentity")
        return (
            f'<AssumeRoleResponse xmlns="{NAMESPACE}">\n'
            "  <AssumeRoleResult>\n"
            + (f"    <SourceIdentity>{_xml(source_identity)}</SourceIdentity>\n" if source_identity else "")
            + "    <AssumedRoleUser>\n"
            f"      <AssumedRoleId>AROAFAKESTSROLE{serial:05d}:{_xml(session_name)}</AssumedRoleId>\n"
            f"      <Arn>arn:aws:sts::{ACCOUNT_ID}:assumed-role/{_xml(role_name)}/{_xml(session_name)}</Arn>\n"
            "    </AssumedRoleUser>\n"
            "    <Credentials>\n"
            f"      <AccessKeyId>{session.access_key_id}</AccessKeyId>\n"
            f"      <SecretAccessKey>{session.secret_access_key}</SecretAccessKey>\n"
            f"      <SessionToken>{session.session_token}</SessionToken>\n"
            f"      <Expiration>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(session.expires_at))}</Expiration>\n"
            "    </Credentials>\n"
            f"    <PackedPolicySize>{len(self._issued)}</PackedPolicySize>\n"
            "  </AssumeRoleResult>\n"
            f"  <ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata>\n"
            "</AssumeRoleResponse>\n"
        ).encode()

    # --- checking a request as STS would ----------------------------------------------

    def _check(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Check:
        check = _Check()
        if method != "POST" or path != "/":
            check.refuse("InvalidAction", 400, f"expected POST /, got {method} {path}")
        if not headers.get("content-type", "").startswith(_FORM_CONTENT_TYPE):
            check.refuse("InvalidParameterValue", 400, f"Content-Type is {headers.get('content-type')!r}")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError) as exc:
            check.refuse("MalformedQueryString", 400, f"body is not a form: {exc}")
            pairs = []
        check.params = dict(pairs)
        if len(check.params) != len(pairs):
            check.refuse("InvalidParameterCombination", 400, "a parameter is repeated")
        self._check_signature(check, method, path, headers, body)
        self._check_params(check)
        return check

    def _check_signature(self, check: _Check, method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        authorization = headers.get("authorization")
        if not authorization:
            check.refuse("MissingAuthenticationToken", 403, "no Authorization header")
            return
        match = _AUTHORIZATION.match(authorization)
        if not match:
            check.refuse("IncompleteSignature", 400, f"malformed Authorization header {authorization[:60]!r}...")
            return
        amz_date = headers.get("x-amz-date", "")
        check.access_key_id = match["akid"]
        check.scope = f"{match['date']}/{match['region']}/{match['service']}/{match['terminator']}"
        check.signed_headers = tuple(match["signed"].split(";"))
        if not _AMZ_DATE.match(amz_date):
            check.refuse("IncompleteSignature", 400, f"X-Amz-Date {amz_date!r} is not YYYYMMDDTHHMMSSZ")
            return
        if match["date"] != amz_date[:8]:
            check.refuse("SignatureDoesNotMatch", 403, f"credential scope date {match['date']} is not X-Amz-Date's")
        if match["region"] != self.region:
            check.refuse(
                "SignatureDoesNotMatch", 403, f"credential scope region {match['region']} is not {self.region}"
            )
        if match["service"] != "sts" or match["terminator"] != "aws4_request":
            check.refuse("SignatureDoesNotMatch", 403, f"credential scope {check.scope} is not for sts")
        if list(check.signed_headers) != sorted(set(check.signed_headers)):
            check.refuse("IncompleteSignature", 400, "SignedHeaders are not sorted and unique")
        required = {"host", "x-amz-date"} | ({"x-amz-security-token"} if "x-amz-security-token" in headers else set())
        missing = required - set(check.signed_headers)
        if missing:
            check.refuse("IncompleteSignature", 400, f"SignedHeaders lacks {', '.join(sorted(missing))}")
        absent = [name for name in check.signed_headers if name not in headers]
        if absent:
            check.refuse("IncompleteSignature", 400, f"signed headers not sent: {', '.join(absent)}")
        if headers.get("host") != f"127.0.0.1:{self.port}":
            check.refuse("SignatureDoesNotMatch", 403, f"Host header {headers.get('host')!r} is not this endpoint")
        if self.max_clock_skew is not None:
            signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
            skew = abs(signed_at - self.clock())
            if skew > self.max_clock_skew:
                check.refuse("SignatureDoesNotMatch", 403, f"Signature expired: {amz_date} is {skew:.0f} s from now")
        if check.problems or not self.secrets:
            return  # structural checks only
        if match["akid"] not in self.secrets:
            check.refuse("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
            return
        # The signature itself, recomputed by botocore over the headers the client signed.
        request = AWSRequest(
            method=method,
            url=f"http://127.0.0.1:{self.port}{path}",
            data=body,
            headers={name: headers[name] for name in check.signed_headers},
        )
        request.context["timestamp"] = amz_date
        auth = SigV4Auth(
            BotocoreCredentials(match["akid"], self.secrets[match["akid"]], headers.get("x-amz-security-token")),
            "sts",
            self.region,
        )
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        check.signature_checked = True
        if expected != match["signature"]:
            check.refuse(
                "SignatureDoesNotMatch",
                403,
                "The request signature we calculated does not match the signature you provided.",
            )

    def _check_params(self, check: _Check) -> None:
        params = check.params
        if params.get("Action") != "AssumeRole":
            check.refuse("InvalidAction", 400, f"Action is {params.get('Action')!r}, expected AssumeRole")
        if params.get("Version") != API_VERSION:
            check.refuse("InvalidParameterValue", 400, f"Version is {params.get('Version')!r}")
        if not _ROLE_ARN.match(params.get("RoleArn", "")):
            check.refuse("ValidationError", 400, f"RoleArn {params.get('RoleArn')!r} is not a role ARN")
        if not _SESSION_NAME.match(params.get("RoleSessionName", "")):
            check.refuse("ValidationError", 400, f"RoleSessionName {params.get('RoleSessionName')!r} is invalid")
        duration = params.get("DurationSeconds")
        if duration is not None and not (
            duration.isdigit() and MIN_DURATION_SECONDS <= int(duration) <= MAX_DURATION_SECONDS
        ):
            check.refuse("ValidationError", 400, f"DurationSeconds {duration!r} is outside 900..43200")
        if "ExternalId" in params and not _EXTERNAL_ID.match(params["ExternalId"]):
            check.refuse("ValidationError", 400, "ExternalId is invalid")
        if "SourceIdentity" in params and not _SESSION_NAME.match(params["SourceIdentity"]):
            check.refuse("ValidationError", 400, "SourceIdentity is invalid")
        tag_fields: dict[int, set[str]] = collections.defaultdict(set)
        for name in params:
            match = _TAG_PARAM.match(name)
            if match:
                tag_fields[int(match.group(1))].add(match.group(2))
            elif name not in _SCALAR_PARAMS:
                check.refuse("InvalidParameter", 400, f"unknown parameter {name!r}")
        if sorted(tag_fields) != list(range(1, len(tag_fields) + 1)):
            check.refuse("ValidationError", 400, f"tags are not numbered 1..N: {sorted(tag_fields)}")
        if any(fields != {"Key", "Value"} for fields in tag_fields.values()):
            check.refuse("ValidationError", 400, "a tag lacks its Key or Value")


class _Check:
    """What checking one request found."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        self.access_key_id: str | None = None
        self.scope: str | None = None
        self.signed_headers: tuple[str, ...] = ()
        self.signature_checked = False
        self.problems: list[str] = []
        self.refusal: tuple[str, int] = ("", 0)

    def refuse(self, code: str, status: int, problem: str) -> None:
        if not self.problems:
            self.refusal = (code, status)  # STS reports the first problem it meets
        self.problems.append(problem)


class _Handler(BaseHTTPRequestHandler):
    sts: FakeSts
    server_version = "FakeSTS/1.0"

    def do_POST(self) -> None:
        self.sts._serve(self)

    do_GET = do_PUT = do_DELETE = do_POST  # noqa: N815 - STS refuses them; the check says why

    def send_xml(self, status: int, document: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(document)))
        self.send_header("x-amzn-RequestId", _request_id())
        self.end_headers()
        self.wfile.write(document)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        pass  # tests read fake.requests, not stderr


def error_document(code: str, message: str, error_type: str = "Sender") -> bytes:
    return (
        f'<ErrorResponse xmlns="{NAMESPACE}">\n'
        f"  <Error>\n    <Type>{error_type}</Type>\n    <Code>{_xml(code)}</Code>\n"
        f"    <Message>{_xml(message)}</Message>\n  </Error>\n"
        f"  <RequestId>{_request_id()}</RequestId>\n"
        "</ErrorResponse>\n"
    ).encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _request_id() -> str:
    hex_ = secrets_module.token_hex(16)
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def signer_of(url: str) -> str:
    """The access key id that signed a presigned URL (from X-Amz-Credential)."""
    return url.split("X-Amz-Credential=", 1)[1].split("%2F", 1)[0]


def watch_for_leaks(sts: FakeSts, *source_secrets: str) -> None:
    """Hand the source secrets and every session ``sts`` issued to the
    session-wide log-leak test (tests/support/log_capture.py)."""
    from tests.support.log_capture import remember_secret

    remember_secret(*source_secrets, *(v for s in sts.issued for v in (s.secret_access_key, s.session_token)))
