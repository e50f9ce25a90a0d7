"""4. Cold start: a fresh process imports the handler and serves its first
request, timed from spawn to answer, with its peak memory.

Two comparisons, both sides spawned fresh and interleaved round by round:

* with the function's own credentials in the environment and no role,
  xpresign against a fresh interpreter that creates a boto3 S3 client and
  calls ``generate_presigned_url`` (neither makes a network call);
* with a role to assume (one AssumeRole against moto), xpresign against the
  original guide's handler.

The processes, their task directories and the checks of their answers are in
:mod:`benchmarks.cold_start_sides`.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .cold_start_sides import SIDES, Checker, Side, build_task_dirs, environments, spawn
from .emulated_aws import World
from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, XPRESIGN_LIGHT_COLOUR, Section, Target, simple_bars
from .stats import format_against, format_duration_ns, format_ratio, median, ratio, rotated, shorten_paths

MAX_FRACTION_OF_BOTO3 = 0.2
MAX_FRACTION_OF_GUIDE = 0.25
KB_PER_MB = 1024


@dataclass
class SideResult:
    side: Side
    wall_ns: list[float] = field(default_factory=list)
    maxrss_kb: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return median(self.wall_ns)

    @property
    def rss_mb(self) -> float:
        return median(self.maxrss_kb) / KB_PER_MB


def run(world: World, plan: Plan, log) -> Section:
    root = Path(tempfile.mkdtemp(prefix="xpresign-cold-start-"))
    try:
        dirs = build_task_dirs(root)
        envs = environments(world)
        check = Checker(world)
        results = {side.name: SideResult(side) for side in SIDES}
        # One untimed start per side, checked like every later one: it also
        # warms the OS file cache, which a timed start should not pay for alone.
        for side in SIDES:
            _, report = spawn(side, dirs[side.name], envs[side.credentials])
            check(side, report, dirs[side.name])
        for round_number in range(plan.cold_rounds):
            for side in rotated(list(SIDES), round_number):
                elapsed, report = spawn(side, dirs[side.name], envs[side.credentials])
                check(side, report, dirs[side.name])
                results[side.name].wall_ns.append(elapsed)
                results[side.name].maxrss_kb.append(report["maxrss_kb"])
        log("  " + ", ".join(f"{s}: {format_duration_ns(r.wall)}, {r.rss_mb:.1f} MB" for s, r in results.items()))
        built = section(results, plan)
        for target, name in zip(built.targets, ("xpresign", "xpresign-role", "xpresign-role"), strict=True):
            subject = f"one xpresign cold start ({results[name].side.label}: import and first request)"
            if not target.passed and all(s != subject for s, _ in built.profiles):
                side = results[name].side
                _, report = spawn(side, dirs[name], envs[side.credentials], profile=True)
                built.profiles.append((subject, shorten_paths(report["profile"].replace(f"{dirs[name]}/", ""))))
        return built
    finally:
        shutil.rmtree(root, ignore_errors=True)


def section(results: dict[str, SideResult], plan: Plan) -> Section:
    base, x, b = results["baseline"], results["xpresign"], results["boto3"]
    xr, g, xs = results["xpresign-role"], results["guide"], results["xpresign-role-source"]
    of_boto3, of_guide = ratio(x.wall, b.wall), ratio(xr.wall, g.wall)
    targets = [
        Target(
            f"environment credentials: ≤ {MAX_FRACTION_OF_BOTO3:.1f} of boto3's time (wall, spawn to answer)",
            format_against(of_boto3, MAX_FRACTION_OF_BOTO3),
            of_boto3 <= MAX_FRACTION_OF_BOTO3,
        ),
        Target(
            f"AssumeRole: ≤ {MAX_FRACTION_OF_GUIDE:.2f} of the guide's time (wall, spawn to answer)",
            format_against(of_guide, MAX_FRACTION_OF_GUIDE),
            of_guide <= MAX_FRACTION_OF_GUIDE,
        ),
        Target(
            "AssumeRole: less peak memory than the guide (max RSS)",
            f"{xr.rss_mb:.1f} MB vs {g.rss_mb:.1f} MB",
            xr.rss_mb < g.rss_mb,
        ),
    ]

    def row(r: SideResult, versus: str = "") -> list[str]:
        net = "" if r is base else format_duration_ns(r.wall - base.wall)
        return [r.side.label, format_duration_ns(r.wall), net, f"{r.rss_mb:.1f} MB", versus]

    return Section(
        number=4,
        title="Cold start",
        slug="cold_start",
        headline=(
            f"with environment credentials a fresh xpresign process answers in {format_duration_ns(x.wall)}, "
            f"{of_boto3:.2f} of the {format_duration_ns(b.wall)} a fresh boto3 client takes to presign one URL "
            f"({x.rss_mb:.1f} MB vs {b.rss_mb:.1f} MB peak); with AssumeRole, {format_duration_ns(xr.wall)} against "
            f"{format_duration_ns(g.wall)} for the guide's handler ({of_guide:.2f} of its time, "
            f"{xr.rss_mb:.1f} MB vs {g.rss_mb:.1f} MB)."
        ),
        summary=f"{of_boto3:.2f} of boto3's time (environment credentials); {of_guide:.2f} of the guide's "
        f"(AssumeRole), {xr.rss_mb:.0f} MB vs {g.rss_mb:.0f} MB",
        columns=[
            "Process",
            "Spawn to first answer (median)",
            "Net of baseline",
            "Peak RSS (median)",
            "Time ÷ the contender's",
        ],
        rows=[
            row(base),
            row(x, f"**{of_boto3:.3f}** of boto3's"),
            row(b),
            row(xr, f"**{of_guide:.3f}** of the guide's; {ratio(xr.wall, b.wall):.3f} of boto3's (no target)"),
            row(g),
            row(xs, f"{ratio(xs.wall, g.wall):.3f} of the guide's"),
        ],
        validated=[
            "Every start (one untimed start per side, then all timed ones) was checked. Environment credentials: "
            "the URL is byte-identical to pure-Python botocore's for the same key at the URL's own instant. "
            "AssumeRole: the URL downloads the object's exact bytes from moto.",
            "Each handler was imported from its own task directory (checked through the module's path); no "
            "xpresign process imported boto3, and no process imported awscrt.",
        ],
        method=[
            f"{plan.cold_rounds} rounds; in each, one fresh process per side, in rotating order, after one untimed "
            "start per side. Medians over rounds.",
            "Time: from `subprocess.Popen` until the child's answer line arrives (interpreter start, imports, "
            "handler init and the first request); interpreter shutdown is not counted. Targets are checked on "
            "this raw time, which includes the interpreter's own start for every side.",
            "Environment credentials: the function's variables as Lambda sets them (`AWS_ACCESS_KEY_ID`, "
            "`AWS_SECRET_ACCESS_KEY`, a 900-character `AWS_SESSION_TOKEN`, `AWS_REGION`), `XPRESIGN_BUCKET` and no "
            "role; no endpoint override, so no side makes a network call. xpresign answers a Function URL GET; "
            "the boto3 side runs `boto3.client('s3', config=Config(signature_version='s3v4', ...))` and one "
            "`generate_presigned_url` for the same key and expiry (the same URL).",
            "AssumeRole: account B's Lambda role credentials in the environment, one AssumeRole into account A's "
            "role against moto during the first request, for xpresign and for the guide's handler.",
            "boto3 loads as `pip install boto3` gives it: awscrt, installed here for the oracle tests, is kept "
            "out of the boto3 and guide processes (an optional extra; botocore would otherwise import it at start).",
            "Peak RSS: the child's own high-water mark (`VmHWM` in `/proc/self/status`) after answering.",
            "Bytecode writing is off, as on Lambda's read-only `/var/task`. xpresign runs from its Lambda zip "
            "(`xpresign build-lambda`, built by the Python that runs it, so it carries unchecked-hash bytecode); "
            "the guide's module is compiled at every start; boto3, botocore and the standard library load from "
            "precompiled bytecode, as the Lambda runtime ships them. The row in parentheses is the same zip "
            "without its `__pycache__`, as a zip built by another Python would run.",
            "With `AWS_LAMBDA_FUNCTION_NAME` and `AWS_EXECUTION_ENV` set, xpresign reads its configuration at "
            "import, as in Lambda's init phase.",
        ],
        targets=targets,
        target_summary=f"environment credentials ≤ {MAX_FRACTION_OF_BOTO3} of boto3; AssumeRole ≤ "
        f"{MAX_FRACTION_OF_GUIDE} of the guide and less memory",
        notes=[
            f"Net of the bare interpreter ({format_duration_ns(base.wall)}): xpresign with environment credentials "
            f"{format_ratio(ratio(b.wall - base.wall, x.wall - base.wall))} faster than boto3, with AssumeRole "
            f"{format_ratio(ratio(g.wall - base.wall, xr.wall - base.wall))} faster than the guide.",
        ],
        draw=lambda figure: _draw(figure, results),
    )


def _draw(figure, results: dict[str, SideResult]) -> None:
    names = ["baseline", "xpresign\n(env)", "boto3\n(env)", "xpresign\n(role)", "guide\n(role)"]
    sides = [results[s] for s in ("baseline", "xpresign", "boto3", "xpresign-role", "guide")]
    colours = [NEUTRAL_COLOUR, XPRESIGN_COLOUR, OTHER_COLOUR, XPRESIGN_LIGHT_COLOUR, OTHER_COLOUR]
    for index, (values, label, text) in enumerate(
        (
            ([s.wall / 1e6 for s in sides], "spawn to first answer (ms, median)", lambda v: f"{v:,.0f} ms"),
            ([s.rss_mb for s in sides], "peak RSS (MB, median)", lambda v: f"{v:.0f} MB"),
        ),
        start=1,
    ):
        axes = figure.add_subplot(1, 2, index)
        simple_bars(axes, names, values, colours, ylabel=label, labels=text, log=False)
        axes.tick_params(axis="x", labelsize=7)
