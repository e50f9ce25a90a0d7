"""How much work each benchmark does, in the full run and in the smoke run.

Most of the full run is the guide's handler, which costs 0.2-0.4 s per warm
invocation and must run 1,000 times for the STS count (benchmarks 2 and 3);
everything else together takes a minute or two. Rounds are short and many: on
a shared machine a burst of load then spoils a few rounds of one side, which
the median ignores, instead of a large part of one long round. Every timed
comparison has at least 7 rounds in the full run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    mode: str
    # 1. the signer: rounds, and calls per round for each side
    presign_rounds: int
    presign_fast_calls: int  # xpresign and the floor (microseconds each)
    presign_awscrt_calls: int  # awscrt (a few times slower)
    presign_botocore_calls: int  # botocore (about a hundred times slower)
    # 2./3. warm invocations against the guide: rounds, and invocations per round for each side
    warm_rounds: int
    warm_xpresign_per_round: int
    warm_guide_per_round: int
    #: AssumeRole calls are counted over each handler's first this many invocations.
    sts_window: int
    # 4. cold start: fresh processes per side
    cold_rounds: int
    # 5. batch through the handler: rounds, and items per batch
    batch_rounds: int
    batch_size: int
    # 6. scaling: rounds, batch sizes, and items signed per size and round
    scaling_rounds: int
    scaling_sizes: tuple[int, ...]
    scaling_items_per_round: int
    # 7. a warm GET: rounds, GETs (and signer calls) per round, botocore presigns per round
    get_rounds: int
    get_calls: int
    get_botocore_calls: int
    # 8. threads vs processes: rounds, and URLs per worker per round
    parallel_rounds: int
    parallel_urls_per_worker: int
    # 10. multipart part signing: rounds, parts per request, botocore presigns per round
    parts_rounds: int
    parts_count: int
    parts_botocore_calls: int


FULL = Plan(
    mode="full",
    presign_rounds=60,
    presign_fast_calls=2_500,
    presign_awscrt_calls=1_000,
    presign_botocore_calls=25,
    warm_rounds=10,
    warm_xpresign_per_round=300,
    warm_guide_per_round=100,
    sts_window=1000,
    cold_rounds=9,
    batch_rounds=9,
    batch_size=1000,
    scaling_rounds=9,
    scaling_sizes=(1, 10, 100, 1000),
    scaling_items_per_round=1000,
    get_rounds=15,
    get_calls=500,
    get_botocore_calls=10,
    parallel_rounds=9,
    parallel_urls_per_worker=10_000,
    parts_rounds=7,
    parts_count=10_000,
    parts_botocore_calls=200,
)

SMOKE = Plan(
    mode="smoke",
    presign_rounds=3,
    presign_fast_calls=500,
    presign_awscrt_calls=100,
    presign_botocore_calls=5,
    warm_rounds=3,
    warm_xpresign_per_round=40,
    warm_guide_per_round=4,
    sts_window=10,
    cold_rounds=1,
    batch_rounds=2,
    batch_size=100,
    scaling_rounds=2,
    scaling_sizes=(1, 10, 100, 1000),
    scaling_items_per_round=1000,
    get_rounds=3,
    get_calls=100,
    get_botocore_calls=3,
    parallel_rounds=2,
    parallel_urls_per_worker=3_000,
    parts_rounds=2,
    parts_count=1_000,
    parts_botocore_calls=10,
)
