"""The timed sides of the request-path benchmarks (5, 6, 7): one call of the
handler, the signer alone on the same inputs, and botocore on the same inputs.

Each returns ``(CPU ns, wall ns)`` for the whole call or loop, measured on the
calling thread (``time.thread_time_ns``: all three are pure computation here,
the app signing with the function's own credentials, no network).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from xpresign.presign import presign_s3_url
from xpresign.s3 import BucketEndpoint, content_disposition
from xpresign.values import Credentials

from . import botocore_signer
from .signing_inputs import EXPIRES_IN


def handler_call(app, event: dict, context) -> tuple[object, int, int]:
    """``App.__call__`` once: (response, CPU ns, wall ns)."""
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    response = app(event, context)
    return response, time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def handler_calls(app, calls: Sequence[tuple[dict, object]]) -> tuple[list, int, int]:
    """``App.__call__`` on each (event, context): (responses, CPU ns, wall ns) for all of them."""
    responses = []
    append = responses.append
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    for event, context in calls:
        append(app(event, context))
    return responses, time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def signer_loop(
    endpoint: BucketEndpoint,
    credentials: Credentials,
    keys: Sequence[str],
    filenames: Sequence[str] | None = None,
    content_type: str | None = None,
) -> tuple[int, int]:
    """``presign_s3_url`` per key, with ``content_disposition(filename)`` per
    key when file names are given, reading the clock per URL as the handler does."""
    presign, clock, disposition = presign_s3_url, time.time, content_disposition
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    if filenames is None:
        for key in keys:
            presign(endpoint, key, credentials, expires_in=EXPIRES_IN, now=clock())
    else:
        for key, name in zip(keys, filenames, strict=True):
            presign(
                endpoint,
                key,
                credentials,
                expires_in=EXPIRES_IN,
                now=clock(),
                response_content_disposition=disposition(name),
                response_content_type=content_type,
            )
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall


def botocore_loop(
    client, keys: Sequence[str], filenames: Sequence[str] | None = None, content_type: str | None = None
) -> tuple[int, int]:
    """``generate_presigned_url`` per key on one client, with the same overrides."""
    generate, params = client.generate_presigned_url, botocore_signer.params
    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
    if filenames is None:
        for key in keys:
            generate("get_object", Params=params(key), ExpiresIn=EXPIRES_IN)
    else:
        for key, name in zip(keys, filenames, strict=True):
            overrides = params(key, disposition=content_disposition(name), content_type=content_type)
            generate("get_object", Params=overrides, ExpiresIn=EXPIRES_IN)
    return time.thread_time_ns() - cpu, time.perf_counter_ns() - wall
