"""5. Batch through the handler: one Function URL ``POST`` of 1,000 items,
timed as ``App.__call__`` (JSON parsing, validation, signing, serialisation),
against the signer alone and against 1,000 botocore presigns on the same inputs.

Two variants: bare keys (``{"items": ["movies/<uuid4>.mp4", ...]}``), and items
naming a download file and a content type (``{"key", "filename",
"response_content_type"}``). The function signs with its own credentials (a
900-character session token in the environment, no role), so the handler's
cost is pure computation, as the signer's and botocore's are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xpresign.presign import presign_s3_url
from xpresign.s3 import content_disposition

from . import botocore_signer, function_url, lambda_app, signing_inputs
from .lambda_app import lambda_environment
from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, Section, Target, bar_pairs, significant
from .request_sides import botocore_loop, handler_call, signer_loop
from .signing_inputs import CONTENT_TYPE
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

MAX_TIMES_SIGNER = 1.6
#: Batches run under the profiler when a target is missed: enough for its millisecond columns.
PROFILED_BATCHES = 20
SIDES = ("handler", "signer", "botocore")


@dataclass(frozen=True)
class Variant:
    slug: str
    label: str
    with_filename: bool
    min_speedup: float  # over botocore


VARIANTS = (
    Variant("keys", "bare keys", False, 40),
    Variant("filename", "filename + content type on every item", True, 30),
)


@dataclass
class VariantResult:
    variant: Variant
    size: int
    timings: dict[str, Timings] = field(default_factory=lambda: {side: Timings() for side in SIDES})

    def per_item(self, side: str) -> float:
        return self.timings[side].cpu

    def times(self, side: str, other: str, clock: str = "cpu") -> float:
        return ratio(getattr(self.timings[side], clock), getattr(self.timings[other], clock))


def _inputs(variant: Variant, size: int, number: int) -> tuple[list[str], list, list | None, dict]:
    """(keys, items, file names or None, the Function URL event) of one fresh batch."""
    keys = signing_inputs.uuid_keys(size)
    items = lambda_app.batch_items(keys, with_filename=variant.with_filename)
    filenames = [item["filename"] for item in items] if variant.with_filename else None
    return keys, items, filenames, function_url.batch_event(items, number)


def _validate(app, variant: Variant, size: int, client, credentials) -> None:
    """A whole batch checked URL by URL against botocore, and the signer alone
    against the handler on the same inputs at the same instant."""
    keys, items, filenames, event = _inputs(variant, size, 0)
    results = lambda_app.check_batch(app(event, lambda_app.context(0)), items, f"handler ({variant.slug})")
    lambda_app.check_against_botocore(results, items, client, f"handler ({variant.slug})")
    endpoint = signing_inputs.endpoint()
    for index, result in enumerate(results):
        overrides = {}
        if filenames is not None:
            overrides = {
                "response_content_disposition": content_disposition(filenames[index]),
                "response_content_type": CONTENT_TYPE,
            }
        alone = presign_s3_url(
            endpoint,
            keys[index],
            credentials,
            expires_in=result["expires_in"],
            now=botocore_signer.amz_epoch(result["url"]),
            **overrides,
        )
        expect(alone == result["url"], f"the signer alone and the handler differ for {keys[index]!r}")


def measure(app, variant: Variant, plan: Plan, client, credentials, log) -> VariantResult:
    size = plan.batch_size
    _validate(app, variant, size, client, credentials)
    endpoint = signing_inputs.endpoint()
    result = VariantResult(variant, size)
    for round_number in range(1, plan.batch_rounds + 1):
        keys, items, filenames, event = _inputs(variant, size, round_number)
        context = lambda_app.context(round_number)
        content_type = CONTENT_TYPE if filenames is not None else None
        for side in rotated(list(SIDES), round_number):
            with gc_paused():
                if side == "handler":
                    response, cpu, wall = handler_call(app, event, context)
                elif side == "signer":
                    cpu, wall = signer_loop(endpoint, credentials, keys, filenames, content_type)
                else:
                    cpu, wall = botocore_loop(client, keys, filenames, content_type)
            result.timings[side].add(cpu, wall, size)
        lambda_app.check_batch(response, items, f"handler ({variant.slug}, round {round_number})")
    log(f"  {variant.slug}: " + ", ".join(f"{s} {format_duration_ns(result.per_item(s))}" for s in SIDES) + " per item")
    return result


def run(plan: Plan, log) -> Section:
    credentials = signing_inputs.session_credentials()
    client = botocore_signer.client(credentials)
    with lambda_environment(signing_inputs.environment(credentials)), settled_heap():
        app = lambda_app.app()
        results = [measure(app, variant, plan, client, credentials, log) for variant in VARIANTS]
        targets = _targets(results)
        profiles = []
        for r in results:
            if any(not t.passed for t in targets if f"({r.variant.slug})" in t.text):
                calls = [
                    (_inputs(r.variant, plan.batch_size, number)[3], lambda_app.context(number))
                    for number in range(PROFILED_BATCHES)
                ]
                profiles.append(
                    (
                        f"{PROFILED_BATCHES} batches of {plan.batch_size:,} items through the handler "
                        f"({r.variant.slug})",
                        profile_text(lambda calls=calls: [app(e, c) for e, c in calls], sort="tottime"),
                    )
                )
    return _section(results, targets, profiles, plan)


def _targets(results: list[VariantResult]) -> list[Target]:
    targets = []
    for r in results:
        speedup = r.times("botocore", "handler")
        targets.append(
            Target(
                f"≥ {r.variant.min_speedup:.0f}x faster than {r.size:,} botocore presigns ({r.variant.slug})",
                format_ratio_against(speedup, r.variant.min_speedup),
                speedup >= r.variant.min_speedup,
            )
        )
    for r in results:
        times = r.times("handler", "signer")
        targets.append(
            Target(
                f"per item ≤ {MAX_TIMES_SIGNER}x the signer alone ({r.variant.slug})",
                format_ratio_against(times, MAX_TIMES_SIGNER),
                times <= MAX_TIMES_SIGNER,
            )
        )
    return targets


def _section(results: list[VariantResult], targets: list[Target], profiles: list, plan: Plan) -> Section:
    size = plan.batch_size
    keys = results[0]
    return Section(
        number=5,
        title="Batch",
        slug="batch",
        headline=(
            f"one Function URL request for {size:,} URLs takes {format_duration_ns(keys.per_item('handler') * size)} "
            f"of CPU through the handler ({format_duration_ns(keys.per_item('handler'))} per item, "
            f"{format_ratio(keys.times('handler', 'signer'))} the signer alone), "
            f"{format_ratio(keys.times('botocore', 'handler'))} faster than {size:,} botocore presigns; with a "
            f"filename and content type on every item, {format_ratio(results[1].times('botocore', 'handler'))} "
            f"faster ({format_ratio(results[1].times('handler', 'signer'))} the signer alone)."
        ),
        summary=", ".join(
            f"{format_ratio(r.times('botocore', 'handler'))} faster than botocore and "
            f"{format_ratio(r.times('handler', 'signer'))} the signer ({r.variant.slug})"
            for r in results
        ),
        columns=[
            "Items",
            "Handler / item",
            "Signer alone / item",
            "botocore / item",
            "Handler ÷ signer",
            "botocore ÷ handler",
            "same two ratios, wall clock",
        ],
        rows=[
            [
                r.variant.label,
                *(format_duration_ns(r.per_item(side)) for side in SIDES),
                f"**{format_ratio(r.times('handler', 'signer'))}**",
                f"**{format_ratio(r.times('botocore', 'handler'))}**",
                f"{format_ratio(r.times('handler', 'signer', 'wall'))}, "
                f"{format_ratio(r.times('botocore', 'handler', 'wall'))}",
            ]
            for r in results
        ],
        validated=[
            f"Before timing, for each variant a {size:,}-item batch through the handler: the body is valid JSON, "
            "byte-identical to `json.dumps` of itself parsed; one result per item, in order; every URL "
            "byte-identical to botocore's for the same key, overrides and expiry at the URL's own instant "
            "(botocore's clock frozen there), and to the signer alone's on the same inputs.",
            "Every timed batch was checked afterwards (outside the timed span): a 200 whose body is `json.dumps` "
            "of itself, one URL per item, in order, each for its item's key on the bucket's endpoint.",
        ],
        method=[
            f"{plan.batch_rounds} rounds; in each, the three sides in rotating order on the same {size:,} fresh "
            "keys (`movies/<uuid4>.mp4`, never signed before by any side). Figures are medians over rounds of the "
            "CPU time of the benchmark thread (`time.thread_time_ns`), divided by the items.",
            "Handler: `App.__call__` (from `xpresign.lambda_handler.build_app()`, reading `os.environ` as in Lambda) "
            "on a Function URL `POST` event (payload format 2.0) whose body is the JSON batch, with awslambdaric's "
            "own `LambdaContext` (30 s deadline); the time covers parsing the body, validating every item, signing, "
            "writing the JSON answer and the request's log line (at INFO, to the benchmark's /dev/null handler). "
            "The function signs with its environment credentials (a 900-character session token, no role): no "
            "network call is made.",
            "Signer alone: `presign_s3_url` per key with the same credentials and expiry, reading the clock per URL, "
            "plus `content_disposition(filename)` per item in the filename variant.",
            "botocore: pure Python (`BOTO_DISABLE_CRT=true`, `HAS_CRT` checked False), one client built once "
            "(s3v4, virtual addressing, regional endpoint), `generate_presigned_url` per key with "
            "`ResponseContentDisposition` and `ResponseContentType` in the filename variant.",
            f"File names are plain ASCII, {len(signing_inputs.item_filename(0))} characters, one per item "
            "(`Classic film 00001 - restored edition (1080p).mp4`); the content type is `video/mp4`.",
            "The garbage collector is paused during each timed call or loop (the heap collected and frozen before "
            "the rounds).",
        ],
        targets=targets,
        target_summary="≥ 40x faster than botocore (≥ 30x with filenames); per item ≤ 1.6x the signer alone",
        profiles=profiles,
        draw=lambda figure: bar_pairs(
            figure.add_subplot(),
            [r.variant.label for r in results],
            [
                ("handler", [r.per_item("handler") / 1000 for r in results], XPRESIGN_COLOUR),
                ("signer alone", [r.per_item("signer") / 1000 for r in results], NEUTRAL_COLOUR),
                ("botocore (pure Python)", [r.per_item("botocore") / 1000 for r in results], OTHER_COLOUR),
            ],
            ylabel="µs of CPU per item (median, log scale)",
            labels=lambda v: significant(v, "µs"),
        ),
    )
