"""Fixtures for the Terraform tests; the helpers live in tfrun.py."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform is not installed (needed by the terraform-marked tests)")
    return path
