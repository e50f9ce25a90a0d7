"""6. Batch scaling: 1, 10, 100 and 1,000 items per request through the
handler, the cost per item, and the bytes of the answer against the front
doors' limits (1 MB through ALB, 6 MB for any Lambda response).

The bytes are the Function URL answer as the runtime posts it:
``len(json.dumps(response))`` of the envelope the handler returns (the body,
a JSON string inside it, escaped once more), with a real-length (900-character)
session token in every URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xpresign.outcome import ALB_RESPONSE_LIMIT, LAMBDA_RESPONSE_LIMIT

from . import botocore_signer, function_url, lambda_app, signing_inputs
from .lambda_app import lambda_environment
from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, Section, significant
from .request_sides import handler_calls, signer_loop
from .stats import Timings, expect, format_duration_ns, format_ratio, gc_paused, ratio, rotated, settled_heap

SIGNER = "signer"


@dataclass
class SizeResult:
    size: int
    response_bytes: int
    timings: Timings = field(default_factory=Timings)  # per item


def _calls(size: int, items: int, first: int) -> tuple[list[list[str]], list[tuple[dict, object]]]:
    """``items // size`` fresh batches of ``size`` keys, as (event, context) pairs."""
    batches = [signing_inputs.uuid_keys(size) for _ in range(max(1, items // size))]
    calls = [
        (function_url.batch_event(keys, first + n), lambda_app.context(first + n)) for n, keys in enumerate(batches)
    ]
    return batches, calls


def run(plan: Plan, log) -> Section:
    credentials = signing_inputs.session_credentials()
    client = botocore_signer.client(credentials)
    endpoint = signing_inputs.endpoint()
    sizes, per_round = plan.scaling_sizes, plan.scaling_items_per_round
    with lambda_environment(signing_inputs.environment(credentials)), settled_heap():
        app = lambda_app.app()
        results: dict[int, SizeResult] = {}
        for size in sizes:  # validity first, and the answer's size
            batches, calls = _calls(size, size, 0)
            response = app(*calls[0])
            checked = lambda_app.check_batch(response, batches[0], f"handler ({size} items)")
            lambda_app.check_against_botocore(checked, batches[0], client, f"handler ({size} items)")
            results[size] = SizeResult(size, lambda_app.response_bytes(response))
        signer = Timings()
        for round_number in range(plan.scaling_rounds):
            for side in rotated([*sizes, SIGNER], round_number):
                if side == SIGNER:
                    keys = signing_inputs.uuid_keys(per_round)
                    with gc_paused():
                        cpu, wall = signer_loop(endpoint, credentials, keys)
                    signer.add(cpu, wall, per_round)
                    continue
                _, calls = _calls(side, per_round, round_number * per_round)
                with gc_paused():
                    responses, cpu, wall = handler_calls(app, calls)
                results[side].timings.add(cpu, wall, len(calls) * side)
                for response in responses:
                    body = lambda_app.body_of(response, f"handler ({side} items)")
                    expect(len(body.get("results", ())) == side, f"handler ({side} items): not one result per item")
    log(
        "  "
        + ", ".join(
            f"{s}: {format_duration_ns(r.timings.cpu)}/item, {r.response_bytes:,} B" for s, r in results.items()
        )
    )
    return _section(list(results.values()), signer, plan)


def _fits(results: list[SizeResult], limit: int) -> int:
    """Items of this kind that fit under ``limit``, from the bytes each adds."""
    small, large = results[-2], results[-1]
    per_item = (large.response_bytes - small.response_bytes) / (large.size - small.size)
    fixed = large.response_bytes - per_item * large.size
    return int((limit - fixed) // per_item)


def _section(results: list[SizeResult], signer: Timings, plan: Plan) -> Section:
    largest = results[-1]
    per_item_bytes = (largest.response_bytes - results[-2].response_bytes) / (largest.size - results[-2].size)
    return Section(
        number=6,
        title="Batch scaling",
        slug="batch_scaling",
        headline=(
            "per item, a batch through the handler costs "
            + ", ".join(f"{format_duration_ns(r.timings.cpu)} at {r.size:,}" for r in results)
            + f" items (the signer alone: {format_duration_ns(signer.cpu)}); {largest.size:,} URLs make a "
            f"{largest.response_bytes / 1e6:.2f} MB answer, {largest.response_bytes / ALB_RESPONSE_LIMIT:.0%} of what "
            "ALB delivers."
        ),
        summary=f"{format_duration_ns(results[0].timings.cpu)}/item at {results[0].size}, "
        f"{format_duration_ns(largest.timings.cpu)}/item at {largest.size:,}; "
        f"{largest.response_bytes / 1e6:.2f} MB at {largest.size:,}",
        columns=[
            "Items per request",
            "Per request (CPU)",
            "Per item (CPU)",
            "Per item ÷ signer alone",
            "Answer (bytes posted)",
            f"of ALB's 1 MB ({ALB_RESPONSE_LIMIT:,} B)",
            f"of Lambda's 6 MB ({LAMBDA_RESPONSE_LIMIT:,} B)",
        ],
        rows=[
            [
                f"{r.size:,}",
                format_duration_ns(r.timings.cpu * r.size),
                format_duration_ns(r.timings.cpu),
                format_ratio(ratio(r.timings.cpu, signer.cpu)),
                f"{r.response_bytes:,}",
                f"{r.response_bytes / ALB_RESPONSE_LIMIT:.1%}",
                f"{r.response_bytes / LAMBDA_RESPONSE_LIMIT:.1%}",
            ]
            for r in results
        ],
        validated=[
            "Before timing, one batch of each size: the body is `json.dumps` of itself, one result per item in "
            "order, every URL byte-identical to botocore's for its key at its own instant.",
            "Every timed answer was checked afterwards: a 200, valid JSON identical to `json.dumps` of itself, one "
            "result per item.",
        ],
        method=[
            f"{plan.scaling_rounds} rounds; in each, for every size, {plan.scaling_items_per_round:,} items' worth "
            "of fresh batches (1,000 requests of 1 item, 100 of 10, ...) through `App.__call__` as Function URL "
            "`POST` events, and the signer alone on as many fresh keys, in rotating order. Per item: median over "
            "rounds of the CPU time of the benchmark thread divided by the items.",
            "Same app and inputs as benchmark 5: environment credentials with a 900-character session token, no "
            "role; keys `movies/<uuid4>.mp4`; awslambdaric's `LambdaContext`; the garbage collector paused during "
            "each timed loop.",
            "Bytes: `len(json.dumps(response))` of the handler's Function URL answer. On python3.11 awslambdaric's "
            "encoder writes exactly that (ASCII escapes, `', '` and `': '` separators); on 3.12 and later it keeps "
            "non-ASCII as UTF-8, the same bytes for these ASCII answers.",
        ],
        notes=[
            f"Each item adds {per_item_bytes:,.0f} bytes to the answer here, so about "
            f"{_fits(results, ALB_RESPONSE_LIMIT):,} such items fit in ALB's 1 MB and "
            f"{_fits(results, LAMBDA_RESPONSE_LIMIT):,} in Lambda's 6 MB (the handler keeps a reserve for headers "
            "and refuses a batch that would not fit with 413 `ResponseTooLarge`).",
        ],
        draw=lambda figure: _draw(figure, results, signer),
    )


def _draw(figure, results: list[SizeResult], signer: Timings) -> None:
    labels = [f"{r.size:,}" for r in results]
    left = figure.add_subplot(1, 2, 1)
    bars = left.bar(labels, [r.timings.cpu / 1000 for r in results], color=XPRESIGN_COLOUR, width=0.6)
    for bar, r in zip(bars, results, strict=True):
        left.annotate(
            significant(r.timings.cpu / 1000, "µs"),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    left.axhline(signer.cpu / 1000, color=NEUTRAL_COLOUR, linestyle="--", label="signer alone")
    left.set_xlabel("items per request")
    left.set_ylabel("µs of CPU per item (median)")
    left.legend(fontsize=8)
    left.grid(axis="y", alpha=0.3)
    right = figure.add_subplot(1, 2, 2)
    right.bar(labels, [r.response_bytes for r in results], color=XPRESIGN_COLOUR, width=0.6)
    right.set_yscale("log")
    for limit, name in ((ALB_RESPONSE_LIMIT, "ALB 1 MB"), (LAMBDA_RESPONSE_LIMIT, "Lambda 6 MB")):
        right.axhline(limit, color=OTHER_COLOUR, linestyle="--", linewidth=1)
        right.annotate(name, (0, limit), xytext=(2, 2), textcoords="offset points", fontsize=8, color=OTHER_COLOUR)
    right.set_xlabel("items per request")
    right.set_ylabel("answer bytes (log scale)")
    right.set_ylim(min(r.response_bytes for r in results) / 2, LAMBDA_RESPONSE_LIMIT * 3)
    right.grid(axis="y", alpha=0.3)
