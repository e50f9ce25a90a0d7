"""Bad input at every front door (issue 5): property-based tests drive the Lambda
handler with arbitrary and malformed events and requests.

For every event: no exception escapes; an HTTP front door answers 2xx or 4xx,
never 5xx, with a JSON body; an error is ``{"error": {"code", "message"}}`` with
a code from the stable set and the status that code promises; and neither the
response nor any log record holds a stack trace. Each invocation writes exactly
one request log line, which Lambda's runtime can write (valid UTF-8) in its text
and its JSON log format.

The app signs with static credentials and no role, so no STS is involved; its
S3 endpoint is a tiny server on loopback that answers every existence check
with 404, so ``check: true`` is fair game and nothing reaches AWS.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tests.support.log_capture import lambda_json
from xpresign.events import MAX_BODY_BYTES
from xpresign.lambda_handler import build_app

EVENTS = Path(__file__).resolve().parents[1] / "events"
BUCKET = "classic-movies"
MAX_BATCH = 5
MAX_EXPIRES = 604_800  # SigV4's limit, and the configured maximum here
ENV = {
    "XPRESIGN_BUCKET": BUCKET,
    "XPRESIGN_ALLOWED_PREFIXES": "movies/",
    "XPRESIGN_MAX_BATCH": str(MAX_BATCH),
    "XPRESIGN_MAX_EXPIRES": str(MAX_EXPIRES),
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_REGION": "us-east-1",
    "XPRESIGN_CORS_ALLOW_ORIGINS": "https://app.example.com",
}
#: The error codes of the contract, with the status each promises. A change here
#: breaks clients: it must be deliberate.
STABLE_CODES = {
    "InvalidRequest": 400,
    "MalformedJSON": 400,
    "InvalidParameter": 400,
    "MissingKey": 400,
    "InvalidKey": 400,
    "KeyTooLong": 400,
    "InvalidExpiry": 400,
    "InvalidBucketName": 400,
    "UnknownBucket": 400,
    "KeyNotAllowed": 403,
    "MethodNotAllowed": 405,
    "BatchTooLarge": 413,
    "PayloadTooLarge": 413,
    "NoSuchKey": 404,  # the existence check (see s3_without_objects)
    "AccessDenied": 403,
}
RESULT_FIELDS = {"url", "bucket", "key", "expires_at", "expires_in", "capped_by"}
STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "')
#: Examples per property: the broad properties get the most; the whole file stays
#: well under 30 s on a shared 2-core machine.
BROAD, FOCUSED, SIMPLE = 200, 100, 40
SETTINGS = settings(
    max_examples=BROAD,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


# --- the apps under test, and what each invocation logged ------------------------------------


class _NoObjects(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def s3_without_objects():
    """An S3 endpoint on loopback where no object exists (HEAD answers 404)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoObjects)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def env(s3_without_objects) -> dict[str, str]:
    return {**ENV, "AWS_ENDPOINT_URL": s3_without_objects}


@pytest.fixture(scope="module")
def apps(env):
    """The same configuration in Lambda's text and JSON log formats."""
    return [build_app(env), build_app({**env, "AWS_LAMBDA_LOG_FORMAT": "JSON"})]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def recorded_logs():
    handler = _Records()
    logger = logging.getLogger("xpresign")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def serve(apps, event) -> list[object]:
    """Invoke every app with (a copy of) ``event``; check the logs of each call."""
    responses = []
    for app in apps:
        with recorded_logs() as records:
            responses.append(app(copy.deepcopy(event), None))
        request_lines = [r for r in records if r.name == "xpresign.request"]
        assert len(request_lines) == 1, [r.getMessage() for r in records]
        for record in records:
            # What Lambda's runtime writes, in each format: it must be writable as UTF-8.
            for line in (record.getMessage(), json.dumps(lambda_json(record), ensure_ascii=False, default=str)):
                line.encode("utf-8")
                assert not any(marker in line for marker in STACK_TRACE_MARKERS[:2]), line
            assert record.exc_info is None and record.stack_info is None
            assert record.levelno < logging.WARNING, record.getMessage()  # WARNING is for 5xx
    return responses


def check_error(body: object) -> tuple[str, int]:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message"}, error
    assert error["code"] in STABLE_CODES, error
    assert isinstance(error["message"], str) and error["message"].strip()
    assert not any(marker in error["message"] for marker in STACK_TRACE_MARKERS[:2])
    return error["code"], STABLE_CODES[error["code"]]


def check_success(body: dict) -> None:
    if "results" in body:
        assert set(body) == {"results"}
        assert 1 <= len(body["results"]) <= MAX_BATCH
        for entry in body["results"]:
            if "error" in entry:
                assert set(entry) <= {"key", "error"}
                check_error({"error": entry["error"]})
            else:
                assert set(entry) == RESULT_FIELDS
    else:
        assert set(body) == RESULT_FIELDS, body
        assert body["bucket"] == BUCKET and 1 <= body["expires_in"] <= MAX_EXPIRES


def outcome(response: object) -> tuple[int | None, dict]:
    """(status, body) of one response; status None for a direct invocation.
    Asserts the response is well formed for its kind."""
    assert isinstance(response, dict)
    assert "Traceback" not in json.dumps(response)
    if "statusCode" not in response:
        if "error" in response:
            check_error(response)
        else:
            check_success(response)
        return None, response
    status = response["statusCode"]
    assert isinstance(status, int) and (200 <= status < 300 or 400 <= status < 500), response
    headers = response.get("headers") or {k: v[-1] for k, v in response["multiValueHeaders"].items()}
    assert headers["Cache-Control"] == "no-store"
    if status == 204:  # a CORS preflight: no content at all
        assert response["body"] == "" and "Content-Type" not in headers
        return status, None
    assert headers["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    if currently_in_test_context():
        note_event(f"{status} {body.get('error', {}).get('code', '')}")  # --hypothesis-show-statistics
    if status >= 400:
        code, promised = check_error(body)
        assert status == promised, (status, code)
    else:
        check_success(body)
    return status, body


def error_code(response: object) -> str | None:
    _status, body = outcome(response)
    return body.get("error", {}).get("code")


# --- strategies: values ---------------------------------------------------------------------------

SURROGATES = st.sampled_from(["\ud800", "\udfff", "movies/\udc80.mp4", "movies/a\ud83d.mp4"])
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(max_size=24)
    | SURROGATES
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)

EMPTY_KEY = ""
KEY_1025_BYTES = st.sampled_from(["movies/" + "a" * 1018, "movies/" + "é" * 509, "movies/" + "🎬" * 254 + "ab"])
ALLOWED_KEYS = st.text(min_size=1, max_size=40).map(lambda s: "movies/" + s)
OTHER_KEYS = st.text(min_size=1, max_size=40).filter(lambda s: not s.startswith("movies/"))
keys = st.just(EMPTY_KEY) | KEY_1025_BYTES | ALLOWED_KEYS | OTHER_KEYS | SURROGATES | json_values

BAD_EXPIRIES = (
    st.integers(max_value=0)
    | st.integers(min_value=MAX_EXPIRES + 1, max_value=10**40)
    | st.floats()
    | st.booleans()
    | st.text(max_size=12)
    | st.lists(st.integers(1, 900), max_size=2)
)
expiries = BAD_EXPIRIES | st.integers(1, MAX_EXPIRES) | st.none()
buckets = st.none() | st.just(BUCKET) | st.just("") | st.text(max_size=70) | json_values
strings = st.text(max_size=40) | SURROGATES | json_values

item_fields = {
    "key": keys,
    "object_key": keys,
    "bucket": buckets,
    "expires_in": expiries,
    "filename": strings,
    "response_content_type": strings,
    "version_id": strings,
    "check": st.booleans() | json_values,
}
items = st.fixed_dictionaries({}, optional=item_fields) | st.builds(
    lambda item, extra: {**extra, **item},
    st.fixed_dictionaries({}, optional=item_fields),
    st.dictionaries(st.text(max_size=10), json_values, min_size=1, max_size=2),
)
batches = st.fixed_dictionaries(
    {"items": st.lists(items | keys, min_size=0, max_size=MAX_BATCH + 2) | json_values},
    optional={"bucket": buckets, "expires_in": expiries, "check": st.booleans() | json_values, "filename": strings},
)
requests = items | batches | json_values


# --- strategies: events at every front door --------------------------------------------------------

SERVED_METHODS = st.sampled_from(["GET", "POST"])
METHODS = SERVED_METHODS | st.sampled_from(["OPTIONS", "PUT", "DELETE", "HEAD", "PATCH", "get", ""])


@st.composite
def post_bodies(draw) -> tuple[object, bool]:
    """(body, isBase64Encoded) as a front door would deliver, well formed or not."""
    request = draw(requests)
    text = json.dumps(request)
    kinds = ["json", "json-b64", "truncated", "garbage", "non-utf8", "bad-b64", "huge", "wrong-type", "none"]
    kind = draw(st.sampled_from(kinds))
    if kind == "json":
        return text, False
    if kind == "json-b64":
        return base64.b64encode(text.encode()).decode(), True
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))], False
    if kind == "garbage":
        return draw(st.text(max_size=60) | SURROGATES), draw(st.booleans())
    if kind == "non-utf8":
        return base64.b64encode(b"\xff" + draw(st.binary(max_size=40)) + b"\xc3").decode(), True
    if kind == "bad-b64":
        return draw(st.text(min_size=1, max_size=40).filter(lambda s: len(s) % 4 != 0 or "!" in s)), True
    if kind == "huge":
        return '{"key": "movies/' + "x" * (MAX_BODY_BYTES + draw(st.integers(0, 64))) + '"}', False
    if kind == "wrong-type":
        return draw(json_values.filter(lambda v: not isinstance(v, str) and v is not None)), False
    return None, False


QUERY_FIELDS = ["key", "bucket", "expires_in", "filename", "response_content_type", "version_id", "check"]
query_values = (
    st.text(max_size=30)
    | KEY_1025_BYTES
    | ALLOWED_KEYS
    | st.integers().map(str)
    | st.sampled_from(["", "0", "-1", "1.5", "1e3", "900.0", "604801", "9" * 40, "true", "false", "maybe"])
)
queries = st.fixed_dictionaries({}, optional={name: query_values for name in QUERY_FIELDS}) | st.dictionaries(
    st.sampled_from(QUERY_FIELDS) | st.text(max_size=8), query_values, max_size=5
)


def set_method(event: dict, door: str, method: str) -> None:
    if door in ("rest", "alb", "alb-multi"):
        event["httpMethod"] = method
    if door == "rest":
        event["requestContext"]["httpMethod"] = method
    if door in ("http", "function-url"):
        event["requestContext"]["http"]["method"] = method


def set_query(event: dict, door: str, query: dict[str, str]) -> None:
    if door == "alb":
        event["queryStringParameters"] = {quote_plus(k): quote_plus(v, safe="/") for k, v in query.items()}
    elif door == "alb-multi":
        event["multiValueQueryStringParameters"] = {quote_plus(k): [quote_plus(v)] for k, v in query.items()}
    else:
        event["queryStringParameters"] = query or None


TEMPLATES = {
    "rest": "rest_api_v1_post.json",
    "http": "http_api_v2_post.json",
    "function-url": "function_url_iam_post.json",
    "alb": "alb_post.json",
    "alb-multi": "alb_multivalue_get.json",
}
DOORS = sorted(TEMPLATES)


@st.composite
def http_events(draw, doors=DOORS, methods=METHODS) -> dict:
    door = draw(st.sampled_from(doors))
    event = load(TEMPLATES[door])
    method = draw(methods)
    set_method(event, door, method)
    set_query(event, door, draw(queries))
    event["body"], event["isBase64Encoded"] = draw(post_bodies())
    return event


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path to an entry of the nested mappings in ``value``."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found += paths(child, (*prefix, key))
    return found


@st.composite
def mutated_events(draw) -> dict:
    """A front-door event with some fields deleted or replaced by anything."""
    event = draw(http_events())
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths(event)))
        parent = event
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
        if not paths(event):
            break
    return event


# --- properties -------------------------------------------------------------------------------------


@SETTINGS
@given(event=json_values | requests)
def test_any_json_as_a_direct_invocation(apps, event):
    for response in serve(apps, event):
        outcome(response)


@SETTINGS
@given(event=http_events(methods=SERVED_METHODS))
def test_any_request_through_any_front_door(apps, event):
    for response in serve(apps, event):
        outcome(response)


@SETTINGS
@given(event=mutated_events())
def test_events_with_wrong_types_and_missing_fields(apps, event):
    for response in serve(apps, event):
        outcome(response)


def post(door: str, body: str, *, b64: bool = False) -> dict:
    event = load(TEMPLATES[door])
    set_method(event, door, "POST")
    event["body"], event["isBase64Encoded"] = body, b64
    return event


def get(door: str, query: dict[str, str]) -> dict:
    event = load(TEMPLATES[door])
    set_method(event, door, "GET")
    set_query(event, door, query)
    event["body"] = None
    return event


def through_every_door(request: dict) -> list[dict | object]:
    """``request`` as a direct invocation and as a JSON POST at every HTTP front door."""
    return [request] + [post(door, json.dumps(request)) for door in DOORS]


@settings(SETTINGS, max_examples=FOCUSED)
@given(
    key=st.just(EMPTY_KEY) | KEY_1025_BYTES | OTHER_KEYS | SURROGATES | st.integers() | st.lists(st.text(), max_size=1)
)
def test_bad_keys_get_their_code(apps, key):
    if key == EMPTY_KEY:
        expected = "MissingKey"
    elif not isinstance(key, str) or any(0xD800 <= ord(c) <= 0xDFFF for c in key):
        expected = "InvalidKey"
    elif len(key.encode()) > 1024:
        expected = "KeyTooLong"
    else:
        expected = "KeyNotAllowed"
    events = through_every_door({"key": key})
    if isinstance(key, str) and expected != "InvalidKey":
        events += [get(door, {"key": key}) for door in DOORS]
    for event in events:
        for response in serve(apps, event):
            assert error_code(response) == expected, (event, response)


@settings(SETTINGS, max_examples=FOCUSED)
@given(expires_in=BAD_EXPIRIES)
def test_bad_expiries_are_invalid_expiry(apps, expires_in):
    for event in through_every_door({"key": "movies/metropolis-1927.mp4", "expires_in": expires_in}):
        for response in serve(apps, event):
            assert error_code(response) == "InvalidExpiry", (expires_in, response)


@settings(SETTINGS, max_examples=SIMPLE)
@given(
    expires_in=st.sampled_from(["-1", "0", "1.5", "1e3", "900.0", "604801", "9" * 40, "", "abc", "15m", "0x10"])
    | st.integers(max_value=0).map(str)
    | st.integers(min_value=MAX_EXPIRES + 1).map(str)
)
def test_bad_expiries_in_a_query_string(apps, expires_in):
    for door in DOORS:
        for response in serve(apps, get(door, {"key": "movies/metropolis-1927.mp4", "expires_in": expires_in})):
            assert error_code(response) == "InvalidExpiry", (door, expires_in, response)


@settings(SETTINGS, max_examples=SIMPLE)
@given(batch=st.lists(items | keys, min_size=MAX_BATCH + 1, max_size=MAX_BATCH + 30))
def test_batches_over_the_limit(apps, batch):
    for event in through_every_door({"items": batch}):
        for response in serve(apps, event):
            assert error_code(response) == "BatchTooLarge"


@settings(SETTINGS, max_examples=FOCUSED)
@given(bucket=(st.text(max_size=70) | SURROGATES | json_values).filter(lambda b: b not in (None, "", BUCKET)))
def test_unknown_buckets(apps, bucket):
    events = through_every_door({"key": "movies/metropolis-1927.mp4", "bucket": bucket})
    events.append({"items": ["movies/metropolis-1927.mp4"], "bucket": bucket})
    for event in events:
        for response in serve(apps, event):
            _status, body = outcome(response)
            codes = [r["error"]["code"] for r in body["results"]] if "results" in body else [body["error"]["code"]]
            assert codes == ["UnknownBucket"], (bucket, response)


MALFORMED_BODIES = [
    ("truncated JSON", st.sampled_from(['{"key": "movies/a.mp4"', '{"key": ', "[", '{"items": [1,]}', "{'key': 'movies/a.mp4'}"]), False, "MalformedJSON"),
    ("non-UTF-8", st.binary(max_size=30).map(lambda b: base64.b64encode(b"\x80" + b).decode()), True, "MalformedJSON"),
    ("invalid base64", st.sampled_from(["%%%%", "eyJrZXkiOiAi=x", "not base64", "YQ"]), True, "InvalidRequest"),
    ("huge", st.integers(1, 4096).map(lambda n: "x" * (MAX_BODY_BYTES + n)), False, "PayloadTooLarge"),
    ("huge base64", st.integers(1, 4096).map(lambda n: base64.b64encode(b" " * (MAX_BODY_BYTES + n)).decode()), True, "PayloadTooLarge"),
    ("deeply nested", st.integers(100_000, 200_000).map(lambda n: "[" * n + "]" * n), False, "MalformedJSON"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "bodies", "b64", "expected"), MALFORMED_BODIES, ids=[m[0] for m in MALFORMED_BODIES])
def test_malformed_bodies(apps, kind, bodies, b64, expected):
    @settings(SETTINGS, max_examples=SIMPLE // 2)
    @given(body=bodies)
    def check(body):
        for door in DOORS:
            for response in serve(apps, post(door, body, b64=b64)):
                assert error_code(response) == expected, (kind, door)

    check()


@pytest.mark.parametrize("door", DOORS)
def test_body_of_the_wrong_type(apps, door):
    for body in ({"key": "movies/a.mp4"}, ["movies/a.mp4"], 42, True):
        event = post(door, "")
        event["body"] = body
        for response in serve(apps, event):
            assert error_code(response) == "InvalidRequest"


def test_default_batch_limit(env):
    app = build_app({k: v for k, v in env.items() if k != "XPRESIGN_MAX_BATCH"})
    for event in through_every_door({"items": ["movies/metropolis-1927.mp4"] * 1001}):
        assert error_code(app(event, None)) == "BatchTooLarge"
    results = app({"items": ["movies/metropolis-1927.mp4"] * 1000}, None)["results"]
    assert len(results) == 1000 and all("url" in r for r in results)


def test_check_reaches_the_loopback_s3_only(apps):
    # The guard the properties rely on: an existence check answers 404 here.
    for response in serve(apps, {"key": "movies/metropolis-1927.mp4", "check": True}):
        assert error_code(response) == "NoSuchKey"
