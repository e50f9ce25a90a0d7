"""`python -m benchmarks --smoke`: every benchmark runs, validates, and reports.

The smoke run is the full pipeline at a few seconds per benchmark: moto, both
handlers, fresh processes, the report and its charts, written to a scratch
directory (never over the committed benchmarks/RESULTS.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHARTS = [
    "presign_throughput.png",
    "warm_invocation.png",
    "sts_calls.png",
    "cold_start.png",
    "batch.png",
    "batch_scaling.png",
    "warm_get.png",
    "threads_processes.png",
    "sign_parts.png",
]
TITLES = [
    "1. Presign throughput",
    "2. Warm invocation",
    "3. STS calls",
    "4. Cold start",
    "5. Batch",
    "6. Batch scaling",
    "7. Warm GET",
    "8. Threads vs processes",
    "10. Multipart part signing",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMOKE_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    output = tmp_path_factory.mktemp("bench-smoke")
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_SECONDS,
    )
    return finished, output


@pytest.mark.slow
def test_smoke_run_writes_every_section_and_chart(smoke_report):
    finished, output = smoke_report
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = (output / "RESULTS.md").read_text(encoding="utf-8")
    for title in TITLES:
        assert f"## {title}" in report
    assert "smoke mode" in report
    for chart in CHARTS:
        assert (output / chart).read_bytes().startswith(PNG_SIGNATURE), chart
        assert f"]({chart})" in report, f"{chart} is not linked from the report"


@pytest.mark.slow
def test_smoke_run_validated_every_benchmark_before_timing(smoke_report):
    finished, output = smoke_report
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = (output / "RESULTS.md").read_text(encoding="utf-8")
    sections = re.split(r"^## \d+\. ", report, flags=re.MULTILINE)[1:]
    # Benchmark 9 (serve under load) joins when benchmarks/serve_load.py is there.
    assert len(sections) >= len(TITLES)
    for section in sections:
        assert "**Validated before timing:**" in section
    # The checks name what they compared: oracle URLs, JSON bodies, downloads,
    # the emulator's count, the log agent's lines.
    assert "byte-identical" in report
    assert "`json.dumps` of itself" in report
    assert "downloaded" in report
    assert "Counted by the emulator" in report
    assert "one line per invocation" in report


@pytest.mark.slow
def test_smoke_run_states_each_target_and_the_machine(smoke_report):
    finished, output = smoke_report
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = (output / "RESULTS.md").read_text(encoding="utf-8")
    verdicts = re.findall(r"\| \*\*(PASS|MISS)\*\* \|", report)
    # Listed per section: 7 signer targets, 1 warm, 1 STS, 3 cold start, 4 batch, 1 warm GET.
    assert len(verdicts) >= 17
    # The emulator counts exactly one AssumeRole for xpresign, whatever the machine's speed.
    assert re.search(r"1 vs 10 AssumeRole calls", report)
    for label in ("CPU", "Python", "boto3", "botocore", "awscrt", "awslambdaric", "moto", "Date (UTC)"):
        assert f"| {label} |" in report


def test_a_missed_target_is_reported_plainly_with_its_profile():
    from benchmarks.report import Section, Target, render_section

    section = Section(
        number=9,
        title="Example",
        slug="example",
        headline="slower than promised.",
        summary="2x",
        columns=["a"],
        rows=[["1"]],
        validated=["checked"],
        method=["measured"],
        targets=[Target("≥ 50x faster", "2.0x", False), Target("less memory", "1 vs 2 MB", True)],
        profiles=[("the slow path", "ncalls tottime\n  10  1.0 slow_function")],
    )
    text = "\n".join(render_section(section))
    assert "| ≥ 50x faster | 2.0x | **MISS** |" in text
    assert "| less memory | 1 vs 2 MB | **PASS** |" in text
    assert "**Why the target was missed:** cProfile of the slow path" in text
    assert "slow_function" in text
    assert section.verdict == "MISS (1 of 2)"


@pytest.mark.parametrize("argv", [["--smoke"], ["--only", "1"]])
def test_partial_runs_cannot_overwrite_the_committed_report(argv, capsys):
    from benchmarks.__main__ import parse_args

    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    assert "--output" in capsys.readouterr().err
