"""5. Batch: one request for 1,000 URLs through the xpresign handler, against
1,000 ``generate_presigned_url`` calls on one botocore client.

The handler gets a Function URL ``POST`` with ``{"items": [...]}``: the time
covers the whole invocation (parsing the body, checking each key, signing,
and writing the JSON answer). botocore's client is built once, configured like
xpresign for the emulator (path-style URLs on its endpoint, SigV4) and signs
with temporary credentials of account A's role, as xpresign does.
"""

from __future__ import annotations

import json
import time
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config

from xpresign import lambda_handler
from xpresign.emulator import assume

from . import function_url
from .emulated_aws import World
from .plan import Plan
from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, significant, simple_bars
from .stats import Timings, expect, format_duration_ns, format_ratio, gc_paused, ratio, rotated, settled_heap

EXPIRES_IN = 900


def _keys(world: World, size: int, round_number: int) -> list[str]:
    """The stored objects, then keys not signed before in the run."""
    real = sorted(world.objects)
    made_up = [f"movies/batch/{round_number:03d}/{i:05d} classic film (restored).mp4" for i in range(size - len(real))]
    return real + made_up


def _botocore_client(world: World):
    b = {
        "aws_access_key_id": world.env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": world.env["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": world.env["AWS_SESSION_TOKEN"],
    }
    credentials = assume(world.moto.endpoint_url, world.accounts.access_role_arn, "batch-botocore", credentials=b)
    return boto3.session.Session(region_name=world.accounts.region, **credentials).client(
        "s3",
        endpoint_url=world.moto.endpoint_url,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _xpresign_batch(event: dict) -> list[dict]:
    response = lambda_handler.handler(event, None)
    expect(isinstance(response, dict) and response.get("statusCode") == 200, f"batch failed: {str(response)[:300]}")
    return json.loads(response["body"])["results"]


def _botocore_batch(client, bucket: str, keys: list[str]) -> list[str]:
    generate = client.generate_presigned_url
    return [generate("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=EXPIRES_IN) for key in keys]


def _check(urls: list[str], keys: list[str], side: str) -> None:
    expect(len(urls) == len(keys), f"{side}: {len(urls)} URLs for {len(keys)} keys")
    for url, key in zip(urls, keys, strict=True):
        expect(isinstance(url, str) and unquote(urlsplit(url).path).endswith("/" + key), f"{side}: no URL for {key!r}")


def _timed_rounds(world: World, plan: Plan, client, bucket: str, samples: dict[str, Timings]) -> None:
    for round_number in range(1, plan.batch_rounds + 1):
        keys = _keys(world, plan.batch_size, round_number)
        event = function_url.batch_event(keys, round_number)
        for side in rotated(["xpresign", "botocore"], round_number):
            with gc_paused():
                cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
                if side == "xpresign":
                    results = _xpresign_batch(event)
                else:
                    urls = _botocore_batch(client, bucket, keys)
                samples[side].add(time.thread_time_ns() - cpu, time.perf_counter_ns() - wall, 1)
            if side == "xpresign":
                _check([item.get("url") for item in results], keys, "xpresign handler")
            else:
                _check(urls, keys, "botocore")


def run(world: World, plan: Plan, log) -> Section:
    world.apply()
    lambda_handler.reset()
    client = _botocore_client(world)
    bucket = world.accounts.bucket

    # Validity first: a full batch from each side; the stored objects' URLs download their bytes.
    keys = _keys(world, plan.batch_size, 0)
    xpresign_urls = [item.get("url") for item in _xpresign_batch(function_url.batch_event(keys))]
    botocore_urls = _botocore_batch(client, bucket, keys)
    for side, urls in (("xpresign handler", xpresign_urls), ("botocore", botocore_urls)):
        _check(urls, keys, side)
        for url, key in zip(urls, keys, strict=False):
            if key in world.objects:
                world.check_download(url, key, side)

    samples = {"xpresign": Timings(), "botocore": Timings()}
    with settled_heap():
        _timed_rounds(world, plan, client, bucket, samples)
    x, b = samples["xpresign"].cpu, samples["botocore"].cpu
    wall_speedup = ratio(samples["botocore"].wall, samples["xpresign"].wall)
    log(f"  xpresign {format_duration_ns(x)}, botocore {format_duration_ns(b)} per {plan.batch_size} URLs")
    speedup = ratio(b, x)
    size = plan.batch_size
    return Section(
        number=5,
        title="Batch",
        slug="batch",
        headline=(
            f"one xpresign batch request for {size:,} URLs takes {format_duration_ns(x)} end to end; {size:,} botocore "
            f"presigns take {format_duration_ns(b)}: {format_ratio(speedup)} faster."
        ),
        summary=f"{format_ratio(speedup)} faster than {size:,} botocore presigns",
        columns=["Side", f"{size:,} URLs (median CPU time)", "Per URL", "Wall clock (median)"],
        rows=[
            [
                "xpresign handler, one batch request",
                format_duration_ns(x),
                format_duration_ns(x / size),
                format_duration_ns(samples["xpresign"].wall),
            ],
            [
                f"botocore, {size:,} × generate_presigned_url",
                format_duration_ns(b),
                format_duration_ns(b / size),
                format_duration_ns(samples["botocore"].wall),
            ],
            ["botocore ÷ xpresign", f"**{format_ratio(speedup)}**", "", format_ratio(wall_speedup)],
        ],
        validated=[
            f"Before timing, a {size:,}-key batch through each side: every key got a URL for itself, and the URLs "
            f"of the {len(world.objects)} stored objects downloaded their exact bytes from moto.",
            "Every timed batch was checked afterwards: one URL per key, in order.",
        ],
        method=[
            f"{plan.batch_rounds} rounds, alternating which side goes first; each round signs {size:,} keys "
            "not signed before (plus the stored objects), the same keys on both sides.",
            "xpresign: the handler invoked in-process with a Function URL `POST` whose JSON body lists the keys; "
            "the time includes parsing the body, policy checks and writing the JSON answer. Its role session "
            "is cached (warm).",
            "botocore: one client built once (SigV4, path style on the emulator's endpoint, temporary credentials), "
            "`generate_presigned_url` per key.",
            "Times are CPU time of the benchmark thread (`time.thread_time_ns`; both sides are pure computation "
            "here, the handler's role session being cached), with the wall clock alongside.",
            "The garbage collector is paused during each timed batch (the heap collected and frozen before the "
            "rounds).",
        ],
        draw=lambda figure: simple_bars(
            figure.add_subplot(),
            [f"xpresign: one request\nfor {size:,} URLs", f"botocore: {size:,} ×\ngenerate_presigned_url"],
            [x / 1e6, b / 1e6],
            [XPRESIGN_COLOUR, OTHER_COLOUR],
            ylabel="ms of CPU (median, log scale)",
            labels=lambda v: significant(v, "ms"),
        ),
    )
