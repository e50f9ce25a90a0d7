"""``python -m benchmarks [--smoke] [--output DIR] [--only N,...]``

Runs the benchmarks side by side and writes ``RESULTS.md`` and one chart per
benchmark into the output directory (default: this package's directory, i.e.
the committed report). Exits non-zero, writing nothing, when a side fails its
validity checks; a missed target is reported, with its profile, not an error.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from . import (
    batch,
    batch_scaling,
    cold_start,
    machine,
    presign_throughput,
    report,
    sign_parts,
    sts_calls,
    threads_processes,
    warm_get,
    warm_invocation,
)
from .emulated_aws import configure_logging_like_lambda, isolate_environment, start_world
from .plan import FULL, SMOKE
from .stats import ValidationFailed

# --- 9. serve under load: benchmarks/serve_load.py, written separately ---------------
# Wired here as `serve_load.run(plan, log) -> Section`, numbered after the others and
# run last (it starts its own servers). Without the module (or its dependencies) the
# suite runs without it.
try:
    from . import serve_load
except ImportError:
    serve_load = None

DEFAULT_OUTPUT = Path(__file__).resolve().parent
BENCHMARKS = {
    1: "presign throughput (the signer)",
    2: "warm invocation (against the guide)",
    3: "STS calls",
    4: "cold start",
    5: "batch through the handler",
    6: "batch scaling",
    7: "warm GET",
    8: "threads vs processes",
    sign_parts.NUMBER: "multipart part signing",
}
SERVE_LOAD = 9
if serve_load is not None:
    BENCHMARKS[SERVE_LOAD] = "serve under load"
#: Sections that need no emulator, in the order they run (before moto starts).
STANDALONE = {
    1: presign_throughput.run,
    5: batch.run,
    6: batch_scaling.run,
    7: warm_get.run,
    8: threads_processes.run,
    sign_parts.NUMBER: sign_parts.run,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Phases:
    """Logs each phase as it starts, with how long the one before took."""

    def __init__(self):
        self._name, self._started = None, time.monotonic()

    def __call__(self, name: str | None) -> None:
        now = time.monotonic()
        if self._name is not None:
            log(f"   ({self._name}: {now - self._started:.1f} s)")
        if name is not None:
            log(name)
        self._name, self._started = name, now

    def done(self) -> None:
        self(None)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("--smoke", action="store_true", help="a few seconds per benchmark, to check they all work")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write RESULTS.md and the charts")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated benchmark numbers to run (default: all): "
        + ", ".join(f"{n} {name}" for n, name in BENCHMARKS.items()),
    )
    args = parser.parse_args(argv)
    try:
        args.only = {int(n) for n in args.only.split(",") if n.strip()} or set(BENCHMARKS)
    except ValueError:
        parser.error(f"--only takes benchmark numbers such as 1,4; got {args.only!r}")
    unknown = args.only - set(BENCHMARKS)
    if unknown:
        parser.error(f"no benchmark {min(unknown)}; they are numbered 1 to {max(BENCHMARKS)}")
    if args.output.resolve() == DEFAULT_OUTPUT and (args.smoke or args.only != set(BENCHMARKS)):
        parser.error("smoke or partial runs must not overwrite the committed report: pass --output DIR")
    return args


def run_sections(only: set[int], plan, phase: Phases) -> list[report.Section]:
    sections = []
    for number, run in STANDALONE.items():
        if number in only:
            phase(f"{number}. {BENCHMARKS[number]}")
            sections.append(run(plan, log))
    if only & {2, 3, 4}:
        phase("starting moto and the two accounts")
        world = start_world()
        try:
            if only & {2, 3}:
                phase("2./3. warm invocations and STS calls")
                invocations = warm_invocation.run(world, plan, log)
                if 2 in only:
                    sections.append(warm_invocation.section(invocations))
                if 3 in only:
                    sections.append(sts_calls.section(invocations))
            if 4 in only:
                phase("4. cold start")
                sections.append(cold_start.run(world, plan, log))
        finally:
            world.moto.stop()
            isolate_environment()  # the function's settings for moto go with it
    if serve_load is not None and SERVE_LOAD in only:
        phase(f"{SERVE_LOAD}. {BENCHMARKS[SERVE_LOAD]}")
        sections.append(serve_load.run(plan, log))
    return sections


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    started = time.monotonic()
    isolate_environment()
    configure_logging_like_lambda()
    info = machine.describe()
    log(f"benchmarks ({plan.mode}) on {info['CPU']}, load {info['Load average at start (1/5/15 min)']}")
    if serve_load is None:
        log(f"({SERVE_LOAD}. serve under load: benchmarks/serve_load.py is absent or cannot load; skipped)")

    phase = Phases()
    try:
        sections = run_sections(args.only, plan, phase)
    except ValidationFailed as failure:
        log(f"validation failed, nothing written: {failure}")
        return 1

    phase("report")
    sections.sort(key=lambda s: s.number)
    command = (
        "make bench"
        if not args.smoke and args.output.resolve() == DEFAULT_OUTPUT
        else ("python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])))
    )
    markdown = report.render(
        sections,
        info,
        mode=plan.mode,
        command=command.strip(),
        elapsed_s=time.monotonic() - started,
        load_end=machine.load_average(),
    )
    for path in report.write(sections, args.output, markdown):
        log(f"wrote {path}")
    phase.done()
    for section in sections:
        log(f"{section.number}. {section.title}: {section.summary} [{section.verdict}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
