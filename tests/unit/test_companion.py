"""Uppy's signing routes through the Lambda front doors: matching under a stage,
the key rule, the answer shapes Uppy 5.x reads, and the refusals."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.unit.test_api import make_api
from xpresign.companion import sanitised_filename, stored_type
from xpresign.lambda_handler import App

ENV = {
    "XPRESIGN_UPLOAD_PREFIXES": "uploads/",
    "XPRESIGN_COMPANION_BUCKET": "classic-movies",
    "XPRESIGN_CORS_ALLOW_ORIGINS": "https://app.example.com",
}
KEY = re.compile(r"uploads/[0-9a-f]{32}/(?P<name>[A-Za-z0-9._-]{1,200})")


def app(env: dict | None = None) -> App:
    api = make_api({**ENV, **(env or {})})
    return App(api.presigner.config, api)


def http_api(method: str, path: str, query: dict | None = None, body: object = None, origin: str | None = None) -> dict:
    """An HTTP API (payload 2.0) event under the stage ``prod``."""
    event = {
        "version": "2.0",
        "rawPath": path,
        "headers": {"origin": origin} if origin else {},
        "requestContext": {
            "domainName": "abc.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path},
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def call(event: dict, env: dict | None = None) -> tuple[int, dict, object]:
    answer = app(env)(event)
    return answer["statusCode"], answer["headers"], json.loads(answer["body"]) if answer["body"] else None


@pytest.mark.parametrize("path", ["/s3/params", "/prod/s3/params", "/base/path/s3/params"])
def test_params_is_a_post_policy_for_a_server_chosen_key(path):
    status, headers, body = call(http_api("GET", path, {"filename": "My Holiday (1).mp4", "type": "video/mp4"}))
    assert status == 200, body
    assert body["method"] == "POST" and "headers" not in body
    match = KEY.fullmatch(body["fields"]["key"])
    assert match and match["name"] == "My_Holiday__1_.mp4"
    assert body["fields"]["Content-Type"] == "video/mp4"
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    assert ["content-length-range", 0, 5 * 1024**3] in policy["conditions"]
    assert headers["Cache-Control"] == "no-store"


def test_every_key_is_new():
    keys = {call(http_api("GET", "/s3/params", {"filename": "a.txt"}))[2]["fields"]["key"] for _ in range(20)}
    assert len(keys) == 20


def test_an_active_browser_type_is_stored_as_octet_stream():
    body = call(http_api("GET", "/s3/params", {"filename": "x.html", "type": "text/html"}))[2]
    assert body["fields"]["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a b.txt", "a_b.txt"), ("ünï.png", "_n_.png"), ("../../etc/passwd", "_.._etc_passwd"), ("", "upload"),
     (None, "upload"), ("x" * 500, "x" * 200), ("a/b\\c", "a_b_c")],
)  # fmt: skip
def test_filenames_are_sanitised(name, expected):
    assert sanitised_filename(name) == expected


def test_stored_type_keeps_only_inert_types():
    assert stored_type("image/png") == "image/png"
    assert [stored_type(t) for t in ("image/svg+xml", "", None, "a\nb")] == ["application/octet-stream"] * 4


def test_routes_are_off_without_a_companion_bucket():
    status, _, body = call(http_api("GET", "/s3/params"), {"XPRESIGN_COMPANION_BUCKET": ""})
    assert (status, body["error"]["code"]) == (404, "NotFound")
    assert body["message"] == body["error"]["message"]  # where Uppy looks


def test_other_paths_keep_the_json_api():
    status, _, body = call(http_api("GET", "/prod/anything", {"key": "movies/a.mp4"}))
    assert status == 200 and "url" in body


def test_a_wrong_method_is_405_with_the_routes_methods():
    status, headers, body = call(http_api("PUT", "/prod/s3/params"))
    assert (status, body["error"]["code"]) == (405, "MethodNotAllowed")
    assert headers["Allow"] == "GET, POST, DELETE, OPTIONS"


def test_the_preflight_allows_delete_and_the_token_header():
    answer = app()(http_api("OPTIONS", "/prod/s3/multipart/abc", origin="https://app.example.com"))
    assert answer["statusCode"] == 204
    assert "DELETE" in answer["headers"]["Access-Control-Allow-Methods"]
    assert "authorization" in answer["headers"]["Access-Control-Allow-Headers"]
    assert answer["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"


def function_url(method: str, path: str, query: dict | None = None) -> dict:
    """The same request through a Function URL: the same payload, another domain."""
    event = http_api(method, path, query)
    event["requestContext"]["domainName"] = "abc123.lambda-url.us-east-1.on.aws"
    return event


@pytest.mark.parametrize(
    ("event_of", "path"),
    [
        (function_url, "/s3/multipart/up%2Fid%2Bwith%3Dodd~chars/3"),  # as the browser sent it
        (http_api, "/prod/s3/multipart/up/id+with=odd~chars/3"),  # HTTP APIs decode the path first
    ],
    ids=["function-url", "http-api"],
)
def test_signing_a_part_decodes_the_upload_id_once(event_of, path):
    status, _, body = call(event_of("GET", path, {"key": "uploads/abc/a.bin"}))
    assert status == 200, body
    assert "partNumber=3&uploadId=up%2Fid%2Bwith%3Dodd~chars&" in body["url"]
    assert body["expires"] == 900


@pytest.mark.parametrize(
    ("event_of", "path", "upload_id"),
    [
        (function_url, "/s3/multipart/a%2541b/1", "a%2541b"),
        (http_api, "/s3/multipart/a%41b/1", "a%2541b"),  # decoded by the HTTP API already: not again
        (http_api, "/s3/multipart/a/b/1", "a%2Fb"),  # the id is everything before the part number
    ],
)
def test_an_upload_id_is_never_decoded_twice(event_of, path, upload_id):
    status, _, body = call(event_of("GET", path, {"key": "uploads/abc/a.bin"}))
    assert status == 200, body
    assert f"partNumber=1&uploadId={upload_id}&" in body["url"]


def test_a_deeper_multipart_path_is_never_the_json_api():
    """It fell through to the JSON API, which signed a download of the key."""
    status, _, body = call(function_url("GET", "/s3/multipart/a/b/c/1", {"key": "uploads/abc/a.bin"}))
    assert 400 <= status < 500 and "url" not in body, body


def test_signing_a_part_outside_the_upload_prefix_is_refused():
    status, _, body = call(http_api("GET", "/s3/multipart/u1/1", {"key": "movies/a.mp4"}))
    assert (status, body["error"]["code"]) == (403, "KeyNotAllowed") and body["message"]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "code"),
    [
        ("GET", "/s3/multipart/u1/0", {"key": "uploads/a"}, None, "InvalidParameter"),
        ("GET", "/s3/multipart/u1/99999", {"key": "uploads/a"}, None, "InvalidParameter"),
        ("POST", "/s3/multipart/u1/complete", {"key": "uploads/a"}, {"parts": "x"}, "InvalidParameter"),
        ("POST", "/s3/multipart", None, ["not", "an", "object"], "InvalidRequest"),
        ("GET", "/s3/multipart/u1/1", None, None, "MissingKey"),
    ],
)
def test_refusals_are_4xx_with_a_top_level_message(method, path, query, body, code):
    status, _, answer = call(http_api(method, path, query, body))
    assert 400 <= status < 500 and answer["error"]["code"] == code, answer
    assert answer["message"] == answer["error"]["message"]
