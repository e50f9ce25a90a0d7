"""SnapStart through AWS's own runtime client, with credentials from the
container endpoint, as Lambda gives them to a SnapStart function.

The package is the zip ``xpresign build-lambda`` writes, plus a small module
that primes xpresign at init, as SnapStart functions are advised to: the
session it fetches then sits in the snapshot. awslambdaric (under the
harness of tests/support/lambda_runtime.py) runs xpresign's before-snapshot
hook, calls ``restore/next``, runs the after-restore hook, and only then asks
for events; the first request after the restore must fetch credentials of its
own from the endpoint, not sign with the snapshot's session.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.credential_endpoints import FakeContainerEndpoint
from tests.support.lambda_runtime import SUCCESS, LambdaRuntime
from tests.support.log_capture import remember_secret

pytest.importorskip("awslambdaric", reason="awslambdaric (a dev dependency) is not installed")
pytest.importorskip("snapshot_restore_py", reason="snapshot_restore_py (a dev dependency) is not installed")

THIS_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
TOKEN = "lambda-container-authorization-token-000000001"
PRIMING_HANDLER = "primed_function.handler"
PRIMING_SOURCE = '''
"""Primes xpresign at init: this URL's session is in the snapshot."""
from xpresign import lambda_handler

PRIMED = lambda_handler.handler({"key": "movies/primed.mp4"})


def handler(event, context):
    if event.get("primed"):
        return PRIMED
    return lambda_handler.handler(event, context)
'''

remember_secret(TOKEN)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The built zip, unpacked, with the priming module beside the package."""
    output = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "xpresign", "build-lambda", "--output", str(output), "--runtime", THIS_RUNTIME],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if built.returncode != 0:
        pytest.fail(f"xpresign build-lambda failed:\n{built.stderr}")
    root = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(built.stdout.strip()) as archive:
        archive.extractall(root)
    (root / "primed_function.py").write_text(textwrap.dedent(PRIMING_SOURCE))
    return root


def signed_with(url: str) -> str:
    return parse_qs(urlsplit(url).query)["X-Amz-Credential"][0].split("/")[0]


def test_after_a_restore_the_first_request_fetches_its_own_credentials(package):
    with FakeContainerEndpoint(token=TOKEN) as endpoint:
        env = {
            "XPRESIGN_BUCKET": "classic-movies",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN,
        }
        with LambdaRuntime(
            package, env=env, handler=PRIMING_HANDLER, snap_start=True, snapshot_frozen_for=0.2
        ) as runtime:
            fetched_before_any_event = endpoint.count  # init's fetch; the hooks fetch nothing
            primed = runtime.invoke({"primed": True})
            first = runtime.invoke({"key": "movies/after-restore.mp4"})
            second = runtime.invoke({"key": "movies/again.mp4"})
            log = runtime.log()
    for issued in endpoint.issued:
        remember_secret(issued.secret_access_key, issued.token)

    assert runtime.paths()[:2] == ["GET /restore/next", "GET /invocation/next"], runtime.paths()
    assert runtime.restore_error is None and runtime.init_error is None
    assert all(result.status == SUCCESS for result in (primed, first, second))
    assert fetched_before_any_event == 1
    assert endpoint.count == 2, "the first request after the restore signed with the snapshot's session"
    snapshot_key, restored_key = (issued.access_key_id for issued in endpoint.issued)
    assert signed_with(primed.json()["url"]) == snapshot_key
    assert signed_with(first.json()["url"]) == restored_key != snapshot_key
    assert signed_with(second.json()["url"]) == restored_key  # then cached again: still two fetches
    assert [seen.headers["authorization"] for seen in endpoint.requests] == [TOKEN, TOKEN]
    assert "cached sessions dropped before the snapshot" in log
    assert "restored; cached sessions dropped and random reseeded" in log
    assert TOKEN not in log
