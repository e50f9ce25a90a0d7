"""The Lambda handler answers a plain GET (one key in the only bucket) past the
router's general layers (``App._signed``). Every front door's GET must get,
and log, exactly what the general path gives it: the router, the outcome,
the generic tail."""

from __future__ import annotations

import copy
import json
import logging
import time
from pathlib import Path

import pytest

from tests.unit.test_api import STATIC_ENV, make_api
from xpresign import outcome as budgets
from xpresign.events import parse_event
from xpresign.lambda_handler import DEADLINE_MARGIN_SECONDS, App, deadline_of
from xpresign.outcome import http_answer
from xpresign.router import Router
from xpresign.values import NO_DEADLINE, Deadline

EVENTS = Path(__file__).parents[1] / "events"


class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def general(app: App, event: dict, context) -> dict:
    """The general path, step by step: what App.__call__ did for every GET before the short one."""
    http = parse_event(event)
    budget = budgets.ALB if http.front_door == "alb" else budgets.HTTP
    outcome = app.router.route(http, budget, deadline_of(context))
    app._write_log(outcome, http, context, time.perf_counter())
    cors = app.router.cors.headers(http.headers) if app.router.cors.enabled else {}
    headers, body = http_answer(outcome, cors)
    return http.response(outcome.status, headers, body)


def fixture(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def function_url_get(query: dict[str, str], **changes) -> dict:
    event = fixture("function_url_get_query.json")
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    event.update(changes)
    return event


def with_iam_caller(event: dict) -> dict:
    event["requestContext"]["authorizer"] = {"iam": {"userArn": "arn:aws:iam::222222222222:user/reader"}}
    return event


def http_api(event: dict) -> dict:
    event["requestContext"]["domainName"] = "k2m7p9r4t1.execute-api.us-east-1.amazonaws.com"
    return event


def rest_api_get(query: dict[str, str]) -> dict:
    event = fixture("rest_api_v1_get_query.json")
    event["queryStringParameters"], event["multiValueQueryStringParameters"] = query, {k: [v] for k, v in query.items()}
    return event


def alb_get(query: dict[str, str]) -> dict:
    event = fixture("alb_multivalue_get.json")
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    return event


PLAIN = {"key": "movies/metropolis-1927.mp4"}
EVENTS_AND_WHETHER_PLAIN = {
    "function url": (function_url_get(PLAIN), True),
    "with expires_in": (function_url_get({**PLAIN, "expires_in": "60"}), True),
    "expiry capped by policy": (function_url_get({**PLAIN, "expires_in": "999999"}), True),
    "bad expires_in": (function_url_get({**PLAIN, "expires_in": "soon"}), True),
    "iam caller": (with_iam_caller(function_url_get(PLAIN)), True),
    "http api": (http_api(function_url_get(PLAIN)), True),
    "http api, another path": (http_api(function_url_get(PLAIN, rawPath="/prod/presign")), True),
    "rest api": (rest_api_get(PLAIN), True),
    "alb": (alb_get(PLAIN), True),
    "outside the prefixes": (function_url_get({"key": "reports/q1.pdf"}), False),
    "a key with an accent": (function_url_get({"key": "movies/été.mp4"}), False),
    "a file name too": (function_url_get({**PLAIN, "filename": "M.mp4"}), False),
    "a repeated key, comma-joined": (
        function_url_get({"key": "movies/a.mp4,movies/b.mp4"}, rawQueryString="key=movies/a.mp4&key=movies/b.mp4"),
        True,
    ),
    "a comma of the key's own": (function_url_get({"key": "movies/a,b.mp4"}), True),
    "no key": (function_url_get({}), False),
    "a companion path": (function_url_get(PLAIN, rawPath="/s3/params"), False),
}


def counting_routes(monkeypatch) -> list:
    """Router.route, counted: which requests reached the general path."""
    routed, route = [], Router.route

    def counted(self, *args):
        routed.append(args)
        return route(self, *args)

    monkeypatch.setattr(Router, "route", counted)
    return routed


@pytest.fixture
def records():
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger = logging.getLogger("xpresign.request")
    keep, level = Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    yield seen
    logger.removeHandler(keep)
    logger.setLevel(level)


def without_duration(record: logging.LogRecord) -> dict:
    fields = json.loads(record.getMessage())
    assert isinstance(fields.pop("duration_ms"), float)
    return fields


@pytest.mark.parametrize("cors", [None, "https://films.example"], ids=["no cors", "cors"])
@pytest.mark.parametrize("name", EVENTS_AND_WHETHER_PLAIN)
def test_a_get_is_answered_and_logged_as_the_general_path_does(name, cors, records, monkeypatch):
    event, plain = EVENTS_AND_WHETHER_PLAIN[name]
    event = copy.deepcopy(event)
    event.setdefault("headers", {})["origin"] = "https://films.example"
    api = make_api({"XPRESIGN_CORS_ALLOW_ORIGINS": cors} if cors else None)
    app = App(api.presigner.config, api)
    routed = counting_routes(monkeypatch)

    answer = app(copy.deepcopy(event), Context())
    assert bool(routed) is not plain, "the short path answers exactly the plain GETs"
    expected = general(app, copy.deepcopy(event), Context())
    assert answer == expected
    assert [without_duration(r) for r in records[:1]] == [without_duration(r) for r in records[1:]]
    assert [r.levelno for r in records[:1]] == [r.levelno for r in records[1:]]


def test_two_buckets_take_the_general_path(monkeypatch):
    document = {
        "buckets": {"films": {"bucket": STATIC_ENV["XPRESIGN_BUCKET"]}, "posters": {"bucket": "classic-posters"}}
    }
    api = make_api({"XPRESIGN_BUCKET": "", "XPRESIGN_CONFIG": json.dumps(document)})
    app = App(api.presigner.config, api)
    routed = counting_routes(monkeypatch)
    answer = app(function_url_get(PLAIN), Context())
    assert routed and answer["statusCode"] == 400, answer  # which bucket: the general path says so


def test_the_invocation_deadline_is_the_contexts_less_the_margin():
    left = iter([10_000, 4_000])

    class Counting(Context):
        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return next(left)

    deadline = deadline_of(Counting())
    assert deadline.remaining() == 10 - DEADLINE_MARGIN_SECONDS  # asked when a call needs it, each time
    assert deadline.remaining() == 4 - DEADLINE_MARGIN_SECONDS
    assert deadline_of(object()) is NO_DEADLINE


def test_a_warm_plain_get_never_asks_the_time_left():
    """Asked only by network calls: a warm GET with cached credentials makes none."""
    asked = []

    class Counting(Context):
        @staticmethod
        def get_remaining_time_in_millis() -> int:
            asked.append(1)
            return 30_000

    api = make_api()
    answer = App(api.presigner.config, api)(function_url_get(PLAIN), Counting())
    assert answer["statusCode"] == 200 and asked == []


@pytest.mark.parametrize("request_id", [12345, None, ["not", "text"]])
def test_a_context_whose_request_id_is_not_text_gets_the_general_line(request_id, records):
    """A test's mock context, say: the same answer, and the line the general path writes."""

    class Odd(Context):
        aws_request_id = request_id

    api = make_api()
    app = App(api.presigner.config, api)
    answer = app(function_url_get(PLAIN), Odd())
    assert answer["statusCode"] == 200
    assert answer == general(app, function_url_get(PLAIN), Odd())
    assert without_duration(records[0]) == without_duration(records[1])


def test_the_invocation_deadline_is_a_deadline():
    deadline = deadline_of(Context())
    assert isinstance(deadline, Deadline)
    assert deadline.at - time.monotonic() == pytest.approx(30 - DEADLINE_MARGIN_SECONDS, abs=0.05)
