"""The browser toolchain works, and the vendored Uppy bundle is the pinned one.

`make browser-deps` installs Debian's chromium and browser/'s npm packages
(playwright-core, uppy). These tests load the vendored bundle from
src/xpresign/static/uppy/ in headless Chromium, served from 127.0.0.1, and
check that it is byte for byte the file of the pinned npm package.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

import xpresign
from tests.support.browser import (
    BROWSER_DIR,
    NODE_MODULES,
    StaticServer,
    missing_tools,
    playwright_core_installed,
    run_browser_script,
)

STATIC_UPPY = Path(xpresign.__file__).resolve().parent / "static" / "uppy"
VENDORED = ("uppy.min.js", "uppy.min.css", "LICENSE")
UPPY_VERSION = "5.2.4"
AWS_S3_VERSION = "5.1.0"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>xpresign browser smoke test</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/uppy/uppy.min.css">
  <script src="/uppy/uppy.min.js"></script>
</head>
<body>
  <h1 style="font: 600 18px sans-serif">xpresign: vendored Uppy {version}</h1>
  <div id="uppy"></div>
</body>
</html>
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def browser_ready() -> None:
    missing = missing_tools()
    if missing:
        # The only reason to skip: the OS lacks the tools even after
        # `make browser-deps` (which installs chromium when it is missing).
        pytest.skip("headless browser unavailable: " + "; ".join(missing))
    if not playwright_core_installed():
        pytest.fail(f"playwright-core is missing from {NODE_MODULES}: run `make browser-deps`")


def test_pins_and_vendored_checksums_agree() -> None:
    package = json.loads((BROWSER_DIR / "package.json").read_text())
    assert package["devDependencies"]["uppy"] == UPPY_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["devDependencies"]["playwright-core"])
    lock = json.loads((BROWSER_DIR / "package-lock.json").read_text())
    packages = lock["packages"]
    assert packages["node_modules/uppy"]["version"] == UPPY_VERSION
    assert packages["node_modules/@uppy/aws-s3"]["version"] == AWS_S3_VERSION
    assert packages["node_modules/playwright-core"]["version"] == package["devDependencies"]["playwright-core"]

    readme = (STATIC_UPPY / "README.md").read_text()
    assert f"`uppy` **{UPPY_VERSION}**" in readme
    assert f"`@uppy/aws-s3` **{AWS_S3_VERSION}**" in readme
    for name in VENDORED:
        path = STATIC_UPPY / name
        assert f"| `{name}` |" in readme
        assert f"| {path.stat().st_size} | `{_sha256(path)}` |" in readme, name
    assert "MIT License" in (STATIC_UPPY / "LICENSE").read_text()


def test_vendored_files_equal_the_pinned_package(browser_ready: None) -> None:
    package = NODE_MODULES / "uppy"
    assert json.loads((package / "package.json").read_text())["version"] == UPPY_VERSION
    sources = {"uppy.min.js": "dist/uppy.min.js", "uppy.min.css": "dist/uppy.min.css", "LICENSE": "LICENSE"}
    for name, source in sources.items():
        assert _sha256(STATIC_UPPY / name) == _sha256(package / source), name


@pytest.mark.slow
def test_uppy_bundle_loads_in_headless_chromium(browser_ready: None, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "uppy").mkdir(parents=True)
    for name in VENDORED:
        shutil.copyfile(STATIC_UPPY / name, site / "uppy" / name)
    (site / "index.html").write_text(PAGE.format(version=UPPY_VERSION))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    screenshot = shots / "uppy-smoke.png"

    with StaticServer(site) as server:
        result = run_browser_script(
            "smoke.mjs", {"url": server.url("index.html"), "screenshot": screenshot}, timeout=90
        )
        origin = server.base_url

    assert result["ok"] is True
    assert result["status"] == 200
    assert "HeadlessChrome/" in result["userAgent"]

    bundle = result["bundle"]
    assert bundle["classes"] == {"Uppy": "function", "Dashboard": "function", "AwsS3": "function"}
    assert bundle["versions"]["awsS3"] == AWS_S3_VERSION
    # In 5.x the plugin's default id is still "AwsS3Multipart".
    assert result["plugins"]["AwsS3Multipart"] == {"type": "uploader", "version": AWS_S3_VERSION}
    assert result["plugins"]["Dashboard"]["type"] == "orchestrator"
    assert result["files"] == [{"name": "hello.txt", "type": "text/plain", "size": 35}]

    rendered = result["rendered"]
    assert rendered["dashboard"] is True
    assert rendered["dashboardItems"] == 1
    # The vendored stylesheet was loaded and applies (unstyled, the Dashboard's
    # inner box would be position: static).
    assert rendered["cssRules"] > 100
    assert rendered["innerPosition"] == "relative"
    assert rendered["uploadButton"] and "Upload" in rendered["uploadButton"]

    # Only the page and the two vendored files were fetched, all from the test's
    # server; nothing reached the (unused) signing endpoint or left loopback.
    assert sorted(result["requests"]) == sorted(
        f"GET {origin}/{path}" for path in ("index.html", "uppy/uppy.min.css", "uppy/uppy.min.js")
    )
    assert result["offLoopback"] == []
    assert result["pageErrors"] == []
    assert result["consoleErrors"] == []

    assert result["screenshot"] == str(screenshot)
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
