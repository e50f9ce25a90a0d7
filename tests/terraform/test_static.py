"""Checks of terraform/ that need no cloud: formatting, validation, checkov,
and README tables that match the variables and outputs they document."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import tfdocs
from tfrun import EXAMPLE, MODULES, TERRAFORM_DIR, copy_terraform_tree, run_terraform, terraform_init

ROOTS = (*MODULES, EXAMPLE)
# A skip reason shorter than this cannot say why the check does not apply.
MIN_SKIP_REASON = 40
_SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+):(.*)")
# Read at import: tests/conftest.py clears every XPRESIGN_* variable before each test.
CHECKOV_SETTING = os.environ.get("XPRESIGN_CHECKOV")


# --- terraform -------------------------------------------------------------------------


@pytest.mark.terraform
def test_terraform_files_are_formatted(terraform_bin):
    result = run_terraform(
        terraform_bin, TERRAFORM_DIR, "fmt", "-check", "-recursive", "-diff", "-no-color", check=False
    )
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def scratch_tree(tmp_path_factory) -> Path:
    return copy_terraform_tree(tmp_path_factory.mktemp("validate") / "terraform")


@pytest.mark.terraform
@pytest.mark.parametrize("root", ROOTS)
def test_terraform_validate(terraform_bin, scratch_tree, root):
    workdir = scratch_tree / root
    terraform_init(terraform_bin, workdir, "-backend=false")
    result = run_terraform(terraform_bin, workdir, "validate", "-json", "-no-color", check=False)
    report = json.loads(result.stdout)
    # Warnings count too: they are how Terraform and the provider announce
    # deprecations that become errors in the next major version.
    assert report["valid"] and report["warning_count"] == 0, json.dumps(report["diagnostics"], indent=1)


# --- checkov -------------------------------------------------------------------------------


def _checkov() -> str:
    configured = CHECKOV_SETTING
    if configured:
        if not os.access(configured, os.X_OK):
            raise AssertionError(f"XPRESIGN_CHECKOV={configured} is not an executable")
        return configured
    found = shutil.which("checkov")
    if found is None:
        pytest.skip(
            "checkov not found: `make checkov` installs it in .tools/checkov "
            "and `make test` passes it in XPRESIGN_CHECKOV"
        )
    return found


def _source_skips() -> Counter:
    """(file, check ID) of every inline skip comment under terraform/."""
    skips: Counter = Counter()
    for path in TERRAFORM_DIR.rglob("*.tf"):
        if ".terraform" in path.parts:
            continue
        for match in _SKIP_COMMENT.finditer(path.read_text(encoding="utf-8")):
            skips["/" + path.relative_to(TERRAFORM_DIR).as_posix(), match.group(1)] += 1
    return skips


def test_checkov_finds_nothing_unexplained():
    result = subprocess.run(
        [_checkov(), "--directory", str(TERRAFORM_DIR), "--framework", "terraform", "--skip-download",
         "--output", "json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    reports = json.loads(result.stdout)
    (report,) = reports if isinstance(reports, list) else [reports]
    summary, results = report["summary"], report["results"]

    assert summary["parsing_errors"] == 0, results["parsing_errors"]
    assert summary["resource_count"] > 0 and summary["passed"] > 0, summary
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in results["failed_checks"]
    ]
    assert failed == [], "\n".join(failed)

    # Every skip carries its reason inline, and no skip outlives its check:
    # the skips checkov applied are exactly the comments in the source.
    skipped = results.get("skipped_checks", [])
    short = [
        f"{c['check_id']} {c['resource']}: {c['check_result'].get('suppress_comment')!r}"
        for c in skipped
        if len((c["check_result"].get("suppress_comment") or "").strip()) < MIN_SKIP_REASON
    ]
    assert short == [], "skips without a reason a reviewer can judge:\n" + "\n".join(short)
    assert Counter((c["file_path"], c["check_id"]) for c in skipped) == _source_skips()


# --- README tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("root", ROOTS)
def test_readme_tables_match_variables_and_outputs(root):
    module = TERRAFORM_DIR / root
    readme = (module / "README.md").read_text(encoding="utf-8")
    hint = f"regenerate with: python tests/terraform/tfdocs.py terraform/{root}"

    documented, declared = tfdocs.readme_inputs(readme), tfdocs.module_inputs(module)
    assert [i.name for i in documented] == [i.name for i in declared], hint
    for doc, decl in zip(documented, declared):
        assert doc == decl, f"input {decl.name}: README has {doc}, variables.tf has {decl}; {hint}"

    assert tfdocs.readme_outputs(readme) == tfdocs.module_outputs(module), hint


@pytest.mark.parametrize("root", MODULES)
def test_readme_usage_calls_the_module_with_real_inputs(root):
    """The usage example sets every required input and nothing that is not an input."""
    module = TERRAFORM_DIR / root
    readme = (module / "README.md").read_text(encoding="utf-8")
    usage = re.search(r"^## Usage\s*$.*?^```(?:hcl|terraform)\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert usage, "README needs a '## Usage' section with an hcl code block"
    calls = tfdocs.blocks(usage.group(1), "module")
    assert calls, "the usage block has no module call"

    inputs = {i.name: i for i in tfdocs.module_inputs(module)}
    required = {name for name, i in inputs.items() if i.required}
    meta_arguments = {"source", "version", "providers", "count", "for_each", "depends_on"}
    for name, arguments in calls.items():
        unknown = set(arguments) - set(inputs) - meta_arguments
        assert not unknown, f"module {name!r} in the usage sets non-inputs {sorted(unknown)}"
        missing = required - set(arguments)
        assert not missing, f"module {name!r} in the usage omits required inputs {sorted(missing)}"
