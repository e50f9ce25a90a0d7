"""The serve load test's own checks: wrk's Lua counts every bad answer and the
benchmark refuses such a run; the smoke run validates, measures and reports."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest

from benchmarks import serve_load
from benchmarks.plan import SMOKE
from benchmarks.stats import ValidationFailed

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make wrk)")
GOOD = b'{"url": "https://classic-movies.s3.us-east-1.amazonaws.com/a.mp4?X-Amz-Signature=0"}'


class FlakyServer:
    """On 127.0.0.1: of every three GETs, one good answer, one 500, one 200 without a URL."""

    def __init__(self):
        answers = count()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                kind = next(answers) % 3
                status, body = {0: (200, GOOD), 1: (500, b'{"error": {}}'), 2: (200, b'{"results": []}')}[kind]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@needs_wrk
def test_the_lua_script_counts_non_200_answers_and_bodies_without_a_url(tmp_path):
    flaky = FlakyServer()
    log = tmp_path / "flaky.log"
    log.write_text("")
    server = serve_load.Server("flaky", [], {}, flaky.port, log)
    try:
        with pytest.raises(ValidationFailed, match=r"errors under load \{'non_200': \d+, 'no_url': \d+\}"):
            serve_load.wrk(server, "get", 1, "token")
    finally:
        flaky.close()


@needs_wrk
@pytest.mark.slow
def test_the_smoke_run_validates_against_botocore_then_reports_every_target():
    logged = []
    section = serve_load.run(SMOKE, logged.append)
    assert section.title == "Serve under load"
    assert [t.text for t in section.targets] == [
        "≥ 3x the requests per second (single GET)",
        "p99 no worse (single GET)",
        "≥ 3x the requests per second (100-key batch (POST))",
        "p99 no worse (100-key batch (POST))",
    ]
    assert len(section.rows) == 2 and len(logged) == 2
    validated = " ".join(section.validated)
    assert "byte-identical to botocore" in validated and "401 Unauthorized" in validated
    assert "0 non-200 answers" in validated
