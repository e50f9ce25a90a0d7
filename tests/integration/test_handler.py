"""xpresign.lambda_handler.handler driven with every event fixture in tests/events,
against the moto server the tests start (account A's bucket and role, account
B's Lambda credentials), downloading each URL it hands out.

Where moto cannot be made to refuse on cue, a real HTTP peer on loopback
stands in: the fake STS of tests/support (AccessDenied, throttling, 5xx) and,
for the existence check's 403, a tiny S3 endpoint that denies every request
(moto does not evaluate IAM policies for presigned requests).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support.fake_sts import ACCESS_DENIED, INTERNAL_FAILURE, THROTTLING, FakeSts
from tests.support.log_capture import lambda_json, remember_url_secrets
from xpresign import lambda_handler
from xpresign.sts import MAX_ATTEMPTS, RETRY_AFTER_SECONDS

EVENTS = Path(__file__).resolve().parents[1] / "events"
BUCKET = "classic-movies"
#: The role session moto issues lasts an hour; a URL must end a minute before it.
SESSION_SECONDS, SAFETY_MARGIN_SECONDS = 3600, 60
#: Slack between the handler's clock reading and the test's.
CLOCK_SLACK_SECONDS = 5
APP_ORIGIN = "https://app.example.com"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


class LambdaContext:
    """The context object the Lambda runtime passes (the fields xpresign may read)."""

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "xpresign"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:222222222222:function:xpresign"
        self.memory_limit_in_mb = "256"
        self.log_group_name = "/aws/lambda/xpresign"
        self.log_stream_name = "2024/03/15/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


# --- reading responses ------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None for a direct invocation, which returns the body itself
    headers: dict[str, str]
    body: dict
    raw: dict = field(repr=False)


def invoke(event: object, context: LambdaContext | None = None) -> Answer:
    response = lambda_handler.handler(event, context or LambdaContext())
    remember_url_secrets(json.dumps(response))  # signatures and tokens handed out: never to be logged
    assert isinstance(response, dict)
    if "statusCode" not in response:
        return Answer(None, {}, response, response)
    assert response["isBase64Encoded"] is False
    body = json.loads(response["body"]) if response["body"] else {}
    if "multiValueHeaders" in response:
        assert "headers" not in response
        headers = {}
        for name, values in response["multiValueHeaders"].items():
            assert isinstance(values, list) and len(values) == 1, (name, values)
            headers[name] = values[0]
    else:
        headers = response["headers"]
    assert "Traceback" not in json.dumps(response)
    return Answer(response["statusCode"], headers, body, response)


def results_of(answer: Answer) -> list[dict]:
    return answer.body.get("results", [answer.body])


def download(url: str) -> tuple[bytes, Message]:
    """The object's bytes and the response headers (looked up case-insensitively)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


def url_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_iso(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture(scope="module")
def module_lambda_env(two_accounts) -> dict[str, str]:
    """B's Lambda environment (tests/conftest.py's ``lambda_env``), built once per
    module: each build is an AssumeRole through a new boto3 client (~1 s), and
    the Lambda role's session outlives this module by far."""
    return two_accounts.lambda_environment()


@pytest.fixture
def lambda_env(module_lambda_env, monkeypatch) -> dict[str, str]:
    for name, value in module_lambda_env.items():
        monkeypatch.setenv(name, value)
    lambda_handler.reset()
    return module_lambda_env


@pytest.fixture
def configure(lambda_env, monkeypatch):
    """B's Lambda environment on moto, plus the test's settings; the handler
    rebuilds itself from it on the next invocation (a new execution environment)."""

    def apply(**settings: str) -> dict:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        lambda_handler.reset()
        return {**lambda_env, **settings}

    apply()
    return apply


# --- every fixture, end to end ----------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    expires_in: int | None  # None: capped by the role session (asked for its whole hour)
    content_type: str | None = None
    disposition: str | None = None


@dataclass(frozen=True)
class Expect:
    door: str  # direct | http | alb | alb-multi
    items: tuple[Item, ...]
    batch: bool = False


SUCCESSES = {
    "direct_invoke.json": Expect("direct", (
        Item("movies/metropolis-1927.mp4", 900, "video/mp4", 'attachment; filename="Metropolis (1927).mp4"'),)),
    "direct_invoke_seed.json": Expect("direct", (Item("movies/nosferatu (1922).mp4", 900),)),
    "direct_invoke_batch.json": Expect("direct", (
        Item("movies/metropolis-1927.mp4", 1200),
        Item("movies/nosferatu (1922).mp4", 600),
        Item("movies/silent/sunrise 1927.mp4", 1200, None, 'attachment; filename="Sunrise (1927).mp4"'),
    ), batch=True),
    "function_url_iam_post.json": Expect("http", (
        Item("movies/metropolis-1927.mp4", 900, "video/mp4", 'attachment; filename="Metropolis (1927).mp4"'),)),
    "function_url_get_query.json": Expect("http", (
        Item("movies/the general+1926~restored.mp4", 300, None, 'attachment; filename="The General (1926).mp4"'),)),
    "function_url_post_base64.json": Expect("http", (Item("movies/un chien andalou – 1929.mp4", 120),)),
    "http_api_v2_post.json": Expect("http", (
        Item("movies/nosferatu (1922).mp4", 900), Item("movies/silent/sunrise 1927.mp4", 300)), batch=True),
    "rest_api_v1_post.json": Expect("http", (Item("movies/nosferatu (1922).mp4", 1800, "video/mp4"),)),
    "rest_api_v1_get_query.json": Expect("http", (Item("movies/un chien andalou – 1929.mp4", 600, "video/mp4"),)),
    "alb_post.json": Expect("alb", (Item("movies/the general+1926~restored.mp4", None),)),
    "alb_multivalue_get.json": Expect("alb-multi", (
        Item("movies/un chien andalou – 1929.mp4", 600, None, 'attachment; filename="Un chien andalou (1929).mp4"'),)),
}  # fmt: skip
#: Fixtures with their own tests below.
OTHERS = {"rest_api_v1_delete.json", "options_preflight.json"}


def test_every_fixture_is_driven():
    assert sorted(SUCCESSES.keys() | OTHERS) == sorted(p.name for p in EVENTS.glob("*.json"))


def assert_response_shape(answer: Answer, door: str, status: int) -> None:
    if door == "direct":
        assert answer.status is None
        return
    expected = {"statusCode", "body", "isBase64Encoded"}
    expected |= {"headers"} if door != "alb-multi" else {"multiValueHeaders"}
    expected |= {"statusDescription"} if door.startswith("alb") else set()
    assert set(answer.raw) == expected
    assert answer.status == status
    if door.startswith("alb"):
        assert answer.raw["statusDescription"].startswith(f"{status} ")
    if status == 204:  # no content, so no content type
        assert answer.raw["body"] == "" and "Content-Type" not in answer.headers
    else:
        assert answer.headers["Content-Type"] == "application/json"
    # The body holds bearer tokens: no cache may keep it.
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", sorted(SUCCESSES))
def test_fixture_end_to_end(name, configure, two_accounts):
    expect = SUCCESSES[name]
    asked_at = time.time()
    answer = invoke(load(name))
    assert_response_shape(answer, expect.door, 200)
    assert ("results" in answer.body) == expect.batch
    results = results_of(answer)
    assert [r["key"] for r in results] == [item.key for item in expect.items]

    for item, result in zip(expect.items, results, strict=True):
        assert set(result) == {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}
        assert result["bucket"] == BUCKET
        if item.expires_in is None:
            assert result["capped_by"] == "credentials"
            assert result["expires_in"] >= SESSION_SECONDS - SAFETY_MARGIN_SECONDS - CLOCK_SLACK_SECONDS
            assert result["expires_in"] <= SESSION_SECONDS - SAFETY_MARGIN_SECONDS
        else:
            assert (result["expires_in"], result["capped_by"]) == (item.expires_in, None)
        assert abs(parse_iso(result["expires_at"]) - (asked_at + result["expires_in"])) <= CLOCK_SLACK_SECONDS
        query = url_query(result["url"])
        assert query["X-Amz-Expires"] == str(result["expires_in"])
        assert "X-Amz-Security-Token" in query  # signed with the assumed role's session

        data, headers = download(result["url"])
        assert sha256(data) == sha256(two_accounts.objects[item.key])
        if item.content_type:
            assert headers["Content-Type"] == item.content_type
        if item.disposition:
            assert headers["Content-Disposition"] == item.disposition


def test_credentials_are_cached_across_invocations(configure, lambda_env):
    first = invoke(load("function_url_iam_post.json"))
    second = invoke(load("alb_post.json"))
    third = invoke(load("direct_invoke.json"))
    key_ids = {url_query(a.body["url"])["X-Amz-Credential"].split("/")[0] for a in (first, second, third)}
    tokens = {url_query(a.body["url"])["X-Amz-Security-Token"] for a in (first, second, third)}
    # One AssumeRole served all three: the same session signed every URL...
    assert len(key_ids) == 1 and len(tokens) == 1
    # ...and it is the role's session, not the Lambda's own credentials.
    assert key_ids != {lambda_env["AWS_ACCESS_KEY_ID"]}
    assert tokens != {lambda_env["AWS_SESSION_TOKEN"]}


def test_a_new_execution_environment_assumes_the_role_again(configure):
    first = url_query(invoke(load("direct_invoke.json")).body["url"])["X-Amz-Security-Token"]
    configure()  # a cold start
    second = url_query(invoke(load("direct_invoke.json")).body["url"])["X-Amz-Security-Token"]
    assert first != second  # the cache above is the handler's, not moto's


def test_seed_shape_returns_the_same_result_object(configure):
    seed = invoke(load("direct_invoke_seed.json")).body
    plain = invoke({"key": load("direct_invoke_seed.json")["object_key"]}).body
    assert set(seed) == set(plain) == {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}
    for name in ("bucket", "key", "expires_in", "capped_by"):
        assert seed[name] == plain[name]


# --- errors: every code, through the front doors -------------------------------------------


def with_body(name: str, body: object, *, encode: bool = True) -> dict:
    event = load(name)
    event["body"] = json.dumps(body) if encode else body
    event["isBase64Encoded"] = False
    return event


def with_query(name: str, query: dict[str, str]) -> dict:
    event = load(name)
    event["queryStringParameters"] = query
    event.pop("rawQueryString", None)
    return event


LONG_KEY = "movies/" + "r" * 1018  # 1025 bytes

CALLER_ERRORS = [
    # (event, door, status, code)
    (with_body("function_url_iam_post.json", '{"key": "movies/metropolis-1927.mp4",', encode=False), "http", 400, "MalformedJSON"),
    ({**load("function_url_post_base64.json"), "body": "//79/A=="}, "http", 400, "MalformedJSON"),  # not UTF-8
    ({**load("function_url_post_base64.json"), "body": "eyJrZXki!!"}, "http", 400, "InvalidRequest"),  # not base64
    (with_body("http_api_v2_post.json", None, encode=False), "http", 400, "InvalidRequest"),  # no body
    (with_body("rest_api_v1_post.json", {"key": "movies/metropolis-1927.mp4", "ttl": 60}), "http", 400, "InvalidRequest"),
    (with_body("rest_api_v1_post.json", {"expires_in": 60}), "http", 400, "MissingKey"),
    (with_query("function_url_get_query.json", {"expires_in": "60"}), "http", 400, "MissingKey"),
    (with_body("http_api_v2_post.json", {"key": "movies/metropolis-1927.mp4", "expires_in": -60}), "http", 400, "InvalidExpiry"),
    (with_query("rest_api_v1_get_query.json", {"key": "movies/metropolis-1927.mp4", "expires_in": "15m"}), "http", 400, "InvalidExpiry"),
    ({"key": "movies/metropolis-1927.mp4", "expires_in": 604801}, "direct", 400, "InvalidExpiry"),
    (with_body("alb_post.json", {"key": LONG_KEY}), "alb", 400, "KeyTooLong"),
    ({"key": "movies/metropolis-1927.mp4", "bucket": "someone-elses-bucket"}, "direct", 400, "UnknownBucket"),
    (with_query("rest_api_v1_get_query.json", {"key": "private/payroll-2024.csv"}), "http", 403, "KeyNotAllowed"),
    (load("rest_api_v1_delete.json"), "http", 405, "MethodNotAllowed"),
    (with_body("function_url_iam_post.json", "x" * (2 * 1024 * 1024 + 1), encode=False), "http", 413, "PayloadTooLarge"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "door", "status", "code"), CALLER_ERRORS, ids=[f"{c[3]}-{i}" for i, c in enumerate(CALLER_ERRORS)]
)
def test_caller_errors(event, door, status, code, configure):
    answer = invoke(event)
    assert_response_shape(answer, door, status)
    assert answer.body == {"error": {"code": code, "message": answer.body["error"]["message"]}}
    assert isinstance(answer.body["error"]["message"], str) and answer.body["error"]["message"]
    assert 'File "' not in answer.body["error"]["message"]


def test_method_not_allowed_says_what_is(configure):
    answer = invoke(load("rest_api_v1_delete.json"))
    assert answer.headers["Allow"] == "GET, POST, OPTIONS"


def test_batch_too_large(configure):
    configure(XPRESIGN_MAX_BATCH="2")
    direct = invoke(load("direct_invoke_batch.json"))  # three items
    assert direct.body["error"]["code"] == "BatchTooLarge"
    event = with_body("http_api_v2_post.json", {"items": ["movies/metropolis-1927.mp4"] * 3})
    answer = invoke(event)
    assert_response_shape(answer, "http", 413)
    assert answer.body["error"]["code"] == "BatchTooLarge"
    assert invoke(with_body("http_api_v2_post.json", {"items": ["movies/metropolis-1927.mp4"] * 2})).status == 200


def test_batch_with_bad_items_answers_the_good_ones(configure, two_accounts):
    event = with_body("rest_api_v1_post.json", {"items": [
        "movies/metropolis-1927.mp4", "private/payroll-2024.csv", {"key": "movies/nosferatu (1922).mp4", "expires_in": 0},
        {"key": "movies/silent/sunrise 1927.mp4", "bucket": "nope"}, "movies/nosferatu (1922).mp4"]})  # fmt: skip
    answer = invoke(event)
    assert answer.status == 200
    results = answer.body["results"]
    codes = [r.get("error", {}).get("code") for r in results]
    assert codes == [None, "KeyNotAllowed", "InvalidExpiry", "UnknownBucket", None]
    for result in (results[0], results[4]):
        assert sha256(download(result["url"])[0]) == sha256(two_accounts.objects[result["key"]])


# --- the existence check -------------------------------------------------------------------------


def test_check_finds_an_existing_object(configure):
    event = load("alb_multivalue_get.json")
    event["multiValueQueryStringParameters"]["check"] = ["true"]
    answer = invoke(event)
    assert answer.status == 200 and "url" in answer.body


def test_check_missing_object_is_404(configure):
    answer = invoke(with_query("function_url_get_query.json", {"key": "movies/lost-reel-1916.mp4", "check": "true"}))
    assert_response_shape(answer, "http", 404)
    assert answer.body["error"]["code"] == "NoSuchKey"
    direct = invoke({"object_key": "movies/lost-reel-1916.mp4", "check": True})
    assert direct.body["error"]["code"] == "NoSuchKey"


def test_check_in_a_batch_is_per_item(configure):
    keys = ["movies/metropolis-1927.mp4", "movies/lost-reel-1916.mp4", "movies/nosferatu (1922).mp4"]
    answer = invoke({"items": keys, "check": True})
    assert [r.get("error", {}).get("code") for r in answer.body["results"]] == [None, "NoSuchKey", None]


class DenyingS3:
    """S3 as the bucket owner's role meets it for a key its policy does not
    cover: every request is refused with 403 (HEAD answers have no body).
    A real HTTP server on 127.0.0.1; records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        denying = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                denying.requests.append(("HEAD", self.path))
                self.send_response(403)
                self.send_header("x-amz-request-id", "4442587FB7D0A2F9")
                self.send_header("Content-Type", "application/xml")
                self.end_headers()

            def do_GET(self) -> None:
                denying.requests.append(("GET", self.path))
                body = (
                    b'<?xml version="1.0" encoding="UTF-8"?>\n'
                    b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                )
                self.send_response(403)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DenyingS3:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def test_check_denied_object_is_403(configure):
    with DenyingS3() as s3:
        configure(AWS_ENDPOINT_URL_S3=s3.url)  # STS stays moto: the role is really assumed
        answer = invoke(with_body("function_url_iam_post.json", {"key": "movies/metropolis-1927.mp4", "check": True}))
    assert_response_shape(answer, "http", 403)
    assert answer.body["error"]["code"] == "AccessDenied"
    ((method, path),) = s3.requests
    assert method == "HEAD"
    assert unquote(urlsplit(path).path) == "/classic-movies/movies/metropolis-1927.mp4"
    assert "X-Amz-Security-Token" in url_query(path)


# --- STS refusing, throttling, failing ---------------------------------------------------------------


@pytest.fixture
def fake_sts(configure):
    with FakeSts() as sts:
        configure(AWS_ENDPOINT_URL_STS=sts.url)
        yield sts


def test_role_not_assumable_is_403(fake_sts):
    fake_sts.fail_with(ACCESS_DENIED)
    answer = invoke(load("function_url_iam_post.json"))
    assert_response_shape(answer, "http", 403)
    assert answer.body["error"]["code"] == "RoleNotAssumable"
    assert answer.body["error"]["message"] == "STS refused the AssumeRole into the bucket owner's role"
    assert "Retry-After" not in answer.headers
    assert fake_sts.count == 1  # a refusal is final: no retries


STS_TROUBLE = [(THROTTLING, 429, "Throttled"), (INTERNAL_FAILURE, 503, "ServiceUnavailable")]


@pytest.mark.parametrize(("reply", "status", "code"), STS_TROUBLE)
@pytest.mark.parametrize("name", ["function_url_iam_post.json", "http_api_v2_post.json", "alb_multivalue_get.json"])
def test_sts_trouble_is_retryable_with_retry_after(fake_sts, reply, status, code, name):
    fake_sts.fail_with(reply)
    answer = invoke(load(name))  # http_api_v2_post.json is a batch: its items fail together
    door = "alb-multi" if name.startswith("alb") else "http"
    assert_response_shape(answer, door, status)
    error = answer.body["error"]
    assert answer.body == {"error": {"code": code, "message": error["message"], "retry_after": RETRY_AFTER_SECONDS}}
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert fake_sts.count == MAX_ATTEMPTS  # retried before giving up, once for the whole batch


@pytest.mark.parametrize(("reply", "status", "code"), STS_TROUBLE)
def test_single_request_retries_sts_then_gives_up(fake_sts, reply, status, code):
    fake_sts.fail_with(reply)
    assert invoke(load("function_url_iam_post.json")).status == status
    assert fake_sts.count == MAX_ATTEMPTS


def test_a_batch_under_an_sts_outage_asks_sts_no_more_than_one_request_would(fake_sts):
    fake_sts.fail_with(THROTTLING)
    answer = invoke({"items": [f"movies/reel-{i}.mp4" for i in range(4)]})
    assert answer.body["error"]["code"] == "Throttled"
    assert fake_sts.count == MAX_ATTEMPTS


def test_direct_invocation_reports_retry_after_in_the_body(fake_sts):
    fake_sts.fail_with(THROTTLING)
    error = invoke(load("direct_invoke.json")).body["error"]
    assert (error["code"], error["retry_after"]) == ("Throttled", RETRY_AFTER_SECONDS)
    assert set(error) == {"code", "message", "retry_after"}


def test_cached_credentials_outlive_an_sts_outage(fake_sts):
    assert invoke(load("function_url_iam_post.json")).status == 200
    fake_sts.fail_with(INTERNAL_FAILURE)
    assert invoke(load("rest_api_v1_post.json")).status == 200
    assert fake_sts.count == 1


# --- CORS ----------------------------------------------------------------------------------------


def test_allowed_origin_is_echoed_and_varies(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS=f"{APP_ORIGIN},https://admin.example.com")
    answer = invoke(load("http_api_v2_post.json"))
    assert answer.status == 200
    assert answer.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert answer.headers["Vary"] == "Origin"


def test_errors_carry_cors_headers_so_the_browser_can_read_them(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS=APP_ORIGIN)
    answer = invoke(with_body("http_api_v2_post.json", {"key": "private/payroll-2024.csv"}))
    assert answer.status == 403
    assert answer.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


def test_disallowed_origin_gets_no_cors_headers(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS=APP_ORIGIN)
    event = load("http_api_v2_post.json")
    event["headers"]["origin"] = "https://evil.example"
    answer = invoke(event)
    assert answer.status == 200  # the browser, not the service, withholds the answer
    assert not any(name.lower().startswith("access-control-") for name in answer.headers)


def test_without_cors_configuration_no_origin_is_allowed(configure):
    answer = invoke(load("http_api_v2_post.json"))
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_wildcard_origin(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS="*")
    answer = invoke(load("http_api_v2_post.json"))
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in answer.headers


def test_preflight(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS=APP_ORIGIN)
    answer = invoke(load("options_preflight.json"))
    assert_response_shape(answer, "http", 204)
    assert answer.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert answer.headers["Vary"] == "Origin"
    methods = {m.strip() for m in answer.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "OPTIONS"} <= methods
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    requested = load("options_preflight.json")["headers"]["access-control-request-headers"]
    assert {h.strip() for h in requested.split(",")} <= allowed
    assert int(answer.headers["Access-Control-Max-Age"]) > 0


def test_preflight_from_a_disallowed_origin(configure):
    configure(XPRESIGN_CORS_ALLOW_ORIGINS=APP_ORIGIN)
    event = load("options_preflight.json")
    event["headers"]["origin"] = "https://evil.example"
    answer = invoke(event)
    assert answer.status == 204
    assert not any(name.lower().startswith("access-control-") for name in answer.headers)


# --- the request's log line ------------------------------------------------------------------------

LOG_FIELDS = {"request_id", "front_door", "bucket", "key", "items", "expires_in", "outcome", "status", "duration_ms"}


def request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "xpresign.request"]


def assert_no_secret_in(text: str, env: dict) -> None:
    for marker in ("X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "http://", "https://"):
        assert marker not in text
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[name] not in text


def test_one_structured_line_per_request(configure, caplog, lambda_env):
    caplog.set_level(logging.INFO, logger="xpresign.request")
    context = LambdaContext()
    invoke(load("function_url_iam_post.json"), context)
    (record,) = request_records(caplog)
    assert "\n" not in record.getMessage()
    fields = json.loads(record.getMessage())
    assert set(fields) >= LOG_FIELDS
    assert fields["request_id"] == context.aws_request_id
    assert fields["front_door"] == "function-url"
    assert (fields["bucket"], fields["key"], fields["items"]) == (BUCKET, "movies/metropolis-1927.mp4", 1)
    assert (fields["expires_in"], fields.get("capped_by")) == (900, None)
    assert (fields["outcome"], fields["status"]) == ("ok", 200)
    assert isinstance(fields["duration_ms"], (int, float)) and fields["duration_ms"] >= 0
    assert fields["caller"] == "arn:aws:sts::444455556666:assumed-role/video-portal/portal-web"
    assert_no_secret_in(record.getMessage(), lambda_env)


def test_log_line_of_a_capped_batch_and_of_an_error(configure, caplog, lambda_env):
    caplog.set_level(logging.INFO, logger="xpresign.request")
    invoke({"items": ["movies/metropolis-1927.mp4", "movies/nosferatu (1922).mp4"], "expires_in": 3600})
    invoke(with_query("rest_api_v1_get_query.json", {"key": "private/payroll-2024.csv"}))
    batch, error = (json.loads(r.getMessage()) for r in request_records(caplog))
    assert (batch["items"], batch["capped_by"]) == (2, "credentials")
    assert (batch["outcome"], batch["front_door"]) == ("ok", "direct")
    assert (error["outcome"], error["status"], error["key"]) == ("KeyNotAllowed", 403, "private/payroll-2024.csv")
    for record in request_records(caplog):
        assert_no_secret_in(record.getMessage(), lambda_env)


def test_request_id_falls_back_to_the_front_doors_id(configure, caplog):
    caplog.set_level(logging.INFO, logger="xpresign.request")
    lambda_handler.handler(load("rest_api_v1_post.json"), None)
    (record,) = request_records(caplog)
    assert json.loads(record.getMessage())["request_id"] == "6c1f2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f"


def test_lambda_json_log_format(configure, caplog, monkeypatch, lambda_env):
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    lambda_handler.reset()
    caplog.set_level(logging.INFO, logger="xpresign.request")
    context = LambdaContext()
    invoke(load("alb_post.json"), context)
    (record,) = request_records(caplog)
    # Lambda's JSON formatter writes the record's extra fields as top-level keys.
    line = json.dumps(lambda_json(record), ensure_ascii=False)
    assert "\n" not in line
    document = json.loads(line)
    assert document["message"] == "request" and document["level"] == "INFO"
    assert set(document) >= LOG_FIELDS
    assert document["request_id"] == context.aws_request_id
    assert (document["front_door"], document["capped_by"]) == ("alb", "credentials")
    assert document["key"] == "movies/the general+1926~restored.mp4"
    assert_no_secret_in(line, lambda_env)
