"""Credentials from an endpoint expire: the broker refreshes them by the role
sessions' rule, the expiry cap counts their end, and a caller meets an
endpoint's failure as a 503 or 502, never a 500.

The endpoint is the loopback container fake, with a clock the test moves:
the broker's clock and the fake's are the same, so "15 minutes before the
end" is exact.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.credential_endpoints import FakeContainerEndpoint, hang, json_error
from tests.support.fake_sts import ManualClock
from tests.support.log_capture import remember_secret
from xpresign import lambda_handler
from xpresign.container_credentials import ContainerCredentials
from xpresign.credential_http import CredentialsUnavailable
from xpresign.credentials import ADVISORY_REFRESH_SECONDS, MANDATORY_REFRESH_SECONDS, CredentialBroker
from xpresign.values import EXPIRY_SAFETY_MARGIN_SECONDS, Deadline
from xpresign.wiring import presigner_from_environ

T0 = 1_800_000_000
LIFETIME = 3600
TOKEN = "container-token-for-refresh-tests-000000001"
EVENTS = "tests/events"

remember_secret(TOKEN)


def no_sleep(_seconds: float) -> None:
    pass


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def endpoint(clock):
    with FakeContainerEndpoint(token=TOKEN, clock=clock, lifetime=LIFETIME) as fake:
        yield fake
    for issued in fake.issued:
        remember_secret(issued.secret_access_key, issued.token)


@pytest.fixture
def broker(endpoint, clock):
    source = ContainerCredentials(endpoint.url, token=TOKEN, sleep=no_sleep)
    return CredentialBroker(source, clock=clock)  # no STS: signing with the source's own credentials


def test_the_source_is_cached_then_refreshed_early_inline(broker, endpoint, clock):
    first = broker.credentials(None)
    assert broker.credentials(None) is first and endpoint.count == 1  # cached: no call
    clock.advance(LIFETIME - ADVISORY_REFRESH_SECONDS - 1)
    assert broker.credentials(None) is first and endpoint.count == 1  # not yet advisory
    clock.advance(2)  # inside the advisory window: this request refreshes, inline
    second = broker.credentials(None)
    assert endpoint.count == 2 and second.access_key_id == endpoint.issued[1].access_key_id
    assert second.expires_at == T0 + LIFETIME - ADVISORY_REFRESH_SECONDS + 1 + LIFETIME


def test_an_early_refresh_that_fails_keeps_serving_the_cached_credentials(broker, endpoint, clock, caplog):
    first = broker.credentials(None)
    endpoint.fail_with(json_error(500, "InternalError", "agent restarting"))
    clock.advance(LIFETIME - ADVISORY_REFRESH_SECONDS + 1)
    assert broker.credentials(None) is first  # advisory: failure logged, cached session serves
    assert "early refresh failed (ServiceUnavailable)" in caplog.text


def test_inside_the_mandatory_window_a_failed_refresh_is_a_503(broker, endpoint, clock):
    broker.credentials(None)
    endpoint.fail_with(hang(5))
    clock.advance(LIFETIME - MANDATORY_REFRESH_SECONDS + 1)
    with pytest.raises(CredentialsUnavailable) as caught:
        broker.credentials(None, deadline=Deadline.after(0.3))
    assert (caught.value.status, caught.value.retry_after) == (503, 2)
    endpoint.recover()
    clock.advance(1)  # a request arriving after the failure tries again
    assert broker.credentials(None).access_key_id == endpoint.issued[-1].access_key_id


def test_forget_drops_the_cached_source_session(broker, endpoint):
    first = broker.credentials(None)
    broker.forget()
    assert broker.credentials(None).access_key_id != first.access_key_id and endpoint.count == 2


# --- the service: expiry cap and error mapping --------------------------------------------


def service_env(endpoint, **extra) -> dict[str, str]:
    return {
        "AWS_REGION": "eu-west-1",
        "XPRESIGN_BUCKET": "classic-movies",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN,
        **extra,
    }


def test_without_a_role_the_url_never_outlives_the_container_credentials():
    """The endpoint's session ends in 30 minutes: an hour is capped to what is
    left less the safety margin, and says why."""
    with FakeContainerEndpoint(token=TOKEN, lifetime=1800) as endpoint:
        presigner = presigner_from_environ(service_env(endpoint))
        link = presigner.presign("movies/a.mp4", expires_in=3600)
    issued = endpoint.issued[0]
    remember_secret(issued.secret_access_key, issued.token)
    assert link.capped_by == "credentials"
    assert 1800 - EXPIRY_SAFETY_MARGIN_SECONDS - 2 <= link.expires_in <= 1800 - EXPIRY_SAFETY_MARGIN_SECONDS
    query = parse_qs(urlsplit(link.url).query)
    assert query["X-Amz-Credential"][0].startswith(issued.access_key_id + "/")
    assert query["X-Amz-Security-Token"] == [issued.token]
    assert presigner.broker.source.refreshes


def function_url_event() -> dict:
    with open(f"{EVENTS}/function_url_get_query.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize(
    ("reply", "status", "code", "retry_after"),
    [
        (json_error(500, "InternalError", "agent at 10.0.0.7 restarting"), 503, "ServiceUnavailable", "2"),
        (hang(5), 503, "ServiceUnavailable", "2"),
        (json_error(403, "AccessDeniedException", "token for task 10.0.0.7 refused"), 502, "UpstreamError", None),
    ],
)
def test_the_handler_answers_an_endpoint_failure_with_503_or_502(monkeypatch, reply, status, code, retry_after):
    with FakeContainerEndpoint(token=TOKEN) as endpoint:
        for name, value in service_env(endpoint).items():
            monkeypatch.setenv(name, value)
        endpoint.fail_with(reply)
        lambda_handler.reset()

        class Context:
            aws_request_id = "req-1"

            @staticmethod
            def get_remaining_time_in_millis() -> int:
                return 800  # 0.3 s after the margin: a hanging endpoint is cut there

        answer = lambda_handler.handler(function_url_event(), Context())
    assert answer["statusCode"] == status
    assert answer["headers"].get("Retry-After") == retry_after
    body = json.loads(answer["body"])
    assert body["error"]["code"] == code
    assert "10.0.0.7" not in answer["body"] and TOKEN not in answer["body"]
