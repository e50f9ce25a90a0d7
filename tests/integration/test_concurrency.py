"""Single flight: many threads, one AssumeRole.

64 threads, released together by a barrier, ask for URLs against the fake STS
on loopback (tests/support/fake_sts.py), which holds each answer back
``STS_DELAY`` seconds so that every thread arrives while the first AssumeRole
is still in flight. The fake counts the requests it receives: on a cold cache,
in the mandatory window and in the advisory window there must be exactly one,
and while STS fails, exactly one AssumeRole's attempts however many threads
wait on it (they share its failure).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.support import fake_sts
from tests.support.fake_sts import FakeSts, ManualClock, signer_of, watch_for_leaks
from xpresign import lambda_handler
from xpresign.config import load_config
from xpresign.credentials import (
    MANDATORY_REFRESH_SECONDS,
    CredentialBroker,
    EnvironmentCredentials,
)
from xpresign.errors import StsThrottled, StsUnavailable
from xpresign.presign import PresignedUrl, Presigner
from xpresign.sts import MAX_ATTEMPTS, StsClient

THREADS = 64
STS_DELAY = 0.1
JOIN_TIMEOUT = 30.0
T0 = 1_800_000_000  # 2027-01-15T08:00:00Z
REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::111111111111:role/s3_access_role"
SOURCE_KEYS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDAROLE000001",
    "AWS_SECRET_ACCESS_KEY": "lambda-role-secret",
    "AWS_SESSION_TOKEN": "lambda-role-session-token",
}
KEY = "movies/metropolis-1927.mp4"
SOURCE_SECRETS = (SOURCE_KEYS["AWS_SECRET_ACCESS_KEY"], SOURCE_KEYS["AWS_SESSION_TOKEN"])


def environment(sts: FakeSts) -> dict[str, str]:
    return {
        **SOURCE_KEYS,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_STS": sts.url,
        "XPRESIGN_BUCKET": "classic-movies",
        "XPRESIGN_ROLE_ARN": ROLE_ARN,
    }


def all_at_once(target, count: int = THREADS) -> list:
    """Run ``target`` on ``count`` threads released together; return what
    each returned or raised, in thread order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"caller-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
        assert not thread.is_alive(), f"{thread.name} is stuck"
    return results


def signer(result: PresignedUrl) -> str:
    return signer_of(result.url)


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def sts(clock):
    with FakeSts(
        region=REGION,
        clock=clock,
        delay=STS_DELAY,
        secrets={SOURCE_KEYS["AWS_ACCESS_KEY_ID"]: SOURCE_KEYS["AWS_SECRET_ACCESS_KEY"]},
    ) as fake:
        yield fake
        watch_for_leaks(fake, *SOURCE_SECRETS)


def make_presigner(sts: FakeSts, clock, **client_options) -> Presigner:
    """build_app's wiring, with the test's clock everywhere."""
    env = environment(sts)
    config = load_config(env)
    client = StsClient(config.region, config.endpoints.sts, clock=clock, **client_options)
    broker = CredentialBroker(EnvironmentCredentials(env), client.assume_role, clock=clock)
    return Presigner(config, broker, clock=clock)


def assert_all_signed_by(results: list, access_key_id: str) -> None:
    errors = [r for r in results if not isinstance(r, PresignedUrl)]
    assert errors == []
    assert {signer(r) for r in results} == {access_key_id}


def test_one_assume_role_on_a_cold_cache_and_one_in_the_mandatory_window(sts, clock):
    presigner = make_presigner(sts, clock)

    results = all_at_once(lambda: presigner.presign(KEY))
    assert sts.count == 1
    first = sts.issued[0]
    assert_all_signed_by(results, first.access_key_id)

    clock.set(first.expires_at - MANDATORY_REFRESH_SECONDS // 2)
    results = all_at_once(lambda: presigner.presign(KEY))
    assert sts.count == 2
    second = sts.issued[1]
    assert_all_signed_by(results, second.access_key_id)  # nobody signed with the dying session
    assert all(r.expires_in == 900 and r.capped_by is None for r in results)
    assert all(r.problems == () and r.signature_checked for r in sts.requests)


ADVISORY_SECONDS_LEFT = 800  # inside the advisory window, outside the mandatory one


def test_one_background_refresh_in_the_advisory_window(sts, clock):
    """URLs short enough for the old session: served from it at once, while
    one refresh runs in the background."""
    presigner = make_presigner(sts, clock)
    presigner.presign(KEY)
    first = sts.issued[0]
    clock.set(first.expires_at - ADVISORY_SECONDS_LEFT)
    expires_in = 300

    results = all_at_once(lambda: presigner.presign(KEY, expires_in=expires_in))
    sts.wait_for_count(2)
    assert sts.count == 2
    assert all(isinstance(r, PresignedUrl) and (r.expires_in, r.capped_by) == (expires_in, None) for r in results)
    # The caller that started the refresh did not wait for it.
    assert any(signer(r) == first.access_key_id for r in results)
    # Once the background thread has stored the new session, callers get it.
    deadline = time.monotonic() + JOIN_TIMEOUT
    while signer(presigner.presign(KEY, expires_in=expires_in)) != sts.issued[1].access_key_id:
        assert time.monotonic() < deadline, "the background refresh never replaced the session"
        time.sleep(0.005)
    assert sts.count == 2


def test_one_refresh_first_in_the_advisory_window(sts, clock):
    """URLs longer than the old session allows: every caller waits for the
    one new session rather than getting a capped URL."""
    presigner = make_presigner(sts, clock)
    presigner.presign(KEY)
    first = sts.issued[0]
    clock.set(first.expires_at - ADVISORY_SECONDS_LEFT)

    results = all_at_once(lambda: presigner.presign(KEY, expires_in=900))
    assert sts.count == 2
    assert_all_signed_by(results, sts.issued[1].access_key_id)
    assert all((r.expires_in, r.capped_by) == (900, None) for r in results)


@pytest.mark.parametrize(
    ("fault", "error"),
    [(fake_sts.SERVICE_UNAVAILABLE, StsUnavailable), (fake_sts.THROTTLING, StsThrottled)],
    ids=["503", "throttling"],
)
def test_threads_share_one_failed_assume_role_then_recover(sts, clock, fault, error):
    # Backoff sleeps are proved in test_faults.py; here they would only slow the test.
    presigner = make_presigner(sts, clock, sleep=lambda seconds: None)
    sts.fail_with(fault)

    results = all_at_once(lambda: presigner.presign(KEY))
    assert all(isinstance(r, error) for r in results)
    assert len({id(r) for r in results}) == 1  # one failure, shared by every waiting thread
    assert results[0].retry_after is not None
    assert sts.count == 1 * MAX_ATTEMPTS  # one AssumeRole, with its retries

    sts.recover()
    clock.advance(1)  # callers after the failure try again
    results = all_at_once(lambda: presigner.presign(KEY))
    assert sts.count == MAX_ATTEMPTS + 1
    assert_all_signed_by(results, sts.issued[0].access_key_id)


@pytest.fixture
def live_sts():
    """The fake on the real clock, which build_app's StsClient signs with."""
    with FakeSts(
        region=REGION, delay=STS_DELAY, secrets={SOURCE_KEYS["AWS_ACCESS_KEY_ID"]: SOURCE_KEYS["AWS_SECRET_ACCESS_KEY"]}
    ) as fake:
        yield fake
        watch_for_leaks(fake, *SOURCE_SECRETS)


def test_one_assume_role_through_the_lambda_app(live_sts):
    """The same, end to end: build_app as Lambda builds it, 64 Function URL
    requests at once, the real clock."""
    sts = live_sts
    app = lambda_handler.build_app(environment(sts))

    def request() -> tuple[int, dict]:
        response = app(
            {
                "version": "2.0",
                "rawPath": "/",
                "rawQueryString": f"key={KEY}",
                "queryStringParameters": {"key": KEY},
                "headers": {},
                "requestContext": {
                    "domainName": "abcdefgh.lambda-url.us-east-1.on.aws",
                    "http": {"method": "GET", "path": "/"},
                },
                "isBase64Encoded": False,
            }
        )
        return response["statusCode"], json.loads(response["body"])

    results = all_at_once(request)
    assert sts.count == 1
    assert [status for status, _ in results] == [200] * THREADS
    assert {signer_of(body["url"]) for _, body in results} == {sts.issued[0].access_key_id}
