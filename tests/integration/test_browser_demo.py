"""The page of ``xpresign demo --serve``, used in headless Chromium.

The demo runs as a user runs it (``xpresign demo --serve``, a child process:
moto, the two accounts, ``xpresign serve`` wrapped with the page) and the
browser opens the page it announces. A click on a movie's link fetches a
presigned URL from the server's JSON API and downloads the file: its SHA-256
is the emulator's object's. Uppy's Dashboard uploads a small file and a 12 MiB one
(both multipart: moto answers a form POST without the ETag Uppy waits for)
into moto's bucket, cross-origin, under the bucket's CORS rule: the bytes
stored are the files'. Every result row
shows the expiry the server granted and why it was capped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.browser import require_browser, run_browser_script, screenshot_path
from tests.support.serve_process import XPRESIGN
from xpresign.emulator import ACCOUNT_A, assume, client, demo_objects

pytestmark = pytest.mark.slow

READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
MIB = 1024 * 1024
PAGE_LINE = re.compile(r"open the demo page in a browser: (http://127\.0\.0\.1:\d+/demo/)$")
MOTO_LINE = re.compile(r"moto at (http://127\.0\.0\.1:\d+),")


class DemoServe:
    """``xpresign demo --serve`` as a child process, stopped by its PID with Ctrl-C."""

    def __init__(self):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [XPRESIGN, "demo", "--serve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        # A thread reads its output: a pipe read line by line under select() loses buffered lines.
        self._reader = threading.Thread(target=self._read, name="demo-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: re.Pattern) -> re.Match:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = pattern.search(line.strip())
                if found:
                    return found
            assert self.process.poll() is None, "the demo ended:\n" + self.output()
            time.sleep(0.05)
        raise AssertionError(f"no {pattern.pattern!r} within {READY_TIMEOUT_SECONDS} s:\n" + self.output())

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        """Ctrl-C (the demo stops serve and moto itself), then the group by force if need be."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._reader.join(10)
        return self.process.returncode


@pytest.fixture(scope="module")
def demo():
    require_browser()
    demo = DemoServe()
    try:
        page = demo.wait_for(PAGE_LINE).group(1)
        moto = demo.wait_for(MOTO_LINE).group(1)
        yield page, moto
    finally:
        stopped = demo.stop()
    assert stopped == 0 and "stopped the server and the emulator" in demo.output(), demo.output()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_demo_page_downloads_by_presigned_links_and_uploads_with_uppy(demo, tmp_path):
    page, moto = demo
    objects = demo_objects()
    clicks = [
        {"key": "movies/metropolis-1927.mp4", "expires": 900},
        {"key": "movies/the general+1926~restored.mp4", "expires": 3600},
        {"key": "movies/un chien andalou – 1929.mp4", "expires": 7200},
    ]
    small, big = tmp_path / "poster.png", tmp_path / "reel 2.bin"
    small_data, big_data = os.urandom(150_000), os.urandom(12 * MIB)
    small.write_bytes(small_data)
    big.write_bytes(big_data)
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    result = run_browser_script(
        "demo_page.mjs",
        {
            "url": page,
            "downloads": downloads,
            "clicks": json.dumps(clicks),
            "uploads": json.dumps([str(small), str(big)]),
            "screenshot": screenshot_path(tmp_path, "demo-page.png", published=True),
        },
        timeout=120,
    )
    assert result["ok"] is True and result["status"] == 200
    assert not result["uploadTimedOut"], json.dumps(
        {k: result[k] for k in ("uppyFiles", "events", "requests", "consoleErrors", "pageStatus")}
    )[:6000]
    assert result["offLoopback"] == [] and result["pageErrors"] == [] and result["consoleErrors"] == []
    assert result["movies"] == sorted(objects)

    # Each click: the API's answer asked for what the select said, and the browser saved exactly that object.
    for download in result["downloads"]:
        key, answer = download["key"], download["answer"]
        assert answer["key"] == key
        assert sha256(Path(download["path"]).read_bytes()) == sha256(objects[key]), key
        assert download["suggestedFilename"] == key.rsplit("/", 1)[1]  # response-content-disposition
    answers = {d["key"]: d["answer"] for d in result["downloads"]}
    assert (answers[clicks[0]["key"]]["expires_in"], answers[clicks[0]["key"]]["capped_by"]) == (900, None)
    for click in clicks[1:]:  # the role session (one hour, less what has passed and the margin) ends sooner
        assert answers[click["key"]]["capped_by"] == "credentials"
        assert 3000 < answers[click["key"]]["expires_in"] < 3600

    # The uploads: the exact bytes in moto's bucket, under the upload prefix, keys chosen by the server.
    assert result["events"]["error"] == []
    uploaded = {event["name"]: event["key"] for event in result["events"]["success"]}
    assert set(uploaded) == {small.name, big.name}
    s3 = client("s3", moto, assume(moto, f"arn:aws:iam::{ACCOUNT_A}:role/admin", "demo-test"))
    for path, data in ((small, small_data), (big, big_data)):
        key = uploaded[path.name]
        assert re.fullmatch(r"uploads/[0-9a-f]{32}/" + re.escape(path.name.replace(" ", "_")), key), key
        assert s3.get_object(Bucket="classic-movies", Key=key)["Body"].read() == data
    # Both multipart (see demo.js: moto answers a form POST without an ETag): one part and three.
    to_moto = [(r["method"], r["status"]) for r in result["requests"] if r["url"].startswith(moto)]
    assert [status for method, status in to_moto if method != "GET"] == [200] * 4, to_moto  # the parts' PUTs
    assert {method for method, _ in to_moto} == {"GET", "PUT"}, to_moto  # GETs: the downloads

    # The page shows every result with the expiry granted and its cap, as the API answered.
    rows = {(row["kind"], row["key"]): row for row in result["rows"]}
    for key, answer in answers.items():
        row = rows["download", key]
        assert (row["expiresIn"], row["cappedBy"]) == (answer["expires_in"], answer["capped_by"])
        assert row["cells"][4:7] == [str(answer["expires_in"]), answer["capped_by"] or "null", answer["expires_at"]]
    for name, key in uploaded.items():
        row = rows["upload", key]
        assert row["cells"][2] == f"{(small if name == small.name else big).stat().st_size:,}"
        assert row["cappedBy"] == "credentials" and row["href"].startswith(f"{moto}/classic-movies/uploads/")
    assert len(result["rows"]) == len(clicks) + 2
    assert "X-Amz-Signature" not in " ".join(cell for row in result["rows"] for cell in row["cells"])
