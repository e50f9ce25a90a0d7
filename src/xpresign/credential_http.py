"""What the HTTP credential sources share: bounded, retried calls, JSON answers, token files.

The container endpoint (:mod:`xpresign.container_credentials`) and IMDS
(:mod:`xpresign.imds`) are local agents that answer JSON. Both run on the
request path when their credentials need refreshing, so every call goes
through :mod:`xpresign.transport` (no redirects, bounded answers, the shared
TLS context) and is bounded by the request's :class:`~xpresign.values.Deadline`.

Errors, as the API reports them:

* the endpoint did not answer, timed out, throttled or failed with a 5xx
  after the retries: :class:`CredentialsUnavailable`, a 503 with
  ``Retry-After`` (the agent restarting is the usual cause, and it passes);
* it answered something unreadable, or refused: :class:`~xpresign.errors.UpstreamError`, a 502.

Callers get a fixed message; the log gets the status, the endpoint's error
code and a bounded, masked excerpt of its message (:mod:`xpresign.redact`),
never the URL (an ECS relative URI is a per-task capability) nor a token.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping

from . import transport
from .errors import ServiceUnavailable, UpstreamError
from .files import Refused, read_regular
from .redact import mask
from .sources import issued_credentials, parse_timestamp
from .values import Credentials, Deadline

logger = logging.getLogger(__name__)

#: What callers are told to wait when a credential endpoint is unusable: a
#: local agent that restarts is back within seconds.
RETRY_AFTER_SECONDS = 2
#: Largest answer read from a credential endpoint (a real one is under 2 KB).
MAX_ANSWER_BYTES = 64 * 1024
#: Largest token file read: STS takes web identity tokens of up to 20,000
#: characters, and container tokens are shorter.
MAX_TOKEN_FILE_BYTES = 64 * 1024
#: The fields every JSON credential answer carries (container endpoint, IMDS).
CREDENTIAL_FIELDS = ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")

Sleep = Callable[[float], None]


class CredentialsUnavailable(ServiceUnavailable):
    """A credential endpoint, or a token file, was unusable for now: 503 and
    ``Retry-After``, never a 500."""

    def __init__(self, message: str):
        super().__init__(message, retry_after=RETRY_AFTER_SECONDS)


class TokenFileError(ValueError):
    """A token file that cannot be used; the message never quotes its content."""


def read_token_file(path: str) -> str:
    """The token in ``path``, surrounding whitespace removed. Read on every
    call, because the platform rotates the file (Kubernetes every hour or so)."""
    try:
        data = read_regular(path, MAX_TOKEN_FILE_BYTES)
    except Refused as exc:
        raise TokenFileError(f"cannot read {path[:200]!r}: {exc}") from None
    try:
        token = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise TokenFileError(f"{path[:200]!r} does not hold ASCII text") from None
    return check_token(token, f"{path[:200]!r}")


def check_token(token: str, where: str) -> str:
    """``token`` if it can travel as an HTTP header or form value: not empty,
    printable ASCII (a CR or LF would split the request's headers)."""
    if not token:
        raise TokenFileError(f"{where} is empty")
    if not token.isascii() or not token.isprintable():
        raise TokenFileError(f"{where} holds characters a token cannot hold (control characters or non-ASCII)")
    return token


def exchange(
    name: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    deadline: Deadline,
    attempts: int,
    timeout: float,
    pause: float = 0.0,
    sleep: Sleep = time.sleep,
) -> transport.Response:
    """The first answer from ``url`` that is neither a 5xx nor a 429, trying up
    to ``attempts`` times on those and on network errors, pausing ``pause``
    between tries, all within ``deadline``. Raises :class:`CredentialsUnavailable`
    when no such answer came. Redirects are returned, never followed."""

    def note(reason: str) -> None:
        logger.info("the %s did not answer usefully (%s)", name, reason)

    try:
        return transport.with_retries(
            lambda per_attempt: transport.request(
                method, url, headers=headers, timeout=per_attempt, max_response_bytes=MAX_ANSWER_BYTES
            ),
            deadline=deadline,
            attempts=attempts,
            timeout=timeout,
            retryable=lambda response: response.status == 429 or response.status >= 500,
            pause=lambda attempt: pause,
            sleep=sleep,
            on_retry=note,
        )
    except transport.RetriesExhausted as exhausted:
        last = exhausted.reason
        if exhausted.response is not None:
            code, message = error_of(exhausted.response.body)
            last = f"{last} {code}: {mask(message)}".rstrip(": ")
        logger.warning("the %s gave no credentials (%s)", name, last)
        raise CredentialsUnavailable(f"the {name} did not answer; try again") from None


def refused(name: str, response: transport.Response, what: str) -> UpstreamError:
    """The error for an answer that is not a 200: logged with the endpoint's
    code and a masked excerpt; the caller gets a fixed message."""
    code, message = error_of(response.body)
    detail = " ".join(part for part in (code, mask(message)) if part)
    logger.warning("the %s refused %s: HTTP %d %s", name, what, response.status, detail)
    return UpstreamError(f"the {name} refused {what}")


def error_of(body: bytes) -> tuple[str, str]:
    """``(code, message)`` of a JSON error answer (``{"code", "message"}`` from a
    container agent, ``{"Code", "Message"}`` from IMDS); else ``("", the text)``.
    The code comes back masked and bounded; the message is for :func:`mask`."""
    document = json_document(body)
    if isinstance(document, dict):
        code = document.get("code", document.get("Code", ""))
        message = document.get("message", document.get("Message", ""))
        return mask(code if isinstance(code, str) else "", 64), message if isinstance(message, str) else ""
    return "", body[:512].decode("utf-8", "replace")


def parse_credentials(name: str, body: bytes) -> Credentials:
    """Credentials from a JSON answer holding :data:`CREDENTIAL_FIELDS`;
    :class:`~xpresign.errors.UpstreamError` for anything else."""
    document = json_document(body)
    if not isinstance(document, dict):
        raise UpstreamError(f"the {name} answered something that is not a JSON object")
    values = {field: document.get(field) for field in CREDENTIAL_FIELDS}
    missing = [field for field, value in values.items() if not isinstance(value, str) or not value.strip()]
    if missing:
        raise UpstreamError(f"the {name}'s answer lacks {', '.join(missing)}")
    try:
        expires_at = parse_timestamp(values["Expiration"])
    except ValueError:
        raise UpstreamError(f"the {name} answered an Expiration that is not an ISO 8601 time with a zone") from None
    return issued_credentials(
        f"the {name}", values["AccessKeyId"], values["SecretAccessKey"], values["Token"], expires_at
    )


def json_document(body: bytes) -> object:
    """``body`` parsed as JSON, or None when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # ValueError covers bad UTF-8 too
        return None
