"""The credential broker: cached sessions, refreshed early, one STS call at a time.

Modelled on botocore's ``credentials.py``: a frozen value for signing
(:class:`~xpresign.values.Credentials`), refresh windows as named constants,
an injectable clock, and a lock taken only when a refresh is due. Standard
library only: this runs on every Lambda request.

Refresh policy for one cached session (``RefreshingCredentials``):

* more than ``ADVISORY_REFRESH_SECONDS`` left: serve from the cache, no lock;
* inside the advisory window: the request that wins a non-blocking lock
  refreshes inline, as botocore does, while the others keep serving the
  still-valid session; a failure is logged and the session keeps serving;
* inside the mandatory window: block until a refresh succeeds, or fail;
* a caller needing a longer life than is left (a long expiry near the end of a
  session) triggers a blocking refresh when a new session would add at least
  ``MIN_REFRESH_GAIN_SECONDS``; otherwise its expiry is capped;
* after a failed refresh, refreshing first for a longer life pauses for
  ``REFRESH_FIRST_HOLD_DOWN_SECONDS``, serving the cached session;
* a role asked for a session too short for those windows (STS allows 900 s)
  gets shares of it instead (``ADVISORY_REFRESH_SHARE``, ``MANDATORY_REFRESH_SHARE``).

Why inline and not on a background thread: Lambda freezes the environment as
soon as the handler returns, so a background STS call can sit suspended,
holding the lock, until some later invocation, which then waits on it and
inherits its failure. A long-running server is never frozen, so it may inject
a ``spawn`` function to refresh in the background instead.

Whatever the number of threads, at most one refresh per session is in flight
(single flight), and threads that waited on a failed one share its error
instead of calling STS again. Every wait is bounded by the request's
:class:`~xpresign.values.Deadline`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from .errors import StsUnavailable, XpresignError
from .values import EXPIRY_SAFETY_MARGIN_SECONDS, NO_DEADLINE, Credentials, Deadline, RoleSpec

__all__ = [
    "ADVISORY_REFRESH_SECONDS",
    "EXPIRY_SAFETY_MARGIN_SECONDS",
    "MANDATORY_REFRESH_SECONDS",
    "CredentialBroker",
    "CredentialSource",
    "Credentials",
    "RefreshingCredentials",
    "RoleSpec",
    "StaticCredentials",
]

logger = logging.getLogger(__name__)

#: Refresh early, inline, this long before expiry (botocore's value).
ADVISORY_REFRESH_SECONDS = 15 * 60
#: Refuse to sign with credentials this close to expiry; refresh first (botocore's value).
MANDATORY_REFRESH_SECONDS = 10 * 60
#: A short role session (STS's minimum is 900 s) would be born inside those
#: windows and refreshed on every request: for one, they are these shares of
#: the duration asked for.
ADVISORY_REFRESH_SHARE = 1 / 2
MANDATORY_REFRESH_SHARE = 1 / 3
#: A refresh made only to give a longer expiry must gain at least this much;
#: bounds such refreshes to one per this interval per session.
MIN_REFRESH_GAIN_SECONDS = 5 * 60
#: After a failed refresh, refreshing first for a longer expiry pauses this
#: long (the cached session serves, capped), so an STS outage does not make
#: every request wait on STS. Refreshes that must happen (no session yet, or
#: the mandatory window) and early ones are never held back.
REFRESH_FIRST_HOLD_DOWN_SECONDS = 30
#: Retry-After when a request runs out of time waiting for another's refresh.
WAIT_RETRY_AFTER_SECONDS = 1

Clock = Callable[[], float]
Fetch = Callable[[Deadline], Credentials]
Spawn = Callable[[Callable[[], None]], None]


class CredentialSource(Protocol):
    """Where source credentials come from. ``refreshes`` is true when the
    credentials it loads expire and are fetched again over the network (the
    broker then caches them as a session)."""

    refreshes: bool

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials: ...


class StaticCredentials:
    """Credentials given once (tests, or keys the caller already holds)."""

    refreshes = False

    def __init__(self, credentials: Credentials):
        self.credentials = credentials

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        return self.credentials


def spawn_daemon_thread(target: Callable[[], None]) -> None:
    threading.Thread(target=target, name="xpresign-refresh", daemon=True).start()


class _Failure:
    """The last failed refresh, shared with threads that waited for it."""

    __slots__ = ("at", "error")

    def __init__(self, error: XpresignError, at: float):
        self.error, self.at = error, at


class RefreshingCredentials:
    """One cached session, refreshed early by ``fetch`` (an AssumeRole, or a
    credential endpoint). ``spawn`` None refreshes inline (Lambda); a server
    may pass :func:`spawn_daemon_thread` to refresh in the background."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        clock: Clock = time.time,
        spawn: Spawn | None = None,
        advisory_seconds: float = ADVISORY_REFRESH_SECONDS,
        mandatory_seconds: float = MANDATORY_REFRESH_SECONDS,
    ):
        self._fetch = fetch
        self._clock = clock
        self._spawn = spawn
        self._advisory = advisory_seconds
        self._mandatory = mandatory_seconds
        self._lock = threading.Lock()
        self._current: Credentials | None = None
        self._lifetime: float | None = None  # how long the last session lasted when new
        self._failure: _Failure | None = None

    def get(self, min_seconds_left: float = 0, deadline: Deadline = NO_DEADLINE) -> Credentials:
        """Credentials with, when a refresh can give it, ``min_seconds_left``
        of life left (the caller includes any safety margin)."""
        current = self._current
        now = self._clock()
        if current is None:
            return self._refresh_blocking(None, now, deadline)
        left = current.seconds_left(now)
        if left is None:
            return current
        if left > self._advisory and left >= min_seconds_left:
            return current  # the fast path: no lock
        if left <= self._mandatory:
            return self._refresh_blocking(current, now, deadline)
        failure = self._failure
        if (
            left < min_seconds_left
            and self._lifetime is not None
            and self._lifetime - left >= MIN_REFRESH_GAIN_SECONDS
            # STS failed a moment ago: don't make this caller wait on it again.
            and (failure is None or now - failure.at >= REFRESH_FIRST_HOLD_DOWN_SECONDS)
        ):
            # The caller needs more life than is left and a new session gives
            # it: refresh first rather than cap the caller's expiry.
            try:
                return self._refresh_blocking(current, now, deadline)
            except XpresignError as exc:
                logger.warning("refresh for a longer expiry failed (%s); serving the cached session", exc.code)
                return self._current or current
        if left <= self._advisory:
            return self._refresh_early(current, deadline)
        return current

    def forget(self) -> None:
        """Drop the cached session (a SnapStart restore must not reuse it)."""
        with self._lock:
            self._current = self._lifetime = self._failure = None

    def _refresh_blocking(self, seen: Credentials | None, arrived: float, deadline: Deadline) -> Credentials:
        wait = deadline.remaining()
        acquired = self._lock.acquire() if wait == float("inf") else self._lock.acquire(timeout=max(wait, 0))
        if not acquired:
            raise StsUnavailable("timed out waiting for credentials", retry_after=WAIT_RETRY_AFTER_SECONDS)
        try:
            current = self._current
            if current is not seen and current is not None:
                return current  # another thread refreshed while we waited
            failure = self._failure
            if failure is not None and failure.at >= arrived:
                raise failure.error  # it failed while we waited: don't call STS again
            return self._do_refresh(deadline)
        finally:
            self._lock.release()

    def _refresh_early(self, seen: Credentials, deadline: Deadline) -> Credentials:
        """Advisory window: whoever wins the lock refreshes; the rest serve ``seen``."""
        if not self._lock.acquire(blocking=False):
            return seen  # a refresh is already in flight
        if self._spawn is not None:
            self._start_background(seen)
            return seen
        try:
            if self._current is seen:
                self._do_refresh(deadline)
        except XpresignError as exc:
            logger.warning("early refresh failed (%s); serving the cached session", exc.code)
        finally:
            self._lock.release()
        return self._current or seen

    def _start_background(self, seen: Credentials) -> None:
        """Refresh on another thread; the lock, already held, passes to it."""

        def run() -> None:
            try:
                if self._current is seen:
                    self._do_refresh(NO_DEADLINE)
            except XpresignError as exc:
                logger.warning("background refresh failed (%s); serving the cached session", exc.code)
            except Exception:
                logger.exception("background refresh failed; serving the cached session")
            finally:
                self._lock.release()

        try:
            self._spawn(run)
        except BaseException:
            self._lock.release()
            raise

    def _do_refresh(self, deadline: Deadline) -> Credentials:
        """Call ``fetch``. The caller holds the lock."""
        started = self._clock()
        try:
            fresh = self._fetch(deadline)
        except XpresignError as exc:
            self._failure = _Failure(exc, self._clock())
            raise
        self._failure = None
        self._lifetime = fresh.seconds_left(started)
        self._current = fresh
        return fresh


AssumeRole = Callable[[RoleSpec, Credentials, Deadline], Credentials]


class CredentialBroker:
    """Credentials for signing: the source's own, or a cached AssumeRole session.

    ``assume_role(role, source_credentials, deadline)`` performs the STS call
    (see :class:`xpresign.sts.StsClient`). Sessions are cached per
    :class:`RoleSpec` for the life of the process, i.e. across Lambda
    invocations. A source whose credentials expire (a container endpoint,
    IMDS, web identity) is cached and refreshed by the same rules.
    """

    def __init__(
        self,
        source: CredentialSource,
        assume_role: AssumeRole | None = None,
        *,
        clock: Clock = time.time,
        spawn: Spawn | None = None,
    ):
        self.source = source
        #: May be set after construction, before the first role is asked for
        #: (start-up reads the configuration, which names STS's region, with
        #: the source's credentials).
        self.assume_role = assume_role
        self._clock = clock
        self._spawn = spawn
        self._source_session = (
            RefreshingCredentials(source.load, clock=clock, spawn=spawn)
            if getattr(source, "refreshes", False)
            else None
        )
        self._sessions: dict[RoleSpec, RefreshingCredentials] = {}
        self._sessions_lock = threading.Lock()

    def credentials(
        self, role: RoleSpec | None, min_seconds_left: float = 0, deadline: Deadline = NO_DEADLINE
    ) -> Credentials:
        if role is None:
            return self.source_credentials(min_seconds_left, deadline)
        session = self._sessions.get(role)
        if session is None:
            session = self._session(role)
        return session.get(min_seconds_left, deadline)

    def holds_sessions(self, roles: Iterable[RoleSpec | None]) -> bool:
        """Whether signing for each of ``roles`` (None: the source's own) needs no fetch first."""
        for role in roles:
            # No source session: a source that does not expire, which loads without a call.
            session = self._source_session if role is None else self._sessions.get(role)
            if (session is None and role is not None) or (session is not None and session._current is None):
                return False
        return True

    def source_credentials(self, min_seconds_left: float = 0, deadline: Deadline = NO_DEADLINE) -> Credentials:
        if self._source_session is not None:
            return self._source_session.get(min_seconds_left, deadline)
        return self.source.load(deadline)

    def forget(self) -> None:
        """Drop every cached session (a SnapStart restore runs this)."""
        with self._sessions_lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.forget()
        if self._source_session is not None:
            self._source_session.forget()

    def _session(self, role: RoleSpec) -> RefreshingCredentials:
        if self.assume_role is None:
            raise ValueError("this broker has no STS client, so it cannot assume roles")
        with self._sessions_lock:
            session = self._sessions.get(role)
            if session is None:
                assume = self.assume_role

                def fetch(deadline: Deadline) -> Credentials:
                    # The source's own early refresh applies to what signs the AssumeRole.
                    return assume(role, self.source_credentials(deadline=deadline), deadline)

                # A short session (STS allows 900 s) would be born inside the windows.
                duration = role.duration_seconds
                session = RefreshingCredentials(
                    fetch,
                    clock=self._clock,
                    spawn=self._spawn,
                    advisory_seconds=min(ADVISORY_REFRESH_SECONDS, duration * ADVISORY_REFRESH_SHARE),
                    mandatory_seconds=min(MANDATORY_REFRESH_SECONDS, duration * MANDATORY_REFRESH_SHARE),
                )
                self._sessions[role] = session
            return session


def __getattr__(name: str):
    # Credential sources moved to xpresign.sources; keep the old import path.
    if name in ("EnvironmentCredentials", "BotocoreCredentials", "parse_timestamp"):
        from . import sources  # noqa: PLC0415

        return getattr(sources, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
