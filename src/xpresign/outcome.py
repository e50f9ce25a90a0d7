"""What the API answers, and how many bytes a front door can carry back.

An :class:`Outcome` is a status, a JSON body (a dict, or text already
serialised by the batch path), extra headers, and the fields of the request's
log line (never a URL, token or secret).

A :class:`Budget` counts the bytes the runtime will post for an answer.
Lambda refuses a synchronous response over 6 MB (the caller gets a 502) and
ALB one over 1 MB, so a batch that would not fit is refused with 413
``ResponseTooLarge`` instead of being built. Counting is conservative: the
body as ASCII-escaped JSON, escaped once more inside an HTTP front door's
envelope, plus a reserve for the envelope and its headers.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from .errors import XpresignError
from .request_log import result_fields

#: Every HTTP answer's headers. A presigned URL is a bearer token: no proxy or
#: browser cache may keep a copy.
RESPONSE_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
#: Lambda's limit on a synchronous response (invocation payload), in bytes.
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
#: ALB's limit on a Lambda target's response.
ALB_RESPONSE_LIMIT = 1024 * 1024
#: Room kept for the HTTP envelope: status, headers (CORS, Retry-After...).
ENVELOPE_RESERVE = 4096


class Outcome:
    """An answer before a front door writes it: status, body, headers, and
    the fields of its log line. ``result``, a signed URL, is the body written
    on demand, and its log fields are :func:`~xpresign.request_log.result_fields`."""

    __slots__ = ("_body", "_log", "headers", "result", "status", "text")

    def __init__(
        self,
        status: int,
        body: dict | None,
        headers: dict[str, str] | None = None,
        log: dict | None = None,
        *,
        text: str | None = None,
        result=None,
    ):
        self.status = status
        self._body = body
        self.text = text  # the body, already JSON (identical to json.dumps(body))
        self.result = result
        self.headers = {} if headers is None else headers
        self._log = log

    @property
    def log(self) -> dict:
        if self._log is None:
            self._log = {} if self.result is None else result_fields(self.result)
        return self._log

    @property
    def body(self) -> dict | None:
        """The body as a JSON value (a direct invocation's answer)."""
        if self._body is None:
            if self.result is not None:
                self._body = self.result.to_dict()
            elif self.text is not None:
                self._body = json.loads(self.text)
        return self._body

    def json(self) -> str:
        """The body as JSON text (an HTTP front door's answer)."""
        if self.text is None:
            self.text = (
                self.result.to_json() if self._body is None and self.result is not None else json.dumps(self._body)
            )
        return self.text


def http_answer(outcome: Outcome, cors_headers: dict[str, str]) -> tuple[dict[str, str], str]:
    """``(headers, body)`` of an HTTP answer, the same from every front door:
    the common headers, the outcome's, CORS; a preflight has no body, so no
    content type."""
    headers = {**RESPONSE_HEADERS, **outcome.headers, **cors_headers}
    if outcome.status == 204:
        del headers["Content-Type"]
        return headers, ""
    return headers, outcome.json()


def internal_error(where: str) -> Outcome:
    """A bug, not the caller's mistake: the answer says where the trace is, never shows it."""
    body = {"error": {"code": "InternalError", "message": f"internal error; see the {where}'s logs"}}
    return Outcome(500, body, log={"outcome": "InternalError"})


def error_outcome(error: XpresignError, log: dict | None = None) -> Outcome:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return Outcome(error.status, {"error": error.to_dict()}, headers, {**(log or {}), "outcome": error.code})


class Budget(NamedTuple):
    """How many bytes of JSON body an answer may hold. ``escaped``: the body
    travels as a JSON string inside an envelope, so each ``"`` and ``\\``
    costs one byte more."""

    limit: int | None  # None: no limit but max_batch (a server)
    escaped: bool = True

    def cost(self, fragment: str) -> int:
        """Bytes ``fragment`` (ASCII JSON) adds to the posted response."""
        if self.escaped:
            return len(fragment) + fragment.count('"') + fragment.count("\\")
        return len(fragment)

    @property
    def room(self) -> float:
        return float("inf") if self.limit is None else self.limit - ENVELOPE_RESERVE

    def fits(self, text: str) -> bool:
        """Whether a body of ``text`` (ASCII JSON) can go out through this front door."""
        return self.limit is None or self.cost(text) <= self.room


#: A direct invocation: the runtime posts the returned value as JSON.
DIRECT = Budget(LAMBDA_RESPONSE_LIMIT, escaped=False)
#: Function URL, API Gateway: the body is a string inside the envelope.
HTTP = Budget(LAMBDA_RESPONSE_LIMIT)
ALB = Budget(ALB_RESPONSE_LIMIT)
UNLIMITED = Budget(None, escaped=False)
