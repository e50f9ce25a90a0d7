"""1. The signer: microseconds of CPU per presigned URL, xpresign against the
cryptographic floor, botocore and awscrt.

* xpresign: ``presign_s3_url(endpoint, key, credentials, expires_in=..., now=time.time())``,
  plus ``content_disposition(filename)`` for every URL that names a file (the
  caller's real cost: nothing is prepared outside the timed loop);
* the floor: one SHA-256 of the canonical request and one HMAC-SHA256 of the
  string to sign, over the very bytes xpresign signs for the same URL;
* botocore (pure Python): ``generate_presigned_url`` on one client built once,
  a key never signed before on every call (botocore caches per parameters);
* awscrt: ``aws_sign_request`` on an ``HttpRequest`` per URL, then the URL read back.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from xpresign.presign import presign_s3_url
from xpresign.s3 import content_disposition
from xpresign.values import Credentials

from . import awscrt_signer, botocore_signer, signing_inputs
from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, Section, bar_pairs, significant
from .signer_targets import CONTEXT_FIGURES, CONTEXT_SUMMARY, targets_for
from .signing_inputs import CONTENT_TYPE, EXPIRES_IN, VERSION_ID
from .stats import (
    Timings,
    expect,
    format_duration_ns,
    format_ratio,
    gc_paused,
    profile_text,
    ratio,
    rotated,
    settled_heap,
)

AWSCRT_COLOUR = "#ff7f0e"
SIDES = ("xpresign", "floor", "botocore", "awscrt")
#: URLs signed under the profiler when a target is missed: enough for its millisecond columns.
PROFILED_URLS = 20_000


@dataclass(frozen=True)
class Variant:
    slug: str
    label: str
    credentials: Credentials
    overrides: bool

    def fields(self) -> tuple[str | None, str | None, str | None]:
        """(file name, content type, version id) of every URL of this variant."""
        return (signing_inputs.filename(), CONTENT_TYPE, VERSION_ID) if self.overrides else (None, None, None)


def variants() -> list[Variant]:
    token = signing_inputs.session_credentials()
    return [
        Variant("plain key", "plain key, long-term credentials", signing_inputs.long_term_credentials(), False),
        Variant("token", f"session token ({len(token.session_token)} chars)", token, False),
        Variant(
            "overrides",
            f"token + {signing_inputs.FILENAME_CHARS}-character filename, content type, version id",
            token,
            True,
        ),
    ]


# --- one timing round per side: (CPU ns, wall ns) for the whole round -----------------


def xpresign_round(endpoint, keys: list[str], variant: Variant) -> tuple[int, int]:
    presign, clock, credentials = presign_s3_url, time.time, variant.credentials
    name, content_type, version_id = variant.fields()
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    if name is None:
        for key in keys:
            presign(endpoint, key, credentials, expires_in=EXPIRES_IN, now=clock())
    else:
        disposition = content_disposition
        for key in keys:
            presign(
                endpoint,
                key,
                credentials,
                expires_in=EXPIRES_IN,
                now=clock(),
                response_content_disposition=disposition(name),
                response_content_type=content_type,
                version_id=version_id,
            )
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def floor_round(calls: int, canonical: bytes, to_sign: bytes, key: bytes) -> tuple[int, int]:
    sha256, digest = hashlib.sha256, hmac.digest
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        sha256(canonical).hexdigest()
        digest(key, to_sign, "sha256")
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def botocore_round(client, keys: list[str], variant: Variant) -> tuple[int, int]:
    generate, params = client.generate_presigned_url, botocore_signer.params
    name, content_type, version_id = variant.fields()
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for key in keys:
        overrides = {} if name is None else {"disposition": content_disposition(name), "content_type": content_type}
        generate("get_object", Params=params(key, version_id=version_id, **overrides), ExpiresIn=EXPIRES_IN)
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def awscrt_round(endpoint, keys: list[str], variant: Variant) -> tuple[int, int]:
    presign, query_of = awscrt_signer.presign, awscrt_signer.operation_query
    name, content_type, version_id = variant.fields()
    # One signing config per round, dated at its start: kinder to awscrt than
    # the config per signature its documentation advises.
    config = awscrt_signer.signing_config(variant.credentials)
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for key in keys:
        query = "" if name is None else query_of(content_disposition(name), content_type, version_id)
        presign(endpoint, endpoint.object_path(key), query, config)
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


@dataclass
class VariantResult:
    variant: Variant
    timings: dict[str, Timings]
    oracle_keys: int
    canonical_bytes: int

    def per_url(self, side: str) -> float:
        return self.timings[side].cpu

    def times(self, side: str, other: str, clock: str = "cpu") -> float:
        """``side``'s cost as a multiple of ``other``'s."""
        return ratio(getattr(self.timings[side], clock), getattr(self.timings[other], clock))


def validate(variant: Variant, endpoint, client, now: int, pool: list[str]) -> tuple[bytes, bytes, bytes]:
    """Byte-identical to botocore and parameter-identical to awscrt at one
    instant; returns the floor's inputs, checked against a real signature."""
    name, content_type, version_id = variant.fields()
    disposition = None if name is None else content_disposition(name)
    config = awscrt_signer.signing_config(variant.credentials, now)
    query = awscrt_signer.operation_query(disposition, content_type, version_id)
    for key in signing_inputs.AWKWARD_KEYS + pool[:10]:
        ours = presign_s3_url(
            endpoint,
            key,
            variant.credentials,
            expires_in=EXPIRES_IN,
            now=now,
            response_content_disposition=disposition,
            response_content_type=content_type,
            version_id=version_id,
        )
        theirs = botocore_signer.presign_at(
            client, now, key, disposition=disposition, content_type=content_type, version_id=version_id
        )
        expect(ours == theirs, f"{variant.slug}: xpresign's URL for {key!r} differs from botocore's")
        crt = awscrt_signer.presign(endpoint, endpoint.object_path(key), query, config)
        expect(
            signing_inputs.query_of(crt) == signing_inputs.query_of(ours) and crt.split("?")[0] == ours.split("?")[0],
            f"{variant.slug}: awscrt's URL for {key!r} differs from xpresign's",
        )
    return signing_inputs.floor_inputs(
        presign_s3_url(
            endpoint,
            pool[0],
            variant.credentials,
            expires_in=EXPIRES_IN,
            now=now,
            response_content_disposition=disposition,
            response_content_type=content_type,
            version_id=version_id,
        ),
        variant.credentials.secret_access_key,
    )


def measure_variant(variant: Variant, plan: Plan, now: int, log) -> VariantResult:
    endpoint = signing_inputs.endpoint()
    client = botocore_signer.client(variant.credentials)
    pool = signing_inputs.uuid_keys(plan.presign_fast_calls)
    # botocore gets keys nobody has signed before in this run, every call.
    fresh = signing_inputs.uuid_keys(plan.presign_rounds * plan.presign_botocore_calls)
    canonical, to_sign, signing_key = validate(variant, endpoint, client, now, pool)

    timings = {side: Timings() for side in SIDES}
    fast, slow, crt = plan.presign_fast_calls, plan.presign_botocore_calls, plan.presign_awscrt_calls
    rounds = {
        "xpresign": lambda r: timings["xpresign"].add(*xpresign_round(endpoint, pool, variant), fast),
        "floor": lambda r: timings["floor"].add(*floor_round(fast, canonical, to_sign, signing_key), fast),
        "botocore": lambda r: timings["botocore"].add(
            *botocore_round(client, fresh[r * slow : (r + 1) * slow], variant), slow
        ),
        "awscrt": lambda r: timings["awscrt"].add(*awscrt_round(endpoint, pool[:crt], variant), crt),
    }
    with settled_heap():
        for round_number in range(plan.presign_rounds):
            for side in rotated(list(SIDES), round_number):
                with gc_paused():
                    rounds[side](round_number)
    result = VariantResult(variant, timings, len(signing_inputs.AWKWARD_KEYS) + 10, len(canonical))
    log(f"  {variant.slug}: " + ", ".join(f"{s} {format_duration_ns(result.per_url(s))}" for s in SIDES) + " (CPU/URL)")
    return result


def run(plan: Plan, log) -> Section:
    now = int(time.time())
    results = [measure_variant(variant, plan, now, log) for variant in variants()]
    log("  context, published and not measured here: " + CONTEXT_SUMMARY)
    targets, notes = targets_for(results)
    overrides = results[-1]
    section = Section(
        number=1,
        title="Presign throughput",
        slug="presign_throughput",
        headline=(
            "per URL, xpresign costs "
            + ", ".join(f"{format_ratio(r.times('xpresign', 'floor'))} the floor ({r.variant.slug})" for r in results)
            + "; it is "
            + ", ".join(format_ratio(r.times("awscrt", "xpresign")) for r in results)
            + " faster than awscrt and "
            + ", ".join(format_ratio(r.times("botocore", "xpresign")) for r in results)
            + " faster than pure-Python botocore."
        ),
        summary=f"overrides {format_ratio(overrides.times('xpresign', 'floor'))} the floor; "
        f"{_span([r.times('awscrt', 'xpresign') for r in results])} faster than awscrt, "
        f"{_span([r.times('botocore', 'xpresign') for r in results])} faster than botocore",
        columns=[
            "Variant",
            "xpresign / URL",
            "floor / URL",
            "awscrt / URL",
            "botocore / URL",
            "xpresign ÷ floor",
            "awscrt ÷ xpresign",
            "botocore ÷ xpresign",
            "same three ratios, wall clock",
        ],
        rows=[
            [
                r.variant.label,
                *(format_duration_ns(r.per_url(side)) for side in ("xpresign", "floor", "awscrt", "botocore")),
                f"**{format_ratio(r.times('xpresign', 'floor'))}**",
                f"**{format_ratio(r.times('awscrt', 'xpresign'))}**",
                f"**{format_ratio(r.times('botocore', 'xpresign'))}**",
                ", ".join(
                    format_ratio(r.times(a, b, "wall"))
                    for a, b in (("xpresign", "floor"), ("awscrt", "xpresign"), ("botocore", "xpresign"))
                ),
            ]
            for r in results
        ],
        validated=[
            f"For each variant, {results[0].oracle_keys} keys (awkward characters included) signed by xpresign, "
            "botocore and awscrt at the same instant (botocore's clock frozen, awscrt's config dated at xpresign's "
            "`now`): xpresign's URLs are byte-identical to botocore's, and awscrt's carry the same path and the same "
            "query parameters, signature included (the CRT writes them in another order).",
            "The floor's inputs are the canonical request and string to sign of a real xpresign URL "
            f"({', '.join(f'{r.canonical_bytes:,} B' for r in results)} of canonical request): recomputing the "
            "signature from them gives that URL's `X-Amz-Signature`.",
        ],
        method=[
            f"{plan.presign_rounds} rounds; per round and variant, {plan.presign_fast_calls:,} xpresign URLs, "
            f"{plan.presign_fast_calls:,} floor computations, {plan.presign_awscrt_calls:,} awscrt URLs and "
            f"{plan.presign_botocore_calls:,} botocore URLs, the four sides in rotating order. Figures are medians "
            "over rounds of the mean CPU time per URL.",
            "CPU time of the benchmark thread (`time.thread_time_ns`): signing is pure computation, and on a shared "
            "machine wall time also counts whatever else held the core. The last column gives the three ratios by "
            "wall clock (`time.perf_counter_ns`) over the same rounds.",
            "The cyclic garbage collector is paused during each round; the heap is collected and frozen "
            "(`gc.freeze`) before the rounds.",
            "Keys are `movies/<uuid4>.mp4`. xpresign reads the clock (`time.time()`) for every URL, as its "
            "handler does, and has no per-key cache; it reuses its key pool across rounds, as does awscrt.",
            "With overrides, every side computes `content_disposition(filename)` per URL inside the timed loop "
            f"(a {signing_inputs.FILENAME_CHARS}-character plain ASCII name), with `video/mp4` and a 33-character "
            "version id.",
            "botocore: pure Python (`BOTO_DISABLE_CRT=true` before it is imported; `botocore.compat.HAS_CRT` "
            "checked False), one client built once (`signature_version='s3v4'`, virtual addressing, regional "
            "us-east-1 endpoint), a key never signed before on every call.",
            "awscrt: `auth.aws_sign_request` with `HTTP_REQUEST_QUERY_PARAMS`, `use_double_uri_encode=False`, "
            "`should_normalize_uri_path=False` and `UNSIGNED-PAYLOAD`; per URL a new `HttpRequest` (with the "
            "overrides in its query), the signing future awaited, the URL read back. One signing config per "
            "round (awscrt fixes the date in the config), which spares it the per-signature config its "
            "documentation advises.",
            "Floor: `hashlib.sha256(canonical_request).hexdigest()` plus `hmac.digest(signing_key, string_to_sign, "
            "'sha256')` per URL. xpresign keeps the HMAC's padded key states between URLs, which `hmac.digest` "
            "cannot, so its own HMAC is cheaper than the floor's.",
        ],
        targets=targets,
        notes=[*notes, *CONTEXT_FIGURES],
        target_summary="with overrides ≤ 2.5x the floor; ≥ 3x faster than awscrt and ≥ 50x faster than botocore "
        f"in each of the {len(results)} variants",
        draw=lambda figure: _draw(figure.add_subplot(), results),
    )
    if any(not t.passed for t in targets):
        worst = max(results, key=lambda r: r.times("xpresign", "floor"))
        endpoint, keys = signing_inputs.endpoint(), signing_inputs.uuid_keys(PROFILED_URLS)
        section.profiles.append(
            (
                f"xpresign signing {len(keys):,} URLs ({worst.variant.slug})",
                profile_text(lambda: xpresign_round(endpoint, keys, worst.variant), sort="tottime"),
            )
        )
    return section


def _span(ratios: list[float]) -> str:
    return f"{format_ratio(min(ratios))}–{format_ratio(max(ratios))}"


def _draw(axes, results: list[VariantResult]) -> None:
    colours = {"xpresign": XPRESIGN_COLOUR, "floor": NEUTRAL_COLOUR, "awscrt": AWSCRT_COLOUR, "botocore": OTHER_COLOUR}
    labels = {"floor": "floor (sha256 + hmac)", "botocore": "botocore (pure Python)"}
    bar_pairs(
        axes,
        [r.variant.slug for r in results],
        [
            (labels.get(side, side), [r.per_url(side) / 1000 for r in results], colours[side])
            for side in ("xpresign", "floor", "awscrt", "botocore")
        ],
        ylabel="µs of CPU per URL (log scale)",
        labels=lambda v: significant(v, "µs"),
    )
