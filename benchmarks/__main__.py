"""``python -m benchmarks [--smoke] [--output DIR] [--only N,...]``

Runs the five benchmarks side by side and writes ``RESULTS.md`` and one chart
per benchmark into the output directory (default: this package's directory,
i.e. the committed report). Exits non-zero, writing nothing, when a side fails
its validity checks; a missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from . import batch, cold_start, machine, presign_throughput, report, sts_calls, warm_invocation
from .emulated_aws import configure_logging_like_lambda, isolate_environment, start_world
from .plan import FULL, SMOKE
from .stats import ValidationFailed

DEFAULT_OUTPUT = Path(__file__).resolve().parent
BENCHMARKS = {1: "presign throughput", 2: "warm invocation", 3: "STS calls", 4: "cold start", 5: "batch"}


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
        parser.error(f"no benchmark {min(unknown)}; they are numbered 1 to {len(BENCHMARKS)}")
    if args.output.resolve() == DEFAULT_OUTPUT and (args.smoke or args.only != set(BENCHMARKS)):
        parser.error("smoke or partial runs must not overwrite the committed report: pass --output DIR")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    started = time.monotonic()
    isolate_environment()
    configure_logging_like_lambda()
    info = machine.describe()
    log(f"benchmarks ({plan.mode}) on {info['CPU']}, load {info['Load average at start (1/5/15 min)']}")

    sections = []
    phase = Phases()
    try:
        if 1 in args.only:
            phase("1. presign throughput")
            sections.append(presign_throughput.run(plan, log))
        if args.only & {2, 3, 4, 5}:
            phase("starting moto and the two accounts")
            world = start_world()
            try:
                if 5 in args.only:
                    phase("5. batch")
                    sections.append(batch.run(world, plan, log))
                if args.only & {2, 3}:
                    phase("2./3. warm invocations and STS calls")
                    invocations = warm_invocation.run(world, plan, log)
                    if 2 in args.only:
                        sections.append(warm_invocation.section(invocations))
                    if 3 in args.only:
                        sections.append(sts_calls.section(invocations))
                if 4 in args.only:
                    phase("4. cold start")
                    sections.append(cold_start.run(world, plan, log))
            finally:
                world.moto.stop()
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
