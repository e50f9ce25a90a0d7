"""2. Warm invocations, and (3.) the AssumeRole calls they make.

Both handlers run in this process against the same moto server, configured as
account B's Lambda function, and receive realistic single-key Function URL
events. One run serves both benchmarks: each handler starts fresh (its first
invocation is the cold one), AssumeRole calls are counted at the emulator over
its first ``plan.sts_window`` invocations, and every invocation after the
validation ones is timed on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from xpresign import lambda_handler

from . import function_url, guide_handler
from .emulated_aws import GUIDE_SESSION_NAME, XPRESIGN_SESSION_NAME, World
from .plan import Plan
from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, Target, bar_pairs, significant
from .stats import (
    expect,
    format_duration_ns,
    format_ratio,
    format_ratio_against,
    median,
    percentile,
    profile_text,
    ratio,
    rotated,
    settled_heap,
)

MIN_SPEEDUP = 100
P99 = 0.99


@dataclass
class Side:
    name: str
    session_name: str
    event_for: Callable[[str, int], dict]  # (key, invocation number) -> Function URL event
    handler: Callable[[dict, object], object]
    samples_ns: list[float] = field(default_factory=list)
    invocations: int = 0
    assume_roles_before: int = 0
    #: AssumeRole calls over the first ``sts_window`` invocations.
    assume_roles: int | None = None

    @property
    def median(self) -> float:
        return median(self.samples_ns)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ns, P99)


@dataclass
class InvocationRun:
    plan: Plan
    xpresign: Side
    guide: Side
    validated_keys: list[str]


def _timed_key(side: str, number: int) -> str:
    # A key no invocation has signed before, like a stream of real requests.
    return f"movies/catalogue/{side}/{number:06d} classic film (restored).mp4"


def _prepare(world: World) -> tuple[Side, Side]:
    """Both handlers in the state of a freshly started Lambda environment."""
    world.apply()
    lambda_handler.reset()
    import boto3

    boto3.DEFAULT_SESSION = None  # the guide's boto3.client() builds it on first use
    return (
        Side("xpresign", XPRESIGN_SESSION_NAME, function_url.get_event, lambda_handler.handler),
        Side("guide", GUIDE_SESSION_NAME, function_url.guide_event, guide_handler.lambda_handler),
    )


def _after_invocation(world: World, side: Side, window: int) -> None:
    side.invocations += 1
    if side.invocations == window:
        side.assume_roles = world.assume_role_counts()[side.session_name] - side.assume_roles_before


def run(world: World, plan: Plan, log) -> InvocationRun:
    xpresign, guide = _prepare(world)
    counts = world.assume_role_counts()
    for side in (xpresign, guide):
        side.assume_roles_before = counts[side.session_name]

    # Validity first: every object, through both handlers, downloads its bytes.
    keys = sorted(world.objects)
    for number, key in enumerate(keys):
        url = function_url.response_url(xpresign.handler(xpresign.event_for(key, number), None))
        world.check_download(url, key, "xpresign handler")
        _after_invocation(world, xpresign, plan.sts_window)
        url = guide.handler(guide.event_for(key, number), None)
        world.check_download(url, key, "guide handler")
        _after_invocation(world, guide, plan.sts_window)

    with settled_heap():
        _timed_rounds(world, plan, xpresign, guide, log)
    for side in (xpresign, guide):
        expect(
            side.assume_roles is not None, f"{side.name} ran {side.invocations} invocations, fewer than the STS window"
        )
    return InvocationRun(plan, xpresign, guide, keys)


def _timed_rounds(world: World, plan: Plan, xpresign: Side, guide: Side, log) -> None:
    per_round = {xpresign.name: plan.warm_xpresign_per_round, guide.name: plan.warm_guide_per_round}
    for round_number in range(plan.warm_rounds):
        for side in rotated([xpresign, guide], round_number):
            for _ in range(per_round[side.name]):
                number = side.invocations
                key = _timed_key(side.name, number)
                event = side.event_for(key, number)
                start = time.perf_counter_ns()
                response = side.handler(event, None)
                side.samples_ns.append(time.perf_counter_ns() - start)
                # Outside the timed span: every timed answer must be a URL for its key.
                _check_response(side, response, key)
                _after_invocation(world, side, plan.sts_window)
        log(
            f"  round {round_number + 1}/{plan.warm_rounds}: xpresign {format_duration_ns(xpresign.median)}, "
            f"guide {format_duration_ns(guide.median)} (medians so far)"
        )


def _check_response(side: Side, response: object, key: str) -> None:
    url = function_url.response_url(response) if side.name == "xpresign" else response
    expect(
        isinstance(url, str) and url.startswith("http"), f"{side.name} answered without a URL: {str(response)[:200]}"
    )
    expect(unquote(urlsplit(url).path).endswith("/" + key), f"{side.name} signed another key than {key!r}")


def section(result: InvocationRun) -> Section:
    x, g = result.xpresign, result.guide
    speedup, speedup_p99 = ratio(g.median, x.median), ratio(g.p99, x.p99)
    target = Target(
        f"≥ {MIN_SPEEDUP}x faster (median)", format_ratio_against(speedup, MIN_SPEEDUP), speedup >= MIN_SPEEDUP
    )
    plan = result.plan
    built = Section(
        number=2,
        title="Warm invocation",
        slug="warm_invocation",
        headline=(
            f"a warm xpresign invocation takes {format_duration_ns(x.median)} (median) against "
            f"{format_duration_ns(g.median)} for the guide's handler: {format_ratio(speedup)} faster "
            f"({format_ratio(speedup_p99)} at p99)."
        ),
        summary=f"{format_ratio(speedup)} faster (median), {format_ratio(speedup_p99)} at p99",
        columns=["Handler", "Invocations timed", "Median", "p99", "Guide ÷ xpresign"],
        rows=[
            ["xpresign", f"{len(x.samples_ns):,}", format_duration_ns(x.median), format_duration_ns(x.p99), ""],
            ["guide", f"{len(g.samples_ns):,}", format_duration_ns(g.median), format_duration_ns(g.p99), ""],
            ["ratio", "", format_ratio(speedup), format_ratio(speedup_p99), ""],
        ],
        validated=[
            f"Before timing, each of the {len(result.validated_keys)} objects in the emulated bucket was requested "
            "through both handlers, and both URLs downloaded exactly the stored bytes from moto.",
            "Every timed invocation's answer was checked (outside the timed span) to be a URL for the requested key.",
        ],
        method=[
            "Both handlers are called in this process with a Function URL event (`GET /?key=...`, payload format 2.0); "
            "the guide's event carries the key as `object_key` too, the one field it reads.",
            "Both run as account B's Lambda role (its temporary credentials in the environment) against the same "
            "moto server; both reach its STS and S3 through `AWS_ENDPOINT_URL`.",
            f"{plan.warm_rounds} rounds of {plan.warm_xpresign_per_round} xpresign and "
            f"{plan.warm_guide_per_round} guide invocations, alternating which goes first; each invocation "
            "timed alone with `time.perf_counter_ns`; a fresh key each time. The first invocations of each "
            "handler (the validation ones, the first of which is cold) are not timed.",
            "The garbage collector stays on: collecting the guide's discarded sessions is part of its cost. "
            "The benchmark's own heap (botocore models of other benchmarks, matplotlib) is frozen out of its sight "
            "(`gc.freeze`) first, since no Lambda would carry it.",
            "Logging as in Lambda: a root handler at WARNING. xpresign writes its one INFO line per request "
            "(to /dev/null here); the guide's `logger.info` of the URL is below the root level and not written.",
        ],
        targets=[target],
        notes=[
            "The guide's handler is `benchmarks/guide_handler.py`: the article's code with only its web-page damage "
            "mended (cut-off calls, lost `try:` lines and quotes); it creates an STS client, calls AssumeRole, "
            "builds a boto3 Session and S3 client, and presigns, on every invocation.",
            "The guide's S3 client sets no `signature_version`, so botocore presigns its URLs with SigV2 "
            "(`AWSAccessKeyId=...&Signature=...&Expires=...`), botocore's default for S3 presigning; "
            "that is the cheaper signature, so the comparison does not flatter xpresign.",
        ],
        draw=lambda figure: bar_pairs(
            figure.add_subplot(),
            ["median", "p99"],
            [
                ("xpresign", [x.median / 1e6, x.p99 / 1e6], XPRESIGN_COLOUR),
                ("guide's handler", [g.median / 1e6, g.p99 / 1e6], OTHER_COLOUR),
            ],
            ylabel="ms per invocation (log scale)",
            labels=lambda v: significant(v, "ms"),
        ),
    )
    if not target.passed:
        events = [function_url.get_event(_timed_key("profile", n), n) for n in range(1000)]
        built.profiles.append(
            (
                "1,000 warm xpresign invocations",
                profile_text(lambda: [lambda_handler.handler(e, None) for e in events], sort="tottime"),
            )
        )
    return built
