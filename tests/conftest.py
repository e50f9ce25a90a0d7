"""Shared fixtures: a moto server with the two accounts, and a clean environment.

Importing :mod:`tests.support.log_capture` here attaches its handler to the
``xpresign`` logger while pytest collects, before any test of any directory
runs; the hook re-exported below makes pytest call it (it moves the leak test
to the end of the run). ``tests`` imports as a package through pyproject's
``pythonpath``.
"""

from __future__ import annotations

import os

# botocore, the oracle, must sign in pure Python: with awscrt importable (a dev
# dependency, the second oracle) it silently switches to its CRT signer, which
# the oracle's frozen clock does not reach. Set before anything imports botocore.
os.environ["BOTO_DISABLE_CRT"] = "true"

import pytest

from tests.support.log_capture import pytest_collection_modifyitems  # noqa: F401 - a pytest hook
from xpresign import lambda_handler
from xpresign.emulator import MotoServer, create_two_accounts

# Variables that would point xpresign (or boto3) at real AWS or another setup.
# AWS_CA_BUNDLE is the machine's TLS setup; XPRESIGN_CHECKOV is make test's
# path to checkov for the Terraform checks; XPRESIGN_SCREENSHOTS_DIR is where
# `make screenshots` has the browser tests write the docs' screenshots.
_KEEP = {"AWS_CA_BUNDLE", "XPRESIGN_CHECKOV", "XPRESIGN_SCREENSHOTS_DIR"}
_AMBIENT = [name for name in os.environ if name.startswith(("AWS_", "XPRESIGN_")) and name not in _KEEP]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Each test starts without AWS or xpresign settings from the machine, and
    with a handler that rebuilds itself from the test's environment."""
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    # boto3 must never find real credentials or config files from the machine.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    lambda_handler.reset()
    yield
    lambda_handler.reset()


@pytest.fixture(scope="session")
def moto_server():
    """One moto server for the session, on a free loopback port, stopped by PID."""
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def two_accounts(moto_server):
    """Account A (bucket + role) and account B (Lambda role), as in the demo."""
    return create_two_accounts(moto_server.endpoint_url)


@pytest.fixture
def lambda_env(two_accounts, monkeypatch):
    """The environment Lambda would give the presigner in account B."""
    env = two_accounts.lambda_environment()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lambda_handler.reset()
    return env
