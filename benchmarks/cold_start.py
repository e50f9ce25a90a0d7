"""4. Cold start: a fresh process imports the handler and serves its first
request, one AssumeRole against the emulator included.

Each side runs from its own task directory holding only the child script and
the handler's code, with bytecode writing off, as on Lambda's read-only
``/var/task``: xpresign's zip from ``xpresign build-lambda`` unpacked (built by
the Python that runs it, so it carries its bytecode, as ``build-lambda
--runtime`` does when run by the runtime's Python); the guide's module, compiled
at every start as Lambda would. boto3 and the standard library come
precompiled, as the Lambda runtime provides them. The baseline is the same
interpreter running the child script with no handler. A fourth, informational
side runs xpresign from source only (a zip built by another Python).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xpresign import build

from . import function_url
from .emulated_aws import World
from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, XPRESIGN_LIGHT_COLOUR, Section, Target, simple_bars
from .stats import ValidationFailed, expect, format_duration_ns, format_ratio, median, ratio, rotated, shorten_paths

MAX_FRACTION_OF_GUIDE = 0.25
CHILD_TIMEOUT_SECONDS = 120
CHILD_SCRIPT = Path(__file__).with_name("cold_start_child.py")
GUIDE_MODULE = Path(__file__).with_name("guide_handler.py")
SIDES = ("baseline", "xpresign", "xpresign-source", "guide")
#: The object every cold start asks for.
KEY = "movies/metropolis-1927.mp4"
KB_PER_MB = 1024


@dataclass
class SideResult:
    name: str
    wall_ns: list[float] = field(default_factory=list)
    maxrss_kb: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return median(self.wall_ns)

    @property
    def rss_mb(self) -> float:
        return median(self.maxrss_kb) / KB_PER_MB


def build_task_dirs(root: Path) -> dict[str, Path]:
    """One directory per side, laid out like Lambda's /var/task."""
    dirs = {}
    for side in SIDES:
        task = root / side
        task.mkdir()
        shutil.copy(CHILD_SCRIPT, task / CHILD_SCRIPT.name)
        dirs[side] = task
    package = build.build(root / "dist", runtime=build.this_runtime())
    for side in ("xpresign", "xpresign-source"):
        with zipfile.ZipFile(package.path) as archive:
            archive.extractall(dirs[side])
    for cache in (dirs["xpresign-source"] / "xpresign").rglob("__pycache__"):
        shutil.rmtree(cache)
    shutil.copy(GUIDE_MODULE, dirs["guide"] / GUIDE_MODULE.name)
    return dirs


def child_environment(world: World) -> dict[str, str]:
    env = {**os.environ, **world.env}
    env.pop("PYTHONPATH", None)  # the task directory and site-packages only, as on Lambda
    env.update(
        {
            # Lambda sets these; with them xpresign builds its app at import (Lambda's init phase).
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def spawn(side: str, task: Path, env: dict[str, str], *, profile: bool = False) -> tuple[int, dict]:
    """Run one child; return (nanoseconds from spawn to its answer, its report)."""
    event = function_url.get_event(KEY) if side != "guide" else function_url.guide_event(KEY)
    command = [sys.executable, CHILD_SCRIPT.name, side, json.dumps(event)] + (["--profile"] if profile else [])
    start = time.perf_counter_ns()
    child = subprocess.Popen(command, cwd=task, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    elapsed = time.perf_counter_ns() - start
    try:
        _, errors = child.communicate(timeout=CHILD_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise ValidationFailed(f"{side} cold start did not exit within {CHILD_TIMEOUT_SECONDS} s") from None
    if child.returncode != 0 or not line:
        raise ValidationFailed(f"{side} cold start failed (exit {child.returncode}):\n{errors[-2000:]}")
    return elapsed, json.loads(line)


def validate(side: str, report: dict, task: Path, world: World) -> None:
    if side == "baseline":
        return
    expect(
        report["module"] and Path(report["module"]).resolve().is_relative_to(task.resolve()),
        f"{side} cold start imported its handler from {report['module']}, not from its task directory",
    )
    response = report["response"]
    url = function_url.response_url(response) if side.startswith("xpresign") else response
    world.check_download(url, KEY, f"{side} cold start")
    if side.startswith("xpresign"):
        expect(not report["boto3_imported"], "the xpresign handler imported boto3 during its cold start")


def run(world: World, plan: Plan, log) -> Section:
    root = Path(tempfile.mkdtemp(prefix="xpresign-cold-start-"))
    try:
        dirs = build_task_dirs(root)
        env = child_environment(world)
        results = {side: SideResult(side) for side in SIDES}
        # One untimed start per side, validated like every later one: it also
        # warms the OS file cache, which a timed start should not pay for alone.
        for side in SIDES:
            _, report = spawn(side, dirs[side], env)
            validate(side, report, dirs[side], world)
        for round_number in range(plan.cold_rounds):
            for side in rotated(list(SIDES), round_number):
                elapsed, report = spawn(side, dirs[side], env)
                validate(side, report, dirs[side], world)
                results[side].wall_ns.append(elapsed)
                results[side].maxrss_kb.append(report["maxrss_kb"])
        log("  " + ", ".join(f"{s}: {format_duration_ns(r.wall)}, {r.rss_mb:.1f} MB" for s, r in results.items()))
        built = section(results, plan)
        if any(not t.passed for t in built.targets):
            _, report = spawn("xpresign", dirs["xpresign"], env, profile=True)
            text = shorten_paths(report["profile"].replace(f"{dirs['xpresign']}/", ""))
            built.profiles.append(("one xpresign cold start (import and first request)", text))
        return built
    finally:
        shutil.rmtree(root, ignore_errors=True)


def section(results: dict[str, SideResult], plan: Plan) -> Section:
    base, x, g = results["baseline"], results["xpresign"], results["guide"]
    xb = results["xpresign-source"]
    fraction = ratio(x.wall, g.wall)
    net_x, net_g = x.wall - base.wall, g.wall - base.wall
    targets = [
        Target(
            f"≤ {MAX_FRACTION_OF_GUIDE:.2f} of the guide's time (wall, spawn to answer)",
            f"{fraction:.3f}",
            fraction <= MAX_FRACTION_OF_GUIDE,
        ),
        Target(
            "less peak memory than the guide (max RSS)", f"{x.rss_mb:.1f} MB vs {g.rss_mb:.1f} MB", x.rss_mb < g.rss_mb
        ),
    ]
    return Section(
        number=4,
        title="Cold start",
        slug="cold_start",
        headline=(
            f"a fresh xpresign process answers its first request in {format_duration_ns(x.wall)} against "
            f"{format_duration_ns(g.wall)} for the guide's ({fraction:.2f} of its time, "
            f"{format_ratio(ratio(g.wall, x.wall))} faster; {format_ratio(ratio(net_g, net_x))} faster net of "
            f"the bare interpreter's {format_duration_ns(base.wall)}), with a peak RSS of {x.rss_mb:.1f} MB "
            f"against {g.rss_mb:.1f} MB."
        ),
        summary=f"{fraction:.2f} of the guide's time ({format_ratio(ratio(g.wall, x.wall))} faster); "
        f"{x.rss_mb:.0f} MB vs {g.rss_mb:.0f} MB peak RSS",
        columns=["Process", "Spawn to first answer (median)", "Net of baseline", "Peak RSS (median)"],
        rows=[
            ["baseline (interpreter, no handler)", format_duration_ns(base.wall), "", f"{base.rss_mb:.1f} MB"],
            ["xpresign", format_duration_ns(x.wall), format_duration_ns(net_x), f"{x.rss_mb:.1f} MB"],
            ["guide", format_duration_ns(g.wall), format_duration_ns(net_g), f"{g.rss_mb:.1f} MB"],
            [
                "(xpresign from source only)",
                format_duration_ns(xb.wall),
                format_duration_ns(xb.wall - base.wall),
                f"{xb.rss_mb:.1f} MB",
            ],
            [
                "xpresign ÷ guide",
                f"**{fraction:.3f}**",
                f"{ratio(net_x, net_g):.3f}",
                f"{ratio(x.rss_mb, g.rss_mb):.3f}",
            ],
            [
                "(xpresign from source only ÷ guide)",
                f"{ratio(xb.wall, g.wall):.3f}",
                f"{ratio(xb.wall - base.wall, net_g):.3f}",
                f"{ratio(xb.rss_mb, g.rss_mb):.3f}",
            ],
        ],
        validated=[
            "Every start (the untimed first ones and all timed ones) answered with a URL that downloaded the "
            "object's exact bytes from moto.",
            "Each handler was imported from its own task directory (checked through the module's path), and the "
            "xpresign process never imported boto3.",
        ],
        method=[
            f"{plan.cold_rounds} rounds; in each, one fresh process per side, in rotating order, after one untimed "
            "start per side.",
            "Time: from `subprocess.Popen` until the child's answer line arrives (interpreter start, imports, "
            "handler init, one AssumeRole and the presign); interpreter shutdown is not counted. The target is "
            "checked on this raw time, which includes the interpreter's own start for both sides.",
            "Peak RSS: the child's own high-water mark (`VmHWM` in `/proc/self/status`) after answering; "
            "`ru_maxrss` would count the benchmark process it was forked from.",
            "Bytecode writing is off, as on Lambda's read-only `/var/task`. xpresign runs from its Lambda zip "
            "(`xpresign build-lambda`, built by the Python that runs it, so the zip carries that Python's "
            "unchecked-hash bytecode, as `build-lambda --runtime` gives when run by the runtime's Python); the "
            "guide's module is compiled at every start; boto3, botocore and the standard library load from "
            "precompiled bytecode, as the Lambda runtime ships them. The targets are checked on that zip.",
            "The rows in parentheses are for information: the same zip without its `__pycache__`, as a zip "
            "built by another Python than the runtime's would run (its modules compiled at every start).",
            "With `AWS_LAMBDA_FUNCTION_NAME` and `AWS_EXECUTION_ENV` set, xpresign reads its configuration at import, "
            "as in Lambda's init phase; both handlers call AssumeRole during the first request.",
        ],
        targets=targets,
        draw=lambda figure: _draw(figure, results),
    )


def _draw(figure, results: dict[str, SideResult]) -> None:
    names = ["baseline", "xpresign", "xpresign\n(source only)", "guide"]
    sides = [results[s] for s in ("baseline", "xpresign", "xpresign-source", "guide")]
    colours = [NEUTRAL_COLOUR, XPRESIGN_COLOUR, XPRESIGN_LIGHT_COLOUR, OTHER_COLOUR]
    simple_bars(
        figure.add_subplot(1, 2, 1),
        names,
        [s.wall / 1e6 for s in sides],
        colours,
        ylabel="spawn to first answer (ms, median)",
        labels=lambda v: f"{v:,.0f} ms",
        log=False,
    )
    simple_bars(
        figure.add_subplot(1, 2, 2),
        names,
        [s.rss_mb for s in sides],
        colours,
        ylabel="peak RSS (MB, median)",
        labels=lambda v: f"{v:.0f} MB",
        log=False,
    )
