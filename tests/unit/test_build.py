"""The Lambda zip: reproducible to the byte, lean, and enough on its own.

"Enough on its own" is proved the way Lambda would use it: a fresh interpreter
without site-packages (`python -I -S`), the zip alone on sys.path, imports the
handler and signs a URL.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xpresign import build
from xpresign.cli import ExitCode, main
from xpresign.credentials import Credentials
from xpresign.presign import presign_s3_url
from xpresign.s3 import resolve_bucket_endpoint

# (static/, the Uppy bundle and the demo page, never enters: every entry must end in .py.)
DEV_ONLY = {"cli.py", "demo.py", "demo_serve.py", "demo_page.py", "emulator.py", "build.py", "__main__.py"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> build.LambdaZip:
    return build.build(tmp_path_factory.mktemp("dist"))


def package_copy(tmp_path: Path) -> Path:
    root = tmp_path / "xpresign"
    shutil.copytree(build.package_dir(), root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_two_builds_of_the_same_tree_are_identical(built, tmp_path):
    again = build.build(tmp_path)
    assert again.path.name == built.path.name
    assert again.path.read_bytes() == built.path.read_bytes()


def test_timestamps_permissions_and_bytecode_do_not_change_the_bytes(built, tmp_path):
    root = package_copy(tmp_path)
    later = time.time() + 86_400 * 400
    for path in root.rglob("*.py"):
        os.utime(path, (later, later))
        path.chmod(0o600)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "lambda_handler.cpython-311.pyc").write_bytes(b"\x00stale bytecode")
    copy = build.build(tmp_path / "out", root=root)
    assert copy.path.read_bytes() == built.path.read_bytes()


def test_a_source_change_changes_the_name_and_hash(built, tmp_path):
    root = package_copy(tmp_path)
    with open(root / "errors.py", "a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    changed = build.build(tmp_path / "out", root=root)
    assert changed.sha256 != built.sha256 and changed.path.name != built.path.name


def test_entries_are_fixed_sorted_and_only_the_handlers_modules(built):
    with zipfile.ZipFile(built.path) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) == list(built.modules)
    assert all(name.startswith("xpresign/") and name.endswith(".py") for name in names)  # nothing third-party
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    files = {name.removeprefix("xpresign/") for name in names}
    assert {"__init__.py", "lambda_handler.py", "api.py", "presign.py", "sigv4.py", "sts.py"} <= files
    assert not files & DEV_ONLY
    for info in infos:
        assert info.date_time == build.ZIP_EPOCH
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == build.UNIX_SYSTEM
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_name_and_sidecar_carry_the_sha256(built):
    digest = hashlib.sha256(built.path.read_bytes()).hexdigest()
    assert built.sha256 == digest
    assert built.path.name == f"xpresign-lambda-{digest[:12]}.zip"
    sidecar = Path(f"{built.path}.sha256")
    assert sidecar.read_text(encoding="ascii") == f"{digest}  {built.path.name}\n"
    checked = subprocess.run(["sha256sum", "-c", sidecar.name], cwd=built.path.parent, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not [p for p in built.path.parent.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_the_import_closure_follows_lazy_imports_and_leaves_the_rest(tmp_path):
    root = package_copy(tmp_path)
    (root / "helper.py").write_text("VALUE = 1\n", encoding="utf-8")
    (root / "unused_tool.py").write_text("import boto3\n", encoding="utf-8")
    with open(root / "lambda_handler.py", "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _later():\n    from . import helper  # noqa\n    return helper.VALUE\n")
    names = {path.name for path in build.handler_modules(root)}
    assert "helper.py" in names
    assert "unused_tool.py" not in names and not names & DEV_ONLY


def test_a_module_the_handler_imports_but_that_is_missing_fails_the_build(tmp_path):
    root = package_copy(tmp_path)
    with open(root / "lambda_handler.py", "a", encoding="utf-8") as handle:
        handle.write("\nfrom .vanished import something  # noqa\n")
    with pytest.raises(build.BuildError, match="vanished"):
        build.build(tmp_path / "out", root=root)


SIGN_FROM_THE_ZIP = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import importlib
for name in sys.argv[2:]:
    importlib.import_module(name)
import xpresign
from xpresign import lambda_handler
for name in xpresign.__all__:  # the package's lazily exported names resolve inside the zip
    getattr(xpresign, name)
result = lambda_handler.handler({"key": "movies/a b.mp4", "expires_in": 600})
loaded = sorted(n for n in sys.modules if n.split(".")[0] not in sys.stdlib_module_names and n != "__main__")
files = sorted({m.__file__ for n, m in sys.modules.items() if n.startswith("xpresign")})
print(json.dumps({"result": result, "non_stdlib": loaded, "files": files}))
"""


def test_the_zip_alone_imports_and_signs_without_site_packages(built):
    modules = [name.removesuffix(".py").replace("/", ".").removesuffix(".__init__") for name in built.modules]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "AKIDZIPTEST000000001",
        "AWS_SECRET_ACCESS_KEY": "zip-test-secret",
        "AWS_REGION": "eu-west-1",
        "XPRESIGN_BUCKET": "classic-movies",
    }
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", SIGN_FROM_THE_ZIP, str(built.path), *modules],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["non_stdlib"] == sorted(modules)  # the package, and nothing but the standard library
    assert all(path.startswith(str(built.path) + os.sep) for path in report["files"])

    result = report["result"]
    assert (result["key"], result["expires_in"], result["capped_by"]) == ("movies/a b.mp4", 600, None)
    # The same URL the installed package signs at that instant.
    amz_date = result["url"].split("X-Amz-Date=")[1][:16]
    signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    expected = presign_s3_url(
        resolve_bucket_endpoint("classic-movies", "eu-west-1"),
        "movies/a b.mp4",
        Credentials("AKIDZIPTEST000000001", "zip-test-secret"),
        expires_in=600,
        now=signed_at,
    )
    assert result["url"] == expected


def test_cli_build_lambda_prints_the_path(tmp_path, built):
    out, err = io.StringIO(), io.StringIO()
    assert main(["build-lambda", "--output", str(tmp_path)], stdout=out, stderr=err) == ExitCode.OK
    path = Path(out.getvalue().strip())
    assert path.parent == tmp_path and path.read_bytes() == built.path.read_bytes()
    assert built.sha256 in err.getvalue()


def test_cli_build_lambda_into_an_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["build-lambda", "--output", str(blocker / "dist")], stdout=out, stderr=err) == ExitCode.ERROR
    assert out.getvalue() == ""
    assert err.getvalue().startswith("xpresign: error: cannot write the Lambda zip") and err.getvalue().count("\n") == 1


# --- bytecode, when the building Python is the runtime's ---------------------------------------


@pytest.fixture(scope="module")
def built_with_bytecode(tmp_path_factory) -> build.LambdaZip:
    return build.build(tmp_path_factory.mktemp("dist-pyc"), runtime=build.this_runtime())


def test_bytecode_goes_in_only_for_this_pythons_runtime(built, built_with_bytecode):
    assert not built.bytecode or build.this_runtime() == build.DEFAULT_RUNTIME
    names = zipfile.ZipFile(built_with_bytecode.path).namelist()
    pycs = [n for n in names if n.endswith(".pyc")]
    tag = sys.implementation.cache_tag
    assert sorted(pycs) == sorted(
        f"{m.rpartition('/')[0]}/__pycache__/{m.rpartition('/')[2][:-3]}.{tag}.pyc" for m in built_with_bytecode.modules
    )
    assert built_with_bytecode.modules == built.modules  # the same sources, plus their bytecode
    other = build.build(Path(built.path).parent / "other", runtime="python2.7")
    assert not other.bytecode and not [n for n in zipfile.ZipFile(other.path).namelist() if n.endswith(".pyc")]


def test_bytecode_builds_are_identical_across_processes(built_with_bytecode, tmp_path):
    # A fresh interpreter (another hash seed) must write the same bytes.
    done = subprocess.run(
        [sys.executable, "-c", f"from xpresign import build; print(build.build({str(tmp_path)!r}, runtime={build.this_runtime()!r}).path)"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONHASHSEED": "12345"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).read_bytes() == built_with_bytecode.path.read_bytes()


def test_the_shipped_bytecode_is_what_python_loads(built_with_bytecode, tmp_path):
    with zipfile.ZipFile(built_with_bytecode.path) as archive:
        archive.extractall(tmp_path)  # as Lambda unpacks it into /var/task
    script = (
        f"import sys; sys.dont_write_bytecode = True; sys.path.insert(0, {str(tmp_path)!r});"
        "import xpresign.lambda_handler as h, xpresign.config as c;"
        "print(h.__spec__.cached, type(h.__spec__.loader).__name__, c.load_config({'XPRESIGN_BUCKET': 'b-1', 'AWS_REGION': 'eu-west-1'}).region)"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cached, loader, region = done.stdout.split()
    assert cached.endswith(f"__pycache__/lambda_handler.{sys.implementation.cache_tag}.pyc") and region == "eu-west-1"
    assert loader == "SourceFileLoader" and Path(cached).is_relative_to(tmp_path)
    # Unchecked-hash: the pyc is trusted as it is, even if the source is not readable.
    (tmp_path / "xpresign" / "config.py").write_text("raise SystemExit('the source was compiled again')\n")
    again = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout.split()[2] == "eu-west-1", again.stderr
