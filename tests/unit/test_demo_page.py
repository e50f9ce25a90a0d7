"""The demo's page is a wrapper of ``xpresign demo --serve`` only: a fixed table
of files from the package, everything else to ``xpresign serve`` unchanged,
and ``xpresign serve`` itself has none of it."""

from __future__ import annotations

from importlib.resources import files

import pytest

from tests.support.serve_asgi import SERVICE_ENV, call
from xpresign.demo_page import STATIC_FILES, DemoPage, page_config
from xpresign.serve_run import ServeOptions, build_app

CONFIG = page_config(
    bucket="classic-movies",
    movies=["movies/b.mp4", "movies/a.mp4"],
    upload_prefix="uploads/",
    s3_endpoint="http://127.0.0.1:5000",
)


@pytest.fixture(scope="module")
def app():
    return DemoPage(build_app(SERVICE_ENV, ServeOptions()), CONFIG)


def test_every_page_file_is_the_packages_own(app):
    for path, (folder, name) in STATIC_FILES.items():
        answer = call(app, path=path)
        assert answer.status == 200, path
        assert answer.body == files("xpresign").joinpath("static", folder, name).read_bytes()
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert call(app, path="/static/uppy/uppy.min.js").headers["content-type"] == "text/javascript; charset=utf-8"
    page = call(app, path="/demo/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "connect-src 'self' http://127.0.0.1:5000;" in page.headers["content-security-policy"]
    assert call(app, path="/demo/config.json").json() == {**CONFIG, "movies": ["movies/a.mp4", "movies/b.mp4"]}


def test_the_page_is_read_only_and_head_has_no_body(app):
    assert call(app, path="/demo").status == 308 and call(app, path="/demo").headers["location"] == "/demo/"
    head = call(app, "HEAD", "/demo/demo.js")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0
    refused = call(app, "POST", "/demo/", body=b"{}")
    assert (refused.status, refused.headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.parametrize(
    "path", ["/static/uppy/LICENSE", "/static/uppy/../demo_page.py", "/demo/../__init__.py", "/static/demo/index.html"]
)
def test_no_other_path_reads_a_file(app, path):
    answer = call(app, path=path)
    assert (answer.status, answer.code) == (404, "NotFound")  # xpresign serve's own answer


def test_everything_else_is_xpresign_serve(app):
    assert call(app, path="/healthz").json() == {"status": "ok"}
    signed = call(app, query=b"key=movies/a.mp4")
    assert signed.status == 200 and signed.json()["key"] == "movies/a.mp4"


def test_xpresign_serve_itself_serves_no_page():
    plain = build_app(SERVICE_ENV, ServeOptions())
    for path in [*STATIC_FILES, "/demo", "/demo/config.json"]:
        assert call(plain, path=path).status == 404, path
