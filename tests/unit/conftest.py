"""Unit-test fixtures, and the session-wide log capture for the log-leak test.

Importing :mod:`tests.log_capture` here attaches its handler to the ``xpresign``
logger while pytest collects, before any test of any directory runs; the hook
re-exported below makes pytest call it (it moves the leak test to the end of
the run).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `tests.log_capture` must import however pytest was started (see pyproject's pythonpath).
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from tests.log_capture import pytest_collection_modifyitems  # noqa: E402, F401
