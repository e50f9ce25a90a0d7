"""The Lambda platform's own behaviour, through awslambdaric: the freeze between
invocations and the invocation deadline (issue 10, items 13 and 14).

The harness (tests/support/lambda_runtime.py) freezes the runtime process
(SIGSTOP, every thread) after each answer, as Lambda does, and passes each
invocation's deadline in the header awslambdaric turns into
``context.get_remaining_time_in_millis()``.
"""

from __future__ import annotations

import pytest

from tests.integration.test_faults import REGION, SOURCE, function_url_get, lambda_environment
from tests.support import fake_sts
from tests.support.fake_sts import FakeSts
from tests.support.lambda_runtime import SUCCESS, LambdaRuntime
from xpresign.credentials import ADVISORY_REFRESH_SECONDS, MANDATORY_REFRESH_SECONDS

pytest.importorskip("awslambdaric", reason="awslambdaric (a dev dependency) is not installed")

#: A session that is inside the advisory window as soon as it is issued.
ADVISORY_SESSION_SECONDS = (ADVISORY_REFRESH_SECONDS + MANDATORY_REFRESH_SECONDS) // 2
STS_DELAY_SECONDS = 0.4


@pytest.fixture
def sts():
    with FakeSts(region=REGION, secrets={SOURCE.access_key_id: SOURCE.secret_access_key}) as fake:
        yield fake


@pytest.mark.slow
def test_the_early_refresh_finishes_inside_the_invocation_that_starts_it(lambda_zip, sts):
    """With the refresh on a background thread, Lambda's freeze caught the STS
    call mid-flight, holding the lock, until some later invocation. Inline, the
    invocation that starts it finishes it: when its answer is posted and the
    process is frozen, STS has nothing in flight."""
    sts.session_seconds = ADVISORY_SESSION_SECONDS
    with LambdaRuntime(lambda_zip, env=lambda_environment(sts)) as runtime:
        first = runtime.invoke(function_url_get(key="movies/a.mp4"), timeout_ms=5000, freeze_after=True)
        assert first.status == SUCCESS and sts.count == 1
        sts.delay = STS_DELAY_SECONDS  # the early refresh's STS call takes a while
        second = runtime.invoke(function_url_get(key="movies/a.mp4"), timeout_ms=5000, freeze_after=True)
        assert second.status == SUCCESS and second.json()["statusCode"] == 200
        assert runtime.frozen
        assert sts.count == 2 and sts.in_flight == 0  # refreshed, and answered, before the freeze
        runtime.thaw()
        third = runtime.invoke(function_url_get(key="movies/a.mp4"), timeout_ms=5000)
    assert third.status == SUCCESS and third.json()["statusCode"] == 200


@pytest.mark.parametrize("timeout_ms", [1500, 3000])
def test_sts_hanging_gets_503_with_retry_after_not_the_platforms_timeout(lambda_zip, sts, timeout_ms):
    sts.fail_with(fake_sts.hang(30))
    with LambdaRuntime(lambda_zip, env=lambda_environment(sts)) as runtime:
        result = runtime.invoke(function_url_get(key="movies/a.mp4"), timeout_ms=timeout_ms)
    assert result.status == SUCCESS, result.error  # the function answered: no Sandbox.Timedout
    response = result.json()
    assert response["statusCode"] == 503 and "Retry-After" in response["headers"]
