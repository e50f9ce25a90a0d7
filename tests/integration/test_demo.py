"""`xpresign demo` as a user runs it: its own moto server, the real handler,
every URL downloaded and checked; and it never prints a bearer token."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading

import pytest

from xpresign import demo
from xpresign.cli import ExitCode
from xpresign.emulator import demo_objects


@pytest.mark.slow  # starts its own moto server: ~5 s
def test_demo_verifies_every_download_and_shows_the_refusal():
    # Run as a user would, on a machine with AWS and proxy settings of its own,
    # which the demo must keep away from its emulator on 127.0.0.1.
    env = {
        **os.environ,
        "AWS_PROFILE": "no-such-profile",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [sys.executable, "-m", "xpresign", "demo"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )

    printed = done.stdout
    assert done.returncode == ExitCode.OK, printed + done.stderr
    assert done.stderr == ""
    lines = printed.splitlines()
    rows = [line.split() for line in lines if line.lstrip().startswith(("function-url ", "batch "))]
    objects = demo_objects()
    assert len(rows) == 1 + len(objects)
    assert all(row[-1] == "OK" for row in rows)
    for key, data in objects.items():
        row = next(line for line in lines if line.lstrip().startswith("batch ") and f" {key} " in line)
        assert f" {len(data)} " in row and row.rstrip().endswith(" OK")
    assert any("403" in line and "KeyNotAllowed" in line and demo.REFUSED_KEY in line for line in lines)
    assert "assumed-role/s3_access_role/" in printed
    total = 1 + len(objects)
    assert lines[-1] == f"PASS: {total}/{total} downloads verified by SHA-256; the key outside movies/ was refused."
    for secret in ("X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential", "AWS_SECRET_ACCESS_KEY="):
        assert secret not in printed


def test_the_isolated_environment_hides_aws_settings_and_restores_them(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "mine")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    before = dict(os.environ)
    with demo.isolated_environment():
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_CONFIG_FILE"] == os.devnull
        assert os.environ["NO_PROXY"] == "internal.example,127.0.0.1"
    assert dict(os.environ) == before


@pytest.fixture
def file_server():
    """Serve fixed bytes at any path over HTTP on loopback."""
    body = b"the bytes on the server"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", body
    server.shutdown()
    server.server_close()


def test_verify_fails_on_different_bytes_and_on_http_errors(file_server):
    base, body = file_server
    result = {"url": f"{base}/k?X-Amz-Signature=abc", "key": "k", "expires_in": 60, "capped_by": None}
    assert demo.verify("batch", result, {"k": body}).ok
    mismatch = demo.verify("batch", result, {"k": body + b"!"})
    assert not mismatch.ok and mismatch.problem == "SHA-256 differs from the upload"
    unreachable = demo.verify("batch", {**result, "url": "http://127.0.0.1:9/k"}, {"k": body})
    assert not unreachable.ok and unreachable.size is None


def test_redact_keeps_no_query_string():
    assert demo.redact("http://h:1/b/k%20x?X-Amz-Signature=s&X-Amz-Security-Token=t") == "http://h:1/b/k%20x?…"
