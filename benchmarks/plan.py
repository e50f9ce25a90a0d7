"""How much work each benchmark does, in the full run and in the smoke run.

The full run took under six minutes on a shared two-core machine at a load
average of about 4. Most of it is the guide's handler, which costs 0.2-0.4 s
per warm invocation and must run 1,000 times for the STS count; everything
else together takes about a minute. Rounds are short and
many: on a shared machine a burst of load then spoils a few rounds of one
side, which the median ignores, instead of a large part of one long round.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    mode: str
    # 1. presign throughput: rounds, and calls per round for each side
    presign_rounds: int
    presign_fast_calls: int  # xpresign and the floor (microseconds each)
    presign_botocore_calls: int  # botocore (about a hundred times slower)
    # 2./3. warm invocations: rounds, and invocations per round for each side
    warm_rounds: int
    warm_xpresign_per_round: int
    warm_guide_per_round: int
    #: AssumeRole calls are counted over each handler's first this many invocations.
    sts_window: int
    # 4. cold start: fresh processes per side
    cold_rounds: int
    # 5. batch: rounds, and keys per batch
    batch_rounds: int
    batch_size: int


FULL = Plan(
    mode="full",
    presign_rounds=60,
    presign_fast_calls=2_500,
    presign_botocore_calls=25,
    warm_rounds=10,
    warm_xpresign_per_round=300,
    warm_guide_per_round=100,
    sts_window=1000,
    cold_rounds=11,
    batch_rounds=8,
    batch_size=1000,
)

SMOKE = Plan(
    mode="smoke",
    presign_rounds=5,
    presign_fast_calls=1_000,
    presign_botocore_calls=10,
    warm_rounds=3,
    warm_xpresign_per_round=40,
    warm_guide_per_round=4,
    sts_window=10,
    cold_rounds=2,
    batch_rounds=3,
    batch_size=200,
)
