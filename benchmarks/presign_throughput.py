"""1. Presign throughput: microseconds per URL, xpresign against botocore and
against the cryptographic floor.

* xpresign: ``presign_s3_url(endpoint, key, credentials, expires_in=..., now=...)``
  with ``endpoint = resolve_bucket_endpoint(bucket, region)``;
* botocore: ``generate_presigned_url("get_object", ...)`` on one client built
  once with ``signature_version='s3v4'``, virtual addressing and the regional
  us-east-1 endpoint, a fresh key each call (botocore caches endpoint
  resolution per set of parameters, key included);
* the floor: one SHA-256 of the canonical request and one HMAC-SHA256 of the
  string to sign, over the very bytes xpresign signs for the same URL.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import time
from dataclasses import dataclass
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore.session
from botocore.config import Config

from xpresign import sigv4
from xpresign.credentials import Credentials
from xpresign.presign import presign_s3_url
from xpresign.s3 import content_disposition, resolve_bucket_endpoint

from .plan import Plan
from .report import NEUTRAL_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, Section, Target, bar_pairs, significant
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

BUCKET = "classic-movies"
REGION = "us-east-1"
EXPIRES_IN = 3600
MIN_SPEEDUP_OVER_BOTOCORE = 50
MAX_TIMES_FLOOR = 3
#: Realistic sizes: an STS session token is ~700-1,000 base64 characters.
TOKEN_BYTES = 672  # -> 896 base64 characters
ACCESS_KEY_ID = "ASIAQXPRESIGNBENCH01"
LONG_TERM_KEY_ID = "AKIAQXPRESIGNBENCH01"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHMARK1"
FILENAME = "Metropolis (1927) – restored.mp4"
CONTENT_TYPE = "video/mp4"
VERSION_ID = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
#: Keys with spaces, parentheses, '+', '~', a dash, accents and an emoji.
AWKWARD_KEYS = [
    "movies/metropolis-1927.mp4",
    "movies/nosferatu (1922).mp4",
    "movies/the general+1926~restored.mp4",
    "movies/un chien andalou – 1929.mp4",
    "movies/silent/sunrise 1927.mp4",
    "movies/ünïcödé/été 🎬 #1 & 2 = 100%.mp4",
]
ORACLE_SAMPLE_FROM_POOL = 10


def session_token() -> str:
    """A deterministic stand-in for an STS session token: base64 with + / =."""
    stream = b"".join(
        hashlib.sha256(b"xpresign-bench-token" + bytes([i])).digest() for i in range(TOKEN_BYTES // 32 + 1)
    )
    return base64.b64encode(stream[:TOKEN_BYTES]).decode("ascii")


@dataclass(frozen=True)
class Variant:
    slug: str
    label: str
    credentials: Credentials
    overrides: bool

    def xpresign_options(self) -> dict:
        if not self.overrides:
            return {}
        return {
            "response_content_disposition": content_disposition(FILENAME),
            "response_content_type": CONTENT_TYPE,
            "version_id": VERSION_ID,
        }

    def botocore_params(self) -> dict:
        if not self.overrides:
            return {}
        return {
            "ResponseContentDisposition": content_disposition(FILENAME),
            "ResponseContentType": CONTENT_TYPE,
            "VersionId": VERSION_ID,
        }


def variants() -> list[Variant]:
    token = session_token()
    with_token = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token)
    return [
        Variant("no-token", "no session token", Credentials(LONG_TERM_KEY_ID, SECRET_ACCESS_KEY), False),
        Variant("token", f"session token ({len(token)} chars)", with_token, False),
        Variant("overrides", "token + filename, content type, version id", with_token, True),
    ]


_BOTOCORE_SESSION = None


def botocore_client(credentials: Credentials):
    config = Config(
        signature_version="s3v4", s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}
    )
    global _BOTOCORE_SESSION
    if _BOTOCORE_SESSION is None:  # a session loads the service models once, for every client
        _BOTOCORE_SESSION = botocore.session.get_session()
    return _BOTOCORE_SESSION.create_client(
        "s3",
        region_name=REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=config,
    )


def frozen_botocore_clock(epoch_seconds: int):
    """botocore reads the signing time through ``botocore.auth.get_current_datetime`` (naive UTC)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).replace(tzinfo=None)
    return mock.patch("botocore.auth.get_current_datetime", return_value=moment)


def floor_inputs(url: str, variant: Variant) -> tuple[bytes, bytes, bytes]:
    """``(canonical request, string to sign, signing key)`` behind ``url``,
    rebuilt from the URL itself; checked by recomputing its signature."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    signature = dict(params)["X-Amz-Signature"]
    amz = dict(params)["X-Amz-Date"]
    canonical = sigv4.canonical_request(
        "GET",
        parts.path,
        sigv4.canonical_query_string([(k, v) for k, v in params if k != "X-Amz-Signature"]),
        f"host:{parts.netloc}\n",
        "host",
        sigv4.UNSIGNED_PAYLOAD,
    ).encode()
    scope = sigv4.credential_scope(amz[:8], REGION, "s3")
    to_sign = f"{sigv4.ALGORITHM}\n{amz}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}".encode()
    key = sigv4.signing_key(variant.credentials.secret_access_key, amz[:8], REGION, "s3")
    expect(
        hmac.digest(key, to_sign, "sha256").hex() == signature,
        f"{variant.slug}: the floor's inputs do not reproduce the URL's signature",
    )
    return canonical, to_sign, key


# --- one timing round per side: (CPU ns, wall ns) for the whole round -----------------


def xpresign_round(endpoint, keys: list[str], credentials: Credentials, options: dict) -> tuple[int, int]:
    presign, clock = presign_s3_url, time.time
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for key in keys:
        presign(endpoint, key, credentials, expires_in=EXPIRES_IN, now=clock(), **options)
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def botocore_round(client, keys: list[str], params: dict) -> tuple[int, int]:
    generate = client.generate_presigned_url
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for key in keys:
        generate("get_object", Params={"Bucket": BUCKET, "Key": key, **params}, ExpiresIn=EXPIRES_IN)
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def floor_round(calls: int, canonical: bytes, to_sign: bytes, key: bytes) -> tuple[int, int]:
    sha256, digest = hashlib.sha256, hmac.digest
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        sha256(canonical).hexdigest()
        digest(key, to_sign, "sha256")
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


@dataclass
class VariantResult:
    variant: Variant
    xpresign: Timings
    botocore: Timings
    floor: Timings
    oracle_keys: int
    canonical_bytes: int

    @property
    def speedup(self) -> float:
        return ratio(self.botocore.cpu, self.xpresign.cpu)

    @property
    def times_floor(self) -> float:
        return ratio(self.xpresign.cpu, self.floor.cpu)

    @property
    def wall_speedup(self) -> float:
        return ratio(self.botocore.wall, self.xpresign.wall)

    @property
    def wall_times_floor(self) -> float:
        return ratio(self.xpresign.wall, self.floor.wall)


def measure_variant(variant: Variant, plan: Plan, now: int, log) -> VariantResult:
    endpoint = resolve_bucket_endpoint(BUCKET, REGION)
    client = botocore_client(variant.credentials)
    options, params = variant.xpresign_options(), variant.botocore_params()
    pool = [f"movies/catalogue/{i:06d} classic film (restored).mp4" for i in range(plan.presign_fast_calls)]
    # botocore gets keys nobody has signed before in this run, every call.
    fresh = [
        f"movies/{variant.slug}/{i:06d} classic film (restored).mp4"
        for i in range(plan.presign_rounds * plan.presign_botocore_calls)
    ]

    # Validity first: byte-identical URLs at the same instant, and floor inputs
    # that reproduce a real signature.
    sample = AWKWARD_KEYS + pool[:ORACLE_SAMPLE_FROM_POOL]
    with frozen_botocore_clock(now):
        for key in sample:
            ours = presign_s3_url(endpoint, key, variant.credentials, expires_in=EXPIRES_IN, now=now, **options)
            theirs = client.generate_presigned_url(
                "get_object", Params={"Bucket": BUCKET, "Key": key, **params}, ExpiresIn=EXPIRES_IN
            )
            expect(ours == theirs, f"{variant.slug}: xpresign's URL for {key!r} differs from botocore's")
    canonical, to_sign, signing_key = floor_inputs(
        presign_s3_url(endpoint, pool[0], variant.credentials, expires_in=EXPIRES_IN, now=now, **options), variant
    )

    result = VariantResult(variant, Timings(), Timings(), Timings(), len(sample), len(canonical))
    fast, slow = plan.presign_fast_calls, plan.presign_botocore_calls
    sides = {
        "xpresign": lambda r: result.xpresign.add(*xpresign_round(endpoint, pool, variant.credentials, options), fast),
        "botocore": lambda r: result.botocore.add(
            *botocore_round(client, fresh[r * slow : (r + 1) * slow], params), slow
        ),
        "floor": lambda r: result.floor.add(*floor_round(fast, canonical, to_sign, signing_key), fast),
    }
    with settled_heap():
        for round_number in range(plan.presign_rounds):
            for name in rotated(list(sides), round_number):
                with gc_paused():
                    sides[name](round_number)
    log(
        f"  {variant.slug}: xpresign {format_duration_ns(result.xpresign.cpu)}, botocore "
        f"{format_duration_ns(result.botocore.cpu)}, floor {format_duration_ns(result.floor.cpu)} per URL (CPU)"
    )
    return result


def run(plan: Plan, log) -> Section:
    now = int(time.time())
    results = [measure_variant(variant, plan, now, log) for variant in variants()]

    targets = []
    for r in results:
        targets.append(
            Target(
                f"≥ {MIN_SPEEDUP_OVER_BOTOCORE}x faster than botocore ({r.variant.slug})",
                format_ratio(r.speedup),
                r.speedup >= MIN_SPEEDUP_OVER_BOTOCORE,
            )
        )
    for r in results:
        targets.append(
            Target(
                f"≤ {MAX_TIMES_FLOOR}x the floor ({r.variant.slug})",
                format_ratio(r.times_floor),
                r.times_floor <= MAX_TIMES_FLOOR,
            )
        )

    section = Section(
        number=1,
        title="Presign throughput",
        slug="presign_throughput",
        headline=(
            "xpresign signs a URL "
            + ", ".join(f"{format_ratio(r.speedup)} faster than botocore ({r.variant.label})" for r in results)
            + "; it costs "
            + ", ".join(format_ratio(r.times_floor) for r in results)
            + " the cryptographic floor."
        ),
        summary=f"{_span([r.speedup for r in results])} faster than botocore; "
        f"{_span([r.times_floor for r in results])} the floor",
        columns=[
            "Variant",
            "xpresign / URL",
            "botocore / URL",
            "floor / URL",
            "botocore ÷ xpresign",
            "xpresign ÷ floor",
            "same ratios, wall clock",
        ],
        rows=[
            [
                r.variant.label,
                format_duration_ns(r.xpresign.cpu),
                format_duration_ns(r.botocore.cpu),
                format_duration_ns(r.floor.cpu),
                f"**{format_ratio(r.speedup)}**",
                f"**{format_ratio(r.times_floor)}**",
                f"{format_ratio(r.wall_speedup)}, {format_ratio(r.wall_times_floor)}",
            ]
            for r in results
        ],
        validated=[
            f"For each variant, {results[0].oracle_keys} keys (awkward characters included) signed by both sides "
            "at the same instant (botocore's clock frozen at xpresign's `now`): the URLs are byte-identical.",
            "The floor's inputs are the canonical request and string to sign of a real xpresign URL "
            f"({', '.join(f'{r.canonical_bytes} B' for r in results)} of canonical request): recomputing the "
            "signature from them gives that URL's `X-Amz-Signature`.",
        ],
        method=[
            f"{plan.presign_rounds} rounds; per round and variant, {plan.presign_fast_calls:,} xpresign URLs, "
            f"{plan.presign_fast_calls:,} floor computations and {plan.presign_botocore_calls:,} botocore URLs, "
            "the three sides in rotating order. Figures are medians over rounds of the mean time per URL.",
            "Times are CPU time of the benchmark thread (`time.thread_time_ns`): signing is pure computation, and on "
            "a shared machine wall time also counts whatever else held the core. The last column gives the same "
            "two ratios by wall clock (`time.perf_counter_ns`) over the same rounds.",
            "The cyclic garbage collector is paused during each round; the heap is collected and frozen "
            "(`gc.freeze`) before the rounds so collections between rounds stay short.",
            "xpresign reads the clock (`time.time()`) for every URL, as its handler does; botocore reads its own.",
            "botocore: one client built once (`signature_version='s3v4'`, virtual addressing, regional us-east-1 "
            "endpoint); each call uses a key not signed before in the run. xpresign has no per-key cache; it reuses "
            "its key pool across rounds.",
            "Floor: `hashlib.sha256(canonical_request).hexdigest()` plus `hmac.digest(signing_key, string_to_sign, "
            "'sha256')` per URL. xpresign keeps the HMAC's padded key states between URLs, which `hmac.digest` "
            "cannot, so its own HMAC is cheaper than the floor's.",
            "The overrides variant uses the session token too, since a Lambda always signs with one.",
        ],
        targets=targets,
        target_summary=f"≥ {MIN_SPEEDUP_OVER_BOTOCORE}x faster than botocore and ≤ {MAX_TIMES_FLOOR}x the floor, "
        f"for each of the {len(results)} variants",
        draw=lambda figure: _draw(figure.add_subplot(), results),
    )
    if any(not t.passed for t in targets):
        worst = max(results, key=lambda r: r.times_floor)
        endpoint = resolve_bucket_endpoint(BUCKET, REGION)
        keys = [f"movies/catalogue/{i:06d} classic film (restored).mp4" for i in range(plan.presign_fast_calls)]
        section.profiles.append(
            (
                f"xpresign signing {len(keys):,} URLs ({worst.variant.slug})",
                profile_text(
                    lambda: xpresign_round(endpoint, keys, worst.variant.credentials, worst.variant.xpresign_options()),
                    sort="tottime",
                ),
            )
        )
    return section


def _span(ratios: list[float]) -> str:
    return f"{format_ratio(min(ratios))}–{format_ratio(max(ratios))}"


def _draw(axes, results: list[VariantResult]) -> None:
    bar_pairs(
        axes,
        [r.variant.slug for r in results],
        [
            ("xpresign", [r.xpresign.cpu / 1000 for r in results], XPRESIGN_COLOUR),
            ("botocore", [r.botocore.cpu / 1000 for r in results], OTHER_COLOUR),
            ("floor (sha256 + hmac)", [r.floor.cpu / 1000 for r in results], NEUTRAL_COLOUR),
        ],
        ylabel="µs of CPU per URL (log scale)",
        labels=lambda v: significant(v, "µs"),
    )
