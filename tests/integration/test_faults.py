"""STS faults, injected at the HTTP level, from the STS client up to the API.

Every test talks to a real HTTP server on loopback (tests/support/fake_sts.py)
that speaks AssumeRole, verifies each request's SigV4 signature with botocore,
and can be told to throttle, fail with 5xx, hang, drop or truncate its answer,
refuse the role, or refuse DurationSeconds over an hour (role chaining).

The client's retries are observed through injected ``sleep`` and ``jitter``;
the API tests build the Lambda app exactly as Lambda does
(``build_app(environment)``) and call it with direct and Function URL events.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

import xpresign.sts
import xpresign.wiring
from tests.support import fake_sts
from tests.support.fake_sts import FakeSts, ManualClock, signer_of, watch_for_leaks
from xpresign import lambda_handler
from xpresign.credentials import EXPIRY_SAFETY_MARGIN_SECONDS, MANDATORY_REFRESH_SECONDS, Credentials, RoleSpec
from xpresign.errors import RoleNotAssumable, StsThrottled, StsUnavailable, UpstreamError
from xpresign.sts import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    MAX_ATTEMPTS,
    RETRY_AFTER_SECONDS,
    ROLE_CHAINING_MAX_SECONDS,
    StsClient,
    default_endpoint,
)

T0 = 1_800_000_000  # 2027-01-15T08:00:00Z
REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::111111111111:role/s3_access_role"
SOURCE = Credentials("ASIALAMBDAROLE000001", "lambda-role-secret", "lambda-role-session-token")
ROLE = RoleSpec(ROLE_ARN, session_name="xpresign-test")
KEY = "movies/metropolis-1927.mp4"
SOURCE_SECRETS = (SOURCE.secret_access_key, SOURCE.session_token)
#: Per-attempt timeout for the hang tests: far below the fake's hang.
SHORT_TIMEOUT = 0.2
HANG_SECONDS = 3.0


def backoff_bound(attempt: int) -> float:
    """The documented full-jitter ceiling before retry number ``attempt``."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)


#: The longest a client with SHORT_TIMEOUT can take against a hanging STS,
#: with room for a loaded machine; a client waiting out the hang takes longer.
HANG_BUDGET = MAX_ATTEMPTS * SHORT_TIMEOUT + sum(backoff_bound(a) for a in range(1, MAX_ATTEMPTS)) + 1.0
assert HANG_BUDGET < HANG_SECONDS


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def sts(clock):
    """A fake STS on the test's clock that knows the source keys (so it
    verifies each signature) and enforces the one-hour role-chaining cap."""
    with FakeSts(region=REGION, clock=clock, secrets={SOURCE.access_key_id: SOURCE.secret_access_key}) as fake:
        yield fake
        watch_for_leaks(fake, *SOURCE_SECRETS)


def client(sts: FakeSts, clock, **options) -> StsClient:
    options.setdefault("sleep", RecordingSleep())
    return StsClient(REGION, sts.url, clock=clock, **options)


# --- the STS client: what it sends ----------------------------------------------------


def test_assume_role_sends_every_session_option_signed(sts, clock):
    role = RoleSpec(
        ROLE_ARN,
        session_name="presigner-fn",
        duration_seconds=1800,
        external_id="b7f3c1d2-partner",
        source_identity="alice@example.com",
        tags=(("team", "media"), ("cost centre", "a=b&c")),
    )
    credentials = client(sts, clock).assume_role(role, SOURCE)

    (request,) = sts.requests
    assert request.problems == ()
    assert request.signature_checked  # botocore recomputed the signature and agreed
    assert request.scope == f"20270115/{REGION}/sts/aws4_request"
    assert request.access_key_id == SOURCE.access_key_id
    assert request.headers["x-amz-security-token"] == SOURCE.session_token
    assert {"host", "x-amz-date", "x-amz-security-token"} <= set(request.signed_headers)
    assert request.params["RoleArn"] == ROLE_ARN
    assert request.params["RoleSessionName"] == "presigner-fn"
    assert request.duration_seconds == 1800
    assert request.params["ExternalId"] == "b7f3c1d2-partner"
    assert request.params["SourceIdentity"] == "alice@example.com"
    assert request.tags == [("team", "media"), ("cost centre", "a=b&c")]

    (issued,) = sts.issued
    assert credentials.access_key_id == issued.access_key_id
    assert credentials.secret_access_key == issued.secret_access_key
    assert credentials.session_token == issued.session_token
    assert credentials.expires_at == T0 + 1800


def test_assume_role_omits_options_not_asked_for(sts, clock):
    client(sts, clock).assume_role(RoleSpec(ROLE_ARN), SOURCE)
    (request,) = sts.requests
    assert set(request.params) == {"Action", "Version", "RoleArn", "RoleSessionName", "DurationSeconds"}
    assert request.duration_seconds == ROLE_CHAINING_MAX_SECONDS  # the default: a chained session's maximum


def test_long_term_source_keys_send_no_token(clock):
    keys = Credentials("AKIALONGTERM00000001", "long-term-secret")
    fake = FakeSts(region=REGION, clock=clock, secrets={keys.access_key_id: keys.secret_access_key})
    with fake:
        client(fake, clock).assume_role(ROLE, keys)
    (request,) = fake.requests
    assert request.signature_checked and request.problems == ()
    assert "x-amz-security-token" not in request.headers


def test_a_wrong_secret_is_refused_by_sts_not_retried(sts, clock):
    wrong = Credentials(SOURCE.access_key_id, "not-the-secret", SOURCE.session_token)
    with pytest.raises(RoleNotAssumable) as raised:
        client(sts, clock).assume_role(ROLE, wrong)
    assert raised.value.sts_code == "SignatureDoesNotMatch"
    assert sts.count == 1


def test_a_signature_for_another_region_is_refused(sts, clock):
    """The fake checks the credential scope as STS does: this proves the
    client's scope names the endpoint's region (a regional endpoint)."""
    with pytest.raises(RoleNotAssumable) as raised:
        StsClient("eu-west-1", sts.url, clock=clock, sleep=RecordingSleep()).assume_role(ROLE, SOURCE)
    assert raised.value.sts_code == "SignatureDoesNotMatch"
    assert "region eu-west-1" in sts.requests[0].problems[0]


def test_the_client_signs_with_its_own_clock(sts, clock, caplog):
    """X-Amz-Date comes from the injected clock: ten minutes off, STS refuses
    (its message reaches the log, not the caller)."""
    skewed = ManualClock(clock() + 600)
    with caplog.at_level(logging.WARNING, logger="xpresign.sts"), pytest.raises(RoleNotAssumable) as raised:
        StsClient(REGION, sts.url, clock=skewed, sleep=RecordingSleep()).assume_role(ROLE, SOURCE)
    assert "Signature expired" in caplog.text and "Signature expired" not in raised.value.message


def test_an_unsigned_request_is_refused():
    with FakeSts(region=REGION) as fake:
        request = urllib.request.Request(
            fake.url + "/",
            data=b"Action=AssumeRole&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=5)
        with raised.value as response:
            assert response.code == 403 and b"<Code>MissingAuthenticationToken</Code>" in response.read()
    (seen,) = fake.requests
    assert "no Authorization header" in seen.problems[0]


def test_the_default_endpoint_is_regional():
    assert default_endpoint("eu-west-1") == "https://sts.eu-west-1.amazonaws.com"
    assert default_endpoint("cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn"
    assert StsClient("ap-southeast-2").endpoint_url == "https://sts.ap-southeast-2.amazonaws.com/"


# --- the STS client: retries, backoff, timeouts ---------------------------------------------


def test_throttling_is_retried_with_jittered_backoff_then_reported(sts, clock):
    sts.fail_with(fake_sts.THROTTLING)
    sleep = RecordingSleep()
    with pytest.raises(StsThrottled) as raised:
        client(sts, clock, sleep=sleep, jitter=lambda: 0.5).assume_role(ROLE, SOURCE)
    assert sts.count == MAX_ATTEMPTS
    # No sleep before the first attempt or after the last; each is the jitter
    # fraction (here a half) of the exponential ceiling.
    assert sleep.calls == pytest.approx([0.5 * backoff_bound(attempt) for attempt in range(1, MAX_ATTEMPTS)])
    error = raised.value
    assert (error.status, error.code, error.retry_after) == (429, "Throttled", RETRY_AFTER_SECONDS)
    assert error.message == "STS is throttling requests"  # STS's own words stay in the log


def test_backoff_never_exceeds_its_cap(sts, clock):
    attempts = 9  # enough for the exponential to pass the cap
    sts.fail_with(fake_sts.SERVICE_UNAVAILABLE)
    sleep = RecordingSleep()
    with pytest.raises(StsUnavailable):
        client(sts, clock, sleep=sleep, jitter=lambda: 1.0, max_attempts=attempts).assume_role(ROLE, SOURCE)
    assert sts.count == attempts
    assert len(sleep.calls) == attempts - 1
    assert max(sleep.calls) == BACKOFF_CAP_SECONDS
    assert sleep.calls == sorted(sleep.calls)  # grows, then stays at the cap
    assert sleep.calls[0] == 2 * BACKOFF_BASE_SECONDS


def test_default_jitter_is_random_within_the_bound(sts, clock):
    sts.fail_with(fake_sts.THROTTLING)
    sleep = RecordingSleep()
    for _ in range(4):
        with pytest.raises(StsThrottled):
            client(sts, clock, sleep=sleep).assume_role(ROLE, SOURCE)
    bounds = [backoff_bound(attempt) for attempt in range(1, MAX_ATTEMPTS)] * 4
    assert all(0 <= slept <= bound for slept, bound in zip(sleep.calls, bounds, strict=True))
    assert len(set(sleep.calls)) == len(sleep.calls)  # full jitter: no two callers in step


@pytest.mark.parametrize(
    "fault",
    [
        fake_sts.THROTTLING,
        fake_sts.INTERNAL_FAILURE,
        fake_sts.SERVICE_UNAVAILABLE,
        fake_sts.DROP,
        fake_sts.raw(429, b""),
    ],
    ids=["throttling", "500", "503", "dropped-connection", "bare-429"],
)
def test_transient_faults_are_retried_until_sts_answers(sts, clock, fault):
    sts.script(*[fault] * (MAX_ATTEMPTS - 1))  # the last attempt succeeds
    sleep = RecordingSleep()
    credentials = client(sts, clock, sleep=sleep).assume_role(ROLE, SOURCE)
    assert sts.count == MAX_ATTEMPTS
    assert len(sleep.calls) == MAX_ATTEMPTS - 1
    assert credentials.access_key_id == sts.issued[0].access_key_id


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (fake_sts.INTERNAL_FAILURE, "STS failed with HTTP 500"),
        (fake_sts.SERVICE_UNAVAILABLE, "STS failed with HTTP 503"),
        (fake_sts.DROP, "did not answer"),
    ],
)
def test_persistent_5xx_is_unavailable_with_retry_after(sts, clock, fault, message):
    sts.fail_with(fault)
    with pytest.raises(StsUnavailable) as raised:
        client(sts, clock).assume_role(ROLE, SOURCE)
    assert sts.count == MAX_ATTEMPTS
    assert (raised.value.status, raised.value.code) == (503, "ServiceUnavailable")
    assert raised.value.retry_after == RETRY_AFTER_SECONDS
    assert message in raised.value.message


def test_a_hanging_sts_times_out_each_attempt(sts, clock):
    sts.fail_with(fake_sts.hang(HANG_SECONDS))
    started = time.monotonic()
    with pytest.raises(StsUnavailable) as raised:
        client(sts, clock, timeout=SHORT_TIMEOUT).assume_role(ROLE, SOURCE)
    elapsed = time.monotonic() - started
    assert sts.count == MAX_ATTEMPTS
    assert elapsed < HANG_BUDGET  # bounded by our timeouts, not by STS
    assert raised.value.retry_after == RETRY_AFTER_SECONDS
    assert raised.value.message == "STS did not answer"


def test_nothing_listening_is_unavailable(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    with pytest.raises(StsUnavailable) as raised:
        StsClient(REGION, f"http://127.0.0.1:{port}", clock=clock, sleep=sleep).assume_role(ROLE, SOURCE)
    assert len(sleep.calls) == MAX_ATTEMPTS - 1
    assert "did not answer" in raised.value.message


def test_a_truncated_answer_is_retried_like_a_network_error(sts, clock):
    sts.fail_with(fake_sts.TRUNCATED)
    with pytest.raises(StsUnavailable):
        client(sts, clock).assume_role(ROLE, SOURCE)
    assert sts.count == MAX_ATTEMPTS


def test_access_denied_is_not_retried(sts, clock):
    sts.fail_with(fake_sts.ACCESS_DENIED)
    sleep = RecordingSleep()
    with pytest.raises(RoleNotAssumable) as raised:
        client(sts, clock, sleep=sleep).assume_role(ROLE, SOURCE)
    assert sts.count == 1 and sleep.calls == []
    error = raised.value
    assert (error.status, error.code, error.sts_code) == (403, "RoleNotAssumable", "AccessDenied")
    assert error.retry_after is None  # retrying will not help: no Retry-After
    # The caller is told a fixed sentence: no ARN, no account ID, no STS text.
    assert error.message == "STS refused the AssumeRole into the bucket owner's role"


@pytest.mark.parametrize("status", [403, 503])
def test_an_error_code_stuffed_with_text_is_logged_masked_and_bounded(sts, clock, status, caplog):
    """STS's <Code> is upstream text like its <Message>: a proxy or a broken
    endpoint can put anything there, the caller's own token included."""
    stuffed = "AccessDenied" + SOURCE.session_token + "x" * 5000
    sts.fail_with(fake_sts.error(status, stuffed, "denied"))
    caplog.set_level(logging.INFO, logger="xpresign")
    with pytest.raises((RoleNotAssumable, StsUnavailable)) as raised:
        client(sts, clock).assume_role(ROLE, SOURCE)
    logged = [r.getMessage() for r in caplog.records if "STS" in r.getMessage()]
    assert logged and all(SOURCE.session_token not in line and len(line) < 400 for line in logged), logged
    assert SOURCE.session_token not in getattr(raised.value, "sts_code", "")


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"<AssumeRoleResponse><AssumeRoleResult>", "malformed XML"),
        (
            b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
            b"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
            "lacks SecretAccessKey, SessionToken, Expiration",
        ),
        (
            b"<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
            b"<SessionToken>T</SessionToken><Expiration>tomorrow</Expiration></Credentials></AssumeRoleResponse>",
            "Expiration that is not an ISO 8601 time",
        ),
    ],
    ids=["truncated-xml", "missing-fields", "bad-expiration"],
)
def test_an_unreadable_success_is_an_upstream_error(sts, clock, body, complaint):
    sts.fail_with(fake_sts.raw(200, body))
    with pytest.raises(UpstreamError, match=complaint) as raised:
        client(sts, clock).assume_role(ROLE, SOURCE)
    assert raised.value.status == 502
    assert sts.count == 1


# --- role chaining ------------------------------------------------------------------------


def test_role_chaining_cap_is_retried_at_one_hour_and_logged(sts, clock, caplog):
    role = RoleSpec(ROLE_ARN, duration_seconds=7200)
    with caplog.at_level(logging.WARNING, logger="xpresign.sts"):
        credentials = client(sts, clock).assume_role(role, SOURCE)
    assert [r.duration_seconds for r in sts.requests] == [7200, ROLE_CHAINING_MAX_SECONDS]
    assert sts.requests[0].reply == "ValidationError"
    assert credentials.expires_at == T0 + ROLE_CHAINING_MAX_SECONDS
    (record,) = [r for r in caplog.records if r.name == "xpresign.sts"]
    assert record.levelno == logging.WARNING
    assert "DurationSeconds=7200" in record.getMessage() and "role-chaining cap" in record.getMessage()
    assert "retrying with 3600" in record.getMessage()


def test_a_longer_session_is_kept_where_sts_grants_it(clock):
    """Not chained (e.g. a container with user keys): STS grants 7200, no retry."""
    with FakeSts(region=REGION, clock=clock, role_chaining=False) as fake:
        credentials = client(fake, clock).assume_role(RoleSpec(ROLE_ARN, duration_seconds=7200), SOURCE)
    assert [r.duration_seconds for r in fake.requests] == [7200]
    assert credentials.expires_at == T0 + 7200


def test_other_validation_errors_are_not_mistaken_for_chaining(sts, clock):
    sts.fail_with(fake_sts.error(400, "ValidationError", "1 validation error detected: roleSessionName"))
    with pytest.raises(RoleNotAssumable) as raised:
        client(sts, clock).assume_role(RoleSpec(ROLE_ARN, duration_seconds=7200), SOURCE)
    assert raised.value.sts_code == "ValidationError"
    assert sts.count == 1


def test_throttling_during_the_chaining_retry_stays_bounded(sts, clock):
    sts.script(fake_sts.OK, *[fake_sts.THROTTLING] * MAX_ATTEMPTS)  # OK → refused by the chaining cap
    with pytest.raises(StsThrottled):
        client(sts, clock).assume_role(RoleSpec(ROLE_ARN, duration_seconds=7200), SOURCE)
    assert sts.count == 1 + MAX_ATTEMPTS


# --- the API, built as Lambda builds it ------------------------------------------------------


def lambda_environment(sts: FakeSts, **settings: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": SOURCE.access_key_id,
        "AWS_SECRET_ACCESS_KEY": SOURCE.secret_access_key,
        "AWS_SESSION_TOKEN": SOURCE.session_token,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_STS": sts.url,
        "XPRESIGN_BUCKET": "classic-movies",
        "XPRESIGN_ROLE_ARN": ROLE_ARN,
        **settings,
    }


@pytest.fixture
def live_sts():
    """The fake on the real clock (build_app signs with time.time)."""
    with FakeSts(region=REGION, secrets={SOURCE.access_key_id: SOURCE.secret_access_key}) as fake:
        yield fake
        watch_for_leaks(fake, *SOURCE_SECRETS)


def function_url_get(**query: str) -> dict:
    return {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": urlencode(query),
        "queryStringParameters": query,
        "headers": {"host": "abcdefgh.lambda-url.us-east-1.on.aws"},
        "requestContext": {
            "domainName": "abcdefgh.lambda-url.us-east-1.on.aws",
            "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
            "requestId": "c0ffee00-0000-4000-8000-000000000001",
        },
        "isBase64Encoded": False,
    }


def function_url_post(body: dict) -> dict:
    event = function_url_get()
    event["requestContext"]["http"]["method"] = "POST"
    event["queryStringParameters"] = {}
    event["body"] = json.dumps(body)
    return event


def call(app, event) -> tuple[int, dict, dict]:
    response = app(event)
    return response["statusCode"], response["headers"], json.loads(response["body"])


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (fake_sts.THROTTLING, 429, "Throttled"),
        (fake_sts.INTERNAL_FAILURE, 503, "ServiceUnavailable"),
        (fake_sts.SERVICE_UNAVAILABLE, 503, "ServiceUnavailable"),
    ],
    ids=["throttling", "500", "503"],
)
def test_api_answers_retry_after_while_sts_fails_and_recovers_by_itself(live_sts, fault, status, code):
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.fail_with(fault)

    status_, headers, body = call(app, function_url_get(key=KEY))
    assert status_ == status
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert body["error"]["code"] == code and body["error"]["retry_after"] == RETRY_AFTER_SECONDS
    assert live_sts.count == MAX_ATTEMPTS

    direct = app({"key": KEY})  # a direct invocation sees the same error in its body
    assert direct["error"]["code"] == code and direct["error"]["retry_after"] == RETRY_AFTER_SECONDS

    live_sts.recover()
    calls_while_failing = live_sts.count
    status_, headers, body = call(app, function_url_get(key=KEY))  # same app: nothing restarted
    assert status_ == 200 and "Retry-After" not in headers
    assert signer_of(body["url"]) == live_sts.issued[0].access_key_id
    assert (body["expires_in"], body["capped_by"]) == (900, None)
    assert app({"key": KEY})["url"]  # and the session is cached now
    assert live_sts.count == calls_while_failing + 1


def configure_sts_client(monkeypatch, **options) -> None:
    """Make the StsClient that build_app creates use ``options`` (a short
    timeout, no backoff sleeps) without changing how build_app wires it."""

    class Configured(StsClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**options, **kwargs})

    monkeypatch.setattr(xpresign.wiring, "StsClient", Configured)


def test_api_answers_503_when_sts_hangs(live_sts, monkeypatch):
    configure_sts_client(monkeypatch, timeout=SHORT_TIMEOUT)  # the default 3 s x 3 would slow the suite
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.fail_with(fake_sts.hang(HANG_SECONDS))
    started = time.monotonic()
    status, headers, body = call(app, function_url_get(key=KEY))
    assert time.monotonic() - started < HANG_BUDGET
    assert (status, body["error"]["code"]) == (503, "ServiceUnavailable")
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    live_sts.recover()
    assert call(app, function_url_get(key=KEY))[0] == 200


def test_api_answers_403_when_the_role_refuses(live_sts):
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.fail_with(fake_sts.ACCESS_DENIED)
    status, headers, body = call(app, function_url_get(key=KEY))
    assert (status, body["error"]["code"]) == (403, "RoleNotAssumable")
    assert "Retry-After" not in headers
    assert ROLE_ARN not in body["error"]["message"]  # no ARN or account ID to callers
    assert live_sts.count == 1


def test_api_hides_transient_faults_the_retries_absorb(live_sts):
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.script(fake_sts.THROTTLING, fake_sts.SERVICE_UNAVAILABLE)
    status, _, body = call(app, function_url_get(key=KEY))
    assert status == 200 and body["url"]
    assert [r.reply for r in live_sts.requests] == ["Throttling", "ServiceUnavailable", "ok"]


BATCH = [f"movies/film-{i:02d}.mp4" for i in range(10)]


@pytest.fixture
def no_backoff_sleep(monkeypatch):
    """build_app's StsClient without real backoff sleeps (they are proved above)."""
    configure_sts_client(monkeypatch, sleep=lambda seconds: None)


def test_api_batch_fails_as_a_whole_with_retry_after_when_sts_throttles(live_sts, no_backoff_sleep):
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.fail_with(fake_sts.THROTTLING)
    status, headers, body = call(app, function_url_post({"items": BATCH}))
    assert (status, body["error"]["code"], headers["Retry-After"]) == (429, "Throttled", str(RETRY_AFTER_SECONDS))
    live_sts.recover()
    status, _, body = call(app, function_url_post({"items": BATCH}))
    assert status == 200 and all("url" in result for result in body["results"])


def test_api_batch_makes_one_bounded_sts_attempt_while_sts_throttles(live_sts, no_backoff_sleep):
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.fail_with(fake_sts.THROTTLING)
    assert call(app, function_url_post({"items": BATCH}))[0] == 429
    assert live_sts.count == MAX_ATTEMPTS


def test_api_sends_the_configured_session_options(live_sts):
    env = lambda_environment(
        live_sts,
        XPRESIGN_EXTERNAL_ID="b7f3c1d2",
        XPRESIGN_SOURCE_IDENTITY="presigner",
        XPRESIGN_SESSION_TAGS="team=media, env=test",
        XPRESIGN_ROLE_SESSION_NAME="xpresign-prod",
        XPRESIGN_ROLE_DURATION="1800",
    )
    status, _, _body = call(lambda_handler.build_app(env), function_url_get(key=KEY))
    assert status == 200
    (request,) = live_sts.requests
    assert request.signature_checked and request.problems == ()
    assert request.scope.endswith(f"/{REGION}/sts/aws4_request")
    assert request.params["ExternalId"] == "b7f3c1d2"
    assert request.params["SourceIdentity"] == "presigner"
    assert request.params["RoleSessionName"] == "xpresign-prod"
    assert request.tags == [("team", "media"), ("env", "test")]
    assert request.duration_seconds == 1800


def test_api_role_chaining_retry(live_sts, caplog):
    app = lambda_handler.build_app(lambda_environment(live_sts, XPRESIGN_ROLE_DURATION="7200"))
    with caplog.at_level(logging.WARNING, logger="xpresign.sts"):
        status, _, body = call(app, function_url_get(key=KEY, expires_in="3600"))
    assert status == 200
    assert [r.duration_seconds for r in live_sts.requests] == [7200, ROLE_CHAINING_MAX_SECONDS]
    assert any("role-chaining cap" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    # The URL is honest about the one-hour session it got.
    assert body["capped_by"] == "credentials"
    assert body["expires_in"] <= ROLE_CHAINING_MAX_SECONDS - EXPIRY_SAFETY_MARGIN_SECONDS


def test_api_keeps_serving_in_the_advisory_window_while_sts_fails(live_sts):
    """STS hands out a session with 700 s left (inside the advisory window,
    outside the mandatory one). While STS fails, callers are still served from
    it, honestly capped; once STS is back, the background refresh replaces it."""
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.session_seconds = 700
    status, _, first = call(app, function_url_get(key=KEY))
    assert status == 200 and first["capped_by"] == "credentials"
    old = live_sts.issued[0]

    live_sts.fail_with(fake_sts.SERVICE_UNAVAILABLE)
    status, _, body = call(app, function_url_get(key=KEY))
    assert status == 200 and signer_of(body["url"]) == old.access_key_id
    assert body["capped_by"] == "credentials"
    live_sts.wait_for_count(1 + MAX_ATTEMPTS)  # the background refresh tried, and failed
    assert "error" not in app({"key": KEY})  # still served

    live_sts.session_seconds = None  # sessions from now on are full ones
    live_sts.recover()
    deadline = time.monotonic() + 10
    while True:
        status, _, body = call(app, function_url_get(key=KEY))
        assert status == 200
        if signer_of(body["url"]) != old.access_key_id:
            break
        assert time.monotonic() < deadline, "the advisory refresh never replaced the session"
        time.sleep(0.01)
    assert (body["expires_in"], body["capped_by"]) == (900, None)


def test_api_answers_503_in_the_mandatory_window_and_recovers(live_sts):
    """A session with less than the mandatory window left is never used: with
    STS down the caller gets 503 + Retry-After, not a URL from dying credentials."""
    app = lambda_handler.build_app(lambda_environment(live_sts))
    live_sts.session_seconds = MANDATORY_REFRESH_SECONDS - 100
    status, _, body = call(app, function_url_get(key=KEY))
    assert status == 200 and body["expires_in"] <= MANDATORY_REFRESH_SECONDS - 100 - EXPIRY_SAFETY_MARGIN_SECONDS

    live_sts.fail_with(fake_sts.SERVICE_UNAVAILABLE)
    status, headers, body = call(app, function_url_get(key=KEY))
    assert (status, body["error"]["code"]) == (503, "ServiceUnavailable")
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)

    live_sts.recover()
    live_sts.session_seconds = None
    status, _, body = call(app, function_url_get(key=KEY))
    assert status == 200 and signer_of(body["url"]) == live_sts.issued[-1].access_key_id
    assert (body["expires_in"], body["capped_by"]) == (900, None)


def test_no_secret_reaches_the_logs(live_sts, caplog):
    """Successes, the chaining warning, and STS failures are all logged;
    none of the lines holds a secret, a session token, a signature or a URL."""
    with caplog.at_level(logging.DEBUG):
        ok = lambda_handler.build_app(lambda_environment(live_sts, XPRESIGN_ROLE_DURATION="7200"))({"key": KEY})
        live_sts.fail_with(fake_sts.ACCESS_DENIED)
        denied = lambda_handler.build_app(lambda_environment(live_sts))({"key": KEY})
    assert ok["url"] and denied["error"]["code"] == "RoleNotAssumable"
    text = caplog.text
    assert "role-chaining cap" in text and "RoleNotAssumable" in text  # the lines were written
    signature = parse_qs(urlsplit(ok["url"]).query)["X-Amz-Signature"][0]
    forbidden = [SOURCE.secret_access_key, SOURCE.session_token, signature, ok["url"]]
    for issued in live_sts.issued:
        forbidden += [issued.secret_access_key, issued.session_token]
    assert [value for value in forbidden if value in text] == []
