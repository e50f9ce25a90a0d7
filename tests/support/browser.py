"""Headless Chromium for tests, driven by Node scripts in browser/.

The browser is the operating system's Chromium (Debian package ``chromium``),
driven by ``playwright-core`` from browser/node_modules (``make browser-deps``
installs both). playwright-core never downloads a browser: it is told the
system Chromium's path at run time.

A test calls :func:`run_browser_script` with a script in browser/ (for example
``browser/smoke.mjs``) and ``--name value`` arguments; the script prints one
line of JSON, which comes back as a Python object. Everything
machine-specific (Chromium's path, its flags, a fresh user data directory) is
chosen here and handed to the script in the ``XPRESIGN_BROWSER_LAUNCH``
environment variable (see browser/launch.mjs), so the scripts hold no paths.

:class:`StaticServer` serves a folder over HTTP on 127.0.0.1 (a child
``python -m http.server`` on a free port), for pages that need no backend.
Processes started here are stopped by their own PID (or process group), never
by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = REPO_ROOT / "browser"
NODE_MODULES = BROWSER_DIR / "node_modules"

# Flags that let Chromium start cleanly on a machine with no network but
# loopback: without the background-networking ones it keeps dialling Google's
# services (and logs every refusal). --no-sandbox because tests run as root.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Resolve no host name but 127.0.0.1: a page can reach nothing else.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)

DEFAULT_TIMEOUT = 90.0
_STOP_TIMEOUT = 10.0
#: When set, the browser tests write the screenshots meant for the docs there
#: (`make screenshots` sets it to docs/screenshots); otherwise into tmp_path.
SCREENSHOTS_VARIABLE = "XPRESIGN_SCREENSHOTS_DIR"


class BrowserScriptError(RuntimeError):
    """A browser script failed, timed out or printed no JSON."""


def find_chromium() -> str | None:
    """The system Chromium on PATH (``chromium``, as Debian names it), or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def find_node() -> str | None:
    """Node.js on PATH, or None."""
    return shutil.which("node")


def playwright_core_installed() -> bool:
    """Whether ``npm ci --prefix browser`` has put playwright-core in place."""
    return (NODE_MODULES / "playwright-core" / "package.json").is_file()


def missing_tools() -> list[str]:
    """Human-readable names of what is missing to run a browser script."""
    missing = []
    if find_node() is None:
        missing.append("node (Node.js) not found on PATH")
    if find_chromium() is None:
        missing.append("chromium not found on PATH (Debian package `chromium`)")
    return missing


def require_browser() -> None:
    """Skip when the OS lacks node or chromium (the only allowed reason, named);
    fail when browser/'s packages are missing, which `make browser-deps` installs."""
    missing = missing_tools()
    if missing:
        pytest.skip("headless browser unavailable: " + "; ".join(missing))
    if not playwright_core_installed():
        pytest.fail(f"playwright-core is missing from {NODE_MODULES}: run `make browser-deps`")


def screenshot_path(tmp_path: Path, name: str, *, published: bool = False) -> Path:
    """Where a test writes the screenshot ``name``: ``tmp_path``, unless it is
    one the docs show (``published``) and ``XPRESIGN_SCREENSHOTS_DIR`` is set."""
    folder = os.environ.get(SCREENSHOTS_VARIABLE) if published else None
    target = Path(folder) if folder else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target / name


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop a child started in its own session, with everything it spawned.

    The process group's id is the child's PID. Once the child has exited, any
    Chromium process it left behind is still in that group and is killed too.
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=_STOP_TIMEOUT)


def run_browser_script(
    script: str | os.PathLike[str],
    args: Sequence[str] | Mapping[str, Any] = (),
    timeout: float = DEFAULT_TIMEOUT,
    *,
    env: Mapping[str, str] | None = None,
) -> Any:
    """Run a Node script that drives headless Chromium; return its JSON output.

    ``script`` is a path, or a file name inside browser/. ``args`` is a list
    of command-line arguments or a mapping turned into ``--name value`` pairs.
    The script must print its result as JSON on the last line of stdout.
    Raises :class:`BrowserScriptError` when the script exits non-zero, runs
    past ``timeout`` seconds (it is then killed with its browser), or prints
    no JSON; the message carries the end of its stderr.
    """
    node = find_node()
    chromium = find_chromium()
    if node is None or chromium is None:
        raise BrowserScriptError("; ".join(missing_tools()) + " (run `make browser-deps`)")
    if not playwright_core_installed():
        raise BrowserScriptError(f"playwright-core is not installed in {NODE_MODULES} (run `make browser-deps`)")
    script_path = Path(script)
    if not script_path.is_absolute() and not script_path.exists():
        script_path = BROWSER_DIR / script_path
    if not script_path.is_file():
        raise BrowserScriptError(f"no such browser script: {script_path}")
    if isinstance(args, Mapping):
        argv = [item for name, value in args.items() for item in (f"--{name}", str(value))]
    else:
        argv = [str(a) for a in args]

    with tempfile.TemporaryDirectory(prefix="xpresign-chromium-profile-") as profile:
        child_env = dict(os.environ if env is None else env)
        child_env["XPRESIGN_BROWSER_LAUNCH"] = json.dumps(
            {"executablePath": chromium, "args": list(CHROMIUM_FLAGS), "userDataDir": profile}
        )
        # Belt and braces: nothing in browser/ may try to fetch a browser build.
        child_env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
        proc = subprocess.Popen(
            [node, str(script_path), *argv],
            cwd=BROWSER_DIR,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # one process group: node and Chromium's children
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            stdout, stderr = proc.communicate()
            raise BrowserScriptError(
                f"{script_path.name} did not finish within {timeout:g} s\n{_tail(stderr)}"
            ) from None
        finally:
            _stop_group(proc)

    if proc.returncode != 0:
        raise BrowserScriptError(f"{script_path.name} exited with {proc.returncode}\n{_tail(stderr)}\n{_tail(stdout)}")
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise BrowserScriptError(f"{script_path.name} printed nothing\n{_tail(stderr)}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise BrowserScriptError(
            f"{script_path.name} did not end its output with JSON ({exc})\n{_tail(stdout)}"
        ) from None


def _tail(text: str | None, limit: int = 4000) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


class StaticServer:
    """``python -m http.server`` serving ``directory`` on 127.0.0.1.

    Binds port 0, so the kernel picks a free port (no race), and reads the
    port back from the server's start-up line. Use as a context manager; the
    child is stopped by PID on exit.
    """

    _BANNER = re.compile(r"port (\d+)")

    def __init__(self, directory: str | os.PathLike[str], startup_timeout: float = 15.0):
        self.directory = Path(directory)
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not running")
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + "/" + path.lstrip("/")

    def __enter__(self) -> StaticServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(self.directory)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # one access-log line per request; not needed
            text=True,
        )
        assert self._proc.stdout is not None
        # The banner is the first line: "Serving HTTP on 127.0.0.1 port N (...) ...".
        ready, _, _ = select.select([self._proc.stdout], [], [], self.startup_timeout)
        line = self._proc.stdout.readline() if ready else ""
        match = self._BANNER.search(line)
        if not match:
            self.stop()
            raise RuntimeError(f"http.server did not start within {self.startup_timeout:g} s: {line!r}")
        self.port = int(match.group(1))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()  # SIGTERM to this PID only
            try:
                proc.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=_STOP_TIMEOUT)
        if proc.stdout is not None:
            proc.stdout.close()
        self.port = None
