"""``xpresign serve`` for real: a child process on 127.0.0.1, its workers, and
its graceful shutdown on SIGTERM with a request in flight."""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.serve_asgi import SERVICE_ENV, TOKEN
from tests.support.serve_process import get, start_serve

#: How long the fake S3 holds the existence check: the request in flight at SIGTERM.
SLOW_HEAD_SECONDS = 1.5


class SlowS3:
    """Answers HEAD with 200 after SLOW_HEAD_SECONDS; ``arrived`` is set as the request comes in."""

    def __init__(self):
        self.arrived = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self):
                owner.arrived.set()
                time.sleep(SLOW_HEAD_SECONDS)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.slow
def test_it_serves_over_http_with_its_token_and_health_without():
    with start_serve([], {**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}) as server:
        status, body, headers = get(f"{server.base}/?key=movies/metropolis.mp4", TOKEN)
        assert status == 200 and body["url"].startswith("https://classic-movies.s3.")
        assert headers["cache-control"] == "no-store"
        assert get(f"{server.base}/?key=movies/metropolis.mp4")[:2] == (
            401,
            {"error": {"code": "Unauthorized", "message": "this server needs Authorization: Bearer <token>"}},
        )
        assert get(f"{server.base}/healthz")[0] == 200
        assert get(f"{server.base}/nowhere", TOKEN)[1]["error"]["code"] == "NotFound"
    log = server.output()
    assert '"path": "/"' in log and '"status": 200' in log
    assert "X-Amz-Signature" not in log and TOKEN not in log and "metropolis.mp4?" not in log


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish_then_exits_0():
    s3 = SlowS3()
    env = {**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN, "AWS_ENDPOINT_URL_S3": s3.url}
    server = start_serve([], env).wait_ready()
    try:
        answers = []
        client = threading.Thread(target=lambda: answers.append(get(f"{server.base}/?key=a.mp4&check=true", TOKEN)))
        client.start()
        assert s3.arrived.wait(10), "the existence check never reached the fake S3"
        started = time.monotonic()
        server.process.terminate()  # SIGTERM, mid-request
        client.join(10)
        assert answers and answers[0][0] == 200 and "url" in answers[0][1], answers
        assert server.process.wait(15) == 0, server.output()
        assert time.monotonic() - started >= SLOW_HEAD_SECONDS - 0.5  # it waited for the request
    finally:
        server.stop()
        s3.close()


@pytest.mark.slow
def test_workers_are_processes_and_all_stop_on_sigterm():
    with start_serve(["--workers", "2"], {**SERVICE_ENV, "XPRESIGN_SERVE_TOKEN": TOKEN}) as server:
        # Both started before the SIGTERM: granian 2.8 can miss a worker still starting when it arrives.
        deadline = time.monotonic() + 10
        while "Started worker-2" not in server.output() or "Started worker-1" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        workers = children(server.process.pid)
        assert len(workers) == 2, workers
        for _ in range(4):
            assert get(f"{server.base}/?key=a.mp4", TOKEN)[0] == 200
        assert server.stop() == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.slow
def test_a_token_file_that_reads_once_serves_every_worker():
    """``--token-file <(...)``: a pipe gives its token once. Each worker read it
    again and found nothing, and granian stopped on a crash loop."""
    read_end, write_end = os.pipe()
    os.write(write_end, f"{TOKEN}\n".encode())
    os.close(write_end)
    try:
        server = start_serve(
            ["--workers", "2", "--token-file", f"/dev/fd/{read_end}"], SERVICE_ENV, pass_fds=(read_end,)
        )
    finally:
        os.close(read_end)
    with server:
        deadline = time.monotonic() + 10
        while "Started worker-2" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        for _ in range(4):
            assert get(f"{server.base}/?key=a.mp4", TOKEN)[0] == 200, server.output()
        assert get(f"{server.base}/?key=a.mp4")[0] == 401
    assert "Traceback" not in server.output() and "crash loop" not in server.output()
    # The server's own lines are diagnostics, on stderr with the app's: stdout stays the program's.
    assert server.stdout() == "" and "Started worker-1" in server.stderr()
