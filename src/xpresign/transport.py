"""HTTP for every standard-library client: STS, S3, SSM and credential endpoints.

One TLS context serves them all, honouring ``AWS_CA_BUNDLE`` (and, in the CLI,
a profile's ``ca_bundle``), so xpresign works behind TLS-inspecting proxies.

Built on ``http.client`` rather than ``urllib.request`` for three reasons:

* **no redirects**: ``http.client`` never follows one. urllib would forward
  ``Authorization`` and ``X-Amz-Security-Token`` to whatever host a 3xx names;
  here a 3xx is just a status the caller treats as an upstream error;
* **bounded answers**: a body is read up to a limit, so a hostile or broken
  endpoint cannot make the function buffer megabytes;
* **cold start**: ``urllib.request`` imports ``email``, ``http.client`` and
  more (~19 ms measured). This module imports ``http.client`` and ``ssl`` on
  the first request only, so a function that never calls out never pays.

Errors are :class:`TransportError` with a short reason that never holds the
URL: a presigned URL's query string is a bearer token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from .files import Refused, read_regular
from .redact import redacted_repr
from .values import Deadline

#: Largest answer read from an AWS endpoint; STS, SSM and S3's XML answers are
#: a few KB.
MAX_RESPONSE_BYTES = 1024 * 1024
#: A CA bundle of every public root is ~220 KB; past this a setting names the wrong file.
MAX_CA_BUNDLE_BYTES = 16 * 1024 * 1024
#: How much of an answer one read asks for.
READ_CHUNK_BYTES = 64 * 1024
#: A call with less time than this left is not started.
MIN_ATTEMPT_SECONDS = 0.05

_contexts: dict[str | None, object] = {}
_contexts_lock = threading.Lock()
_ca_bundle: str | None = None


class Response(NamedTuple):
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes

    def __repr__(self) -> str:  # an STS or credential endpoint's body holds credentials
        return redacted_repr(self, headers=f"<{', '.join(self.headers)}>", body=f"<{len(self.body)} bytes>")


class TransportError(Exception):
    """No usable HTTP answer: refused, timed out, cut, malformed or too large.
    ``reason`` is short and safe to log (no URL, no credentials).
    ``unanswered``: nothing came back (timed out, refused, reset, unreachable),
    which trying again may cure, unlike an answer that could not be read."""

    def __init__(self, reason: str, *, timed_out: bool = False, unanswered: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out
        self.unanswered = unanswered or timed_out


def set_ca_bundle(path: str | None) -> None:
    """Trust ``path`` (PEM) instead of the system's certificates. Raises
    ``ValueError`` when the file is unreadable or holds no certificate, so
    start-up can name the setting. The TLS context itself is built at the
    first call: loading ``ssl`` costs ~7 ms of a cold start that may never
    call out."""
    global _ca_bundle
    if path:
        try:
            pem = read_regular(path, MAX_CA_BUNDLE_BYTES)
        except Refused as exc:
            raise ValueError(f"cannot read {path[:200]!r}: {exc}") from None
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            raise ValueError(f"{path[:200]!r} holds no PEM certificate")
    _ca_bundle = path or None


def tls_context():
    """The shared ``ssl.SSLContext`` (certificate and host name checks on)."""
    return _contexts.get(_ca_bundle) or _load_context(_ca_bundle)


def _load_context(ca_bundle: str | None):
    import ssl  # noqa: PLC0415 - only when a call is made

    with _contexts_lock:
        context = _contexts.get(ca_bundle)
        if context is None:
            context = ssl.create_default_context(cafile=ca_bundle)
            _contexts[ca_bundle] = context
        return context


def attempt_timeout(deadline: Deadline, per_attempt: float) -> float | None:
    """The timeout for one attempt: ``per_attempt``, cut to what the deadline
    leaves; None when too little is left to try."""
    left = deadline.remaining()
    if left < MIN_ATTEMPT_SECONDS:
        return None
    return min(per_attempt, left)


def _time_left(connection, ends: float) -> None:
    """The socket's timeout cut to what is left of the whole exchange's."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(left)


def _read_body(connection, response, ends: float, limit: int) -> bytes:
    """The answer's body, read a buffer at a time against the exchange's end:
    a socket timeout alone starts again with every byte, so an answer
    trickled a byte a second was never cut off."""
    chunks, size = [], 0
    while True:
        _time_left(connection, ends)
        chunk = response.read1(READ_CHUNK_BYTES)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise TransportError(f"answer larger than {limit} bytes")
        chunks.append(chunk)
    if response.length:  # fewer bytes than its Content-Length said
        raise TransportError("unreadable answer (IncompleteRead)")
    return b"".join(chunks)


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
) -> Response:
    """One HTTP exchange, all of it within ``timeout`` seconds; any status is
    returned, never followed."""
    import http.client  # noqa: PLC0415 - only when a call is made

    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        port = parts.port
    except ValueError:
        raise TransportError("invalid port") from None
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=tls_context())
    elif parts.scheme == "http":
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    else:
        raise TransportError(f"unsupported scheme {parts.scheme[:16]!r}")
    ends = time.monotonic() + timeout
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        _time_left(connection, ends)
        response = connection.getresponse()
        if response.length is not None and response.length > max_response_bytes:
            raise TransportError(f"answer larger than {max_response_bytes} bytes")
        data = _read_body(connection, response, ends, max_response_bytes)
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    except TimeoutError:
        raise TransportError("timed out", timed_out=True) from None
    except http.client.HTTPException as exc:  # bad status line, too many headers, cut short
        raise TransportError(f"unreadable answer ({type(exc).__name__})") from None
    except OSError as exc:  # refused, reset, unreachable, TLS failure
        import ssl  # noqa: PLC0415 - loaded already by any https call

        # A TLS failure (a certificate refused) is an answer of sorts: retrying does not cure it.
        raise TransportError(exc.strerror or type(exc).__name__, unanswered=not isinstance(exc, ssl.SSLError)) from None
    except ValueError:
        # http.client refusing a header value (a line break, a character
        # beyond Latin-1) quotes it whole: it may be a token or a signature.
        raise TransportError("a request header holds a character HTTP cannot carry") from None
    finally:
        connection.close()


class RetriesExhausted(Exception):
    """No attempt gave a final answer. ``response`` is the last retryable
    answer (None when the last attempt got none); ``reason`` says why, safely."""

    def __init__(self, reason: str, response: Response | None):
        super().__init__(reason)
        self.reason = reason
        self.response = response


def with_retries(
    send: Callable[[float], Response],
    *,
    deadline: Deadline,
    attempts: int,
    timeout: float,
    retryable: Callable[[Response], bool],
    pause: Callable[[int], float] = lambda attempt: 0.0,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] = lambda reason: None,
) -> Response:
    """The first answer ``send(timeout)`` gives that is not ``retryable``,
    trying up to ``attempts`` times on those and on network errors, pausing
    ``pause(attempt)`` before each retry, all within ``deadline``: the one
    retry rule of every client (STS, S3, SSM, credential endpoints). Raises
    :class:`RetriesExhausted` otherwise."""
    reason, last = "no attempt fitted in the time left", None
    for attempt in range(attempts):
        if attempt:
            wait = pause(attempt)
            if deadline.remaining() <= wait + MIN_ATTEMPT_SECONDS:
                break
            if wait:
                sleep(wait)
        per_attempt = attempt_timeout(deadline, timeout)
        if per_attempt is None:
            break
        try:
            response = send(per_attempt)
        except TransportError as exc:
            reason, last = exc.reason, None
            on_retry(reason)
            continue
        if not retryable(response):
            return response
        reason, last = f"HTTP {response.status}", response
        on_retry(reason)
    raise RetriesExhausted(reason, last)
