"""Hardening against real servers on loopback: what STS says stays in the log
(masked), redirects are never followed, deadlines bound every call, and an
existence check that fails fails only its own item (issue 10, items 6, 8, 9, 14)."""

from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace

import pytest

from tests.integration.test_faults import (
    REGION,
    ROLE,
    ROLE_ARN,
    SOURCE,
    call,
    function_url_get,
    function_url_post,
    lambda_environment,
)
from tests.support import fake_sts, raw_http
from tests.support.fake_sts import FakeSts
from tests.support.raw_http import RawHttpServer
from xpresign.errors import RoleNotAssumable, UpstreamError
from xpresign.lambda_handler import DEADLINE_MARGIN_SECONDS, build_app
from xpresign.sts import REFUSED_MESSAGE, StsClient


@pytest.fixture
def sts():
    with FakeSts(region=REGION, secrets={SOURCE.access_key_id: SOURCE.secret_access_key}) as fake:
        yield fake


def context(seconds: float) -> SimpleNamespace:
    """A Lambda context with ``seconds`` left, as the runtime gives one."""
    deadline = time.monotonic() + seconds
    return SimpleNamespace(
        aws_request_id="req-1", get_remaining_time_in_millis=lambda: int((deadline - time.monotonic()) * 1000)
    )


# --- 8: STS's words stay in the log, masked --------------------------------------------------------

SECRET_RUN = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYandMore+/="
#: A session token as STS issues them: ~900 characters of base64.
ECHOED_TOKEN = "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + "Ab3+" * 210


def test_sts_text_reaches_the_log_masked_and_bounded_never_the_caller(sts, caplog):
    message = f"User AKIAIOSFODNN7EXAMPLE ASIAQEXAMPLE0000001 echoed {SECRET_RUN} {ECHOED_TOKEN} " + "z" * 5000
    sts.fail_with(fake_sts.error(403, "AccessDenied", message))
    with caplog.at_level(logging.WARNING, logger="xpresign"):
        status, _, body = call(build_app(lambda_environment(sts)), function_url_get(key="movies/a.mp4"))
    assert (status, body["error"]) == (403, {"code": "RoleNotAssumable", "message": REFUSED_MESSAGE})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "xpresign.sts"]
    assert "AccessDenied" in line
    for secret in ("AKIAIOSFODNN7EXAMPLE", "ASIAQEXAMPLE0000001", SECRET_RUN, ECHOED_TOKEN[:40]):
        assert secret not in line
    assert "***" in line and len(line) < 256 + len(ROLE_ARN) + 100


def test_a_huge_sts_answer_is_not_read_whole(sts):
    sts.fail_with(fake_sts.raw(400, b"<ErrorResponse>" + b"x" * 5_000_000 + b"</ErrorResponse>"))
    status, _, body = call(build_app(lambda_environment(sts)), function_url_get(key="movies/a.mp4"))
    assert status in (502, 503) and len(json.dumps(body)) < 300


# --- 9: redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_from_sts_is_an_upstream_error_not_followed(sts, status):
    sts.fail_with(fake_sts.raw(status, b""))
    with pytest.raises(UpstreamError, match="redirect"):
        StsClient(REGION, sts.url).assume_role(ROLE, SOURCE)
    assert sts.count == 1  # neither followed nor retried


# --- 14: the invocation's deadline bounds STS ------------------------------------------------------


@pytest.mark.parametrize("seconds", [1.5, 3.0])
def test_a_hanging_sts_is_answered_503_before_the_deadline(sts, seconds):
    sts.fail_with(fake_sts.hang(30))
    app = build_app(lambda_environment(sts))
    started = time.monotonic()
    response = app(function_url_get(key="movies/a.mp4"), context(seconds))
    elapsed = time.monotonic() - started
    assert elapsed < seconds - DEADLINE_MARGIN_SECONDS + 0.3, elapsed
    assert response["statusCode"] == 503 and "Retry-After" in response["headers"]


def test_a_batch_over_two_roles_stays_within_one_deadline(sts):
    """Two roles used to cost two full rounds of retries (~18 s)."""
    document = {
        "buckets": {
            "a": {"bucket": "bucket-a", "role_arn": ROLE_ARN},
            "b": {"bucket": "bucket-b", "role_arn": ROLE_ARN.replace("s3_access_role", "other_role")},
        }
    }
    env = lambda_environment(sts, XPRESIGN_CONFIG=json.dumps(document))
    del env["XPRESIGN_BUCKET"], env["XPRESIGN_ROLE_ARN"]
    sts.fail_with(fake_sts.hang(30))
    started = time.monotonic()
    response = build_app(env)(
        function_url_post({"items": [{"bucket": "a", "key": "k1"}, {"bucket": "b", "key": "k2"}]}), context(2.0)
    )
    assert time.monotonic() - started < 2.0
    body = json.loads(response["body"])
    assert response["statusCode"] == 503 and body["error"]["code"] == "ServiceUnavailable"  # nothing was signed


# --- 6: the existence check --------------------------------------------------------------------------


@pytest.fixture
def bad_s3():
    answers = {
        "ok": raw_http.OK,
        "status": raw_http.BAD_STATUS_LINE,
        "headers": raw_http.TOO_MANY_HEADERS,
        "hang": 30,
        "failing": b"HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n",
    }
    with RawHttpServer(answers) as server:
        yield server


def test_an_unreadable_check_answer_fails_only_its_item(sts, bad_s3):
    app = build_app(lambda_environment(sts, AWS_ENDPOINT_URL_S3=bad_s3.url))
    items = [{"key": "ok"}, {"key": "status"}, {"key": "headers"}]
    status, _, body = call(app, function_url_post({"items": items, "check": True}))
    assert status == 200
    results = body["results"]
    assert "url" in results[0]
    assert [r["error"]["code"] for r in results[1:]] == ["UpstreamError", "UpstreamError"]
    assert all(r["key"] == item["key"] for r, item in zip(results, items, strict=True))


def test_a_check_that_runs_out_of_time_is_503_never_an_unchecked_url(sts, bad_s3):
    app = build_app(lambda_environment(sts, AWS_ENDPOINT_URL_S3=bad_s3.url))
    started = time.monotonic()
    response = app(function_url_post({"items": [{"key": "ok"}, {"key": "hang"}], "check": True}), context(2.0))
    assert time.monotonic() - started < 2.0
    ok, late = json.loads(response["body"])["results"]
    assert "url" in ok
    assert late["error"]["code"] == "ServiceUnavailable" and late["error"]["retry_after"] >= 1
    assert "url" not in late


def test_a_single_check_with_an_unreadable_answer_is_502(sts, bad_s3):
    app = build_app(lambda_environment(sts, AWS_ENDPOINT_URL_S3=bad_s3.url))
    status, _, body = call(app, function_url_get(key="status", check="true"))
    assert (status, body["error"]["code"]) == (502, "UpstreamError")


def test_a_check_s3_does_not_answer_or_fails_is_503_with_retry_after(sts, bad_s3):
    """Refused, unreachable, 5xx or throttled: S3 may answer later, unlike
    an answer that could not be read (502)."""
    app = build_app(lambda_environment(sts, AWS_ENDPOINT_URL_S3=bad_s3.url))
    status, headers, body = call(app, function_url_get(key="failing", check="true"))
    assert (status, body["error"]["code"]) == (503, "ServiceUnavailable") and headers["Retry-After"]
    closed = build_app(lambda_environment(sts, AWS_ENDPOINT_URL_S3="http://127.0.0.1:9"))
    status, headers, body = call(closed, function_url_get(key="ok", check="true"))
    assert (status, body["error"]["code"]) == (503, "ServiceUnavailable") and headers["Retry-After"]


def test_the_role_refusal_is_logged_once_per_batch_bucket(sts, caplog):
    """A batch asks STS once per bucket, however many of its items are refused."""
    sts.fail_with(fake_sts.ACCESS_DENIED)
    app = build_app(lambda_environment(sts))
    status, _, body = call(app, function_url_post({"items": [f"movies/{i}" for i in range(50)]}))
    assert status == 200 and sts.count == 1
    assert {r["error"]["code"] for r in body["results"]} == {"RoleNotAssumable"}
    assert RoleNotAssumable.code == "RoleNotAssumable"
