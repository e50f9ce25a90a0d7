"""The S3 calls xpresign makes itself, against a loopback server that answers
as S3 does when things go wrong: every S3 error becomes a stable code with
xpresign's own words, a 200 holding an <Error> is an error, throttling and 5xx
are retried within the deadline, and a redirect is never followed."""

from __future__ import annotations

import time

import pytest

from tests.support.raw_http import RawHttpServer
from xpresign import s3_rest
from xpresign.errors import (
    AccessDenied,
    EntityTooSmall,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
    ServiceUnavailable,
    UpstreamError,
)
from xpresign.s3 import resolve_bucket_endpoint
from xpresign.values import Credentials, Deadline

S3_TEXT = "S3 says something secret-ish: arn:aws:iam::111111111111:role/x"


def answer(status: int, code: str | None = None, reason: str = "X") -> bytes:
    body = f"<Error><Code>{code}</Code><Message>{S3_TEXT}</Message></Error>".encode() if code else b""
    return f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


SCRIPT = {
    "invalid-part-in-200": answer(200, "InvalidPart", "OK"),
    "internal-in-200": answer(200, "InternalError", "OK"),
    "too-small": answer(400, "EntityTooSmall"),
    "order": answer(400, "InvalidPartOrder"),
    "no-upload": answer(404, "NoSuchUpload"),
    "denied": answer(403, "AccessDenied"),
    "slow-down": answer(503, "SlowDown"),
    "moved": b"HTTP/1.1 301 Moved\r\nLocation: http://example.com/\r\nContent-Length: 0\r\n\r\n",
    "teapot": answer(418, "Teapot"),
    "hang": 30,
    # Complete's 200 goes out before its body; a connection closed in between.
    "cut-200": b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<?xml version="1.0"?>\n\n   ',
}


@pytest.fixture(scope="module")
def s3():
    with RawHttpServer(SCRIPT) as server:
        yield server


def call(s3, key: str, seconds: float = 10):
    endpoint = resolve_bucket_endpoint("b-1", "us-east-1", endpoint_url=s3.url)
    return s3_rest.call(
        "CompleteMultipartUpload",
        "POST",
        endpoint,
        f"uploads/{key}",
        Credentials("ASIAEXAMPLE", "secret", "token"),
        Deadline.after(seconds),
        params=[("uploadId", "u-1")],
        body=b"<CompleteMultipartUpload/>",
    )


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("invalid-part-in-200", InvalidPart),
        ("too-small", EntityTooSmall),
        ("order", InvalidPartOrder),
        ("no-upload", NoSuchUpload),
        ("denied", AccessDenied),
        ("moved", UpstreamError),
        ("teapot", UpstreamError),
    ],
)
def test_s3_errors_become_stable_codes_in_xpresigns_words(s3, key, error):
    before = len(s3.paths)
    with pytest.raises(error) as raised:
        call(s3, key)
    assert "secret-ish" not in raised.value.message and "arn:" not in raised.value.message
    assert len(s3.paths) - before == 1  # refusals are not retried


@pytest.mark.parametrize("key", ["slow-down", "internal-in-200", "cut-200"])
def test_throttling_and_internal_errors_are_retried_then_503(s3, key):
    before = len(s3.paths)
    with pytest.raises(ServiceUnavailable) as raised:
        call(s3, key)
    assert len(s3.paths) - before == s3_rest.ATTEMPTS
    assert raised.value.retry_after


def test_a_hanging_s3_is_bounded_by_the_deadline(s3):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        call(s3, "hang", seconds=0.8)
    assert time.monotonic() - started < 1.5
