"""The JSON API core (xpresign.api.Api): single requests, batches and their
semantics, the existence check's wiring, error outcomes and log fields.

Signing uses static credentials and a fixed clock: no network, except the
throttling tests, which talk to the fake STS on loopback.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.fake_sts import INTERNAL_FAILURE, THROTTLING, FakeSts
from xpresign.api import CHECK_URL_SECONDS, Api, error_outcome, parse_json
from xpresign.config import load_config
from xpresign.credentials import CredentialBroker, EnvironmentCredentials
from xpresign.errors import AccessDenied, InvalidRequest, MalformedJson, NoSuchKey, StsThrottled
from xpresign.presign import Presigner
from xpresign.sts import RETRY_AFTER_SECONDS, StsClient
from xpresign.values import NO_DEADLINE

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
BUCKET = "classic-movies"
KEY = "movies/metropolis-1927.mp4"
STATIC_ENV = {
    "XPRESIGN_BUCKET": BUCKET,
    "XPRESIGN_ALLOWED_PREFIXES": "movies/",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_REGION": "us-east-1",
}
RESULT_FIELDS = {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}


def make_api(env: dict | None = None, *, checker=None, assume_role=None) -> Api:
    env = {**STATIC_ENV, **(env or {})}
    config = load_config(env)
    broker = CredentialBroker(EnvironmentCredentials(env), assume_role)
    presigner = Presigner(config, broker, clock=lambda: NOW)
    return Api(presigner, checker=checker) if checker else Api(presigner)


def url_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


# --- single requests ------------------------------------------------------------------------


def test_single_request_result():
    outcome = make_api().handle({"key": KEY, "expires_in": 600})
    assert outcome.status == 200
    assert set(outcome.body) == RESULT_FIELDS
    assert outcome.body["bucket"] == BUCKET and outcome.body["key"] == KEY
    assert outcome.body["expires_in"] == 600
    assert outcome.body["expires_at"] == iso(NOW + 600)
    assert outcome.body["capped_by"] is None
    query = url_query(outcome.body["url"])
    assert query["X-Amz-Expires"] == "600"
    assert query["X-Amz-Date"] == "20260101T000000Z"


def test_defaults_and_policy_cap():
    api = make_api({"XPRESIGN_MAX_EXPIRES": "1200", "XPRESIGN_DEFAULT_EXPIRES": "300"})
    assert api.handle({"key": KEY}).body["expires_in"] == 300
    capped = api.handle({"key": KEY, "expires_in": 3600}).body
    assert (capped["expires_in"], capped["capped_by"]) == (1200, "policy")


def test_credentials_cap_when_the_session_ends_sooner():
    # Lambda's own credentials end in 20 minutes: a 1 h URL would die with them.
    api = make_api({"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE", "AWS_CREDENTIAL_EXPIRATION": iso(NOW + 1200)})
    body = api.handle({"key": KEY, "expires_in": 3600}).body
    assert body["capped_by"] == "credentials"
    assert body["expires_in"] < 1200
    assert body["expires_at"] == iso(NOW + body["expires_in"])


def test_bucket_by_alias_or_name():
    document = {"buckets": {"films": {"bucket": BUCKET, "allowed_prefixes": ["movies/"]}, "posters": {}}}
    api = make_api({"XPRESIGN_BUCKET": "", "XPRESIGN_CONFIG": json.dumps(document)})
    assert api.handle({"key": KEY, "bucket": "films"}).body["bucket"] == "films"
    assert api.handle({"key": KEY, "bucket": BUCKET}).body["bucket"] == "films"
    missing = api.handle({"key": KEY})  # two buckets: naming one is required
    assert (missing.status, missing.body["error"]["code"]) == (400, "UnknownBucket")


def test_seed_object_key_gives_the_same_result_as_key():
    api = make_api()
    seed = api.handle({"object_key": KEY}).body
    plain = api.handle({"key": KEY}).body
    assert seed == plain  # same clock, same credentials: byte-identical URLs


@pytest.mark.parametrize(
    ("request_", "status", "code"),
    [
        ([KEY], 400, "InvalidRequest"),
        (KEY, 400, "InvalidRequest"),
        (None, 400, "InvalidRequest"),
        ({}, 400, "MissingKey"),
        ({"key": ""}, 400, "MissingKey"),
        ({"key": 5}, 400, "InvalidKey"),
        ({"key": "movies/" + "a" * 1018}, 400, "KeyTooLong"),
        ({"key": KEY, "expires_in": 0}, 400, "InvalidExpiry"),
        ({"key": KEY, "expires_in": "900"}, 400, "InvalidExpiry"),
        ({"key": KEY, "expires_in": True}, 400, "InvalidExpiry"),
        ({"key": KEY, "expires_in": 900.0}, 400, "InvalidExpiry"),
        ({"key": KEY, "bucket": "another-bucket"}, 400, "UnknownBucket"),
        ({"key": KEY, "bucket": ["classic-movies"]}, 400, "UnknownBucket"),
        ({"key": KEY, "check": "yes"}, 400, "InvalidParameter"),
        ({"key": KEY, "filename": ""}, 400, "InvalidParameter"),
        ({"key": KEY, "version_id": 3}, 400, "InvalidParameter"),
        ({"key": KEY, "response_content_type": "video/mp4\n"}, 400, "InvalidParameter"),
        ({"key": KEY, "object_key": KEY}, 400, "InvalidRequest"),
        ({"key": KEY, "expiry": 60}, 400, "InvalidRequest"),
        ({"key": "private/contract.pdf"}, 403, "KeyNotAllowed"),
    ],
)
def test_single_request_errors(request_, status, code):
    outcome = make_api().handle(request_)
    assert (outcome.status, outcome.body["error"]["code"]) == (status, code)
    assert set(outcome.body) == {"error"} and set(outcome.body["error"]) == {"code", "message"}
    assert outcome.body["error"]["message"]
    assert outcome.log["outcome"] == code


def test_key_of_exactly_1024_bytes_is_signed():
    key = "movies/" + "é" * 508 + "a"  # 7 + 1016 + 1 = 1024 bytes of UTF-8
    assert len(key.encode()) == 1024
    assert make_api().handle({"key": key}).status == 200
    assert make_api().handle({"key": key + "a"}).body["error"]["code"] == "KeyTooLong"


def test_unknown_field_message_names_the_field():
    message = make_api().handle({"key": KEY, "expiry": 60}).body["error"]["message"]
    assert "'expiry'" in message


# --- batches -----------------------------------------------------------------------------


def test_batch_keeps_order_and_gives_one_result_per_item():
    keys = [f"movies/reel-{i:02d}.mp4" for i in range(12)]
    outcome = make_api().handle({"items": keys})
    assert outcome.status == 200
    assert [r["key"] for r in outcome.body["results"]] == keys
    assert all(set(r) == RESULT_FIELDS for r in outcome.body["results"])


def test_one_bad_item_does_not_fail_the_others():
    items = [
        KEY,
        {"key": ""},
        {"key": "private/contract.pdf"},
        7,
        {"key": KEY, "expires_in": -1},
        {"key": KEY, "bucket": "elsewhere"},
        {"object_key": "movies/nosferatu (1922).mp4"},
    ]
    outcome = make_api().handle({"items": items})
    assert outcome.status == 200
    results = outcome.body["results"]
    assert len(results) == len(items)
    assert results[0]["key"] == KEY and "url" in results[0]
    assert results[1] == {"key": "", "error": results[1]["error"]} and results[1]["error"]["code"] == "MissingKey"
    assert results[2]["key"] == "private/contract.pdf" and results[2]["error"]["code"] == "KeyNotAllowed"
    assert set(results[3]) == {"error"} and results[3]["error"]["code"] == "InvalidRequest"
    assert results[4]["error"]["code"] == "InvalidExpiry"
    assert results[5]["error"]["code"] == "UnknownBucket"
    assert results[6]["key"] == "movies/nosferatu (1922).mp4" and "url" in results[6]
    # No internal bookkeeping leaks into the answer.
    assert all(not any(name.startswith("_") for name in r) for r in results)
    assert outcome.log["outcome"] == "partial" and outcome.log["failed"] == 5 and outcome.log["items"] == 7


def test_batch_defaults_are_inherited_and_items_override_them():
    api = make_api({"XPRESIGN_MAX_EXPIRES": "7200"})
    outcome = api.handle({"items": [KEY, {"key": KEY, "expires_in": 60}], "expires_in": 1800, "bucket": BUCKET})
    first, second = outcome.body["results"]
    assert (first["expires_in"], second["expires_in"]) == (1800, 60)
    assert url_query(first["url"])["X-Amz-Expires"] == "1800"
    assert outcome.log["expires_in"] == 60  # the shortest granted


@pytest.mark.parametrize(
    ("defaults", "code"),
    [
        ({"expires_in": "soon"}, "InvalidExpiry"),
        ({"bucket": "nope"}, "UnknownBucket"),
        ({"check": "maybe"}, "InvalidParameter"),
    ],
)
def test_a_bad_batch_default_fails_the_batch_once(defaults, code):
    """Validated once: one 400, not one error per item (1,000 copies of a bad
    default used to turn 35 KB in into 30 MB out)."""
    outcome = make_api().handle({"items": [KEY] * 1000, **defaults})
    assert (outcome.status, outcome.body["error"]["code"]) == (400, code)
    assert len(json.dumps(outcome.body)) < 400


@pytest.mark.parametrize(
    ("request_", "code"),
    [({"items": []}, "InvalidRequest"), ({"items": KEY}, "InvalidRequest"), ({"items": None}, "InvalidRequest"),
     ({"items": [KEY], "filename": "a.mp4"}, "InvalidRequest"), ({"items": [KEY], "key": KEY}, "InvalidRequest")],
)  # fmt: skip
def test_malformed_batches(request_, code):
    outcome = make_api().handle(request_)
    assert (outcome.status, outcome.body["error"]["code"]) == (400, code)


def test_batch_limit():
    api = make_api({"XPRESIGN_MAX_BATCH": "3"})
    assert api.handle({"items": [KEY] * 3}).status == 200
    over = api.handle({"items": [KEY] * 4})
    assert (over.status, over.body["error"]["code"]) == (413, "BatchTooLarge")
    assert "3" in over.body["error"]["message"] and "4" in over.body["error"]["message"]
    assert over.log["items"] == 4


def test_default_batch_limit_is_1000():
    api = make_api()
    assert api.handle({"items": [KEY] * 1000}).status == 200
    assert api.handle({"items": [KEY] * 1001}).status == 413


def test_batch_log_never_holds_a_url():
    outcome = make_api().handle({"items": [KEY, "movies/x.mp4"]})
    text = json.dumps(outcome.log)
    assert "http" not in text and "X-Amz" not in text
    assert outcome.log == {
        "bucket": BUCKET, "items": 2, "failed": 0, "expires_in": 900, "capped_by": None, "outcome": "ok"
    }  # fmt: skip


# --- STS trouble in a batch ------------------------------------------------------------------


def two_bucket_env(sts_url: str) -> dict:
    document = {
        "buckets": {
            "films": {"bucket": BUCKET, "role_arn": "arn:aws:iam::111111111111:role/s3_access_role"},
            "posters": {"bucket": "classic-posters"},  # signed with the source credentials
        }
    }
    return {"XPRESIGN_BUCKET": "", "XPRESIGN_CONFIG": json.dumps(document), "AWS_ENDPOINT_URL_STS": sts_url}


def sts_broker_api(sts: FakeSts) -> Api:
    env = {**STATIC_ENV, **two_bucket_env(sts.url)}
    client = StsClient("us-east-1", sts.url, sleep=lambda seconds: None)
    return make_api(env, assume_role=client.assume_role)


@pytest.mark.parametrize(
    ("reply", "status", "code"), [(THROTTLING, 429, "Throttled"), (INTERNAL_FAILURE, 503, "ServiceUnavailable")]
)
def test_all_items_failing_on_sts_is_one_top_level_error_with_retry_after(reply, status, code):
    with FakeSts() as sts:
        sts.fail_with(reply)
        outcome = sts_broker_api(sts).handle({"items": [KEY, "movies/b.mp4"], "bucket": "films"})
    assert outcome.status == status
    assert outcome.body["error"]["code"] == code
    assert outcome.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert outcome.body["error"]["retry_after"] == RETRY_AFTER_SECONDS
    assert outcome.log["outcome"] == code and outcome.log["items"] == 2


def test_sts_trouble_on_some_items_keeps_the_others():
    with FakeSts() as sts:
        sts.fail_with(THROTTLING)
        outcome = sts_broker_api(sts).handle(
            {"items": [{"key": KEY, "bucket": "films"}, {"key": "posters/metropolis.jpg", "bucket": "posters"}]}
        )
    assert outcome.status == 200
    throttled, signed = outcome.body["results"]
    assert throttled["error"]["code"] == "Throttled" and throttled["key"] == KEY
    assert signed["bucket"] == "posters" and "url" in signed


def test_all_items_failing_for_the_callers_reasons_stay_per_item():
    outcome = make_api().handle({"items": ["private/a", "private/b"]})
    assert outcome.status == 200
    assert [r["error"]["code"] for r in outcome.body["results"]] == ["KeyNotAllowed", "KeyNotAllowed"]


# --- the existence check ----------------------------------------------------------------------


class RecordingChecker:
    """Stands in for S3's answer to the HEAD (the integration tests ask moto):
    records the URLs it is given and refuses the keys it is told to."""

    def __init__(self, missing=(), denied=()):
        self.urls: list[str] = []
        self.missing, self.denied = set(missing), set(denied)

    def __call__(self, url: str, deadline=None) -> None:
        self.urls.append(url)
        path = unquote(urlsplit(url).path)
        if any(path.endswith(k) for k in self.missing):
            raise NoSuchKey("no such object")
        if any(path.endswith(k) for k in self.denied):
            raise AccessDenied("denied")


def test_check_is_off_by_default():
    checker = RecordingChecker()
    make_api(checker=checker).handle({"key": KEY})
    assert checker.urls == []


def test_check_heads_a_short_lived_url_for_the_same_object_and_version():
    checker = RecordingChecker()
    request = {"key": KEY, "check": True, "version_id": "3HL4kqtJlcpXroDTDmJ", "expires_in": 1800}
    outcome = make_api(checker=checker).handle(request)
    assert outcome.status == 200
    assert outcome.body["expires_in"] == 1800  # the check does not shorten the URL handed out
    (head,) = checker.urls
    query = url_query(head)
    assert query["X-Amz-Expires"] == str(CHECK_URL_SECONDS)
    assert query["versionId"] == "3HL4kqtJlcpXroDTDmJ"
    assert urlsplit(head).path == urlsplit(outcome.body["url"]).path
    assert head != outcome.body["url"]  # signed for HEAD, not GET


@pytest.mark.parametrize(
    ("refusal", "status", "code"), [("missing", 404, "NoSuchKey"), ("denied", 403, "AccessDenied")]
)
def test_check_refusals(refusal, status, code):
    checker = RecordingChecker(**{refusal: [KEY]})
    outcome = make_api(checker=checker).handle({"key": KEY, "check": True})
    assert (outcome.status, outcome.body["error"]["code"]) == (status, code)
    assert "url" not in json.dumps(outcome.body)


def test_batch_check_runs_concurrently_and_keeps_order():
    keys = [f"movies/reel-{i:02d}.mp4" for i in range(40)]
    missing = keys[5::7]
    checker = RecordingChecker(missing=missing)
    outcome = make_api(checker=checker).handle({"items": keys, "check": True})
    assert outcome.status == 200
    results = outcome.body["results"]
    assert [r["key"] for r in results] == keys
    assert [r["key"] for r in results if "error" in r] == missing
    assert all(r["error"]["code"] == "NoSuchKey" for r in results if "error" in r)
    assert len(checker.urls) == len(keys)


def test_check_per_item_in_a_batch():
    checker = RecordingChecker()
    make_api(checker=checker).handle({"items": [KEY, {"key": "movies/b.mp4", "check": True}]})
    assert len(checker.urls) == 1 and "movies/b.mp4" in checker.urls[0]


# --- helpers ----------------------------------------------------------------------------------


def test_error_outcome_with_retry_after():
    outcome = error_outcome(StsThrottled("slow down", retry_after=7), {"key": KEY})
    assert outcome.status == 429
    assert outcome.headers == {"Retry-After": "7"}
    assert outcome.body == {"error": {"code": "Throttled", "message": "slow down", "retry_after": 7}}
    assert outcome.log == {"key": KEY, "outcome": "Throttled"}


def test_error_outcome_without_retry_after_has_no_header():
    outcome = error_outcome(InvalidRequest("no"))
    assert outcome.headers == {} and "retry_after" not in outcome.body["error"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (None, InvalidRequest),
        (b"\xff{}", MalformedJson),
        (b"{'key': 1}", MalformedJson),
        (b"[" * 100_000, MalformedJson),
    ],
)
def test_parse_json_refusals(data, error):
    with pytest.raises(error) as raised:
        parse_json(data)
    assert type(raised.value) is error
    assert "Traceback" not in raised.value.message


def test_parse_json_reads_any_json_value():
    assert parse_json(b'{"key": "movies/a"}') == {"key": "movies/a"}
    assert parse_json(b"[1]") == [1]  # Api.handle refuses it, with a 400


def test_no_result_or_log_holds_a_signature():
    outcome = make_api().handle({"key": KEY})
    assert not re.search(r"X-Amz|Signature|wJalrXUtnFEMI", json.dumps(outcome.log))


def test_a_check_is_signed_when_it_runs_within_its_grant():
    """A batch signs every item, then checks: a HEAD signed at the grant's
    second came back expired from S3 after 60 s, read as AccessDenied."""
    from xpresign.errors import ServiceUnavailable
    from xpresign.sigv4 import amz_date

    checker = RecordingChecker()
    api = make_api(checker=checker)
    bucket = api.presigner.config.bucket()
    download = api.presigner.download(KEY, bucket=bucket, requested=900)
    grant = api.presigner.grant(bucket, 900)
    api.presigner.clock = lambda: NOW + 100
    api.check(download, grant, NO_DEADLINE)
    head = url_query(checker.urls[-1])
    assert (head["X-Amz-Date"], head["X-Amz-Expires"]) == (amz_date(NOW + 100), "60")
    api.presigner.clock = lambda: NOW + 870  # 30 s of the grant left: the HEAD ends with it
    api.check(download, grant, NO_DEADLINE)
    assert url_query(checker.urls[-1])["X-Amz-Expires"] == "30"
    api.presigner.clock = lambda: NOW + 900
    with pytest.raises(ServiceUnavailable, match="no time was left"):
        api.check(download, grant, NO_DEADLINE)


def test_credentials_nothing_will_renew_are_no_credentials_not_try_again():
    """Exported keys with AWS_CREDENTIAL_EXPIRATION close to their end: a 503
    "try again" every second would never succeed."""
    ending = datetime.fromtimestamp(NOW + 30, tz=UTC).isoformat()
    api = make_api({"AWS_SESSION_TOKEN": "token", "AWS_CREDENTIAL_EXPIRATION": ending})
    outcome = api.handle({"key": KEY})
    assert (outcome.status, outcome.body["error"]["code"]) == (500, "NoCredentials")
    assert "renew them" in outcome.body["error"]["message"] and "Retry-After" not in outcome.headers
