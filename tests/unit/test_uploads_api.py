"""The uploads contract of the JSON API: PUT, POST, the multipart grammar, and
every refusal (no network: static credentials, a fixed clock)."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.unit.test_api import NOW, make_api

UPLOADS = {"XPRESIGN_UPLOAD_PREFIXES": "uploads/", "XPRESIGN_MAX_UPLOAD_SIZE": "1000000"}
CHECKSUM = base64.b64encode(hashlib.sha256(b"hello").digest()).decode()


def api(env: dict | None = None):
    return make_api({**UPLOADS, **(env or {})})


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_put_answer_and_signed_headers():
    outcome = api().handle(
        {"key": "uploads/a.mp4", "method": "PUT", "content_length": 5, "content_type": "video/mp4",
         "checksum_sha256": CHECKSUM, "expires_in": 600}
    )  # fmt: skip
    assert outcome.status == 200, outcome.body
    body = outcome.body
    assert list(body) == ["url", "method", "headers", "bucket", "key", "expires_at", "expires_in", "capped_by"]
    assert body["method"] == "PUT" and body["expires_in"] == 600 and body["capped_by"] is None
    assert body["headers"] == {"Content-Type": "video/mp4", "Content-Length": "5", "x-amz-checksum-sha256": CHECKSUM}
    assert query(body["url"])["X-Amz-SignedHeaders"] == "content-length;content-type;host;x-amz-checksum-sha256"


def test_put_signs_the_default_type_when_none_is_given():
    body = api().handle({"key": "uploads/a", "method": "PUT", "content_length": 0}).body
    assert body["headers"] == {"Content-Type": "application/octet-stream", "Content-Length": "0"}


def test_post_answer_carries_the_policy_conditions():
    outcome = api().handle({"key": "uploads/a.png", "method": "POST", "content_type": "image/png", "max_size": 2_000_000,
                            "min_size": 10})  # fmt: skip
    assert outcome.status == 200, outcome.body
    body = outcome.body
    assert list(body) == ["url", "fields", "bucket", "key", "expires_at", "expires_in", "capped_by"]
    fields = body["fields"]
    assert list(fields) == ["Content-Type", "key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy",
                            "x-amz-signature"]  # fmt: skip
    policy = json.loads(base64.b64decode(fields["policy"]))
    # max_size above the bucket's max_upload_size: the bucket's limit binds.
    assert ["content-length-range", 10, 1_000_000] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"] and {"key": "uploads/a.png"} in policy["conditions"]
    assert policy["expiration"] == body["expires_at"]


def test_post_with_a_session_token_signs_it():
    body = api({"AWS_SESSION_TOKEN": "tok" * 100}).handle({"key": "uploads/a", "method": "POST"}).body
    assert body["fields"]["x-amz-security-token"] == "tok" * 100
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    assert {"x-amz-security-token": "tok" * 100} in policy["conditions"]


@pytest.mark.parametrize(
    ("request_", "status", "code"),
    [
        ({"key": "uploads/a", "method": "PUT"}, 400, "InvalidParameter"),  # content_length is required
        ({"key": "uploads/a", "method": "PUT", "content_length": -1}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "PUT", "content_length": "5"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1_000_001}, 413, "UploadTooLarge"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1, "checksum_sha256": "abc"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1, "content_type": "text/html"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1, "filename": "a"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1, "check": True}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "POST", "version_id": "v"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "POST", "response_content_type": "a/b"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "POST", "content_length": 5}, 400, "InvalidRequest"),
        ({"key": "uploads/a", "method": "POST", "min_size": 10, "max_size": 5}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "POST", "content_type": "image/svg+xml"}, 400, "InvalidParameter"),
        ({"key": "uploads/a", "method": "DELETE"}, 400, "InvalidParameter"),
        ({"key": "movies/a", "method": "PUT", "content_length": 1}, 403, "KeyNotAllowed"),
        ({"key": "uploads/a", "method": "PUT", "content_length": 1, "expires_in": 0}, 400, "InvalidExpiry"),
        ({"action": "create_multipart", "key": "uploads/a", "method": "PUT"}, 400, "InvalidRequest"),
        ({"action": "create_multipart", "items": []}, 400, "InvalidRequest"),
        ({"action": "launch", "key": "uploads/a"}, 400, "InvalidParameter"),
        ({"action": "create_multipart", "key": "other/a"}, 403, "KeyNotAllowed"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": [0]}, 400, "InvalidParameter"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": [10001]}, 400, "InvalidParameter"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": [1, 1]}, 400, "InvalidParameter"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": []}, 400, "InvalidParameter"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "\n", "part_numbers": [1]}, 400, "InvalidParameter"),
        ({"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": [1], "etag": "x"}, 400, "InvalidRequest"),
        ({"action": "complete_multipart", "key": "uploads/a", "upload_id": "u", "parts": []}, 400, "InvalidParameter"),
        ({"action": "complete_multipart", "key": "uploads/a", "upload_id": "u", "parts": [{"part_number": 1}]}, 400, "InvalidParameter"),
    ],
)  # fmt: skip
def test_upload_refusals(request_, status, code):
    outcome = api().handle(request_)
    assert (outcome.status, outcome.body["error"]["code"]) == (status, code), outcome.body
    assert len(outcome.body["error"]["message"]) < 300


def test_uploads_are_off_until_configured():
    outcome = make_api().handle({"key": "movies/a", "method": "PUT", "content_length": 1})
    assert (outcome.status, outcome.body["error"]["code"]) == (403, "KeyNotAllowed")
    assert "uploads are not configured" in outcome.body["error"]["message"]


def test_upload_prefixes_are_independent_of_read_prefixes():
    """The read prefix (movies/) neither allows nor blocks an upload prefix."""
    assert api().handle({"key": "uploads/x", "method": "PUT", "content_length": 1}).status == 200
    assert api().handle({"key": "uploads/x"}).status == 403  # not readable: outside allowed_prefixes


def test_expiry_is_capped_for_uploads_as_for_downloads():
    outcome = api({"XPRESIGN_MAX_EXPIRES": "600"}).handle(
        {"key": "uploads/a", "method": "PUT", "content_length": 1, "expires_in": 3600}
    )
    assert (outcome.body["expires_in"], outcome.body["capped_by"]) == (600, "policy")
    assert query(outcome.body["url"])["X-Amz-Expires"] == "600"


def test_a_batch_mixes_downloads_and_uploads():
    outcome = api().handle(
        {"items": ["movies/a.mp4", {"key": "uploads/b", "method": "PUT", "content_length": 3},
                   {"key": "uploads/c", "method": "POST"}, {"key": "movies/d", "method": "PUT", "content_length": 1}]}
    )  # fmt: skip
    results = outcome.body["results"]
    assert "method" not in results[0] and results[1]["method"] == "PUT" and "fields" in results[2]
    assert results[3]["error"]["code"] == "KeyNotAllowed"


def test_sign_parts_answers_each_part_at_one_expiry():
    outcome = api().handle(
        {"action": "sign_parts", "key": "uploads/big", "upload_id": "up-1", "part_numbers": [3, 1, 2]}
    )
    assert outcome.status == 200, outcome.body
    body = outcome.body
    assert [p["part_number"] for p in body["parts"]] == [3, 1, 2]
    for part in body["parts"]:
        q = query(part["url"])
        assert (q["partNumber"], q["uploadId"]) == (str(part["part_number"]), "up-1")
    assert body["expires_at"] and body["expires_in"] == 900 and body["capped_by"] is None


def test_sign_parts_is_bounded_by_max_batch_and_the_answer_size():
    limited = api({"XPRESIGN_MAX_BATCH": "3"})
    outcome = limited.handle(
        {"action": "sign_parts", "key": "uploads/a", "upload_id": "u", "part_numbers": [1, 2, 3, 4]}
    )
    # Too many items, as for a batch: the same status and code.
    assert (outcome.status, outcome.body["error"]["code"]) == (413, "BatchTooLarge")
    from xpresign.outcome import ALB

    big = api({"XPRESIGN_MAX_BATCH": "10000", "AWS_SESSION_TOKEN": "t" * 900})
    request = {"action": "sign_parts", "key": "uploads/" + "k" * 900, "upload_id": "u" * 100,
               "part_numbers": list(range(1, 10001))}  # fmt: skip
    refused = big.handle(request, budget=ALB)
    assert (refused.status, refused.body["error"]["code"]) == (413, "ResponseTooLarge")
    assert "of 10000 parts fit" in refused.body["error"]["message"]


def test_a_parts_list_is_bounded_by_the_answer_size(monkeypatch):
    from xpresign.multipart import Multipart, Part
    from xpresign.outcome import ALB, HTTP

    parts = [Part(n, '"' + "e" * 32 + f'-{n}"', 5 * 1024**3) for n in range(1, 10_001)]
    monkeypatch.setattr(Multipart, "list_parts", lambda self, bucket, key, upload, deadline: parts)
    request = {"action": "list_parts", "key": "uploads/a", "upload_id": "u"}
    through_alb = api().handle(request, budget=ALB)
    assert (through_alb.status, through_alb.body["error"]["code"]) == (413, "ResponseTooLarge")
    listed = api().handle(request, budget=HTTP)
    assert listed.status == 200 and len(json.loads(listed.text)["parts"]) == 10_000


def test_the_clock_is_the_grants():
    body = api().handle({"key": "uploads/a", "method": "PUT", "content_length": 1}).body
    assert query(body["url"])["X-Amz-Date"].startswith("2026")
    assert NOW


@pytest.mark.parametrize("action", ["list_parts", "abort_multipart", "sign_parts"])
def test_a_refused_actions_key_is_logged_bounded(action, caplog):
    from xpresign.lambda_handler import App
    from xpresign.request_log import MAX_LOGGED_KEY_CHARS

    caplog.set_level("INFO", logger="xpresign")
    uploads = api()
    key = "uploads/" + "k" * 20_000
    answer = App(uploads.presigner.config, uploads)(
        {"action": action, "key": key, "upload_id": "u", "part_numbers": [1]}
    )
    assert answer["error"]["code"] in ("KeyTooLong", "InvalidRequest"), answer
    (line,) = [r.getMessage() for r in caplog.records if r.name == "xpresign.request"]
    assert json.loads(line)["key"] == key[:MAX_LOGGED_KEY_CHARS]


def test_a_single_put_or_post_stays_within_s3s_5_gib_whatever_the_bucket_allows():
    """A bucket's max_upload_size may be set for multipart (up to 5 TiB); S3
    refuses a single PUT or POST over 5 GiB, so no URL is signed for one."""
    big = api({"XPRESIGN_MAX_UPLOAD_SIZE": str(1024**4)})
    put = big.handle({"key": "uploads/big.iso", "method": "PUT", "content_length": 5 * 1024**3 + 1})
    assert (put.status, put.body["error"]["code"]) == (413, "UploadTooLarge")
    assert "multipart" in put.body["error"]["message"]
    assert big.handle({"key": "uploads/big.iso", "method": "PUT", "content_length": 5 * 1024**3}).status == 200
    post = big.handle({"key": "uploads/big.iso", "method": "POST"}).body
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 0, 5 * 1024**3] in policy["conditions"]
    # Multipart goes on to the bucket's limit: its parts are checked at complete.
    assert (
        big.handle({"action": "sign_parts", "key": "uploads/big.iso", "upload_id": "u", "part_numbers": [1]}).status
        == 200
    )


def test_a_post_key_may_not_let_the_browser_name_the_object():
    outcome = api().handle({"key": "uploads/${filename}", "method": "POST"})
    assert (outcome.status, outcome.body["error"]["code"]) == (400, "InvalidParameter")
    assert api().handle({"key": "uploads/${other}", "method": "POST"}).status == 200
