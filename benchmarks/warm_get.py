"""7. A single warm Function URL GET, timed as ``App.__call__`` with the
request's log line going where Lambda sends it, against the signer alone for
the same URL (and, for context, one botocore presign).

The app signs with the function's own credentials (900-character session
token, no role) at xpresign's default log level (INFO): its one line per
request goes through the root logger that awslambdaric's ``_setup_logging``
configures, into a pipe drained by a separate log agent (see
:mod:`benchmarks.runtime_log`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from xpresign.presign import presign_s3_url

from . import botocore_signer, function_url, lambda_app, signing_inputs
from .lambda_app import lambda_environment
from .plan import Plan
from .report import (
    NEUTRAL_COLOUR,
    OTHER_COLOUR,
    XPRESIGN_COLOUR,
    XPRESIGN_LIGHT_COLOUR,
    Section,
    Target,
    significant,
    simple_bars,
)
from .request_sides import botocore_loop, handler_calls, signer_loop
from .runtime_log import REQUEST_ID, TEXT_FRAME, runtime_logging
from .stats import (
    Timings,
    expect,
    format_duration_ns,
    format_ratio,
    format_ratio_against,
    gc_paused,
    profile_text,
    ratio,
    rotated,
    settled_heap,
)

MAX_TIMES_SIGNER = 5
SIDES = ("handler", "signer", "botocore", "unlogged", "dropped")
#: The logger of xpresign's request line; "unlogged" runs with it at WARNING, for the log line's share.
REQUEST_LOGGER = "xpresign"
PROFILED_CALLS = 5_000
#: awslambdaric's text line: level, UTC time with milliseconds, request id, message.
LOG_LINE = re.compile(r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + re.escape(REQUEST_ID) + r"\t\{.*\}\n")


@dataclass
class Result:
    timings: dict[str, Timings] = field(default_factory=lambda: {side: Timings() for side in SIDES})
    invocations: int = 0
    log_line: str = ""

    def per_call(self, side: str) -> float:
        return self.timings[side].cpu

    def times(self, side: str, other: str, clock: str = "cpu") -> float:
        return ratio(getattr(self.timings[side], clock), getattr(self.timings[other], clock))


def _validate(app, client, credentials) -> None:
    """One GET: a 200 whose body is ``json.dumps`` of itself, and a URL
    byte-identical to botocore's and to the signer alone's at its instant."""
    key = signing_inputs.uuid_keys(1)[0]
    body = lambda_app.body_of(app(function_url.get_event(key), lambda_app.context(0)), "warm GET")
    url, when = body.get("url"), botocore_signer.amz_epoch(body.get("url") or "X-Amz-Date=19700101T000000Z")
    expect(body.get("key") == key, "warm GET: the answer is for another key")
    theirs = botocore_signer.presign_at(client, when, key, expires_in=body["expires_in"])
    expect(url == theirs, "warm GET: the URL differs from botocore's")
    alone = presign_s3_url(signing_inputs.endpoint(), key, credentials, expires_in=body["expires_in"], now=when)
    expect(url == alone, "warm GET: the URL differs from the signer alone's")


@contextmanager
def _root_handlers(handlers: list[logging.Handler]) -> Iterator[None]:
    """The root logger with ``handlers`` in place of the runtime's, for the duration."""
    root = logging.getLogger()
    saved = list(root.handlers)
    root.handlers[:] = handlers
    try:
        yield
    finally:
        root.handlers[:] = saved


def _rounds(app, plan: Plan, client, credentials, result: Result) -> None:
    endpoint = signing_inputs.endpoint()
    for round_number in range(plan.get_rounds):
        keys = signing_inputs.uuid_keys(plan.get_calls)
        first = 1 + round_number * plan.get_calls
        calls = [(function_url.get_event(k, first + i), lambda_app.context(first + i)) for i, k in enumerate(keys)]
        fresh = signing_inputs.uuid_keys(plan.get_botocore_calls)
        quiet = [(function_url.get_event(k), lambda_app.context(0)) for k in signing_inputs.uuid_keys(len(keys))]
        dropping = [(function_url.get_event(k), lambda_app.context(0)) for k in signing_inputs.uuid_keys(len(keys))]
        for side in rotated(list(SIDES), round_number):
            with gc_paused():
                if side == "handler":
                    responses, cpu, wall = handler_calls(app, calls)
                elif side == "signer":
                    cpu, wall = signer_loop(endpoint, credentials, keys)
                elif side == "botocore":
                    cpu, wall = botocore_loop(client, fresh)
                elif side == "dropped":
                    # NullHandler skips the filter and lock too: all of the runtime handler's share.
                    with _root_handlers([logging.NullHandler()]):
                        dropped, cpu, wall = handler_calls(app, dropping)
                    expect(all(r.get("statusCode") == 200 for r in dropped), "warm GET with its line dropped failed")
                else:
                    logger = logging.getLogger(REQUEST_LOGGER)
                    logger.setLevel(logging.WARNING)
                    try:
                        unlogged, cpu, wall = handler_calls(app, quiet)
                    finally:
                        logger.setLevel(logging.INFO)
                    expect(all(r.get("statusCode") == 200 for r in unlogged), "warm GET without its log line failed")
            result.timings[side].add(cpu, wall, len(fresh) if side == "botocore" else len(keys))
        result.invocations += len(calls)
        for response, key in zip(responses, keys, strict=True):  # outside the timed span
            body = lambda_app.body_of(response, "warm GET")
            expect(body.get("key") == key and "url" in body, f"warm GET: no URL for {key!r}")


def run(plan: Plan, log) -> Section:
    credentials = signing_inputs.session_credentials()
    client = botocore_signer.client(credentials)
    result, profiles = Result(), []
    with lambda_environment(signing_inputs.environment(credentials)), settled_heap():
        app = lambda_app.app()
        with runtime_logging() as agent:
            _validate(app, client, credentials)
            result.invocations += 1
            _rounds(app, plan, client, credentials, result)
            target = _target(result)
            if not target.passed:
                calls = [
                    (function_url.get_event(k, n), lambda_app.context(n))
                    for n, k in enumerate(signing_inputs.uuid_keys(PROFILED_CALLS))
                ]
                for sort, order in (("cumulative", "by cumulative time"), ("tottime", "by own time")):
                    profiles.append(
                        (
                            f"{PROFILED_CALLS:,} warm GETs through the handler, logging to the pipe, {order}",
                            profile_text(lambda: [app(e, c) for e, c in calls], sort=sort),
                        )
                    )
                    result.invocations += len(calls)
    expect(
        agent.frames == result.invocations,
        f"the log agent read {agent.frames} log lines for {result.invocations} invocations",
    )
    expect(agent.types == [TEXT_FRAME], f"unexpected log frame types {agent.types}")
    expect(
        bool(agent.first) and LOG_LINE.fullmatch(agent.first) is not None and "X-Amz-" not in agent.first,
        f"the log line is not the runtime's text line: {str(agent.first)[:200]!r}",
    )
    result.log_line = agent.first.rstrip("\n").replace("\t", "\\t")
    log("  " + ", ".join(f"{s} {format_duration_ns(result.per_call(s))}" for s in SIDES) + " (CPU per call)")
    return _section(result, target, profiles, plan, agent)


def _target(result: Result) -> Target:
    times = result.times("handler", "signer")
    return Target(
        f"≤ {MAX_TIMES_SIGNER}x the signer alone for the same URL",
        format_ratio_against(times, MAX_TIMES_SIGNER),
        times <= MAX_TIMES_SIGNER,
    )


def _section(result: Result, target: Target, profiles: list, plan: Plan, agent) -> Section:
    handler, signer, boto, unlogged, dropped = (result.per_call(s) for s in SIDES)
    return Section(
        number=7,
        title="Warm GET",
        slug="warm_get",
        headline=(
            f"a warm Function URL GET takes {format_duration_ns(handler)} of CPU through the handler, its log line "
            f"included: {format_ratio(result.times('handler', 'signer'))} the signer alone "
            f"({format_duration_ns(signer)}) and {format_ratio(result.times('botocore', 'handler'))} faster than "
            f"one botocore presign ({format_duration_ns(boto)})."
        ),
        summary=f"{format_ratio(result.times('handler', 'signer'))} the signer alone; "
        f"{format_ratio(result.times('botocore', 'handler'))} faster than one botocore presign",
        columns=["Side", "CPU per call (median)", "Wall per call (median)", "÷ signer alone (CPU)"],
        rows=[
            [
                "handler: `App.__call__`, Function URL GET, log line to the pipe",
                format_duration_ns(handler),
                format_duration_ns(result.timings["handler"].wall),
                f"**{format_ratio(result.times('handler', 'signer'))}**",
            ],
            [
                "signer alone: `presign_s3_url`",
                format_duration_ns(signer),
                format_duration_ns(result.timings["signer"].wall),
                "1.00x",
            ],
            [
                "(the handler with its log line off: xpresign's logger at WARNING)",
                format_duration_ns(unlogged),
                format_duration_ns(result.timings["unlogged"].wall),
                format_ratio(result.times("unlogged", "signer")),
            ],
            [
                "(the handler with its log line made and dispatched, the runtime's root handler replaced by one "
                "that drops it)",
                format_duration_ns(dropped),
                format_duration_ns(result.timings["dropped"].wall),
                format_ratio(result.times("dropped", "signer")),
            ],
            [
                "botocore (pure Python): one `generate_presigned_url`",
                format_duration_ns(boto),
                format_duration_ns(result.timings["botocore"].wall),
                format_ratio(result.times("botocore", "signer")),
            ],
        ],
        validated=[
            "Before timing, one GET: a 200 whose body is `json.dumps` of itself, with a URL byte-identical to "
            "botocore's and to the signer alone's for the same key at the URL's own instant.",
            "Every timed GET's answer was checked afterwards: a 200, the body identical to `json.dumps` of itself, "
            "a URL for the requested key.",
            f"The log agent read exactly one line per invocation ({agent.frames:,} frames, {agent.bytes:,} bytes in "
            f"{agent.reads:,} reads), each a text frame (`{TEXT_FRAME}`) in the runtime's format with no URL in it, "
            f"e.g. `{result.log_line[:200]}`.",
        ],
        method=[
            f"{plan.get_rounds} rounds; in each, {plan.get_calls:,} GETs through the handler (fresh "
            f"`movies/<uuid4>.mp4` keys, one event and one awslambdaric `LambdaContext` each, built before the "
            f"round), the signer alone on the same keys, and {plan.get_botocore_calls} botocore presigns of fresh "
            "keys, in rotating order. Figures are medians over rounds of the CPU time of the benchmark thread "
            "(`time.thread_time_ns`, which counts the `write` of each log line too) per call.",
            "Handler: `App.__call__` from `build_app()` reading `os.environ` (environment credentials, 900-character "
            "session token, no role) at xpresign's default level, INFO, on a Function URL `GET /?key=...` event "
            "(payload format 2.0), with awslambdaric's `LambdaContext` (`get_remaining_time_in_millis` gives the "
            "deadline).",
            "Logging as Lambda's runtime sets it up: `awslambdaric.bootstrap._setup_logging(LogFormat.TEXT, None, "
            "FramedTelemetryLogSink(fd))` (its root handler, text formatter and request-id filter, one framed "
            f"`write` per line) with `fd` the write end of a pipe ({agent.pipe_bytes:,} bytes of buffer).",
            "The pipe is drained by a separate process, a log agent that reads in large chunks with 5 ms pauses, as "
            "the platform drains a function's telemetry outside its process. A reader blocked on every line would "
            "be woken by every write: a scheduler wake-up per line, charged to the writing thread, which is the "
            "platform's cost and not the handler's.",
            "The garbage collector is paused during each timed loop (the heap collected and frozen first).",
        ],
        targets=[target],
        notes=[
            f"The request's log line costs about {format_duration_ns(handler - unlogged)} of the GET: the difference "
            "between the handler as deployed and the same handler with xpresign's logger at WARNING (no line "
            "written), timed in the same rounds on their own fresh keys. The target is checked with the line.",
            f"Of that, awslambdaric's root handler (its request-id filter, lock, text formatter and framed `write`) "
            f"takes about {format_duration_ns(handler - dropped)}, {format_ratio(ratio(handler - dropped, signer))} "
            "the signer alone: the difference between the handler as deployed and the same handler with the "
            "runtime's handler replaced by one that drops the record. xpresign's own share (building the line and "
            f"the record, dispatching it) is about {format_duration_ns(dropped - unlogged)}.",
            "A line that cost xpresign nothing to build and dispatch would leave the GET at the handler with its "
            f"line off plus the runtime's share: about {format_duration_ns(unlogged + handler - dropped)}, "
            f"{format_ratio(ratio(unlogged + handler - dropped, signer))} the signer alone: the least a GET can "
            "cost with the runtime's handler writing its line.",
        ],
        profiles=profiles,
        draw=lambda figure: simple_bars(
            figure.add_subplot(),
            [
                "handler: one GET\n(log line included)",
                "handler,\nlog line off",
                "handler, line made,\nruntime's handler off",
                "signer alone",
                "botocore:\none presign",
            ],
            [handler / 1000, unlogged / 1000, dropped / 1000, signer / 1000, boto / 1000],
            [XPRESIGN_COLOUR, XPRESIGN_LIGHT_COLOUR, XPRESIGN_LIGHT_COLOUR, NEUTRAL_COLOUR, OTHER_COLOUR],
            ylabel="µs of CPU per call (median, log scale)",
            labels=lambda v: significant(v, "µs"),
        ),
    )
