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

import botocore.loaders
import pytest
import tfdocs
from tfrun import (
    EXAMPLE,
    MODULES,
    TERRAFORM_DIR,
    copy_terraform_tree,
    run_terraform,
    terraform_environment,
    terraform_init,
)

from xpresign.config import _ORIGIN, DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT
from xpresign.config_bucket import BUCKET_KEYS, bucket_config
from xpresign.errors import ConfigError
from xpresign.s3 import ADDRESSING_STYLES
from xpresign.values import LAMBDA_RUNTIMES

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


@pytest.mark.terraform
def test_example_derives_partition_and_bucket_name_from_its_inputs(terraform_bin, scratch_tree):
    """The deploy roles' ARNs follow each account's partition, and the default
    bucket name carries account A's ID (bucket names are global)."""
    workdir = scratch_tree / EXAMPLE
    terraform_init(terraform_bin, workdir, "-backend=false")
    variables = {"account_a_id": "111111111111", "account_b_id": "222222222222", "account_a_region": "cn-north-1",
                 "account_b_region": "us-gov-west-1", "lambda_zip": "x.zip"}  # fmt: skip
    result = subprocess.run(
        [terraform_bin, f"-chdir={workdir}", "console", *(f"-var={k}={v}" for k, v in variables.items())],
        input="jsonencode([local.partition_a, local.partition_b, local.bucket_name, local.bucket_alias])\n",
        env=terraform_environment({"AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline"}),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    name = "xpresign-111111111111-cn-north-1"
    assert values == ["aws-cn", "aws-us-gov", name, name]


# --- provider versions ------------------------------------------------------------------

# 6.x is excluded until it can be tested: from 6.0 data.aws_s3_bucket's
# `region` is the provider's region, not the bucket's (URLs would be signed for
# the wrong region), and only 5.x is installed here. 5.76: python3.13.
AWS_PROVIDER_CONSTRAINT = ">= 5.76, < 6.0"


@pytest.mark.parametrize("root", ROOTS)
def test_aws_provider_is_held_below_6(root):
    text = (TERRAFORM_DIR / root / "versions.tf").read_text(encoding="utf-8")
    aws = re.search(r"\baws\s*=\s*\{(.*?)\}", text, re.DOTALL)
    assert aws, "versions.tf declares no aws provider"
    assert re.search(r'source\s*=\s*"hashicorp/aws"', aws.group(1))
    version = re.search(r'version\s*=\s*"([^"]+)"', aws.group(1))
    assert version and version.group(1) == AWS_PROVIDER_CONSTRAINT
    # The reason sits next to the constraint.
    assert "6.0" in text and "region" in text


@pytest.mark.parametrize("root", ROOTS)
def test_readme_states_the_supported_provider_versions(root):
    readme = (TERRAFORM_DIR / root / "README.md").read_text(encoding="utf-8")
    assert AWS_PROVIDER_CONSTRAINT in readme


def test_no_lock_file_is_committed():
    """A lock file made offline would hold this platform's hashes only."""
    listed = subprocess.run(
        ["git", "ls-files", "--", "terraform"], cwd=TERRAFORM_DIR.parent, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert [p for p in listed.stdout.splitlines() if p.endswith(".terraform.lock.hcl")] == []
    ignored = (TERRAFORM_DIR.parent / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".terraform.lock.hcl" in ignored


@pytest.mark.terraform
def test_runtime_choices_are_the_providers_python_runtimes_from_3_11(terraform_bin, tmp_path):
    """The presigner's runtime validation admits exactly the Python runtimes,
    3.11 and later, that the installed provider (the newest the module allows)
    accepts: a runtime it refuses fails at plan, after the module said yes."""
    variables = (TERRAFORM_DIR / "modules/presigner/variables.tf").read_text(encoding="utf-8")
    allowed = re.search(r"condition\s*=\s*contains\(\[([^\]]*)\],\s*var\.runtime\)", variables)
    assert allowed, "the runtime validation is no longer contains([...], var.runtime)"
    module_runtimes = json.loads(f"[{allowed.group(1)}]")

    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        'resource "aws_lambda_function" "probe" {\n  function_name = "probe"\n'
        '  role = "arn:aws:iam::111111111111:role/probe"\n  handler = "probe.handler"\n'
        '  filename = "probe.zip"\n  runtime = "not-a-runtime"\n}\n',
        encoding="utf-8",
    )
    terraform_init(terraform_bin, tmp_path, "-backend=false")
    result = run_terraform(terraform_bin, tmp_path, "validate", "-no-color", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "not-a-runtime" in output, output
    known = re.findall(r'"python3\.(\d+)"', output)
    assert known, f"the provider's error no longer lists its runtimes:\n{output}"
    provider_runtimes = [f"python3.{minor}" for minor in sorted({int(m) for m in known}) if minor >= 11]
    assert module_runtimes == provider_runtimes == list(LAMBDA_RUNTIMES)  # build-lambda --runtime's choices


# --- the rules xpresign applies at start-up -------------------------------------------------
#
# The presigner's validations repeat xpresign's own start-up checks in HCL, so
# a configuration it would refuse fails the plan. These tests hold the two to
# the same answers; RE2's \w is ASCII-only, hence re.ASCII.

PRESIGNER = TERRAFORM_DIR / "modules/presigner"


def _hcl_patterns(text: str, subject: str) -> set[str]:
    """The pattern of every regex("...", SUBJECT) in text, HCL escapes undone."""
    found = re.findall(r'regex\("((?:[^"\\]|\\.)*)",\s*' + re.escape(subject) + r"\)", text)
    return {json.loads(f'"{pattern}"') for pattern in found}


def _re2_fullmatch(pattern: str, value: str) -> bool:
    """How Terraform's regex() answers for an anchored pattern: RE2's $ is the
    end of the text (Python's also matches before a final newline)."""
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return re.fullmatch(pattern[1:-1], value, re.ASCII) is not None


def _xpresign_accepts(**entry) -> bool:
    raw = {"bucket": "classic-movies", "region": "eu-west-1", "role_arn": "arn:aws:iam::111111111111:role/x"}
    try:
        bucket_config(
            "movies",
            {k: v for k, v in (raw | entry).items() if v is not None},
            {key: key for key in BUCKET_KEYS},
            {},
            None,
        )
    except ConfigError:
        return False
    return True


def test_region_rule_is_xpresigns():
    """One pattern for a bucket's region and the function's, admitting exactly
    the regions xpresign's partitions.py does, every region botocore knows
    (isolated partitions included) among them."""
    (pattern,) = _hcl_patterns((PRESIGNER / "variables.tf").read_text(encoding="utf-8"), "b.region")
    assert _hcl_patterns((PRESIGNER / "main.tf").read_text(encoding="utf-8"), "local.region") == {pattern}
    partitions = botocore.loaders.Loader().load_data("partitions")["partitions"]
    known = [region for p in partitions for region in p["regions"] if not region.endswith("-global")]
    assert {"cn-north-1", "us-gov-west-1", "us-iso-east-1", "eu-isoe-west-1"} <= set(known)
    malformed = ["eu-west1", "EU-WEST-1", "eu-west-1 ", "eu-west-1\n", "us-gov-1", "eu-west-123", "xx-west-1", ""]
    for region in known + malformed:
        # No role: its partition is another rule.
        assert _re2_fullmatch(pattern, region) == _xpresign_accepts(region=region, role_arn=None), region


def test_bucket_name_and_session_rules_are_xpresigns():
    variables = (PRESIGNER / "variables.tf").read_text(encoding="utf-8")
    (bucket,) = _hcl_patterns(variables, "coalesce(b.bucket, alias)") - {"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"}
    for name in ["classic-movies", "Legacy_Bucket.v2", "a", "x" * 255, "x" * 256, "bad name", "bad/name", "caf\u00e9"]:
        assert _re2_fullmatch(bucket, name) == _xpresign_accepts(bucket=name), name

    (session,) = _hcl_patterns(variables, "b.role_session_name")
    assert _hcl_patterns(variables, "b.source_identity") == {session}
    for value in [
        "xp",
        "x" * 64,
        "alice.smith+ops=1,x@example.com",
        "under_score-dash",
        "x",
        "x" * 65,
        "a b",
        "a:b",
        "a/b",
    ]:
        accepted = _re2_fullmatch(session, value)
        assert accepted == _xpresign_accepts(role_session_name=value) == _xpresign_accepts(source_identity=value), value
    # Letters are ASCII letters, as in STS's own rule, on both sides.
    assert not _re2_fullmatch(session, "caf\u00e9") and not _xpresign_accepts(role_session_name="caf\u00e9")


def test_cors_origin_rule_is_xpresigns():
    """Both modules' origin rule, and xpresign's, which refuses the rest at start-up."""
    (pattern,) = _hcl_patterns((PRESIGNER / "variables.tf").read_text(encoding="utf-8"), "o")
    bucket_access = (PRESIGNER.parent / "bucket-access" / "variables.tf").read_text(encoding="utf-8")
    assert _hcl_patterns(bucket_access, "o") == {pattern}
    origins = ["https://app.example.com", "http://127.0.0.1:8080", "https://[::1]:8443", "https://app.example.com/",
               "https://app.example.com/path", "app.example.com", "ftp://x", "https://a b", "https://", ""]  # fmt: skip
    for origin in origins:
        assert _re2_fullmatch(pattern, origin) == (_ORIGIN.fullmatch(origin) is not None), origin


def test_addressing_styles_and_batch_limit_are_xpresigns():
    variables = (PRESIGNER / "variables.tf").read_text(encoding="utf-8")
    styles = re.search(r"contains\((\[[^\]]*\]), coalesce\(b\.addressing_style", variables)
    assert styles and tuple(json.loads(styles.group(1))) == ADDRESSING_STYLES
    assert f"var.max_batch >= 1 && var.max_batch <= {MAX_BATCH_LIMIT} &&" in variables
    assert f"from 1 to {MAX_BATCH_LIMIT}" in variables and f"default of {DEFAULT_MAX_BATCH}" in variables


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


def _source_skips(root: Path) -> Counter:
    """(file, check ID) of every inline skip comment in the .tf files under root."""
    skips: Counter = Counter()
    for path in root.rglob("*.tf"):
        if ".terraform" in path.parts:
            continue
        for match in _SKIP_COMMENT.finditer(path.read_text(encoding="utf-8")):
            skips[path.relative_to(TERRAFORM_DIR).as_posix(), match.group(1)] += 1
    return skips


def _scan(tree: Path, root: str) -> subprocess.Popen:
    return subprocess.Popen(
        [_checkov(), "--directory", str(tree / root), "--framework", "terraform", "--skip-download",
         "--output", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _report(process: subprocess.Popen) -> tuple[dict, dict]:
    stdout, stderr = process.communicate(timeout=300)
    try:
        reports = json.loads(stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"checkov printed no JSON:\n{stdout[-2000:]}\n{stderr[-2000:]}") from None
    (report,) = reports if isinstance(reports, list) else [reports]
    return report["summary"], report["results"]


@pytest.fixture(scope="module")
def checkov_reports(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """Each module and the example scanned on its own, all at once. A scan of
    the whole tree evaluates module resources only through the example's
    module calls, where checkov cannot resolve the inputs they pass on, so
    checks such as CKV_AWS_258 (function URL auth) never ran. A module scanned
    on its own is evaluated with its defaults.

    A fourth scan is the negative control: the presigner module with
    function_url_auth_type defaulting to NONE must fail CKV_AWS_258."""
    tree = copy_terraform_tree(tmp_path_factory.mktemp("checkov") / "terraform")
    public = copy_terraform_tree(tmp_path_factory.mktemp("checkov-public") / "terraform")
    variables = public / "modules/presigner/variables.tf"
    text = variables.read_text(encoding="utf-8")
    start = text.index('variable "function_url_auth_type"')
    default = text.index('default     = "AWS_IAM"', start)
    variables.write_text(text[:default] + 'default     = "NONE"' + text[default + len('default     = "AWS_IAM"') :])
    scans = {root: _scan(tree, root) for root in ROOTS}
    scans["public-presigner"] = _scan(public, "modules/presigner")
    reports = {name: _report(process) for name, process in scans.items()}
    # Paths relative to terraform/, whichever directory was scanned.
    for name, (_summary, results) in reports.items():
        scanned = (tree if name in ROOTS else public) / (name if name in ROOTS else "modules/presigner")
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results.get(kind, []):
                path = os.path.normpath(scanned / check["file_path"].lstrip("/"))
                check["repo_path"] = Path(path).relative_to(tree if name in ROOTS else public).as_posix()
    return reports


@pytest.mark.parametrize("root", ROOTS)
def test_checkov_finds_nothing_unexplained(checkov_reports, root):
    summary, results = checkov_reports[root]
    assert summary["parsing_errors"] == 0, results["parsing_errors"]
    assert summary["resource_count"] > 0 and summary["passed"] > 0, summary
    failed = [
        f"{c['check_id']} {c['resource']} ({c['repo_path']}): {c['check_name']}" for c in results["failed_checks"]
    ]
    assert failed == [], "\n".join(failed)

    # Every skip carries its reason inline, and no skip outlives its check:
    # the skips checkov applied are exactly the comments in the files it read
    # (the example's scan reads both modules through its module calls).
    skipped = results.get("skipped_checks", [])
    short = [
        f"{c['check_id']} {c['resource']}: {c['check_result'].get('suppress_comment')!r}"
        for c in skipped
        if len((c["check_result"].get("suppress_comment") or "").strip()) < MIN_SKIP_REASON
    ]
    assert short == [], "skips without a reason a reviewer can judge:\n" + "\n".join(short)
    read = TERRAFORM_DIR / ("modules" if root == EXAMPLE else root)
    assert Counter((c["repo_path"], c["check_id"]) for c in skipped) == _source_skips(read)


def test_checkov_evaluates_the_function_url(checkov_reports):
    url = ("CKV_AWS_258", "aws_lambda_function_url.this[0]")
    _summary, results = checkov_reports["modules/presigner"]
    evaluated = {(c["check_id"], c["resource"]) for c in results["passed_checks"]}
    assert url in evaluated, "CKV_AWS_258 did not run on the URL"

    # The control: the same module with a public URL by default fails it.
    _summary, public = checkov_reports["public-presigner"]
    assert url in {(c["check_id"], c["resource"]) for c in public["failed_checks"]}


def test_example_defaults_to_an_iam_authorised_url():
    """checkov cannot see through the example's module call (see
    checkov_reports), so the example's own default is checked here."""
    (declared,) = [i for i in tfdocs.module_inputs(TERRAFORM_DIR / EXAMPLE) if i.name == "function_url_auth_type"]
    assert declared.default == '"AWS_IAM"'
    module = tfdocs.blocks((TERRAFORM_DIR / EXAMPLE / "main.tf").read_text(encoding="utf-8"), "module")["presigner"]
    assert module["function_url_auth_type"] == "var.function_url_auth_type"


# --- README tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("root", ROOTS)
def test_readme_tables_match_variables_and_outputs(root):
    module = TERRAFORM_DIR / root
    readme = (module / "README.md").read_text(encoding="utf-8")
    hint = f"regenerate with: python tests/terraform/tfdocs.py terraform/{root}"

    documented, declared = tfdocs.readme_inputs(readme), tfdocs.module_inputs(module)
    assert [i.name for i in documented] == [i.name for i in declared], hint
    for doc, decl in zip(documented, declared, strict=False):
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
