"""`terraform test` for each module: the paths the moto end-to-end run never
applies (existing buckets and roles, KMS, allow_list, NONE auth, invoker
principals, tracing, aliases and SnapStart, Parameter Store, the HTTP API,
every validation and precondition, the 4 KB environment limit).

The tests live next to each module (terraform/modules/*/tests/*.tftest.hcl)
and run offline against a mock provider, which takes its schema from the
installed provider binary. Both modules run at once, in their own scratch
copies; each takes a few seconds per run block.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from tfrun import MODULES, TERRAFORM_DIR, copy_terraform_tree, terraform_environment, terraform_init

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

_SUMMARY = re.compile(r"Success! (\d+) passed, 0 failed\.")


def _run_blocks(module: str) -> int:
    return sum(
        len(re.findall(r'^run\s+"', path.read_text(encoding="utf-8"), re.MULTILINE))
        for path in (TERRAFORM_DIR / module / "tests").glob("*.tftest.hcl")
    )


@pytest.fixture(scope="module")
def test_results(terraform_bin, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    tree = copy_terraform_tree(tmp_path_factory.mktemp("tftest") / "terraform")
    env = terraform_environment()
    running = {}
    for module in MODULES:
        terraform_init(terraform_bin, tree / module, "-backend=false", env=env)
        running[module] = subprocess.Popen(
            [terraform_bin, f"-chdir={tree / module}", "test", "-no-color"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    results = {}
    for module, process in running.items():
        output, _ = process.communicate(timeout=300)
        results[module] = subprocess.CompletedProcess(process.args, process.returncode, output, "")
    return results


@pytest.mark.parametrize("module", MODULES)
def test_module_tests_pass(test_results, module):
    expected = _run_blocks(module)
    assert expected > 0, f"{module} has no tests/*.tftest.hcl"
    result = test_results[module]
    summary = _SUMMARY.search(result.stdout)
    assert result.returncode == 0 and summary, result.stdout[-8000:]
    # Every run block ran: none skipped after an earlier failure.
    assert int(summary.group(1)) == expected, result.stdout[-8000:]
