"""The xpresign Lambda app as a Function URL calls it, with the function's own
credentials and no role, and the checks every answer passes.

The app is ``xpresign.lambda_handler.build_app()`` reading ``os.environ``, as
in Lambda (its credential source reads the environment on every request, so the
variables stay set while it runs: :func:`lambda_environment`). Each call gets
awslambdaric's own ``LambdaContext``, whose ``get_remaining_time_in_millis``
gives the invocation's deadline.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from awslambdaric.lambda_context import LambdaContext

from xpresign.lambda_handler import App, build_app
from xpresign.s3 import content_disposition

from . import botocore_signer, function_url, signing_inputs
from .stats import ValidationFailed, expect

#: Lambda's default timeout is 3 s; a presigning function is usually given more.
TIMEOUT_MS = 30_000
FUNCTION_ARN = "arn:aws:lambda:us-east-1:222222222222:function:presigned_url_generator"
_OWNED_PREFIXES = ("AWS_", "XPRESIGN_")
#: Kept from the benchmark's own environment (see emulated_aws.isolate_environment).
_KEPT = frozenset({"AWS_CA_BUNDLE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"})


@contextmanager
def lambda_environment(env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """``os.environ`` as the function sees it (its credentials, its bucket, no
    role) for the duration; the benchmark's own AWS settings come back after."""
    env = signing_inputs.environment() if env is None else env
    saved = {name: value for name, value in os.environ.items() if name.startswith(_OWNED_PREFIXES)}
    for name in saved:
        if name not in _KEPT:
            del os.environ[name]
    os.environ.update(env)
    try:
        yield env
    finally:
        for name in [n for n in os.environ if n.startswith(_OWNED_PREFIXES)]:
            del os.environ[name]
        os.environ.update(saved)


def app() -> App:
    """A fresh app from ``os.environ`` (call inside :func:`lambda_environment`)."""
    return build_app()


def context(number: int) -> LambdaContext:
    """The runtime's context object for one invocation, with a fresh deadline."""
    deadline = int(time.time() * 1000) + TIMEOUT_MS
    return LambdaContext(function_url.request_id(number), None, None, deadline, FUNCTION_ARN)


def batch_items(keys: list[str], *, with_filename: bool, first: int = 0) -> list:
    """Bare keys, or objects naming a download file and a content type."""
    if not with_filename:
        return list(keys)
    return [
        {"key": key, "filename": signing_inputs.item_filename(first + i), "response_content_type": "video/mp4"}
        for i, key in enumerate(keys)
    ]


def body_of(response: object, side: str) -> dict:
    """The parsed body of a 200 answer, whose text must be exactly ``json.dumps`` of itself."""
    expect(
        isinstance(response, dict) and response.get("statusCode") == 200,
        f"{side}: the handler did not answer 200: {str(response)[:300]}",
    )
    body = response["body"]
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed(f"{side}: the body is not JSON ({exc})") from None
    expect(json.dumps(parsed) == body, f"{side}: the body differs from json.dumps of itself")
    return parsed


def check_batch(response: object, items: list, side: str) -> list[dict]:
    """One result per item, in order, each for its item's key; returns the results."""
    results = body_of(response, side).get("results")
    expect(isinstance(results, list) and len(results) == len(items), f"{side}: not one result per item")
    endpoint = signing_inputs.endpoint()
    for result, item in zip(results, items, strict=True):
        key = item if isinstance(item, str) else item["key"]
        expect(result.get("key") == key and "error" not in result, f"{side}: no URL for {key!r}: {str(result)[:200]}")
        expect(result["url"].startswith(endpoint.object_url(key) + "?"), f"{side}: the URL for {key!r} is elsewhere")
    return results


def check_against_botocore(results: list[dict], items: list, client, side: str) -> None:
    """Every URL byte-identical to botocore's for the same key and overrides at its own instant."""
    for result, item in zip(results, items, strict=True):
        overrides = {}
        if isinstance(item, dict) and "filename" in item:
            overrides = {
                "disposition": content_disposition(item["filename"]),
                "content_type": item["response_content_type"],
            }
        url = result["url"]
        theirs = botocore_signer.presign_at(
            client, botocore_signer.amz_epoch(url), result["key"], expires_in=result["expires_in"], **overrides
        )
        expect(url == theirs, f"{side}: the URL for {result['key']!r} differs from botocore's")


def response_bytes(response: dict) -> int:
    """What the runtime posts for a Function URL answer: on python3.11,
    awslambdaric's encoder writes what ``json.dumps`` writes (ASCII, ', ' and ': ')."""
    return len(json.dumps(response))
