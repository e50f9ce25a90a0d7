"""``xpresign serve``'s ASGI application, called in-process as granian calls it:
paths, limits, timeouts, errors, headers and the access log."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from tests.support.serve_asgi import SERVICE_ENV, TOKEN, bearer, call
from xpresign.api import Api
from xpresign.events import MAX_BODY_BYTES
from xpresign.router import Router
from xpresign.serve_app import ServeApp, Service
from xpresign.serve_auth import Authenticator
from xpresign.serve_run import ServeOptions, build_app


@pytest.fixture
def app():
    return build_app({**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}, ServeOptions())


@pytest.fixture
def open_app():
    """No token: what a loopback-only development server runs."""
    return build_app(SERVICE_ENV, ServeOptions())


def with_service(app: ServeApp, *, timeout: float, checker=None) -> ServeApp:
    """The same router and gate, another timeout (and existence checker)."""
    presigner = app.service.router.api.presigner
    api = Api(presigner, checker=checker) if checker else app.service.router.api
    return ServeApp(Service(Router(api, owns_paths=True), app.service.gate), timeout=timeout)


def test_a_get_answers_a_url_with_the_lambdas_headers(app):
    answer = call(app, query=b"key=movies/metropolis.mp4&expires_in=600", headers=[bearer()])
    assert answer.status == 200
    body = answer.json()
    assert body["url"].startswith("https://classic-movies.s3.us-east-1.amazonaws.com/movies/metropolis.mp4?")
    assert body["expires_in"] == 600
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.body)


def test_a_post_batch_has_no_response_limit_but_max_batch(app):
    keys = [f"movies/{i:05d}-{'x' * 200}.mp4" for i in range(1000)]
    answer = call(app, "POST", body=json.dumps({"items": keys}).encode(), headers=[bearer()])
    assert answer.status == 200
    assert len(answer.json()["results"]) == 1000
    too_many = call(app, "POST", body=json.dumps({"items": [*keys, "one-more"]}).encode(), headers=[bearer()])
    assert (too_many.status, too_many.code) == (413, "BatchTooLarge")


def test_healthz_needs_no_token_and_makes_no_sts_call():
    # A role whose STS is unreachable: signing fails, health does not (and does not wait).
    env = {
        **SERVICE_ENV,
        "XPRESIGN_ROLE_ARN": "arn:aws:iam::111111111111:role/r",
        "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    }
    app = build_app({**env, "XPRESIGN_SERVE_TOKEN": TOKEN}, ServeOptions(timeout=3))
    started = time.monotonic()
    assert call(app, path="/healthz").status == 200
    assert time.monotonic() - started < 0.5
    assert call(app, query=b"key=a.mp4", headers=[bearer()]).code == "ServiceUnavailable"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/other", 404, "NotFound"),
        ("GET", "/healthz/x", 404, "NotFound"),
        ("PUT", "/", 405, "MethodNotAllowed"),
        ("GET", "/", 400, "MissingKey"),
    ],
)
def test_caller_mistakes_are_4xx_json_with_stable_codes(app, method, path, status, code):
    answer = call(app, method, path, headers=[bearer()])
    assert (answer.status, answer.code) == (status, code)
    assert "Traceback" not in answer.body.decode()


def test_bad_bodies_and_queries_are_400(app):
    assert call(app, "POST", body=b"{not json", headers=[bearer()]).code == "MalformedJSON"
    assert call(app, "POST", body=b"", headers=[bearer()]).code == "InvalidRequest"
    assert call(app, query=b"key=%ff%fe", headers=[bearer()]).code == "InvalidRequest"
    assert call(app, query=b"&".join(b"p%d=1" % i for i in range(40)), headers=[bearer()]).code == "InvalidRequest"
    assert call(app, query=b"key=a.mp4&nope=1", headers=[bearer()]).code == "InvalidRequest"
    bad_length = call(app, "POST", headers=[bearer(), ("content-length", "12x")], chunks=[b"{}"])
    assert (bad_length.status, bad_length.code) == (400, "InvalidRequest")


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(app):
    announced = call(app, "POST", headers=[bearer(), ("content-length", str(MAX_BODY_BYTES + 1))], chunks=[b"{"])
    assert (announced.status, announced.code) == (413, "PayloadTooLarge")
    # More digits than int() takes (4,300): a 413 all the same, not a 500.
    huge = call(app, "POST", headers=[bearer(), ("content-length", "9" * 5000)], chunks=[b"{"])
    assert (huge.status, huge.code) == (413, "PayloadTooLarge")
    padded = call(app, "POST", headers=[bearer(), ("content-length", "0" * 5000 + "2")], chunks=[b"{}"])
    assert padded.status != 500
    streamed = call(app, "POST", headers=[bearer()], chunks=[b" " * (MAX_BODY_BYTES // 2)] * 3)
    assert (streamed.status, streamed.code) == (413, "PayloadTooLarge")


def test_a_body_that_does_not_arrive_in_time_is_408(app):
    slow = with_service(app, timeout=0.6)
    answer = call(slow, "POST", headers=[bearer()], chunks=[b'{"key":', b' "a.mp4"}'], chunk_delay=0.4)
    assert (answer.status, answer.code) == (408, "RequestTimeout")


def test_an_answer_that_takes_longer_than_the_timeout_is_503_with_retry_after(app):
    def slow_check(url, deadline):
        time.sleep(1.0)

    slow = with_service(app, timeout=0.5, checker=slow_check)
    started = time.monotonic()
    answer = call(slow, query=b"key=a.mp4&check=true", headers=[bearer()])
    assert (answer.status, answer.code) == (503, "ServiceUnavailable")
    assert answer.headers["retry-after"] == "1"
    assert time.monotonic() - started < 0.9


def test_requests_that_may_wait_on_the_network_run_on_a_thread(app):
    threads = []

    def record(url, deadline):
        threads.append(threading.current_thread().name)

    app = with_service(app, timeout=5, checker=record)
    service = app.service
    assert call(app, query=b"key=a.mp4", headers=[bearer()]).status == 200  # the first: STS, maybe
    assert service.warm
    assert call(app, query=b"key=a.mp4&check=true", headers=[bearer()]).status == 200
    assert threads and threads[-1].startswith("xpresign-serve")
    assert not service.may_wait(request(b"key=a.mp4"))
    assert service.may_wait(request(b"key=a.mp4&check=1"))


def request(query: bytes):
    from xpresign.serve_app import ServeRequest

    return ServeRequest("GET", "/", {"authorization": f"Bearer {TOKEN}"}, query, b"", decoded=False)


def test_preflights_need_no_token_and_get_cors_headers():
    env = {**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN, "XPRESIGN_CORS_ALLOW_ORIGINS": "https://app.example.com"}
    app = build_app(env, ServeOptions())
    origin = ("origin", "https://app.example.com")
    preflight = call(app, "OPTIONS", headers=[origin, ("access-control-request-method", "POST")])
    assert preflight.status == 204 and preflight.body == b""
    assert "content-type" not in preflight.headers
    assert "POST" in preflight.headers["access-control-allow-methods"]
    refused = call(app, query=b"key=a.mp4", headers=[origin])
    assert refused.status == 401
    assert refused.headers["access-control-allow-origin"] == "https://app.example.com"


def test_a_bug_is_a_500_without_its_trace(app, caplog):
    class Broken(Router):
        def route(self, request, budget, deadline):
            raise RuntimeError("secret detail")

    broken = ServeApp(Service(Broken(app.service.router.api, owns_paths=True), Authenticator(None)))
    with caplog.at_level(logging.ERROR, logger="xpresign"):
        answer = call(broken, query=b"key=a.mp4")
    assert (answer.status, answer.code) == (500, "InternalError")
    assert b"secret detail" not in answer.body and b"Traceback" not in answer.body


def test_a_client_that_goes_away_gets_nothing_and_is_logged(open_app, caplog):
    with caplog.at_level(logging.INFO, logger="xpresign.request"):
        assert call(open_app, "POST", chunks=[b"{}"], disconnect=True) is None
    assert json.loads(caplog.records[-1].getMessage())["status"] == 499


def test_one_access_log_line_per_request_without_query_url_or_token(app, caplog):
    with caplog.at_level(logging.INFO, logger="xpresign.request"):
        call(app, query=b"key=movies/secret-plan.mp4&expires_in=60", headers=[bearer()])
        call(app, query=b"key=movies/a.mp4", headers=[bearer("wrong-token-0123456789")])
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "xpresign.request"]
    assert len(lines) == 2
    ok, refused = lines
    assert ok["front_door"] == "serve" and ok["method"] == "GET" and ok["path"] == "/"
    assert (ok["status"], ok["caller"], ok["outcome"]) == (200, "token", "ok")
    assert (refused["status"], refused["outcome"]) == (401, "Unauthorized")
    text = " ".join(r.getMessage() for r in caplog.records)
    for forbidden in ("expires_in=60", "X-Amz-Signature", "https://", TOKEN, "wrong-token"):
        assert forbidden not in text


def test_no_answer_echoes_a_token(app):
    for sent in ("wrong-token-0123456789", TOKEN + "x", "x.y.z"):
        answer = call(app, query=b"key=a.mp4", headers=[bearer(sent)])
        assert answer.status == 401
        assert sent.encode() not in answer.body and sent not in json.dumps(answer.headers)


def test_serving_imports_neither_boto3_nor_botocore():
    """A container installs only the serve extra: no boto3."""
    import subprocess
    import sys

    script = (
        "import sys, xpresign.serve_run, xpresign.cli.serve; print([m for m in sys.modules if m.startswith('boto')])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("path", "raw_path", "upload_id"),
    [
        ("/s3/multipart/up%2Fid%2Bx/2", True, "up%2Fid%2Bx"),  # the raw path: decoded once, '/' kept apart
        ("/s3/multipart/a%2541b/2", True, "a%2541b"),  # never decoded twice
        ("/s3/multipart/up%2Fid%2Bx/2", False, "up%2Fid%2Bx"),  # no raw_path: the decoded path, split as HTTP APIs'
    ],
)
def test_uppys_upload_id_reaches_s3_as_the_browser_encoded_it(path, raw_path, upload_id):
    env = {**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN, "XPRESIGN_UPLOAD_PREFIXES": "uploads/"}
    app = build_app({**env, "XPRESIGN_COMPANION_BUCKET": "classic-movies"}, ServeOptions())
    answer = call(app, path=path, query=b"key=uploads%2Fabc%2Fa.bin", headers=[bearer()], raw_path=raw_path)
    assert answer.status == 200, answer.body
    assert f"partNumber=2&uploadId={upload_id}&" in answer.json()["url"]


def test_it_is_warm_only_when_every_buckets_session_is_cached():
    """A request for a bucket whose role has no session yet waits on STS: on
    the event loop, it stalled every other connection, health checks included."""
    from xpresign.api import Api
    from xpresign.config import load_config
    from xpresign.credentials import CredentialBroker, StaticCredentials
    from xpresign.presigner import Presigner
    from xpresign.router import Router
    from xpresign.serve_app import Service
    from xpresign.serve_auth import Authenticator
    from xpresign.values import Credentials, Deadline

    document = {
        "buckets": {
            "a": {"bucket": "bucket-a", "role_arn": "arn:aws:iam::111111111111:role/a"},
            "b": {"bucket": "bucket-b", "role_arn": "arn:aws:iam::111111111111:role/b"},
        }
    }
    config = load_config({"XPRESIGN_CONFIG": json.dumps(document), "AWS_REGION": "us-east-1"})
    assumed = []

    def assume_role(role, source, deadline):
        assumed.append(role.role_arn)
        return Credentials("ASIASESSION", "secret", "token", time.time() + 3600)

    broker = CredentialBroker(StaticCredentials(Credentials("AKIASOURCE", "s")), assume_role)
    service = Service(Router(Api(Presigner(config, broker)), owns_paths=True), Authenticator(TOKEN, None))
    signed = request(b"key=k&bucket=a")
    assert service.may_wait(signed)
    assert service.answer(signed, Deadline.after(5))[0].status == 200
    assert not service.warm and service.may_wait(request(b"key=k&bucket=b"))  # b's role has no session
    assert service.answer(request(b"key=k&bucket=b"), Deadline.after(5))[0].status == 200
    assert service.warm and not service.may_wait(request(b"key=k&bucket=a"))
    assert assumed == ["arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"]


@pytest.mark.parametrize(
    "credential", [[], [("authorization", "Bearer not-the-token-at-all-0123")]], ids=["none", "wrong"]
)
def test_a_request_the_gate_refuses_is_answered_before_its_body(app, credential):
    """An unauthenticated client could make the server wait a whole request
    timeout for a body it announced, and hold up to 2 MiB of it."""
    slow = with_service(app, timeout=5)
    started = time.monotonic()
    answer = call(slow, "POST", headers=credential, chunks=[b'{"key":', b' "a.mp4"}'], chunk_delay=2)
    assert (answer.status, answer.code) == (401, "Unauthorized")
    assert answer.headers.get("www-authenticate", "").startswith("Bearer")
    assert time.monotonic() - started < 1
