"""Small statistics and timing helpers shared by the benchmarks."""

from __future__ import annotations

import cProfile
import gc
import io
import math
import os
import pstats
import re
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

#: How many lines of a profile the report shows.
PROFILE_LINES = 15


class ValidationFailed(Exception):
    """A side produced a wrong result: nothing about it may be timed or reported."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise ValidationFailed(message)


@dataclass
class Timings:
    """One side's cost per operation, round by round, by two clocks.

    ``cpu``: CPU time of the measuring thread (``time.thread_time_ns``), for
    work that is pure computation in this thread: on a shared machine it does
    not count the time other processes held the core. ``wall``:
    ``time.perf_counter_ns``, shown alongside.
    """

    cpu_ns: list[float] = field(default_factory=list)
    wall_ns: list[float] = field(default_factory=list)

    def add(self, cpu_ns: float, wall_ns: float, operations: int) -> None:
        self.cpu_ns.append(cpu_ns / operations)
        self.wall_ns.append(wall_ns / operations)

    @property
    def cpu(self) -> float:
        return median(self.cpu_ns)

    @property
    def wall(self) -> float:
        return median(self.wall_ns)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of
    the samples at or below it (p99 of 1,000 samples is the 10th largest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a timing round. The garbage a
    round leaves is collected after it, when the collector next runs."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def settled_heap() -> Iterator[None]:
    """Collect once, then move every live object out of the collector's sight
    (``gc.freeze``) for the duration: collections between rounds then scan only
    what the rounds allocate, instead of every loaded botocore model."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def rotated(items: Sequence, round_number: int) -> list:
    """``items`` rotated by the round number, so no side always runs first."""
    shift = round_number % len(items)
    return list(items[shift:]) + list(items[:shift])


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def format_ratio(value: float) -> str:
    if math.isinf(value):
        return "∞"
    return f"{value:,.0f}x" if value >= 100 else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def format_ratio_against(value: float, threshold: float) -> str:
    """``format_ratio``, with more decimals when its rounding would land on or
    across ``threshold`` (39.97x is not "40.0x" against a 40x target)."""
    if math.isinf(value):
        return format_ratio(value)
    decimals = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:,.{_decimals_against(value, threshold, decimals)}f}x"


def format_against(value: float, threshold: float, decimals: int = 3) -> str:
    """``value`` with at least ``decimals`` decimals, more if needed to tell it from ``threshold``."""
    return f"{value:.{_decimals_against(value, threshold, decimals)}f}"


def _decimals_against(value: float, threshold: float, decimals: int) -> int:
    while decimals < 6:
        shown = round(value, decimals)
        if (shown > threshold) == (value > threshold) and (shown < threshold) == (value < threshold):
            break
        decimals += 1
    return decimals


def format_duration_ns(ns: float) -> str:
    """A duration with a unit that keeps three significant figures readable."""
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1_000:.2f} µs" if ns < 10_000 else f"{ns / 1_000:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1_000_000:.2f} ms" if ns < 10_000_000 else f"{ns / 1_000_000:.1f} ms"
    return f"{ns / 1_000_000_000:.2f} s"


def profile_text(function: Callable[[], object], sort: str = "cumulative", lines: int = PROFILE_LINES) -> str:
    """cProfile's top ``lines`` entries for one call of ``function``."""
    profiler = cProfile.Profile()
    profiler.runcall(function)
    return render_profile(profiler, sort, lines)


def render_profile(profiler: cProfile.Profile, sort: str = "cumulative", lines: int = PROFILE_LINES) -> str:
    """The headline (where the own time goes), then pstats' table."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(lines)
    return profile_headline(stats) + "\n" + shorten_paths(out.getvalue())


#: How many functions the headline names.
HEADLINE_FUNCTIONS = 4


def profile_headline(stats: pstats.Stats) -> str:
    """``own time: str.translate 24%, sign_query 11%, ... of 45 ms profiled``."""
    entries = stats.stats  # (file, line, function) -> (primitive calls, calls, own time, cumulative, callers)
    total = sum(entry[2] for entry in entries.values()) or 1.0
    top = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:HEADLINE_FUNCTIONS]
    named = ", ".join(f"{_function_name(key)} {entry[2] / total:.0%}" for key, entry in top)
    return f"own time: {named} (of {total * 1000:,.0f} ms under the profiler)"


def _function_name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename != "~":  # module:line(function), a package's __init__ by the package's name
        stem = os.path.splitext(os.path.basename(filename))[0]
        module = os.path.basename(os.path.dirname(filename)) if stem == "__init__" else stem
        return f"{module}:{line}({function})"
    method = re.fullmatch(r"<method '(\w+)' of '([\w.]+)' objects>", function)
    if method:  # <method 'translate' of 'str' objects>
        return f"{method.group(2)}.{method.group(1)}"
    return re.sub(r"^<built-in method (.*)>$", r"\1", function)  # <built-in method _hashlib.openssl_sha256>


def shorten_paths(text: str) -> str:
    """Drop machine-specific path prefixes from a profile, keeping it readable."""
    prefixes = sorted(
        {p for p in (*sys.path, sys.prefix, sys.base_prefix, os.getcwd()) if p and len(p) > 1},
        key=len,
        reverse=True,
    )
    for prefix in prefixes:
        text = text.replace(prefix.rstrip("/") + "/", "")
    # The header lines pstats prints before the table say nothing useful here.
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))
    ]
    return "\n".join(kept)
