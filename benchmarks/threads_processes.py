"""8. Threads against processes: URLs per second from 1 and 2 threads of one
process, and from 1 and 2 worker processes.

Signing is pure Python plus hashlib. CPython runs Python code under the GIL,
and hashlib lets go of it only around hashing large inputs: CPython's
``Modules/hashlib.h`` sets ``HASHLIB_GIL_MINSIZE`` to 2048, and
``_hashopenssl.c`` releases the GIL for an update only when the data is at least
that long ("the Python GIL is released for data larger than 2047 bytes at object
creation or on update", says the hashlib documentation). A presigned URL's
canonical request is well under that, even with a 900-character session
token, so a second thread cannot sign while the first does; a second process can.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
import time
from dataclasses import dataclass, field

from xpresign.presign import presign_s3_url

from . import botocore_signer, signing_inputs
from .plan import Plan
from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, simple_bars
from .signing_inputs import EXPIRES_IN
from .stats import expect, format_ratio, median, ratio, rotated, settled_heap

#: CPython's HASHLIB_GIL_MINSIZE: hashlib releases the GIL only for inputs of at least this many bytes.
HASHLIB_GIL_MINSIZE = 2048
CHECK_KEY = "movies/metropolis-1927.mp4"
CHECK_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
CONFIGS = ("1 thread", "2 threads", "1 process", "2 processes")


def sign(keys: list[str]) -> tuple[float, float, int, str]:
    """Sign ``keys``: (start, end on the system-wide monotonic clock, this
    thread's CPU ns, the URL of a fixed key at a fixed instant, signed first)."""
    endpoint, credentials = signing_inputs.endpoint(), signing_inputs.session_credentials()
    check = presign_s3_url(endpoint, CHECK_KEY, credentials, expires_in=EXPIRES_IN, now=CHECK_EPOCH)
    presign, clock = presign_s3_url, time.time
    cpu, start = time.thread_time_ns(), time.perf_counter()
    for key in keys:
        presign(endpoint, key, credentials, expires_in=EXPIRES_IN, now=clock())
    return start, time.perf_counter(), time.thread_time_ns() - cpu, check


def _worker(connection) -> None:
    gc.disable()  # as in the parent's timed rounds
    while True:
        count = connection.recv()
        if count is None:
            return
        connection.send(sign(signing_inputs.uuid_keys(count)))


@dataclass
class ConfigResult:
    name: str
    urls_per_second: list[float] = field(default_factory=list)
    cpu_per_url_ns: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return median(self.urls_per_second)

    @property
    def cpu_per_url(self) -> float:
        return median(self.cpu_per_url_ns)


def _threads(workers: int, count: int) -> list[tuple]:
    results: list = [None] * workers
    shares = [signing_inputs.uuid_keys(count) for _ in range(workers)]

    def run(index: int) -> None:
        results[index] = sign(shares[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _processes(pool: list, workers: int, count: int) -> list[tuple]:
    for connection in pool[:workers]:
        connection.send(count)
    return [connection.recv() for connection in pool[:workers]]


def run(plan: Plan, log) -> Section:
    credentials = signing_inputs.session_credentials()
    expected = botocore_signer.presign_at(botocore_signer.client(credentials), CHECK_EPOCH, CHECK_KEY)
    canonical, to_sign, _ = signing_inputs.floor_inputs(
        presign_s3_url(signing_inputs.endpoint(), CHECK_KEY, credentials, expires_in=EXPIRES_IN, now=CHECK_EPOCH),
        credentials.secret_access_key,
    )
    expect(len(canonical) < HASHLIB_GIL_MINSIZE, "the canonical request is long enough for hashlib to drop the GIL")
    context = multiprocessing.get_context("fork")  # workers inherit the loaded modules; none is a thread here
    pool, processes = [], []
    for _ in range(2):
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child,), daemon=True)
        process.start()
        pool.append(parent)
        processes.append(process)
    results = {name: ConfigResult(name) for name in CONFIGS}
    count = plan.parallel_urls_per_worker
    try:
        with settled_heap():
            for round_number in range(plan.parallel_rounds):
                for name in rotated(list(CONFIGS), round_number):
                    workers = int(name[0])
                    if "thread" in name:
                        gc.disable()
                        try:
                            done = _threads(workers, count)
                        finally:
                            gc.enable()
                    else:
                        done = _processes(pool, workers, count)
                    for *_, check in done:
                        expect(check == expected, f"{name}: a worker's URL differs from botocore's")
                    wall = max(end for _, end, _, _ in done) - min(start for start, _, _, _ in done)
                    results[name].urls_per_second.append(workers * count / wall)
                    results[name].cpu_per_url_ns.append(sum(cpu for _, _, cpu, _ in done) / (workers * count))
    finally:
        for connection in pool:
            connection.send(None)
        for process in processes:
            process.join(timeout=10)
    log("  " + ", ".join(f"{r.name}: {r.throughput:,.0f} URLs/s" for r in results.values()))
    return _section(results, plan, len(canonical), len(to_sign))


def _section(results: dict[str, ConfigResult], plan: Plan, canonical_bytes: int, to_sign_bytes: int) -> Section:
    one = results["1 thread"].throughput
    two_threads, two_processes = results["2 threads"].throughput, results["2 processes"].throughput
    return Section(
        number=8,
        title="Threads vs processes",
        slug="threads_processes",
        headline=(
            f"a second thread takes signing from {one:,.0f} to {two_threads:,.0f} URLs per second "
            f"({format_ratio(ratio(two_threads, one))}); a second process takes it to {two_processes:,.0f} "
            f"({format_ratio(ratio(two_processes, results['1 process'].throughput))} one process). For throughput, "
            "run processes (Lambda runs one invocation per environment anyway; `xpresign serve` runs workers)."
        ),
        summary=f"2 threads {format_ratio(ratio(two_threads, one))}, "
        f"2 processes {format_ratio(ratio(two_processes, results['1 process'].throughput))} the throughput of one",
        columns=["Workers", "URLs per second (median)", "÷ one of its kind", "CPU per URL (median)"],
        rows=[
            [
                name,
                f"{r.throughput:,.0f}",
                format_ratio(
                    ratio(
                        r.throughput,
                        results[name.replace("2 threads", "1 thread").replace("2 processes", "1 process")].throughput,
                    )
                ),
                f"{r.cpu_per_url / 1000:.2f} µs",
            ]
            for name, r in results.items()
        ],
        validated=[
            "Every worker, in every round, signed a fixed key at a fixed instant first: byte-identical to botocore's URL.",
            f"The canonical request of a URL signed with the 900-character token is {canonical_bytes:,} bytes and its "
            f"string to sign {to_sign_bytes} bytes: both under hashlib's {HASHLIB_GIL_MINSIZE:,}-byte threshold "
            "for releasing the GIL.",
        ],
        method=[
            f"{plan.parallel_rounds} rounds; in each, the four set-ups in rotating order, each worker signing "
            f"{plan.parallel_urls_per_worker:,} fresh keys (`presign_s3_url`, token credentials, the clock read per "
            "URL). Throughput: all workers' URLs divided by the wall time from the first worker's start to the last "
            "one's end (`time.perf_counter`, the system-wide monotonic clock, so processes compare).",
            "Threads: started in this process, each signing its share; the garbage collector off meanwhile. "
            "Processes: two workers forked once before the rounds and kept (as a server keeps its workers), each "
            "told to sign its share through a pipe; the dispatch is outside the timed span.",
            f"This machine has {multiprocessing.cpu_count()} logical cores, shared with whatever else runs on it.",
        ],
        notes=[
            "Why threads do not help: CPython's `Modules/hashlib.h` sets `HASHLIB_GIL_MINSIZE` to 2048 and "
            "`_hashopenssl.c` releases the GIL around an update only when the data is at least that long; the "
            'hashlib documentation says "the Python GIL is released for data larger than 2047 bytes at object '
            'creation or on update". Everything else in signing is Python code, which runs under the GIL.',
        ],
        draw=lambda figure: simple_bars(
            figure.add_subplot(),
            list(results),
            [r.throughput for r in results.values()],
            [OTHER_COLOUR, OTHER_COLOUR, XPRESIGN_COLOUR, XPRESIGN_COLOUR],
            ylabel="URLs per second (median)",
            labels=lambda v: f"{v:,.0f}",
            log=False,
        ),
    )
