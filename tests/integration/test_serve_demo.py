"""``xpresign demo --serve``: moto and the server keep running until Ctrl-C,
and the curl command it prints works."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.support.serve_process import XPRESIGN, get

READY_TIMEOUT_SECONDS = 60


@pytest.mark.slow
def test_demo_serve_prints_a_working_curl_command_and_stops_on_ctrl_c():
    demo = subprocess.Popen(
        [XPRESIGN, "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not any(line.strip().startswith("curl -s -H") for line in lines):
            line = demo.stdout.readline()
            assert line, "the demo ended early:\n" + "".join(lines)
            lines.append(line)
        first_curl = next(line.strip() for line in lines if re.match(r"curl -s '?http", line.strip()))
        url = shlex.split(first_curl)[-1]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?key=movies/\S+", url), url
        status, body, _ = get(url)
        assert status == 200, body
        with urllib.request.urlopen(body["url"], timeout=10) as download:  # moto's bucket, on loopback
            assert download.status == 200 and download.read()
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
        assert demo.returncode == 0, "".join(lines) + rest
        assert "stopped the server and the emulator" in rest
    finally:
        if demo.poll() is None:  # Ctrl-C first: the demo stops moto (its own process group) itself
            demo.send_signal(signal.SIGINT)
            try:
                demo.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait(10)
