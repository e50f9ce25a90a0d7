"""The codebase's shape, held by tests: layering, module size, public import paths.

Each import check runs in a fresh interpreter: this session has imported
everything already, so only a new process can tell what a module pulls in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "xpresign"
#: The standing rule for this round: no module grows past about this many lines.
MAX_MODULE_LINES = 350


def loaded_after(statement: str) -> set[str]:
    """The xpresign modules (and a few stdlib ones) loaded by ``statement``."""
    script = (
        f"import sys, json\n{statement}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('xpresign', 'http', 'urllib.request', "
        "'email', 'ssl', 'xml.etree', 'botocore', 'boto3', 'random', 'base64')))))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XPRESIGN_"))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return set(json.loads(done.stdout))


def test_the_signer_loads_neither_the_broker_nor_the_sts_client():
    loaded = loaded_after("import xpresign.presign, xpresign.sigv4")
    assert not loaded & {"xpresign.credentials", "xpresign.sts", "xpresign.config", "xpresign.presigner"}, loaded


def test_the_configuration_does_not_load_the_sts_client():
    loaded = loaded_after("import xpresign.config")
    assert "xpresign.sts" not in loaded and "xpresign.credentials" not in loaded


def test_value_types_and_shared_rules_are_leaves():
    for leaf in ("values", "errors", "checks", "partitions", "content_types", "fields", "redact", "percent"):
        loaded = loaded_after(f"import xpresign.{leaf}")
        assert loaded <= {"xpresign", f"xpresign.{leaf}"}, (leaf, loaded)


def test_the_library_never_imports_the_cli():
    for module in ("api", "batch", "lambda_handler", "presigner", "router", "wiring"):
        loaded = loaded_after(f"import xpresign.{module}")
        assert not any(m.startswith("xpresign.cli") for m in loaded), (module, loaded)


def test_the_handler_loads_no_http_client_until_a_call_is_made():
    """Environment credentials and no role: nothing calls out, so http.client,
    urllib.request, email and ssl (~19 ms of a cold start) stay unloaded; so do
    what only an ALB answer, an encoded body or an STS retry needs (http's
    enums, base64, random: ~2 ms)."""
    statement = (
        "import os\n"
        "os.environ.update(XPRESIGN_BUCKET='b-1', AWS_REGION='eu-west-1', AWS_ACCESS_KEY_ID='AKIDEXAMPLE',"
        " AWS_SECRET_ACCESS_KEY='secret')\n"
        "from xpresign import lambda_handler\n"
        "assert 'url' in lambda_handler.handler({'key': 'a.mp4'}, None)"
    )
    loaded = loaded_after(statement)
    unwanted = {
        "http",
        "http.client",
        "urllib.request",
        "email",
        "ssl",
        "xml.etree",
        "boto3",
        "botocore",
        "random",
        "base64",
    }
    assert not loaded & unwanted, loaded


def test_url_does_not_import_the_zip_builder_or_the_emulator():
    loaded = loaded_after("import xpresign.cli.url")
    assert not loaded & {"xpresign.build", "xpresign.emulator", "xpresign.demo"}, loaded


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_over_the_size_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines; split it by job (limit {MAX_MODULE_LINES})"


def test_every_import_path_the_readme_names_still_works():
    from xpresign import Credentials, Presigner, RoleSpec
    from xpresign.credentials import CredentialBroker
    from xpresign.presign import effective_expiry, presign_s3_url

    assert all(callable(x) for x in (Credentials, Presigner, RoleSpec, CredentialBroker, presign_s3_url))
    assert effective_expiry(900, 600, None) == (600, "policy")


def test_the_package_is_typed_and_licensed():
    root = SRC.parents[1]
    assert (SRC / "py.typed").is_file()
    assert "Apache License" in (root / "LICENSE").read_text(encoding="utf-8")[:200]
