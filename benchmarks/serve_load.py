"""Serve under load: ``xpresign serve`` against the service a user would write
instead (:mod:`benchmarks.serve_competitor`: FastAPI + boto3), both on granian
with the same number of workers, loaded by wrk on 127.0.0.1.

Two workloads, each side in turn, round by round: single GETs
(``GET /?key=...``, a new key each request) and 100-key batches (``POST /``).
wrk's Lua ``response()`` (``serve_load.lua``) counts every answer that is not
a 200 and every body with fewer URLs than asked; a run with any such error, a
socket error or a timeout is refused, not reported. Before timing, sample URLs
from both sides (awkward keys included) must equal botocore's, signed at the
same instant, byte for byte.

Both sides sign with environment credentials (a session token, no role), so no
STS or emulator is involved: what is measured is the HTTP service itself.
xpresign runs as deployed, with its bearer token and one access-log line per
request; the competitor has neither.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import botocore_signer
from .plan import Plan
from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, Target, bar_pairs, significant
from .signing_inputs import AWKWARD_KEYS, BUCKET, REGION, session_credentials
from .stats import expect, format_ratio, median, profile_text, rotated

SECTION_NUMBER = 9
HERE = Path(__file__).resolve().parent
LUA_SCRIPT = HERE / "serve_load.lua"
#: One worker process a side: wrk needs the machine's other core (2 cores here).
WORKERS = 1
CONNECTIONS = 64
WRK_THREADS = 2
BATCH_SIZE = 100
#: wrk waits this long for an answer (a competitor's batch queue takes seconds).
WRK_TIMEOUT_SECONDS = 30
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15
TARGET_RATIO = 3.0
WORKLOADS = {"get": "single GET", "batch": f"{BATCH_SIZE}-key batch (POST)"}
MARKER = "XPRESIGN-WRK "


@dataclass(frozen=True)
class Timing:
    rounds: int
    warmup_seconds: int
    seconds: int


#: Full: 2 workloads x 2 sides x (2 s warm-up + 3 x 5 s) = 68 s of load.
TIMINGS = {"full": Timing(rounds=3, warmup_seconds=2, seconds=5), "smoke": Timing(1, 0, 1)}


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=HERE.parent,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            expect(self.process.poll() is None, f"{self.name} exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        expect(False, f"{self.name} did not answer /healthz within {READY_TIMEOUT_SECONDS} s:\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM to the server (it stops its workers), then SIGKILL to its group by its PID."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(STOP_TIMEOUT_SECONDS)

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-2000:]


@dataclass
class Runs:
    """One side's wrk results for one workload, round by round."""

    results: list[dict] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return sum(r["requests"] for r in self.results) / (sum(r["duration_us"] for r in self.results) / 1e6)

    @property
    def p99_ms(self) -> float:
        return median([r["p99_us"] / 1000 for r in self.results])


def free_port() -> int:
    from xpresign.emulator import free_port as find

    return find()


def servers(scratch: Path, token: str) -> dict[str, Server]:
    credentials = session_credentials()
    common = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,  # botocore's name for it
        "BOTO_DISABLE_CRT": "true",  # `pip install boto3 fastapi`: no awscrt
    }
    xpresign_port, competitor_port = free_port(), free_port()
    xpresign = [sys.executable, "-m", "xpresign", "serve", "--host", "127.0.0.1", "--port", str(xpresign_port)]
    granian = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    return {
        "xpresign": Server(
            "xpresign serve",
            [*xpresign, "--workers", str(WORKERS)],
            {**common, "XPRESIGN_BUCKET": BUCKET, "XPRESIGN_SERVE_TOKEN": token},
            xpresign_port,
            scratch / "xpresign.log",
        ),
        "competitor": Server(
            "FastAPI + boto3",
            [*granian, "--port", str(competitor_port), "--workers", str(WORKERS), "benchmarks.serve_competitor:app"],
            {**common, "S3_BUCKET": BUCKET},
            competitor_port,
            scratch / "competitor.log",
        ),
    }


# --- validity -------------------------------------------------------------------------


def call(url: str, token: str | None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}")


def check_urls(server: Server, token: str, s3) -> int:
    """Every sample URL equals botocore's at its own signing instant; returns how many were checked."""
    urls = []
    for key in AWKWARD_KEYS:
        status, body = call(f"{server.base}/?key={quote(key)}", token)
        expect(status == 200 and "url" in body, f"{server.name}: GET {key!r} answered {status} {str(body)[:200]}")
        urls.append((key, body["url"]))
    status, body = call(f"{server.base}/", token, {"items": AWKWARD_KEYS})
    expect(status == 200, f"{server.name}: the batch answered {status} {str(body)[:200]}")
    urls += [(key, result.get("url")) for key, result in zip(AWKWARD_KEYS, body.get("results", []), strict=False)]
    expect(len(urls) == 2 * len(AWKWARD_KEYS), f"{server.name}: the batch returned too few results")
    for key, url in urls:
        epoch = botocore_signer.amz_epoch(url)
        expected = botocore_signer.presign_at(
            s3, epoch, key, expires_in=int(url.split("X-Amz-Expires=")[1][:6].split("&")[0])
        )
        expect(
            url == expected,
            f"{server.name}: the URL for {key!r} differs from botocore's at the same instant\n{url}\n{expected}",
        )
    return len(urls)


def check_gate(server: Server) -> None:
    """xpresign runs as deployed: no token, no URL; /healthz needs none."""
    status, body = call(f"{server.base}/?key=movies/a.mp4", None)
    expect(status == 401 and body.get("error", {}).get("code") == "Unauthorized", f"no token: {status} {body}")
    status, _ = call(f"{server.base}/healthz", None)
    expect(status == 200, f"/healthz without a token answered {status}")


# --- load -------------------------------------------------------------------------------


def wrk(server: Server, workload: str, seconds: int, token: str) -> dict:
    env = {
        **os.environ,
        "XPRESIGN_WRK_MODE": workload,
        "XPRESIGN_WRK_TOKEN": token,
        "XPRESIGN_WRK_BATCH": str(BATCH_SIZE),
    }
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT_SECONDS}s",
        "-s",
        str(LUA_SCRIPT),
        server.base,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + WRK_TIMEOUT_SECONDS + 30)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    expect(
        done.returncode == 0 and lines, f"wrk failed against {server.name}: {done.stderr[-500:]}{done.stdout[-500:]}"
    )
    result = json.loads(lines[-1][len(MARKER) :])
    errors = {k: result[k] for k in ("non_200", "no_url", "socket_errors", "timeouts") if result[k]}
    expect(
        not errors and result["responses"] == result["requests"] > 0,
        f"{server.name}, {WORKLOADS[workload]}: errors under load {errors}; server log:\n{server.tail()}",
    )
    return result


def measure(sides: dict[str, Server], timing: Timing, token: str, log) -> dict[str, dict[str, Runs]]:
    runs = {workload: {name: Runs() for name in sides} for workload in WORKLOADS}
    for workload in WORKLOADS:
        if timing.warmup_seconds:
            for server in sides.values():
                wrk(server, workload, timing.warmup_seconds, token)
        for round_number in range(timing.rounds):
            for name in rotated(list(sides), round_number):
                runs[workload][name].results.append(wrk(sides[name], workload, timing.seconds, token))
        x, c = runs[workload]["xpresign"], runs[workload]["competitor"]
        log(
            f"  {WORKLOADS[workload]}: xpresign {x.rps:,.0f} req/s p99 {x.p99_ms:.1f} ms; "
            f"competitor {c.rps:,.0f} req/s p99 {c.p99_ms:.1f} ms"
        )
    return runs


def profile_xpresign(workload: str, token: str) -> str:
    """cProfile of the xpresign application answering 2,000 requests in-process (no server)."""
    from xpresign.serve_run import ServeOptions, build_app

    credentials = session_credentials()
    env = {
        "XPRESIGN_BUCKET": BUCKET,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "XPRESIGN_SERVE_TOKEN": token,
    }
    app = build_app(env, ServeOptions())
    body = json.dumps({"items": [f"movies/load/batch/{i:03d}.mp4" for i in range(BATCH_SIZE)]}).encode()
    headers = [(b"authorization", f"Bearer {token}".encode())]
    if workload == "batch":
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/",
            "query_string": b"",
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    else:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": b"key=movies/load/1.mp4",
            "headers": headers,
        }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        pass

    async def answer_many():
        for _ in range(2000 if workload == "get" else 200):
            await app(scope, receive, send)

    return profile_text(lambda: asyncio.run(answer_many()), sort="tottime")


# --- the section ------------------------------------------------------------------------


def run(plan: Plan, log) -> Section:
    expect(shutil.which("wrk") is not None, "wrk is not installed (make wrk, or apt-get install wrk)")
    timing = TIMINGS[plan.mode]
    token = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="xpresign-serve-load-") as scratch:
        sides = servers(Path(scratch), token)
        try:
            for server in sides.values():
                server.start()
            for server in sides.values():
                server.wait_ready()
            credentials = session_credentials()
            s3 = botocore_signer.client(credentials)
            checked = sum(check_urls(server, token, s3) for server in sides.values())
            check_gate(sides["xpresign"])
            runs = measure(sides, timing, token, log)
        finally:
            for server in sides.values():
                server.stop()
    return section(runs, timing, checked, token)


def section(runs: dict[str, dict[str, Runs]], timing: Timing, checked: int, token: str) -> Section:
    targets, rows, profiles = [], [], []
    for workload, label in WORKLOADS.items():
        x, c = runs[workload]["xpresign"], runs[workload]["competitor"]
        speedup = x.rps / c.rps
        targets.append(
            Target(
                f"≥ {TARGET_RATIO:g}x the requests per second ({label})", format_ratio(speedup), speedup >= TARGET_RATIO
            )
        )
        targets.append(Target(f"p99 no worse ({label})", f"{x.p99_ms:.1f} vs {c.p99_ms:.1f} ms", x.p99_ms <= c.p99_ms))
        rows.append(
            [
                label,
                f"{x.rps:,.0f}",
                f"{c.rps:,.0f}",
                f"**{format_ratio(speedup)}**",
                f"{x.p99_ms:.1f} ms",
                f"{c.p99_ms:.1f} ms",
            ]
        )
        if not all(t.passed for t in targets[-2:]):
            profiles.append(
                (f"the xpresign application answering {label}s in-process", profile_xpresign(workload, token))
            )
    ratios = [runs[w]["xpresign"].rps / runs[w]["competitor"].rps for w in WORKLOADS]
    requests = sum(r["requests"] for w in runs.values() for side in w.values() for r in side.results)
    return Section(
        number=SECTION_NUMBER,
        title="Serve under load",
        slug="serve_load",
        headline=(
            f"`xpresign serve` answers {format_ratio(ratios[0])} the requests per second of a FastAPI + boto3 service "
            f"for single GETs and {format_ratio(ratios[1])} for {BATCH_SIZE}-key batches, same server and workers."
        ),
        summary=f"{format_ratio(ratios[0])} (GET), {format_ratio(ratios[1])} (batch) a FastAPI + boto3 service's req/s",
        columns=[
            "Workload",
            "xpresign req/s",
            "competitor req/s",
            "xpresign ÷ competitor",
            "xpresign p99",
            "competitor p99",
        ],
        rows=rows,
        validated=[
            f"Before timing, {checked} URLs from the two servers (GETs and a batch of awkward keys: spaces, '+', '~', "
            "accents, an emoji) were byte-identical to botocore's `generate_presigned_url` at the same instant "
            "(botocore's clock frozen at each URL's X-Amz-Date).",
            "xpresign ran as deployed: without its bearer token a request got 401 Unauthorized; /healthz needed none.",
            f"Under load, wrk's Lua `response()` checked every answer: {requests:,} requests, 0 non-200 answers, "
            f"0 bodies short of a URL (one per GET, {BATCH_SIZE} per batch), 0 socket errors or timeouts.",
        ],
        method=[
            f"Both servers on granian, {WORKERS} worker process each, on 127.0.0.1; wrk with {WRK_THREADS} threads "
            f"and {CONNECTIONS} connections. Per workload: {timing.warmup_seconds} s of warm-up a side, then "
            f"{timing.rounds} rounds of {timing.seconds} s a side, alternating which side goes first.",
            "Requests per second: all requests over all rounds' time; p99: the median of the rounds' p99 latency.",
            "GET: `/?key=movies/load/<thread>-<n>.mp4`, a new key each request. Batch: `POST /` with "
            f'`{{"items": [{BATCH_SIZE} keys]}}`.',
            "xpresign: `xpresign serve` with a bearer token and its access log (one JSON line per request). "
            "Competitor (benchmarks/serve_competitor.py): FastAPI, `async def` handlers, one boto3 client built at "
            "start, `generate_presigned_url` per key, pure-Python botocore (no awscrt, as `pip install boto3`).",
            "Both sign with environment credentials (900-character session token), virtual-hosted URLs for "
            f"{BUCKET} in {REGION}; no STS call and no emulator.",
        ],
        targets=targets,
        profiles=profiles,
        draw=lambda figure: _draw(figure, runs),
    )


def _draw(figure, runs: dict[str, dict[str, Runs]]) -> None:
    groups = list(WORKLOADS.values())
    rps, p99 = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    for axes, measure_of, label, unit in ((rps, "rps", "requests per second", ""), (p99, "p99_ms", "p99 (ms)", "ms")):
        bar_pairs(
            axes,
            groups,
            [
                ("xpresign serve", [getattr(runs[w]["xpresign"], measure_of) for w in WORKLOADS], XPRESIGN_COLOUR),
                ("FastAPI + boto3", [getattr(runs[w]["competitor"], measure_of) for w in WORKLOADS], OTHER_COLOUR),
            ],
            ylabel=f"{label} (log scale)",
            labels=lambda v, unit=unit: significant(v, unit),
        )
