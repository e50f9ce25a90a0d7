"""The Lambda function under AWS's own runtime client (awslambdaric), against
the loopback Runtime API of tests/support/lambda_runtime.py.

Two kinds of test: the real zip that ``xpresign build-lambda`` writes, run
the way Lambda runs it; and a small probe function, written here, that proves
the harness itself enforces what it claims (the 6 MB limit, the deadline, the
freeze, SnapStart's order), so that a pass with xpresign means something.
"""

from __future__ import annotations

import json
import signal
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.lambda_runtime import (
    ERROR,
    INIT_ERROR,
    MAX_RESPONSE_BYTES,
    SUCCESS,
    TIMEOUT,
    TOO_LARGE,
    LambdaRuntime,
    thread_states,
)

pytest.importorskip("awslambdaric", reason="awslambdaric (a dev dependency) is not installed")

EVENTS = Path(__file__).resolve().parents[1] / "events"
THIS_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
PROBE_HANDLER = "probe_function.handler"
#: Environment credentials: a URL signed with them needs no network, no role.
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token-that-must-never-be-printed"
DIRECT_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_SESSION_TOKEN": SESSION_TOKEN,
    "XPRESIGN_BUCKET": "classic-movies",
}
#: How long the freeze test keeps the runtime frozen (and, as a control, idle).
PAUSE_SECONDS = 0.8

# A function that does on request what the harness must observe. It registers
# SnapStart hooks the way a function would, through snapshot_restore_py.
PROBE_SOURCE = """
import os
import threading
import time
import urllib.request

from snapshot_restore_py import register_after_restore, register_before_snapshot

HOOKS = []
TICKS = {"count": 0, "last": None, "max_gap": 0.0}


@register_before_snapshot
def registered_first_before():
    HOOKS.append(["before-1", time.time()])


@register_before_snapshot
def registered_second_before():
    HOOKS.append(["before-2", time.time()])
    if os.environ.get("PROBE_FAIL") == "before-snapshot":
        raise RuntimeError("before-snapshot hook failed")


@register_after_restore
def registered_first_after():
    HOOKS.append(["after-1", time.time()])
    if os.environ.get("PROBE_FAIL") == "after-restore":
        raise RuntimeError("after-restore hook failed")


@register_after_restore
def registered_second_after():
    HOOKS.append(["after-2", time.time()])


def tick():
    while True:
        now = time.monotonic()
        if TICKS["last"] is not None:
            TICKS["max_gap"] = max(TICKS["max_gap"], now - TICKS["last"])
        TICKS["last"] = now
        TICKS["count"] += 1
        time.sleep(0.005)


def ticker_report():
    report = {"max_gap": TICKS["max_gap"], "count": TICKS["count"]}
    TICKS["max_gap"] = 0.0
    return report


def handler(event, context):
    action = event["action"]
    if action == "context":
        return {
            "request_id": context.aws_request_id,
            "function_arn": context.invoked_function_arn,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        }
    if action == "sleep":
        time.sleep(event["seconds"])
        return "slept"
    if action == "bytes":
        return "x" * event["length"]  # a JSON string: two quotes more
    if action == "text":
        return {"text": event["text"]}
    if action == "raise":
        raise ValueError(event["message"])
    if action == "start-ticker":
        threading.Thread(target=tick, daemon=True).start()
        return "started"
    if action == "ticker":
        return ticker_report()
    if action == "hooks":
        return HOOKS
    raise KeyError(action)
"""


@pytest.fixture(scope="module")
def probe_package(tmp_path_factory) -> Path:
    package = tmp_path_factory.mktemp("probe")
    (package / "probe_function.py").write_text(textwrap.dedent(PROBE_SOURCE))
    return package


def probe(package: Path, **options) -> LambdaRuntime:
    return LambdaRuntime(package, handler=PROBE_HANDLER, **options)


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# --- xpresign's zip through the real runtime client ------------------------------------


@pytest.mark.slow
def test_the_built_zip_serves_the_two_account_flow(lambda_zip, lambda_env):
    """Direct invoke and a Function URL GET, through awslambdaric, with the role
    assumed on moto's STS; and a freeze between them changes nothing."""
    with LambdaRuntime(lambda_zip, env=lambda_env) as runtime:
        direct = runtime.invoke(load_event("direct_invoke.json"), freeze_after=True, frozen_for=0.2)
        http = runtime.invoke(load_event("function_url_get_query.json"))
    assert runtime.paths()[0] == "GET /invocation/next"  # init went through, no init/error

    answer = direct.json()
    assert answer["key"] == "movies/metropolis-1927.mp4"
    with urllib.request.urlopen(answer["url"], timeout=10) as download:
        assert download.status == 200
    signed = query(answer["url"])
    # Signed with the role's session from AssumeRole, not the function's own keys.
    assert not signed["X-Amz-Credential"].startswith(lambda_env["AWS_ACCESS_KEY_ID"])
    assert signed["X-Amz-Security-Token"] != lambda_env["AWS_SESSION_TOKEN"]

    envelope = http.json()
    assert envelope["statusCode"] == 200
    assert envelope["headers"]["Cache-Control"] == "no-store"
    assert json.loads(envelope["body"])["key"] == "movies/the general+1926~restored.mp4"


@pytest.mark.parametrize(
    ("setting", "value"),
    [("XPRESIGN_MAX_EXPIRES", "2h"), ("XPRESIGN_ROLE_ARN", "not-a-role-arn")],
)
def test_a_bad_configuration_fails_init_naming_the_setting(lambda_zip, setting, value):
    """Lambda's init/error gets the setting's name; no credential reaches it or the log."""
    with LambdaRuntime(lambda_zip, env={**DIRECT_ENV, setting: value}) as runtime:
        reported = runtime.init_error
        caller = runtime.invoke({"key": "movies/a.mp4"})
        log = runtime.log()
    assert reported is not None, runtime.log_tail()
    assert runtime.paths() == ["POST /init/error"]  # it never asked for an event
    assert runtime.exit_code == 1
    assert setting in reported.message
    assert caller.status == INIT_ERROR and caller.error == reported.payload
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in json.dumps(reported.payload)
        assert secret not in log


def test_a_batch_too_big_for_lambda_gets_an_answer_that_fits(lambda_zip):
    """2,000 long keys under XPRESIGN_MAX_BATCH=10000 would be about 9 MB, which
    Lambda refuses (the caller would get Function.ResponseSizeTooLarge). The
    function answers 413 ResponseTooLarge instead, saying how many fit, and
    the runtime lives on to serve the next request."""
    items = [f"movies/{'!' * 1000}{index}" for index in range(2000)]  # about 2 MB in
    with LambdaRuntime(lambda_zip, env={**DIRECT_ENV, "XPRESIGN_MAX_BATCH": "10000"}) as runtime:
        result = runtime.invoke({"items": items}, timeout_ms=20_000)
        after = runtime.invoke({"items": items[:100]}, timeout_ms=20_000)
    assert result.status == SUCCESS, f"{result.status}: {result.error}"
    assert result.size <= MAX_RESPONSE_BYTES
    error = result.json()["error"]
    assert error["code"] == "ResponseTooLarge"
    fit = int(error["message"].split()[2])  # "at most N of 2000 items fit ..."
    assert 0 < fit < 2000 and f"of {len(items)} items" in error["message"]
    # The count is honest: that many items do fit.
    assert after.status == SUCCESS and len(after.json()["results"]) == 100


def test_the_built_zip_under_snap_start(lambda_zip):
    """awslambdaric takes the SnapStart path with the real package: restore/next,
    then events, and the function still signs after the restore."""
    with LambdaRuntime(lambda_zip, env=DIRECT_ENV, snap_start=True) as runtime:
        result = runtime.invoke({"key": "movies/a.mp4"})
    answered = f"POST /invocation/{result.request_id}/response"
    assert runtime.paths()[:3] == ["GET /restore/next", "GET /invocation/next", answered]
    assert query(result.json()["url"])["X-Amz-Credential"].startswith(ACCESS_KEY)


# --- the harness enforces what Lambda enforces -----------------------------------------


def test_responses_over_6_mb_are_refused_as_lambda_refuses_them(probe_package):
    """Exactly 6,291,456 bytes go through; one more is a 413 for the runtime, an
    error for the caller, and awslambdaric's process exits on it."""
    with probe(probe_package) as runtime:
        at_limit = runtime.invoke({"action": "bytes", "length": MAX_RESPONSE_BYTES - 2}, timeout_ms=10_000)
        over = runtime.invoke({"action": "bytes", "length": MAX_RESPONSE_BYTES - 1}, timeout_ms=10_000)
        runtime.process.wait(5)
        log = runtime.log()
    assert at_limit.status == SUCCESS and at_limit.size == MAX_RESPONSE_BYTES
    assert over.status == TOO_LARGE and over.size == MAX_RESPONSE_BYTES + 1
    assert over.error["errorType"] == "Function.ResponseSizeTooLarge"
    assert f"({MAX_RESPONSE_BYTES + 1} bytes)" in over.error["errorMessage"]
    assert "Http response code: 413" in log and "RequestEntityTooLarge" in log
    assert runtime.exit_code != 0


def test_the_deadline_header_drives_the_remaining_time(probe_package):
    with probe(probe_package) as runtime:
        result = runtime.invoke({"action": "context"}, timeout_ms=5000)
    seen = result.json()
    assert 4000 < seen["remaining_ms"] <= 5000
    assert seen["request_id"] == result.request_id
    assert seen["function_arn"].startswith("arn:aws:lambda:us-east-1:")
    assert seen["trace_id"].startswith("Root=1-")


def test_a_function_past_its_deadline_is_timed_out_and_killed(probe_package):
    started = time.monotonic()
    with probe(probe_package) as runtime:
        result = runtime.invoke({"action": "sleep", "seconds": 10}, timeout_ms=300)
        exit_code = runtime.exit_code
    assert time.monotonic() - started < 5
    assert result.status == TIMEOUT
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 0.30 seconds" in result.error["errorMessage"]
    assert exit_code == -signal.SIGKILL


def test_a_raised_exception_reaches_invocation_error_and_the_runtime_goes_on(probe_package):
    with probe(probe_package) as runtime:
        failed = runtime.invoke({"action": "raise", "message": "probe failure"})
        after = runtime.invoke({"action": "text", "text": "still here"})
    assert failed.status == ERROR
    assert failed.error["errorType"] == "ValueError"
    assert failed.error["errorMessage"] == "probe failure"
    assert f"POST /invocation/{failed.request_id}/error" in runtime.paths()
    assert after.json() == {"text": "still here"}


@pytest.mark.slow
def test_the_freeze_really_suspends_every_thread(probe_package):
    """A background thread ticking every 5 ms: idle but unfrozen, its longest
    gap stays short; frozen for PAUSE_SECONDS, it cannot tick at all."""
    with probe(probe_package) as runtime:
        runtime.invoke({"action": "start-ticker"})
        runtime.invoke({"action": "ticker"})  # resets the longest gap
        time.sleep(PAUSE_SECONDS)  # the control: idle, not frozen
        idle = runtime.invoke({"action": "ticker"}, freeze_after=True).json()
        frozen_states = thread_states(runtime.pid)
        time.sleep(PAUSE_SECONDS)
        frozen = runtime.invoke({"action": "ticker"}).json()
    assert len(frozen_states) >= 2 and set(frozen_states.values()) <= {"T", "t"}, frozen_states
    assert idle["max_gap"] < PAUSE_SECONDS / 2, idle
    assert frozen["max_gap"] >= PAUSE_SECONDS, frozen


@pytest.mark.parametrize(
    ("execution_env", "escaped"),
    [("AWS_Lambda_python3.11", True), ("AWS_Lambda_python3.13", False)],
)
def test_awslambdaric_escapes_non_ascii_only_before_python_3_12(probe_package, execution_env, escaped):
    """The size of one answer depends on the runtime: \\u00e9 is 6 bytes, é in UTF-8 is 2."""
    text = "é" * 1000
    with probe(probe_package, env={"AWS_EXECUTION_ENV": execution_env}) as runtime:
        result = runtime.invoke({"action": "text", "text": text})
    assert result.json() == {"text": text}
    envelope = len('{"text": ""}')
    assert result.size == envelope + (6 if escaped else 2) * len(text)


# --- SnapStart, as awslambdaric implements it ------------------------------------------


def test_snap_start_runs_the_hooks_around_restore_next(probe_package):
    """Before-snapshot hooks newest first, then restore/next (held while the
    snapshot is frozen), then after-restore hooks in order, then events."""
    with probe(probe_package, snap_start=True, snapshot_frozen_for=0.3) as runtime:
        hooks = runtime.invoke({"action": "hooks"}).json()
        restore_call = runtime.calls[0]
        restored_at = runtime.server.restored_at
    assert runtime.paths()[:2] == ["GET /restore/next", "GET /invocation/next"]
    assert [name for name, _ in hooks] == ["before-2", "before-1", "after-1", "after-2"]
    times = dict(hooks)
    assert times["before-1"] <= restore_call.at
    assert restored_at - restore_call.at >= 0.3
    assert restored_at <= times["after-1"]


@pytest.mark.parametrize(
    ("failure", "endpoint", "error_type", "exit_code"),
    [
        ("before-snapshot", "init", "Runtime.BeforeSnapshotError", 64),
        ("after-restore", "restore", "Runtime.AfterRestoreError", 65),
    ],
)
def test_snap_start_hook_failures_are_reported(probe_package, failure, endpoint, error_type, exit_code):
    with probe(probe_package, snap_start=True, env={"PROBE_FAIL": failure}) as runtime:
        reported = runtime.init_error if endpoint == "init" else runtime.restore_error
        caller = runtime.invoke({"action": "hooks"})
    assert reported is not None, runtime.log_tail()
    assert reported.error_type == error_type
    assert f"{failure} hook failed" in reported.message
    assert f"POST /{endpoint}/error" in runtime.paths()
    assert runtime.exit_code == exit_code
    assert caller.status == INIT_ERROR
