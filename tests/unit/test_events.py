"""The front-door views of xpresign.events: which door an event came through,
and how its method, headers, query, body and response are read and shaped."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from pathlib import Path
from types import MappingProxyType

import pytest

from xpresign.errors import InvalidRequest, PayloadTooLarge
from xpresign.events import (
    MAX_BODY_BYTES,
    AlbEvent,
    FunctionUrlEvent,
    HttpApiEvent,
    RestApiEvent,
    parse_event,
)

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


# --- which front door -----------------------------------------------------------------

DOORS = {
    "direct_invoke.json": None,
    "direct_invoke_seed.json": None,
    "direct_invoke_batch.json": None,
    "function_url_iam_post.json": FunctionUrlEvent,
    "function_url_get_query.json": FunctionUrlEvent,
    "function_url_post_base64.json": FunctionUrlEvent,
    "http_api_v2_post.json": HttpApiEvent,
    "options_preflight.json": HttpApiEvent,
    "rest_api_v1_post.json": RestApiEvent,
    "rest_api_v1_get_query.json": RestApiEvent,
    "rest_api_v1_delete.json": RestApiEvent,
    "alb_post.json": AlbEvent,
    "alb_multivalue_get.json": AlbEvent,
}


def test_every_fixture_has_an_expected_front_door():
    assert sorted(DOORS) == sorted(p.name for p in EVENTS.glob("*.json"))


@pytest.mark.parametrize("name", sorted(DOORS))
def test_parse_event_detects_the_front_door(name):
    view = parse_event(load(name))
    expected = DOORS[name]
    if expected is None:
        assert view is None
    else:
        assert type(view) is expected  # exact: a Function URL is not reported as an HTTP API


@pytest.mark.parametrize(
    "event",
    [None, [], "movies/a.mp4", 42, {}, {"key": "movies/a.mp4"}, {"httpMethod": "GET"},
     {"httpMethod": "GET", "requestContext": {}}, {"version": "2.0", "requestContext": {"http": "GET"}},
     {"requestContext": "elb"}],
)  # fmt: skip
def test_anything_else_is_a_direct_invocation(event):
    # A payload that merely borrows a field name is not an HTTP event; the API
    # then answers it (with a 400 when it is not a valid request).
    assert parse_event(event) is None


def test_a_v2_event_on_another_domain_is_an_http_api():
    event = load("function_url_iam_post.json")
    event["requestContext"]["domainName"] = "9x4kq2w7vd.execute-api.us-east-1.amazonaws.com"
    assert type(parse_event(event)) is HttpApiEvent


def test_front_door_names_for_the_logs():
    names = {type(parse_event(load(n))).front_door for n, door in DOORS.items() if door is not None}
    assert names == {"function-url", "http-api", "rest-api", "alb"}


# --- method, request id, caller ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [("function_url_iam_post.json", "POST"), ("function_url_get_query.json", "GET"),
     ("http_api_v2_post.json", "POST"), ("options_preflight.json", "OPTIONS"),
     ("rest_api_v1_post.json", "POST"), ("rest_api_v1_delete.json", "DELETE"),
     ("alb_post.json", "POST"), ("alb_multivalue_get.json", "GET")],
)  # fmt: skip
def test_method(name, method):
    assert parse_event(load(name)).method == method


def test_method_is_upper_cased_and_wrong_types_read_as_absent():
    event = load("rest_api_v1_post.json")
    event["httpMethod"] = "post"
    assert parse_event(event).method == "POST"
    event["httpMethod"] = ["POST"]
    assert parse_event(event).method == ""
    v2 = load("http_api_v2_post.json")
    v2["requestContext"]["http"]["method"] = None
    assert parse_event(v2).method == ""


def test_request_ids():
    assert parse_event(load("rest_api_v1_post.json")).request_id == "6c1f2e3d-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
    assert parse_event(load("http_api_v2_post.json")).request_id == "UbCkWi1hoAMEVxw="
    # ALB has no request id of its own: the trace id header stands in.
    assert parse_event(load("alb_multivalue_get.json")).request_id == "Root=1-65f43c55-0f1e2d3c4b5a69788796a5b4"
    assert parse_event(load("alb_post.json")).request_id == "Root=1-65f43c10-1a2b3c4d5e6f7a8b9c0d1e2f"


def test_caller_of_iam_authorised_requests():
    arn = "arn:aws:sts::444455556666:assumed-role/video-portal/portal-web"
    assert parse_event(load("function_url_iam_post.json")).caller == arn
    assert parse_event(load("rest_api_v1_post.json")).caller == arn
    # Unauthenticated doors name nobody (REST sends the identity fields as null).
    assert parse_event(load("function_url_get_query.json")).caller is None
    assert parse_event(load("rest_api_v1_get_query.json")).caller is None
    assert parse_event(load("alb_post.json")).caller is None


def test_caller_falls_back_to_the_account():
    event = load("function_url_iam_post.json")
    del event["requestContext"]["authorizer"]["iam"]["userArn"]
    assert parse_event(event).caller == "444455556666"


@pytest.mark.parametrize("wrap", [MappingProxyType, dict], ids=["read-only mapping", "dict"])
def test_nested_objects_may_be_any_mapping(wrap):
    event = load("function_url_iam_post.json")
    authorizer = event["requestContext"]["authorizer"]
    event["requestContext"]["authorizer"] = wrap({"iam": wrap(authorizer["iam"])})
    assert parse_event(event).caller == authorizer["iam"]["userArn"]


@pytest.mark.parametrize("authorizer", [None, "iam", ["iam"], 7])
def test_a_nested_object_that_is_null_or_not_an_object_reads_as_absent(authorizer):
    event = load("function_url_iam_post.json")
    event["requestContext"]["authorizer"] = authorizer
    assert parse_event(event).caller is None


# --- headers -------------------------------------------------------------------------------


def test_rest_headers_are_lower_cased():
    headers = parse_event(load("rest_api_v1_post.json")).headers
    assert headers["content-type"] == "application/json"
    assert "Content-Type" not in headers
    assert all(name == name.lower() for name in headers)


def test_header_values_of_the_wrong_type_are_dropped():
    event = load("function_url_get_query.json")
    event["headers"] = {"Origin": "https://app.example.com", "x-number": 5, "x-list": ["a"], "x-null": None}
    assert parse_event(event).headers == {"origin": "https://app.example.com"}
    event["headers"] = ["not", "a", "map"]
    assert parse_event(event).headers == {}


def test_http_api_cookies_become_a_cookie_header():
    assert parse_event(load("http_api_v2_post.json")).headers["cookie"] == "session-hint=portal"


def test_alb_multi_value_headers_take_the_last_value():
    headers = parse_event(load("alb_multivalue_get.json")).headers
    assert headers["cookie"] == "lang=fr"
    assert headers["host"] == "internal-xpresign-1234567890.us-east-1.elb.amazonaws.com"


def test_alb_multi_value_headers_skip_malformed_entries():
    event = load("alb_multivalue_get.json")
    event["multiValueHeaders"] = {"Origin": ["https://a.example", "https://b.example"], "x-empty": [], "x-str": "v"}
    assert parse_event(event).headers == {"origin": "https://b.example"}


# --- query strings ---------------------------------------------------------------------------


def test_api_gateway_queries_are_already_decoded():
    assert parse_event(load("function_url_get_query.json")).query == {
        "key": "movies/the general+1926~restored.mp4",
        "expires_in": "300",
        "filename": "The General (1926).mp4",
    }
    assert parse_event(load("rest_api_v1_get_query.json")).query["key"] == "movies/un chien andalou – 1929.mp4"


def test_api_gateway_queries_are_not_decoded_twice():
    # API Gateway has decoded the query: a literal %2B in a value was sent as %252B.
    event = load("rest_api_v1_get_query.json")
    event["queryStringParameters"] = {"key": "movies/100%2B.mp4", "filename": "a+b.mp4"}
    assert parse_event(event).query == {"key": "movies/100%2B.mp4", "filename": "a+b.mp4"}


def test_alb_multi_value_query_is_percent_decoded():
    # As an HTML form sends it: %2F for '/', '+' for a space, UTF-8 percent-encoded.
    assert parse_event(load("alb_multivalue_get.json")).query == {
        "key": "movies/un chien andalou – 1929.mp4",
        "filename": "Un chien andalou (1929).mp4",
        "expires_in": "600",
    }


def test_alb_single_value_query_is_percent_decoded_and_plus_is_kept_when_encoded():
    event = load("alb_post.json")
    event["queryStringParameters"] = {"key": "movies%2Fthe%20general%2B1926~restored.mp4", "expires%5Fin": "60"}
    assert parse_event(event).query == {"key": "movies/the general+1926~restored.mp4", "expires_in": "60"}


def test_alb_multi_value_query_takes_the_last_value_and_skips_malformed_entries():
    event = load("alb_multivalue_get.json")
    event["multiValueQueryStringParameters"] = {"expires_in": ["60", "120"], "key": [], "bucket": "x", "f": [3]}
    assert parse_event(event).query == {"expires_in": "120"}


@pytest.mark.parametrize("name", ["function_url_get_query.json", "http_api_v2_post.json"])
def test_a_repeated_v2_parameter_is_the_last_value_not_the_values_joined(name):
    """Payload 2.0 joins a repeated parameter with commas: "a.mp4,b.mp4" is
    a key nobody asked for. Every other front door gives the last value."""
    event = load(name)
    event["rawQueryString"] = "key=movies%2Fa.mp4&key=movies%2Fb%2C1.mp4&filename=A.mp4&filename=B.mp4"
    event["queryStringParameters"] = {"key": "movies/a.mp4,movies/b,1.mp4", "filename": "A.mp4,B.mp4"}
    assert parse_event(event).query == {"key": "movies/b,1.mp4", "filename": "B.mp4"}
    # A comma of the value's own is read from the raw string as it is.
    event["rawQueryString"] = "key=movies%2Fa%2Cb.mp4"
    event["queryStringParameters"] = {"key": "movies/a,b.mp4"}
    assert parse_event(event).query == {"key": "movies/a,b.mp4"}


@pytest.mark.parametrize("multi_value", [True, False])
def test_an_alb_query_that_is_not_utf8_is_a_400_not_a_replacement_character(multi_value):
    event = load("alb_multivalue_get.json")
    if multi_value:
        event["multiValueQueryStringParameters"] = {"key": ["movies/caf%E9.mp4"]}
    else:
        del event["multiValueHeaders"], event["multiValueQueryStringParameters"]
        event["headers"], event["queryStringParameters"] = {}, {"key": "movies/caf%E9.mp4"}
    with pytest.raises(InvalidRequest, match="not UTF-8"):
        _ = parse_event(event).query


def test_query_of_the_wrong_type_reads_as_empty():
    for name, field in [("rest_api_v1_get_query.json", "queryStringParameters"),
                        ("function_url_get_query.json", "queryStringParameters"),
                        ("alb_multivalue_get.json", "multiValueQueryStringParameters")]:  # fmt: skip
        event = load(name)
        event[field] = "key=movies/a.mp4"
        assert parse_event(event).query == {}, name


# --- bodies ------------------------------------------------------------------------------------


def test_plain_body_is_utf8_encoded():
    body = parse_event(load("rest_api_v1_post.json")).body()
    assert json.loads(body) == {
        "key": "movies/nosferatu (1922).mp4", "expires_in": 1800, "response_content_type": "video/mp4"
    }  # fmt: skip


def test_base64_body_is_decoded():
    body = parse_event(load("function_url_post_base64.json")).body()
    assert json.loads(body.decode("utf-8")) == {"key": "movies/un chien andalou – 1929.mp4", "expires_in": 120}


def test_base64_flag_must_be_true_itself():
    # Only a JSON true marks the body encoded; a string "true" is not the flag.
    event = load("function_url_post_base64.json")
    event["isBase64Encoded"] = "true"
    assert parse_event(event).body() == event["body"].encode()


@pytest.mark.parametrize("body", ["not base64!", "eyJrZXkiOiAi=x", "====", "YWJj\n ZGVm"])
def test_invalid_base64_is_a_400(body):
    event = load("function_url_post_base64.json")
    event["body"] = body
    with pytest.raises(InvalidRequest) as raised:
        parse_event(event).body()
    assert raised.value.status == 400 and "base64" in raised.value.message


def test_base64_of_non_utf8_bytes_decodes_to_those_bytes():
    # Not valid UTF-8: the API refuses it later, as MalformedJSON.
    event = load("function_url_post_base64.json")
    event["body"] = base64.b64encode(b"\xff\xfe{}").decode()
    assert parse_event(event).body() == b"\xff\xfe{}"


@pytest.mark.parametrize("body", [None, ""])
def test_absent_body_reads_as_none(body):
    event = load("alb_multivalue_get.json")
    event["body"] = body
    assert parse_event(event).body() is None


@pytest.mark.parametrize("body", [{"key": "movies/a.mp4"}, ["a"], 7, True])
def test_body_of_the_wrong_type_is_a_400(body):
    event = load("http_api_v2_post.json")
    event["body"] = body
    with pytest.raises(InvalidRequest):
        parse_event(event).body()


def test_body_with_a_lone_surrogate_is_a_400():
    event = load("http_api_v2_post.json")
    event["body"] = '{"key": "movies/\ud800"}'
    with pytest.raises(InvalidRequest):
        parse_event(event).body()


def test_body_at_the_limit_is_read_and_one_byte_more_is_refused():
    event = load("alb_post.json")
    event["body"] = "x" * MAX_BODY_BYTES
    assert len(parse_event(event).body()) == MAX_BODY_BYTES
    event["body"] += "x"
    with pytest.raises(PayloadTooLarge) as raised:
        parse_event(event).body()
    assert raised.value.status == 413


def test_multibyte_body_over_the_limit_in_bytes_is_refused():
    event = load("alb_post.json")
    event["body"] = "é" * (MAX_BODY_BYTES // 2 + 1)  # fewer characters than the limit, more bytes
    with pytest.raises(PayloadTooLarge):
        parse_event(event).body()


def test_base64_body_over_the_limit_is_refused_before_and_after_decoding():
    event = load("function_url_post_base64.json")
    event["body"] = base64.b64encode(b"x" * (MAX_BODY_BYTES + 1)).decode()
    with pytest.raises(PayloadTooLarge):
        parse_event(event).body()
    event["body"] = "A" * (MAX_BODY_BYTES * 2)  # refused on length alone, never decoded
    with pytest.raises(PayloadTooLarge):
        parse_event(event).body()


# --- responses ---------------------------------------------------------------------------------


def test_api_gateway_and_function_url_response_shape():
    for name in ("function_url_iam_post.json", "http_api_v2_post.json", "rest_api_v1_post.json"):
        response = parse_event(load(name)).response(200, {"Content-Type": "application/json"}, "{}")
        assert response == {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": "{}",
            "isBase64Encoded": False,
        }


def test_alb_response_has_a_status_description_and_single_value_headers():
    response = parse_event(load("alb_post.json")).response(404, {"Cache-Control": "no-store"}, "{}")
    assert response == {
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": {"Cache-Control": "no-store"},
        "body": "{}",
        "isBase64Encoded": False,
    }


def test_alb_multi_value_response_uses_multi_value_headers_only():
    # With multi-value headers on, ALB ignores `headers` in the response.
    response = parse_event(load("alb_multivalue_get.json")).response(
        204, {"Vary": "Origin", "Cache-Control": "no-store"}, ""
    )
    assert response["multiValueHeaders"] == {"Vary": ["Origin"], "Cache-Control": ["no-store"]}
    assert "headers" not in response
    assert response["statusDescription"] == "204 No Content"


def test_alb_status_description_of_an_unregistered_status():
    assert parse_event(load("alb_post.json")).response(599, {}, "")["statusDescription"] == "599"


def test_views_do_not_modify_the_event():
    for name in DOORS:
        event = load(name)
        before = copy.deepcopy(event)
        view = parse_event(event)
        if view is not None:
            _ = (view.method, view.headers, view.query, view.request_id, view.caller)
            with contextlib.suppress(InvalidRequest):
                view.body()
        assert event == before, name
