"""The credential broker's refresh policy, driven by an injected clock.

``RefreshingCredentials`` is given a ``fetch`` double (an AssumeRole at the
function level) and a clock that moves only when told, so every window is
reached exactly: the fast path, the advisory window (refresh in the background,
keep serving), the mandatory window (block, or fail clearly), the refresh made
for a longer expiry, and single flight with shared failure across threads.
The STS client itself, over HTTP, is proved in tests/integration/test_faults.py.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from xpresign.credentials import (
    ADVISORY_REFRESH_SECONDS,
    MANDATORY_REFRESH_SECONDS,
    MIN_REFRESH_GAIN_SECONDS,
    REFRESH_FIRST_HOLD_DOWN_SECONDS,
    CredentialBroker,
    Credentials,
    EnvironmentCredentials,
    RefreshingCredentials,
    RoleSpec,
    StaticCredentials,
    parse_timestamp,
    spawn_daemon_thread,
)
from xpresign.errors import NoCredentials, RoleNotAssumable, StsThrottled, StsUnavailable

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
SESSION_SECONDS = 3600  # what STS grants a chained role session
#: Long enough for a thread to be scheduled on a loaded machine; only ever
#: waited out when a test is about to fail.
THREAD_TIMEOUT = 10.0


class Clock:
    def __init__(self, start: float = T0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sts:
    """``fetch`` double: new credentials for ``lifetime`` seconds from the clock,
    or the scripted error. Counts its calls."""

    def __init__(self, clock: Clock, lifetime: float = SESSION_SECONDS):
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.error: Exception | None = None
        self.gate: threading.Event | None = None  # when set, each call waits on it
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, deadline=None) -> Credentials:
        with self._lock:
            self.calls += 1
            serial = self.calls
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(THREAD_TIMEOUT), "test never released the fetch"
        if self.error is not None:
            raise self.error
        expires_at = self.clock() + self.lifetime
        return Credentials(f"ASIASESSION{serial:04d}", f"secret-{serial}", f"token-{serial}", expires_at)


def run_now(target) -> None:
    """A synchronous ``spawn``: the 'background' refresh runs before get returns."""
    target()


class DeferredSpawn:
    """A ``spawn`` that holds the refresh until the test runs it."""

    def __init__(self) -> None:
        self.pending: list = []

    def __call__(self, target) -> None:
        self.pending.append(target)

    def run_all(self) -> None:
        pending, self.pending = self.pending, []
        for target in pending:
            target()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sts(clock) -> Sts:
    return Sts(clock)


def warm(sts: Sts, clock: Clock, spawn=run_now) -> tuple[RefreshingCredentials, Credentials]:
    """A session with credentials fetched at ``clock()`` (one call)."""
    session = RefreshingCredentials(sts, clock=clock, spawn=spawn)
    first = session.get()
    assert sts.calls == 1
    return session, first


def move_to_seconds_left(clock: Clock, credentials: Credentials, left: float) -> None:
    clock.now = credentials.expires_at - left


# --- the fast path and the windows ---------------------------------------------------


def test_cold_cache_fetches_once_then_serves_from_cache(clock, sts):
    session, first = warm(sts, clock)
    for _ in range(5):
        clock.advance(60)
        assert session.get() is first
    assert sts.calls == 1


def test_fast_path_does_not_wait_for_a_refresh_in_flight(clock, sts):
    """The fast path takes no lock: while a blocking refresh (for a longer
    expiry) is stuck in STS, a caller content with the cache is served at once."""
    session, first = warm(sts, clock)
    clock.advance(2 * MIN_REFRESH_GAIN_SECONDS)
    sts.gate, sts.entered = threading.Event(), threading.Event()
    longer = threading.Thread(target=session.get, args=(SESSION_SECONDS,))
    longer.start()
    try:
        assert sts.entered.wait(THREAD_TIMEOUT)  # the refresh holds the lock now
        started = time.monotonic()
        assert session.get(60) is first
        assert time.monotonic() - started < 1.0
    finally:
        sts.gate.set()
        longer.join(THREAD_TIMEOUT)
    assert sts.calls == 2


@pytest.mark.parametrize(
    ("seconds_left", "window"),
    [
        (ADVISORY_REFRESH_SECONDS + 1, "fast"),
        (ADVISORY_REFRESH_SECONDS, "advisory"),
        (MANDATORY_REFRESH_SECONDS + 1, "advisory"),
        (MANDATORY_REFRESH_SECONDS, "mandatory"),
        (1, "mandatory"),
        (0, "mandatory"),
        (-30, "mandatory"),  # already expired
    ],
)
def test_window_boundaries(clock, sts, seconds_left, window):
    spawn = DeferredSpawn()
    session, first = warm(sts, clock, spawn)
    move_to_seconds_left(clock, first, seconds_left)
    served = session.get()
    if window == "fast":
        assert (served, sts.calls, spawn.pending) == (first, 1, [])
    elif window == "advisory":
        # served at once from the cache; one refresh queued, not yet run
        assert (served, sts.calls, len(spawn.pending)) == (first, 1, 1)
        spawn.run_all()
        assert sts.calls == 2
        assert session.get() is not first
    else:
        # blocked until a new session came back; nothing in the background
        assert served is not first and sts.calls == 2 and spawn.pending == []
        assert served.seconds_left(clock()) == SESSION_SECONDS


@pytest.mark.parametrize("spawn", [None, run_now], ids=["inline (Lambda)", "background (serve)"])
def test_a_short_role_session_is_not_refreshed_on_every_request(clock, spawn):
    """A 900-second role_duration (STS's minimum) gave sessions born inside
    the 15-minute window: 600 requests over 10 minutes made 600 AssumeRole calls."""
    short = Sts(clock, lifetime=900)
    broker = CredentialBroker(
        StaticCredentials(Credentials("AKIASOURCE", "source-secret")),
        lambda role, source, deadline: short(deadline),
        clock=clock,
        spawn=spawn,
    )
    role = RoleSpec("arn:aws:iam::111111111111:role/r", duration_seconds=900)
    for _ in range(600):
        assert broker.credentials(role).seconds_left(clock()) > 0
        clock.advance(1)
    # Early refresh at half the duration asked for (450 s), then 450 s into the next.
    assert short.calls == 2


def test_advisory_window_refreshes_once_in_the_background(clock, sts):
    spawn = DeferredSpawn()
    session, first = warm(sts, clock, spawn)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 1)
    # Many callers before the background refresh runs: one refresh, all served.
    assert all(session.get() is first for _ in range(10))
    assert len(spawn.pending) == 1
    spawn.run_all()
    assert sts.calls == 2
    fresh = session.get()
    assert fresh is not first and fresh.seconds_left(clock()) == SESSION_SECONDS
    assert sts.calls == 2 and spawn.pending == []


def test_advisory_window_keeps_serving_when_sts_fails(clock, sts, caplog):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 60)
    sts.error = StsThrottled("STS is throttling AssumeRole (Throttling)", retry_after=5)
    with caplog.at_level(logging.WARNING, logger="xpresign.credentials"):
        assert session.get() is first  # the refresh failed; the cached session is still good
    assert sts.calls == 2
    assert "background refresh failed (Throttled)" in caplog.text
    # Still in the advisory window: each later call tries again, and is still served.
    clock.advance(30)
    assert session.get() is first
    assert sts.calls == 3
    # STS is back: the next advisory call replaces the session.
    sts.error = None
    clock.advance(30)
    assert session.get() is first  # this caller gets the old one (the refresh is "background")
    fresh = session.get()
    assert fresh is not first and sts.calls == 4


def test_advisory_refresh_on_a_real_thread_does_not_block_the_caller(clock, sts):
    """A server's ``spawn`` runs the refresh on a daemon thread: the caller
    is served while STS is still answering."""
    session = RefreshingCredentials(sts, clock=clock, spawn=spawn_daemon_thread)
    first = session.get()
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 1)
    sts.gate, sts.entered = threading.Event(), threading.Event()
    assert session.get() is first
    assert sts.entered.wait(THREAD_TIMEOUT)  # the refresh is running, on another thread
    assert session.get() is first  # and callers are still served, without a second refresh
    sts.gate.set()
    deadline = time.monotonic() + THREAD_TIMEOUT
    while session.get() is first:
        assert time.monotonic() < deadline, "background refresh never replaced the session"
        time.sleep(0.001)
    assert sts.calls == 2


def test_mandatory_window_blocks_and_fails_clearly(clock, sts):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, MANDATORY_REFRESH_SECONDS - 1)
    outage = StsUnavailable("STS failed with HTTP 503 (ServiceUnavailable)", retry_after=5)
    sts.error = outage
    with pytest.raises(StsUnavailable) as raised:
        session.get()
    assert raised.value is outage  # the STS error itself, with its retry_after
    assert raised.value.retry_after == 5
    assert sts.calls == 2


def test_expired_credentials_are_never_served(clock, sts):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, -1)
    sts.error = StsUnavailable("down", retry_after=5)
    for _ in range(3):
        clock.advance(1)
        with pytest.raises(StsUnavailable):
            session.get()


def test_mandatory_window_recovers_when_sts_returns(clock, sts):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, MANDATORY_REFRESH_SECONDS - 1)
    sts.error = StsThrottled("throttled", retry_after=5)
    with pytest.raises(StsThrottled):
        session.get()
    clock.advance(1)
    sts.error = None
    fresh = session.get()
    assert fresh is not first and fresh.seconds_left(clock()) == SESSION_SECONDS
    assert session.get() is fresh
    assert sts.calls == 3


def test_cold_cache_failure_is_raised_and_retried_on_the_next_call(clock, sts):
    session = RefreshingCredentials(sts, clock=clock, spawn=run_now)
    sts.error = RoleNotAssumable("cannot assume role: AccessDenied", sts_code="AccessDenied")
    with pytest.raises(RoleNotAssumable):
        session.get()
    clock.advance(1)
    sts.error = None
    assert session.get().access_key_id == "ASIASESSION0002"


# --- refreshing for a longer expiry ---------------------------------------------------


def test_refreshes_for_a_longer_expiry_when_a_new_session_gains_enough(clock, sts):
    session, first = warm(sts, clock)
    clock.advance(MIN_REFRESH_GAIN_SECONDS)  # a new session would last exactly this much longer
    fresh = session.get(SESSION_SECONDS)
    assert fresh is not first and sts.calls == 2
    assert fresh.seconds_left(clock()) == SESSION_SECONDS


def test_does_not_refresh_for_a_smaller_gain(clock, sts):
    session, first = warm(sts, clock)
    clock.advance(MIN_REFRESH_GAIN_SECONDS - 1)
    # It wants the whole session; a new one would add only 299 s: serve, and
    # let the presigner cap the expiry.
    assert session.get(SESSION_SECONDS) is first
    assert sts.calls == 1


def test_failed_refresh_for_a_longer_expiry_serves_the_cached_session(clock, sts, caplog):
    session, first = warm(sts, clock)
    clock.advance(2 * MIN_REFRESH_GAIN_SECONDS)
    sts.error = StsUnavailable("down", retry_after=5)
    with caplog.at_level(logging.WARNING, logger="xpresign.credentials"):
        assert session.get(SESSION_SECONDS) is first
    assert sts.calls == 2
    assert "refresh for a longer expiry failed" in caplog.text


def test_request_covered_by_the_cache_does_not_refresh(clock, sts):
    """``min_seconds_left`` is life left, margin included by the caller: a
    session with exactly that much left is enough; one second less is not."""
    session, first = warm(sts, clock)
    clock.advance(2 * MIN_REFRESH_GAIN_SECONDS)
    left = first.seconds_left(clock())
    assert session.get(left) is first
    assert sts.calls == 1
    assert session.get(left + 1) is not first
    assert sts.calls == 2


def test_advisory_window_refreshes_first_for_a_caller_needing_more(clock, sts):
    """Inside the advisory window a caller that needs more life than is left
    does not get a capped expiry from the old session: it waits for the new one."""
    spawn = DeferredSpawn()
    session, first = warm(sts, clock, spawn)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 100)
    fresh = session.get(ADVISORY_REFRESH_SECONDS)
    assert fresh is not first and sts.calls == 2 and spawn.pending == []


def test_advisory_window_serves_a_caller_needing_more_when_sts_fails(clock, sts):
    spawn = DeferredSpawn()
    session, first = warm(sts, clock, spawn)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 100)
    sts.error = StsThrottled("throttled", retry_after=5)
    assert session.get(ADVISORY_REFRESH_SECONDS) is first  # still valid: served, capped by the presigner
    assert sts.calls == 2


def test_advisory_window_does_not_block_every_caller_while_sts_is_down(clock, sts):
    spawn = DeferredSpawn()
    session, first = warm(sts, clock, spawn)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 100)
    sts.error = StsUnavailable("STS did not answer (timed out)", retry_after=5)
    assert session.get(ADVISORY_REFRESH_SECONDS) is first  # the first caller tried, and was served
    clock.advance(1)
    assert session.get(ADVISORY_REFRESH_SECONDS) is first
    assert sts.calls == 2  # the second was served from the cache without waiting on STS


def test_refresh_first_resumes_once_the_hold_down_has_passed(clock, sts):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS + 100)  # outside both windows
    wanted = ADVISORY_REFRESH_SECONDS + 500  # more than is left: refresh first
    sts.error = StsUnavailable("STS did not answer (timed out)", retry_after=5)
    assert session.get(wanted) is first and sts.calls == 2  # tried, failed, served
    sts.error = None
    clock.advance(REFRESH_FIRST_HOLD_DOWN_SECONDS - 1)
    assert session.get(wanted) is first and sts.calls == 2  # holding down: STS not asked
    clock.advance(1)
    fresh = session.get(wanted)
    assert fresh is not first and sts.calls == 3


# --- single flight and shared failure -------------------------------------------------


def _run_threads(count: int, target) -> list:
    """Start ``count`` threads on ``target`` together; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def _join(threads) -> None:
    for thread in threads:
        thread.join(THREAD_TIMEOUT)
        assert not thread.is_alive()


def _wait_until_queued(clock_calls: list, expected: int) -> None:
    deadline = time.monotonic() + THREAD_TIMEOUT
    while len(clock_calls) < expected:
        assert time.monotonic() < deadline, f"only {len(clock_calls)} of {expected} threads arrived"
        time.sleep(0.001)
    time.sleep(0.05)  # each read the clock just before queuing on the lock (the +1 is the fetch's own read)


class CountingClock(Clock):
    def __init__(self, start: float = T0):
        super().__init__(start)
        self.calls: list[float] = []

    def __call__(self) -> float:
        self.calls.append(self.now)
        return self.now


THREADS = 32


def test_single_flight_on_a_cold_cache():
    clock = CountingClock()
    sts = Sts(clock)
    sts.gate = threading.Event()
    session = RefreshingCredentials(sts, clock=clock, spawn=run_now)
    threads, results = _run_threads(THREADS, session.get)
    assert sts.entered.wait(THREAD_TIMEOUT)
    _wait_until_queued(clock.calls, THREADS + 1)
    sts.gate.set()
    _join(threads)
    assert sts.calls == 1
    assert all(result is results[0] for result in results)
    assert isinstance(results[0], Credentials)


def test_single_flight_in_the_mandatory_window(clock, sts):
    session, first = warm(sts, clock)
    move_to_seconds_left(clock, first, MANDATORY_REFRESH_SECONDS // 2)
    sts.gate = threading.Event()
    threads, results = _run_threads(THREADS, session.get)
    assert sts.entered.wait(THREAD_TIMEOUT)
    time.sleep(0.05)
    sts.gate.set()
    _join(threads)
    assert sts.calls == 2
    assert all(result is results[0] and result is not first for result in results)


def test_threads_queued_behind_a_failed_refresh_share_its_error():
    clock = CountingClock()
    sts = Sts(clock)
    sts.gate = threading.Event()
    outage = StsUnavailable("STS failed with HTTP 503", retry_after=5)
    sts.error = outage
    session = RefreshingCredentials(sts, clock=clock, spawn=run_now)
    threads, results = _run_threads(THREADS, session.get)
    assert sts.entered.wait(THREAD_TIMEOUT)
    _wait_until_queued(clock.calls, THREADS + 1)
    sts.gate.set()
    _join(threads)
    assert sts.calls == 1  # the waiting threads did not call STS again
    assert all(result is outage for result in results)
    # A caller arriving after the failure tries STS again, and recovers.
    clock.advance(1)
    sts.error = None
    assert session.get().access_key_id == "ASIASESSION0002"


def test_a_caller_arriving_after_a_failure_calls_sts_again(clock, sts):
    session = RefreshingCredentials(sts, clock=clock, spawn=run_now)
    sts.error = StsThrottled("throttled", retry_after=5)
    with pytest.raises(StsThrottled):
        session.get()
    clock.advance(0.001)
    with pytest.raises(StsThrottled):
        session.get()
    assert sts.calls == 2


# --- the broker: one cached session per role spec ----------------------------------------


SOURCE = Credentials("AKIASOURCE0000000001", "source-secret", None)
ROLE = RoleSpec("arn:aws:iam::111111111111:role/s3_access_role", external_id="ext-1")


class AssumeRole:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.calls: list[tuple[RoleSpec, Credentials]] = []

    def __call__(self, role: RoleSpec, source: Credentials, deadline=None) -> Credentials:
        self.calls.append((role, source))
        n = len(self.calls)
        return Credentials(f"ASIAROLE{n:04d}", f"s{n}", f"t{n}", self.clock() + SESSION_SECONDS)


def test_broker_without_a_role_signs_with_the_source_credentials(clock):
    assume = AssumeRole(clock)
    broker = CredentialBroker(StaticCredentials(SOURCE), assume, clock=clock)
    assert broker.credentials(None) is SOURCE
    assert assume.calls == []


def test_broker_caches_one_session_per_role_spec(clock):
    assume = AssumeRole(clock)
    broker = CredentialBroker(StaticCredentials(SOURCE), assume, clock=clock)
    first = broker.credentials(ROLE)
    assert broker.credentials(ROLE) is first
    assert broker.credentials(RoleSpec(ROLE.role_arn, external_id="ext-1")) is first  # equal spec, same entry
    other_external_id = broker.credentials(RoleSpec(ROLE.role_arn, external_id="ext-2"))
    tagged = broker.credentials(RoleSpec(ROLE.role_arn, external_id="ext-1", tags=(("team", "media"),)))
    longer = broker.credentials(RoleSpec(ROLE.role_arn, external_id="ext-1", duration_seconds=7200))
    assert len({first, other_external_id, tagged, longer}) == 4
    assert [role.external_id for role, _ in assume.calls] == ["ext-1", "ext-2", "ext-1", "ext-1"]
    assert all(source is SOURCE for _, source in assume.calls)


def test_broker_reads_expiring_source_credentials_again_at_each_refresh(clock):
    """Environment credentials with AWS_CREDENTIAL_EXPIRATION are renewed in
    place by whoever set them: a refresh signs its AssumeRole with the current ones."""
    environ = {
        "AWS_ACCESS_KEY_ID": "ASIAOLD",
        "AWS_SECRET_ACCESS_KEY": "old",
        "AWS_SESSION_TOKEN": "tok-old",
        "AWS_CREDENTIAL_EXPIRATION": "2027-01-15T20:00:00Z",  # T0 + 12 h
    }
    assume = AssumeRole(clock)
    broker = CredentialBroker(EnvironmentCredentials(environ), assume, clock=clock, spawn=run_now)
    broker.credentials(ROLE)
    environ.update(AWS_ACCESS_KEY_ID="ASIANEW", AWS_SECRET_ACCESS_KEY="new", AWS_SESSION_TOKEN="tok-new")
    clock.advance(SESSION_SECONDS - MANDATORY_REFRESH_SECONDS)
    broker.credentials(ROLE)
    assert [(s.access_key_id, s.secret_access_key, s.session_token) for _, s in assume.calls] == [
        ("ASIAOLD", "old", "tok-old"),
        ("ASIANEW", "new", "tok-new"),
    ]


def test_environment_credentials_without_an_expiry_are_read_once():
    """Lambda sets the execution role's keys once, at start-up; the warm path
    does not read the environment again (botocore's environment provider
    doesn't either)."""
    environ = {"AWS_ACCESS_KEY_ID": "ASIAFIRST", "AWS_SECRET_ACCESS_KEY": "first", "AWS_SESSION_TOKEN": "tok"}
    source = EnvironmentCredentials(environ)
    first = source.load()
    environ.update(AWS_ACCESS_KEY_ID="ASIALATER", AWS_SECRET_ACCESS_KEY="later")
    assert source.load() is first and first.access_key_id == "ASIAFIRST"


def test_broker_without_sts_refuses_roles(clock):
    broker = CredentialBroker(StaticCredentials(SOURCE), None, clock=clock)
    with pytest.raises(ValueError, match="no STS client"):
        broker.credentials(ROLE)


def test_broker_creates_one_session_for_many_threads(clock):
    assume = AssumeRole(clock)
    broker = CredentialBroker(StaticCredentials(SOURCE), assume, clock=clock)
    threads, results = _run_threads(THREADS, lambda: broker.credentials(ROLE))
    _join(threads)
    assert len(assume.calls) == 1
    assert all(result is results[0] for result in results)


# --- source credentials -------------------------------------------------------------------


def test_environment_credentials_without_keys_fail_clearly():
    with pytest.raises(NoCredentials, match="AWS_ACCESS_KEY_ID"):
        EnvironmentCredentials({"AWS_ACCESS_KEY_ID": "AKIA"}).load()


def test_environment_credentials_read_expiry_and_token():
    loaded = EnvironmentCredentials(
        {
            "AWS_ACCESS_KEY_ID": "ASIAX",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_SESSION_TOKEN": "",
            "AWS_CREDENTIAL_EXPIRATION": "2027-01-15T08:00:00Z",
        }
    ).load()
    assert loaded.session_token is None  # empty means absent
    assert loaded.expires_at == T0


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2027-01-15T08:00:00Z", T0),
        ("2027-01-15T08:00:00+00:00", T0),
        ("2027-01-15T09:00:00+01:00", T0),
        ("2027-01-15T08:00:00.250Z", T0 + 0.25),
    ],
)
def test_parse_timestamp(text, epoch):
    assert parse_timestamp(text) == epoch


def test_credentials_repr_hides_secrets():
    text = repr(Credentials("ASIAX", "very-secret", "very-token", T0))
    assert "ASIAX" in text and "very-secret" not in text and "very-token" not in text


# --- the inline early refresh (Lambda's default) ------------------------------------------


def test_inline_early_refresh_runs_in_the_winning_request(clock, sts):
    """No spawn: the request that wins the lock refreshes before it returns,
    as botocore does, so nothing is left running when Lambda freezes."""
    session, first = warm(sts, clock, spawn=None)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 1)
    fresh = session.get()
    assert fresh is not first and sts.calls == 2
    assert not any(t.name == "xpresign-refresh" for t in threading.enumerate())


def test_inline_early_refresh_never_blocks_the_other_requests(clock, sts):
    session, first = warm(sts, clock, spawn=None)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 1)
    sts.gate, sts.entered = threading.Event(), threading.Event()
    winner = threading.Thread(target=session.get)
    winner.start()
    assert sts.entered.wait(THREAD_TIMEOUT)  # the winner is in STS
    started = time.monotonic()
    assert session.get() is first  # the others are served the still-valid session at once
    assert time.monotonic() - started < 1.0 and sts.calls == 2
    sts.gate.set()
    winner.join(THREAD_TIMEOUT)
    assert session.get() is not first and sts.calls == 2


def test_inline_early_refresh_failure_keeps_serving(clock, sts, caplog):
    session, first = warm(sts, clock, spawn=None)
    move_to_seconds_left(clock, first, ADVISORY_REFRESH_SECONDS - 1)
    sts.error = StsThrottled("STS is throttling requests", retry_after=5)
    with caplog.at_level(logging.WARNING, logger="xpresign.credentials"):
        assert session.get() is first
    assert "early refresh failed (Throttled)" in caplog.text


def test_a_wait_for_another_refresh_is_bounded_by_the_deadline(clock, sts):
    """A cold session: a second request waits on the first's STS call, but no
    longer than its own deadline, then gets 503 with Retry-After."""
    from xpresign.errors import StsUnavailable
    from xpresign.values import Deadline

    session = RefreshingCredentials(sts, clock=clock)
    sts.gate, sts.entered = threading.Event(), threading.Event()
    first = threading.Thread(target=session.get)
    first.start()
    assert sts.entered.wait(THREAD_TIMEOUT)
    started = time.monotonic()
    with pytest.raises(StsUnavailable) as raised:
        session.get(deadline=Deadline.after(0.2))
    assert 0.15 < time.monotonic() - started < 2 and raised.value.retry_after
    sts.gate.set()
    first.join(THREAD_TIMEOUT)
