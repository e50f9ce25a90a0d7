"""Hardening: bounded answers, no amplification, no recursion, response budgets,
length caps, active content types, prefixes without a slash, and the start-up
failures that used to slip through (issue 10, items 1-7 and 11-12)."""

from __future__ import annotations

import calendar
import json
import logging

import pytest

from tests.unit.test_api import KEY, STATIC_ENV, make_api
from xpresign.checks import EXCERPT_CHARS, excerpt
from xpresign.config import load_config
from xpresign.errors import ConfigError
from xpresign.events import parse_event
from xpresign.lambda_handler import App
from xpresign.outcome import ALB, ALB_RESPONSE_LIMIT, DIRECT, ENVELOPE_RESERVE, HTTP, LAMBDA_RESPONSE_LIMIT
from xpresign.sources import EnvironmentCredentials
from xpresign.sts import parse_credentials, parse_error

TOKEN = "IQoJb3JpZ2luX2VjE" + "A" * 883  # a real session token's length (~900 characters)

# --- 1, 2: amplification and recursion -------------------------------------------------------


def test_excerpts_are_bounded_and_never_repr_a_structure():
    assert excerpt("x" * 10_000) == repr("x" * EXCERPT_CHARS) + "…"
    assert excerpt([[[]]]) == "an array" and excerpt({"a": 1}) == "an object"
    assert excerpt(10**5000) == "a very long number"  # printing it would raise in 3.11
    assert excerpt(None) == "null" and excerpt(True) == "true"


@pytest.mark.parametrize("character", ["\U000e0001", "\x00", "\ud800", "\u200b"])
def test_an_excerpt_of_characters_repr_escapes_is_bounded_too(character):
    """repr writes each as 4 to 10 characters: 64 of them were 650 characters of message."""
    assert len(excerpt(character * 65)) <= EXCERPT_CHARS + 2
    outcome = make_api().handle({"key": character * 65})
    assert 400 <= outcome.status < 500 and len(outcome.body["error"]["message"]) < 300, outcome.body


def nested(depth: int) -> object:
    value: object = 900
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["expires_in", "bucket", "key", "filename", "version_id", "check"])
def test_a_deeply_nested_value_is_a_400_not_a_500(field):
    """~990 levels parse fine in Lambda's runtime; quoting them with repr() overflowed."""
    outcome = make_api().handle({"key": KEY, field: nested(990)})
    assert 400 <= outcome.status < 500, outcome.body
    assert len(json.dumps(outcome.body)) < 500


@pytest.mark.parametrize("field", ["key", "filename", "response_content_type", "version_id", "bucket", "expires_in"])
def test_a_huge_bad_value_gets_a_short_message(field):
    value = "\x00" + "a" * 600_000
    outcome = make_api().handle({"key": KEY, field: value})
    assert outcome.status == 400
    assert len(outcome.body["error"]["message"]) < 300


def test_a_batch_of_bad_items_answers_in_proportion():
    """35 KB in used to give 30 MB out; now each error is a short line."""
    items = [{"key": KEY, "filename": "\x00" + "f" * 200} for _ in range(1000)]
    request = json.dumps({"items": items})
    outcome = make_api().handle(json.loads(request))
    answer = json.dumps(outcome.body)
    assert outcome.status == 200 and len(answer) < 2 * len(request)


# --- 3: what a front door can carry ----------------------------------------------------------


def function_url_post(body: object) -> dict:
    return {
        "version": "2.0",
        "rawPath": "/",
        "headers": {"content-type": "application/json"},
        "requestContext": {"domainName": "abc.lambda-url.us-east-1.on.aws", "http": {"method": "POST", "path": "/"}},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def alb_post(body: object) -> dict:
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:::targetgroup/x/y"}},
        "httpMethod": "POST",
        "path": "/",
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def app_with(env: dict) -> App:
    api = make_api({"AWS_SESSION_TOKEN": TOKEN, **env})
    return App(api.presigner.config, api)


@pytest.mark.parametrize(
    ("event_of", "limit"),
    [(function_url_post, LAMBDA_RESPONSE_LIMIT), (alb_post, ALB_RESPONSE_LIMIT), (None, LAMBDA_RESPONSE_LIMIT)],
    ids=["function-url", "alb", "direct"],
)
def test_a_batch_that_cannot_fit_is_413_and_says_how_many_would(event_of, limit):
    app = app_with({"XPRESIGN_MAX_BATCH": "10000"})
    items = [f"movies/{i:05d}-{'x' * 400}.mp4" for i in range(4500)]  # 1.9 MB in (the limit is 2 MiB)
    request = {"items": items}
    answer = app(event_of(request) if event_of else request)
    body = json.loads(answer["body"]) if event_of else answer
    assert body["error"]["code"] == "ResponseTooLarge"
    fit = int(body["error"]["message"].split()[2])
    # Exactly that many fit: the front door carries an answer for them...
    fits = app(event_of({"items": items[:fit]}) if event_of else {"items": items[:fit]})
    posted = len(json.dumps(fits, ensure_ascii=True))  # what Lambda's runtime posts (3.11 escapes)
    assert posted <= limit - ENVELOPE_RESERVE // 2
    assert "results" in (json.loads(fits["body"]) if event_of else fits)
    # ...and one more does not.
    over = app(event_of({"items": items[: fit + 1]}) if event_of else {"items": items[: fit + 1]})
    assert (json.loads(over["body"]) if event_of else over)["error"]["code"] == "ResponseTooLarge"


def test_a_direct_batch_of_post_uploads_is_counted_with_its_fields():
    """A POST's fields (policy, token, signature: ~3 KB each) were left out of
    the direct invocation's estimate, and 6.5 MB went out as a 200."""
    app = app_with({"XPRESIGN_UPLOAD_PREFIXES": "uploads/"})
    items = [{"method": "POST", "key": f"uploads/{i:04d}" + "é" * 480} for i in range(600)]
    answer = app({"items": items})
    assert answer["error"]["code"] == "ResponseTooLarge", len(json.dumps(answer))
    fit = int(answer["error"]["message"].split()[2])
    fits = app({"items": items[:fit]})
    assert len(fits["results"]) == fit
    assert len(json.dumps(fits, ensure_ascii=True)) <= LAMBDA_RESPONSE_LIMIT - ENVELOPE_RESERVE // 2


def test_the_default_batch_fits_every_door_with_ordinary_keys():
    """max_batch stays 1,000: with a real-length token, 1,000 ordinary keys fit
    the 6 MB doors; through ALB (1 MB) about 700 do (see the README's table)."""
    app = app_with({})
    items = [f"movies/{i:04d}-a-film.mp4" for i in range(1000)]
    assert "results" in json.loads(app(function_url_post({"items": items}))["body"])
    alb = json.loads(app(alb_post({"items": items}))["body"])
    assert alb["error"]["code"] == "ResponseTooLarge"


def test_budgets_count_what_the_runtime_posts():
    fragment = '{"key": "a\\"b"}'
    assert DIRECT.cost(fragment) == len(fragment)
    assert HTTP.cost(fragment) == len(json.dumps(fragment)) - 2  # escaped once more inside the envelope
    assert ALB.limit == 1024 * 1024 and HTTP.limit == 6 * 1024 * 1024


def test_the_batch_body_is_byte_identical_to_json_dumps():
    """The HTTP path writes the results as text; a client parsing it gets the
    same bytes json.dumps would have written."""
    app = app_with({})
    items = ["movies/a b.mp4", 'movies/é"quote".mp4', {"key": "movies/x", "filename": "Ünïcode.mp4"}, "private/no", 5]
    answer = app(function_url_post({"items": items}))
    body = answer["body"]
    assert body == json.dumps(json.loads(body))


# --- 4: length caps; 5: active content types ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("filename", "f" * 255, True),
        ("filename", "f" * 256, False),
        ("filename", "é" * 128, False),  # 256 bytes of UTF-8
        ("response_content_type", "video/mp4; x=" + "a" * 243, True),
        ("response_content_type", "video/mp4; x=" + "a" * 244, False),
        ("version_id", "v" * 1024, True),
        ("version_id", "v" * 1025, False),
    ],
)
def test_length_caps(field, value, ok):
    outcome = make_api().handle({"key": KEY, field: value})
    assert (outcome.status == 200) is ok, outcome.body
    if not ok:
        assert outcome.body["error"]["code"] == "InvalidParameter"


@pytest.mark.parametrize(
    "kind",
    ["text/html", "TEXT/HTML; charset=utf-8", "application/xhtml+xml", "image/svg+xml", "text/xml",
     "application/xml", "application/atom+xml", "text/javascript", "application/javascript"],
)  # fmt: skip
def test_active_content_types_are_refused_by_default(kind):
    outcome = make_api().handle({"key": KEY, "response_content_type": kind})
    assert (outcome.status, outcome.body["error"]["code"]) == (400, "InvalidParameter")


def test_an_allowlist_replaces_the_default():
    api = make_api({"XPRESIGN_ALLOWED_CONTENT_TYPES": "video/mp4, text/html"})
    assert api.handle({"key": KEY, "response_content_type": "Video/MP4; codecs=avc1"}).status == 200
    assert api.handle({"key": KEY, "response_content_type": "text/html"}).status == 200  # named, so allowed
    assert api.handle({"key": KEY, "response_content_type": "image/png"}).status == 400
    assert make_api().handle({"key": KEY, "response_content_type": "image/png"}).status == 200


def test_a_bad_allowlist_fails_start_up():
    with pytest.raises(ConfigError, match="XPRESIGN_ALLOWED_CONTENT_TYPES: .*not a media type"):
        load_config({**STATIC_ENV, "XPRESIGN_ALLOWED_CONTENT_TYPES": "video/mp4; codecs=x"})


@pytest.mark.parametrize("kind", ["application/x-Łódź", "漢/字", "video/mp4; title=été"])
@pytest.mark.parametrize(
    "request_of",
    [
        lambda kind: {"key": KEY, "response_content_type": kind},
        lambda kind: {"method": "PUT", "key": "uploads/a.bin", "content_length": 5, "content_type": kind},
        lambda kind: {"method": "POST", "key": "uploads/a.bin", "content_type": kind},
        lambda kind: {"action": "create_multipart", "key": "uploads/a.bin", "content_type": kind},
    ],
    ids=["get", "put", "post", "create_multipart"],
)
def test_a_content_type_beyond_ascii_is_a_400(request_of, kind):
    """A media type is ASCII; an upload's is a signed header, and
    CreateMultipartUpload's went to http.client, which refused it: a 500."""
    outcome = make_api({"XPRESIGN_UPLOAD_PREFIXES": "uploads/"}).handle(request_of(kind))
    assert (outcome.status, outcome.body["error"]["code"]) == (400, "InvalidParameter"), outcome.body
    assert "must be an ASCII media type" in outcome.body["error"]["message"]


def test_uppy_stores_a_type_beyond_ascii_as_octet_stream():
    from xpresign.companion import stored_type

    assert stored_type("漢/字") == stored_type("text/html") == "application/octet-stream"
    assert stored_type("video/mp4") == "video/mp4"


# --- secrets never printed ----------------------------------------------------------------------


def test_a_header_http_cannot_carry_is_a_transport_error_that_does_not_quote_it():
    from xpresign import transport

    secret = "IQoJb3JpZ2luX2VjSECRET"
    for value in (f"{secret}\n", f"{secret}\u0141"):
        with pytest.raises(transport.TransportError) as caught:
            transport.request("GET", "http://127.0.0.1:9/", headers={"X-Amz-Security-Token": value}, timeout=1)
        assert secret not in str(caught.value) and caught.value.__suppress_context__  # no traceback quotes it


def test_value_types_holding_a_token_or_signature_print_without_it():
    from xpresign.presign import presign_s3_url, signing_scope
    from xpresign.presigner import PresignedUrl
    from xpresign.s3 import resolve_bucket_endpoint
    from xpresign.transport import Response
    from xpresign.uploads import PresignedPost, PresignedPut
    from xpresign.values import Credentials

    credentials = Credentials("ASIAEXAMPLE000000001", "the-secret-key", TOKEN)
    endpoint = resolve_bucket_endpoint("classic-movies", "us-east-1")
    url = presign_s3_url(endpoint, KEY, credentials, expires_in=60, now=1_767_225_600)
    signature = url.rsplit("=", 1)[1]
    values = [
        signing_scope(credentials, "us-east-1", "20260101"),
        PresignedUrl(url, "movies", KEY, "2026-01-01T00:01:00Z", 60, None),
        PresignedPut(url, {"Content-Type": "video/mp4"}, "movies", KEY, "2026-01-01T00:01:00Z", 60, None),
        PresignedPost(
            "https://classic-movies.s3.amazonaws.com/",
            {"key": KEY, "x-amz-security-token": TOKEN, "x-amz-signature": signature},
            *("movies", KEY, "2026-01-01T00:01:00Z", 60, None),
        ),
        Response(200, {"content-type": "text/xml"}, f"<SessionToken>{TOKEN}</SessionToken>".encode()),
        credentials,
    ]
    for value in values:
        shown = repr(value)
        assert TOKEN not in shown and signature not in shown and "the-secret-key" not in shown, shown
    assert repr(values[1]).startswith(f"PresignedUrl(url='{url.split('?')[0]}?…', bucket='movies'")


# --- 7: prefixes without a trailing slash ----------------------------------------------------------


def test_a_prefix_without_a_slash_warns_at_start_up_and_matches_as_iam_does(caplog):
    with caplog.at_level(logging.WARNING, logger="xpresign"):
        api = make_api({"XPRESIGN_ALLOWED_PREFIXES": "movies"})
    assert "XPRESIGN_ALLOWED_PREFIXES: prefix 'movies' has no trailing slash" in caplog.text
    # IAM's arn:aws:s3:::bucket/movies* matches this too, and so does xpresign.
    assert api.handle({"key": "movies-private/a.mp4"}).status == 200
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="xpresign"):
        make_api({"XPRESIGN_ALLOWED_PREFIXES": "movies/"})
    assert caplog.text == ""


# --- 11: start-up failures that name the setting --------------------------------------------------


def test_an_unparseable_credential_expiration_fails_start_up():
    with pytest.raises(ConfigError, match="^AWS_CREDENTIAL_EXPIRATION: must be an ISO 8601 time"):
        EnvironmentCredentials({"AWS_CREDENTIAL_EXPIRATION": "tomorrow"})
    with pytest.raises(ConfigError, match="^AWS_CREDENTIAL_EXPIRATION: "):
        EnvironmentCredentials({"AWS_CREDENTIAL_EXPIRATION": "2026-11-30T03:00:00"})  # no zone: not guessed


def test_a_deeply_nested_document_fails_start_up():
    with pytest.raises(ConfigError, match="^XPRESIGN_CONFIG: is nested too deeply"):
        load_config({"XPRESIGN_CONFIG": '{"buckets": ' + "[" * 100_000, "AWS_REGION": "eu-west-1"})


def test_a_config_file_that_is_not_utf8_fails_start_up(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b'{"buckets": {"m\xff": {}}}')
    with pytest.raises(ConfigError, match="^XPRESIGN_CONFIG_FILE: .*is not UTF-8 text"):
        load_config({"XPRESIGN_CONFIG_FILE": str(path), "AWS_REGION": "eu-west-1"})


def test_a_bucket_alias_given_twice_fails_start_up():
    document = '{"buckets": {"m": {"bucket": "b-1", "allowed_prefixes": ["movies/"]}, "m": {"bucket": "b-1"}}}'
    with pytest.raises(ConfigError, match="^XPRESIGN_CONFIG: .*duplicate key 'm'"):
        load_config({"XPRESIGN_CONFIG": document, "AWS_REGION": "eu-west-1"})


# --- 12: STS answers, read as botocore reads them -----------------------------------------------


def test_an_error_in_another_namespace_keeps_its_code():
    fault = (
        b'<ErrorResponse xmlns="http://webservices.amazon.com/AWSFault/2005-15-09"><Error><Type>Sender</Type>'
        b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"
    )
    assert parse_error(fault) == ("Throttling", "Rate exceeded")


def credentials_xml(expiration: str) -> bytes:
    return (
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
        "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
        f"<Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    ).encode()


def test_whitespace_around_the_expiration_is_accepted():
    expected = calendar.timegm((2026, 11, 30, 3, 0, 0))
    assert parse_credentials(credentials_xml("\n  2026-11-30T03:00:00Z \n")).expires_at == expected


def test_an_expiration_without_a_zone_is_an_upstream_error():
    from xpresign.errors import UpstreamError

    with pytest.raises(UpstreamError, match="ISO 8601 time with a zone"):
        parse_credentials(credentials_xml("2026-11-30T03:00:00"))


def test_every_front_door_event_view_is_exercised():
    assert parse_event(function_url_post({})).front_door == "function-url"
    assert parse_event(alb_post({})).front_door == "alb"
