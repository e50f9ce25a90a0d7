"""10. Multipart part signing: one ``sign_parts`` request for 10,000 parts
(S3's most) against botocore's ``generate_presigned_url('upload_part', ...)``
per part.

xpresign is timed through the JSON API (``Api.handle`` of the action, with
validation and the answer's JSON); botocore signs a sample of parts per round
(each costs hundreds of microseconds) and its cost per part is scaled to the
same count. Every part URL xpresign returns in the check is compared with
botocore's at its own instant.
"""

from __future__ import annotations

import json
import time

from xpresign.outcome import UNLIMITED

from . import botocore_signer, lambda_app, signing_inputs
from .plan import Plan
from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, simple_bars
from .stats import Timings, expect, format_duration_ns, format_ratio, gc_paused, ratio, rotated, settled_heap

NUMBER = 10
UPLOAD_ID = "VXBsb2FkSWQuZXhhbXBsZS5tdWx0aXBhcnQudXBsb2Fk.2~-x"
KEY = "uploads/2026/very-large-film.mov"
XPRESIGN, BOTOCORE = "xpresign sign_parts", "botocore upload_part"


def _request(count: int) -> dict:
    return {"action": "sign_parts", "key": KEY, "upload_id": UPLOAD_ID, "part_numbers": list(range(1, count + 1))}


def _botocore_part(client, epoch: int, number: int) -> str:
    with botocore_signer.frozen_clock(epoch):
        return client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": signing_inputs.BUCKET, "Key": KEY, "PartNumber": number, "UploadId": UPLOAD_ID},
            ExpiresIn=signing_inputs.EXPIRES_IN,
        )


def run(plan: Plan, log) -> Section:
    credentials = signing_inputs.session_credentials()
    client = botocore_signer.client(credentials)
    env = {
        **signing_inputs.environment(credentials),
        "XPRESIGN_UPLOAD_PREFIXES": "uploads/",
        "XPRESIGN_MAX_BATCH": "10000",
    }
    count = plan.parts_count
    with lambda_app.lambda_environment(env), settled_heap():
        api = lambda_app.app().api
        answer = api.handle(_request(count), budget=UNLIMITED)
        expect(answer.status == 200, f"sign_parts answered {answer.status}: {answer.json()[:200]}")
        parts = json.loads(answer.json())["parts"]
        expect(len(parts) == count, "sign_parts did not sign every part")
        for part in parts[:: max(1, count // 50)]:
            theirs = _botocore_part(client, botocore_signer.amz_epoch(part["url"]), part["part_number"])
            expect(part["url"] == theirs, f"part {part['part_number']}: the URL differs from botocore's")
        sides = {XPRESIGN: Timings(), BOTOCORE: Timings()}
        for round_number in range(plan.parts_rounds):
            for side in rotated(list(sides), round_number):
                with gc_paused():
                    cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
                    if side == XPRESIGN:
                        api.handle(_request(count), budget=UNLIMITED).json()
                        done = count
                    else:
                        epoch = int(time.time())
                        for number in range(1, plan.parts_botocore_calls + 1):
                            _botocore_part(client, epoch, number)
                        done = plan.parts_botocore_calls
                    sides[side].add(time.thread_time_ns() - cpu, time.perf_counter_ns() - wall, done)
    ours, theirs = sides[XPRESIGN].cpu, sides[BOTOCORE].cpu
    speedup = ratio(theirs, ours)
    log(f"  sign_parts: {format_duration_ns(ours)}/part vs botocore {format_duration_ns(theirs)}/part ({speedup:.1f}x)")
    return Section(
        number=NUMBER,
        title="Multipart part signing",
        slug="sign_parts",
        headline=(
            f"signing {count:,} parts in one `sign_parts` request costs {format_duration_ns(ours)} per part, "
            f"{format_ratio(speedup)} faster than botocore's `upload_part` presign "
            f"({format_duration_ns(ours * count)} against about {format_duration_ns(theirs * count)} for all of them)."
        ),
        summary=f"{format_ratio(speedup)} faster than botocore per part, {count:,} parts in one request",
        columns=["Side", "per part (CPU, median)", f"{count:,} parts", "per part (wall)"],
        rows=[
            [name, format_duration_ns(t.cpu), format_duration_ns(t.cpu * count), format_duration_ns(t.wall)]
            for name, t in sides.items()
        ],
        validated=[
            f"One sign_parts answer for {count:,} parts: every part present, and one in {max(1, count // 50)} "
            "(part numbers spread over the range) byte-identical to botocore's UploadPart URL at the same instant.",
        ],
        method=[
            f"{plan.parts_rounds} rounds, the two sides in rotating order. xpresign: `Api.handle` of the action "
            f"for {count:,} parts (checks, signing, the JSON answer). botocore: {plan.parts_botocore_calls} "
            "`generate_presigned_url('upload_part', ...)` per round with one client built once (pure Python, "
            "s3v4), its cost per part scaled to the same count. CPU time of this thread; medians over rounds.",
            "Both sign with a 900-character session token.",
        ],
        draw=lambda figure: simple_bars(
            figure.add_subplot(),
            [XPRESIGN, BOTOCORE],
            [ours / 1000, theirs / 1000],
            [XPRESIGN_COLOUR, OTHER_COLOUR],
            ylabel="µs per part (CPU, median; log scale)",
            labels=lambda v: f"{v:,.1f} µs",
            log=True,
        ),
    )
