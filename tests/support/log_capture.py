"""Every log record xpresign emits during a test session, kept for the log-leak test.

A presigned URL is a bearer token, so no log line may carry one, nor any part
that would let someone rebuild or replay one: a signature, a session token, a
secret key, or the credential scope. ``tests/unit/test_log_leak.py`` asserts
that over everything gathered here.

Design:

* A ``logging.Handler`` is attached to the ``xpresign`` logger (level DEBUG, so
  the handler itself drops nothing) when this module is first imported.
  ``tests/unit/conftest.py`` imports it, and pytest imports conftest files while
  collecting, before any test runs: every handler run of the session, in any
  test directory, is captured.
* Each record is rendered the way Lambda would write it in both of its log
  formats: the text message, and the JSON document built from the record's
  attributes (awslambdaric's ``JsonFormatter`` copies every non-reserved
  attribute, i.e. every ``extra`` field, to a top-level key), plus any
  exception or stack text. A leak in either format is caught.
* Secrets are collected while the tests run: the source credentials in the
  environment at the moment each record is emitted (so every test's
  ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN`` counts without the test doing
  anything), plus whatever tests pass to :func:`remember_secret` (assumed-role
  session tokens and secret keys, signatures seen in returned URLs).
* :func:`pytest_collection_modifyitems` moves the session-wide check to the end
  of the run, so it sees every record of the session.
* Each line is tagged with the test that was running (``PYTEST_CURRENT_TEST``),
  so a leak report names its culprit.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import traceback
from dataclasses import dataclass
from urllib.parse import quote

import pytest

LOGGER_NAME = "xpresign"
#: Test module whose tests must run after every other test of the session.
LEAK_TEST_MODULE = "test_log_leak.py"
#: Names that only appear in a presigned URL or a SigV4 header.
FORBIDDEN_MARKERS = ("X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential", "AWS4-HMAC-SHA256 Credential=")
#: Shorter values are not secrets worth matching (and would match by chance).
MIN_SECRET_LENGTH = 8
_ENV_SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_SIGNATURE = re.compile(r"(?:X-Amz-Signature=|Signature=)([0-9a-f]{64})")
_TOKEN = re.compile(r"X-Amz-Security-Token=([^&\s\"']+)")

# awslambdaric's reserved LogRecord attributes: everything else goes to the JSON document.
_RESERVED = frozenset(
    {
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
        "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
        "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CapturedLine:
    test: str  # the node id of the test that was running
    logger: str
    text: str  # the message, the JSON rendering and any exception text


def lambda_json(record: logging.LogRecord) -> dict:
    """The document Lambda's JSON log format writes for ``record`` (as awslambdaric builds it)."""
    document = {
        "level": record.levelname,
        "message": record.getMessage(),
        "logger": record.name,
        "requestId": getattr(record, "aws_request_id", None),
    }
    document.update((k, v) for k, v in record.__dict__.items() if k not in _RESERVED and k not in document)
    return {k: v for k, v in document.items() if v is not None}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[CapturedLine] = []
        self.secrets: set[str] = set()
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage(), json.dumps(lambda_json(record), default=str, ensure_ascii=False)]
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.stack_info:
            parts.append(record.stack_info)
        test = os.environ.get("PYTEST_CURRENT_TEST", "(outside a test)").rsplit(" ", 1)[0]
        line = CapturedLine(test, record.name, "\n".join(parts))
        env_secrets = [os.environ.get(name) for name in _ENV_SECRETS]
        with self._guard:
            self.lines.append(line)
            for value in env_secrets:
                _add_secret(self.secrets, value)


def _add_secret(secrets: set[str], value: object) -> None:
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        secrets.add(value)
        secrets.add(quote(value, safe=""))  # as it appears inside a URL


CAPTURE = _Capture()


def install() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if CAPTURE not in logger.handlers:
        logger.addHandler(CAPTURE)


install()


def remember_secret(*values: object) -> None:
    """Count ``values`` as secrets that no log line may contain."""
    with CAPTURE._guard:
        for value in values:
            _add_secret(CAPTURE.secrets, value)


def remember_url_secrets(text: str) -> None:
    """Count the signatures and session tokens found in ``text`` (URLs, headers) as secrets."""
    from urllib.parse import unquote

    remember_secret(*_SIGNATURE.findall(text))
    remember_secret(*(unquote(token) for token in _TOKEN.findall(text)))


def lines() -> list[CapturedLine]:
    with CAPTURE._guard:
        return list(CAPTURE.lines)


def leaks(captured: list[CapturedLine] | None = None) -> list[str]:
    """One description per captured line that holds a forbidden marker or a
    known secret (the secret itself is not repeated in the description)."""
    with CAPTURE._guard:
        secrets = sorted(CAPTURE.secrets, key=len, reverse=True)
    found = []
    for line in lines() if captured is None else captured:
        lowered = line.text.lower()
        what = [marker for marker in FORBIDDEN_MARKERS if marker.lower() in lowered]
        what += [f"a secret of {len(s)} characters starting {s[:4]!r}" for s in secrets if s in line.text]
        if what:
            found.append(f"{line.test} [{line.logger}]: {', '.join(what)}")
    return found


# --- pytest hook (registered by tests/unit/conftest.py) ------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the leak test module last, after every handler run of the session."""
    last = [item for item in items if item.path.name == LEAK_TEST_MODULE]
    if last:
        items[:] = [item for item in items if item.path.name != LEAK_TEST_MODULE] + last
