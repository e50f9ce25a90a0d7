"""``xpresign serve`` as a child process on 127.0.0.1: started, waited for,
called over HTTP, and stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from xpresign.emulator import free_port

XPRESIGN = str(Path(sys.executable).with_name("xpresign"))
READY_TIMEOUT_SECONDS = 20
STOP_TIMEOUT_SECONDS = 15


class ServeProcess:
    def __init__(self, command: list[str], env: dict[str, str], port: int, *, pass_fds: tuple[int, ...] = ()):
        self.command, self.env, self.port = command, env, port
        self.base = f"http://127.0.0.1:{port}"
        # stderr in the log; stdout apart, to tell what goes where.
        self._log = tempfile.NamedTemporaryFile(prefix="xpresign-serve-", suffix=".log", delete=False)
        self._stdout = tempfile.NamedTemporaryFile(prefix="xpresign-serve-", suffix=".out", delete=False)
        self.process = subprocess.Popen(
            command, env=env, stdout=self._stdout, stderr=self._log, start_new_session=True, pass_fds=pass_fds
        )

    def wait_ready(self) -> ServeProcess:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited at start:\n{self.output()}"
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"serve did not answer /healthz in {READY_TIMEOUT_SECONDS} s:\n{self.output()}")

    def output(self) -> str:
        """What the server wrote, stdout then stderr (kept when it stops)."""
        return self.stdout() + self.stderr()

    def stdout(self) -> str:
        return self._stdout_text if self._stdout.closed else _text(self._stdout.name)

    def stderr(self) -> str:
        return self._stderr_text if self._log.closed else _text(self._log.name)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL to its process group (its workers) by its PID."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT_SECONDS)
        if not self._log.closed:
            self._stdout_text, self._stderr_text = self.stdout(), self.stderr()
            for kept in (self._log, self._stdout):
                kept.close()
                os.unlink(kept.name)
        return self.process.returncode

    def __enter__(self) -> ServeProcess:
        return self.wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()


def _text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def start_serve(
    args: list[str], env: dict[str, str], *, port: int | None = None, pass_fds: tuple[int, ...] = ()
) -> ServeProcess:
    port = port or free_port()
    command = [XPRESIGN, "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    return ServeProcess(command, {**os.environ, **env}, port, pass_fds=pass_fds)


def get(url: str, token: str | None = None, timeout: float = 10) -> tuple[int, dict, dict]:
    """``(status, JSON body, headers)``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
