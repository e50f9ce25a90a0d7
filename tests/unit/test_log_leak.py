"""No log line carries a presigned URL's secrets (issue 5).

tests/support/log_capture.py records every record the ``xpresign`` loggers emit during
the session (see its docstring for the design); this module runs last (its
conftest hook moves it there) and asserts that none holds X-Amz-Signature,
X-Amz-Security-Token, X-Amz-Credential, a SigV4 Authorization header, or any
secret key, session token or signature seen during the run.

So that it proves something even when run alone, the first test drives the
handler itself, at DEBUG level, in both of Lambda's log formats, through every
fixture, with an assumed role on moto, the existence check, and STS failures.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.support.fake_sts import ACCESS_DENIED, THROTTLING, FakeSts
from tests.support.log_capture import lambda_json, leaks, lines, remember_secret, remember_url_secrets
from xpresign.lambda_handler import build_app

EVENTS = Path(__file__).resolve().parents[1] / "events"


def fixture_events() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EVENTS.glob("*.json"))]


def drive(app, events) -> None:
    for event in events:
        response = app(event, None)
        remember_url_secrets(json.dumps(response))


def remember_event_secrets(events) -> None:
    # What callers send in signed requests (IAM-authorised fixtures): never to be logged either.
    for event in events:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()} if isinstance(event, dict) else {}
        remember_secret(headers.get("x-amz-security-token"))
        remember_url_secrets(headers.get("authorization", ""))


@pytest.fixture(scope="module")
def role_env(two_accounts) -> dict[str, str]:
    return two_accounts.lambda_environment()


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_handler_runs_at_debug_level_leak_nothing(log_format, role_env, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", log_format)
    for name, value in role_env.items():
        monkeypatch.setenv(name, value)  # the capture reads the source credentials from here
    env = {
        **role_env,
        "AWS_LAMBDA_LOG_FORMAT": log_format,
        "XPRESIGN_LOG_LEVEL": "DEBUG",
        "XPRESIGN_CORS_ALLOW_ORIGINS": "https://app.example.com",
    }
    events = fixture_events()
    remember_event_secrets(events)
    first = len(lines())

    app = build_app(env)
    drive(app, events)
    drive(app, [{"key": "movies/lost-reel-1916.mp4", "check": True}, {"key": "private/payroll.csv"},
                {"items": ["movies/metropolis-1927.mp4", "nope/x"], "expires_in": 7200}])  # fmt: skip
    # The assumed role's session: its secret key never appears in a URL, so name it.
    session = app.api.presigner.broker.credentials(app.config.bucket().role)
    remember_secret(session.secret_access_key, session.session_token)
    assert session.session_token not in role_env.values()

    # STS refusing and throttling: the paths that log warnings.
    for reply in (ACCESS_DENIED, THROTTLING):
        with FakeSts() as sts:
            sts.fail_with(reply)
            drive(build_app({**env, "AWS_ENDPOINT_URL_STS": sts.url}), events[:3])

    logging.getLogger("xpresign").debug(
        "sanity check of the capture", extra={"note": "this record is captured and scanned too"}
    )
    mine = lines()[first:]
    assert len(mine) > len(events)  # every request logged, and the capture saw them
    assert any("sanity check of the capture" in line.text for line in mine)
    if log_format == "JSON":
        assert any('"outcome": "ok"' in line.text for line in mine)  # extra fields are scanned as JSON
    assert leaks(mine) == []


def test_the_detector_detects():
    # A line that would leak is reported: the check above can fail.
    url = "https://b/k?X-Amz-Signature=ab"
    record = logging.LogRecord("xpresign.request", logging.INFO, __file__, 1, "url=%s", (url,), None)
    remember_secret("s3cr3t-token-value-for-the-detector")
    record2 = logging.LogRecord("xpresign", logging.INFO, __file__, 1, "request", (), None)
    record2.token = "s3cr3t-token-value-for-the-detector"  # an `extra` field, as in JSON logs
    from tests.support.log_capture import CapturedLine

    found = leaks(
        [CapturedLine("t", r.name, "\n".join([r.getMessage(), json.dumps(lambda_json(r))])) for r in (record, record2)]
    )
    assert len(found) == 2
    assert "X-Amz-Signature" in found[0] and "a secret of" in found[1]
    assert "s3cr3t-token-value" not in "".join(found)  # the report does not repeat the secret


def test_no_log_line_of_the_whole_session_leaks():
    """Runs last: every record every test made the handler emit."""
    captured = lines()
    assert captured, "no xpresign log record was captured: is tests/support/log_capture.py's handler installed?"
    problems = leaks(captured)
    assert problems == [], "\n".join(problems[:20])
