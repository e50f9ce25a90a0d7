"""Credentials, where they come from, and the AssumeRole broker that caches them.

Modelled on botocore's ``credentials.py``: a frozen value for signing, refresh
windows as named constants, an injectable clock, and a lock taken only when a
refresh is due. Standard library only: this runs on every Lambda request.

Refresh policy for one cached role session (``RefreshingCredentials``):

* more than ``ADVISORY_REFRESH_SECONDS`` left: serve from the cache, no lock;
* inside the advisory window: serve the cached credentials and start one
  refresh in the background; if it fails, keep serving (they are still good);
* inside the mandatory window: block until a refresh succeeds, or fail;
* a caller needing a longer life than is left (a long expiry near the end of a
  session) triggers a blocking refresh when a new session would add at least
  ``MIN_REFRESH_GAIN_SECONDS``; otherwise its expiry is capped;
* after a failed refresh, refreshing first for a longer life pauses for
  ``REFRESH_FIRST_HOLD_DOWN_SECONDS``, serving the cached session.

Whatever the number of threads, at most one AssumeRole per session is in
flight (single flight), and threads that waited on a failed one share its error
instead of calling STS again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol

from .errors import NoCredentials, XpresignError

logger = logging.getLogger(__name__)

#: Start refreshing in the background this long before expiry (botocore's value).
ADVISORY_REFRESH_SECONDS = 15 * 60
#: Refuse to sign with credentials this close to expiry; refresh first (botocore's value).
MANDATORY_REFRESH_SECONDS = 10 * 60
#: A URL's stated expiry ends at least this long before its credentials do,
#: to absorb clock skew between this host, STS and S3.
EXPIRY_SAFETY_MARGIN_SECONDS = 60
#: A refresh made only to give a longer expiry must gain at least this much;
#: bounds such refreshes to one per this interval per role session.
MIN_REFRESH_GAIN_SECONDS = 5 * 60
#: After a failed refresh, refreshing first for a longer expiry pauses this
#: long (the cached session serves, capped), so an STS outage does not make
#: every request wait on STS. Refreshes that must happen (no session yet, or
#: the mandatory window) and background ones are never held back.
REFRESH_FIRST_HOLD_DOWN_SECONDS = 30

Clock = Callable[[], float]


class Credentials(NamedTuple):
    """A frozen set of AWS credentials. ``expires_at`` is epoch seconds, or None
    when unknown (long-term keys, or a session whose end nobody told us).

    The frozen value types on the Lambda path are NamedTuples, not dataclasses:
    measured, a dozen frozen dataclasses cost ~30 ms of CPU at import (their
    code is generated and compiled at class creation), NamedTuples ~2 ms.
    """

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expires_at: float | None = None

    def __repr__(self) -> str:  # never the secret or the token
        return f"Credentials(access_key_id={self.access_key_id!r}, expires_at={self.expires_at!r})"

    def seconds_left(self, now: float) -> float | None:
        return None if self.expires_at is None else self.expires_at - now


class CredentialSource(Protocol):
    def load(self) -> Credentials: ...


class StaticCredentials:
    """Credentials given once (tests, or keys the caller already holds)."""

    def __init__(self, credentials: Credentials):
        self.credentials = credentials

    def load(self) -> Credentials:
        return self.credentials


class EnvironmentCredentials:
    """``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``:
    what Lambda gives a function for its execution role. Read on every load so a
    rotated value is picked up. ``AWS_CREDENTIAL_EXPIRATION`` (ISO 8601), when
    present, gives the expiry."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self._environ = os.environ if environ is None else environ

    def load(self) -> Credentials:
        env = self._environ
        akid, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not akid or not secret:
            raise NoCredentials(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(Lambda sets them for the execution role)"
            )
        expiration = env.get("AWS_CREDENTIAL_EXPIRATION")
        return Credentials(
            akid,
            secret,
            env.get("AWS_SESSION_TOKEN") or None,
            parse_timestamp(expiration) if expiration else None,
        )


class BotocoreCredentials:
    """botocore's full chain (profiles, SSO, containers, IMDS) for the CLI and
    containers. botocore is imported on first use, never on the Lambda path."""

    def __init__(self, profile: str | None = None):
        self._profile = profile
        self._resolved = None

    def load(self) -> Credentials:
        if self._resolved is None:
            import botocore.exceptions  # noqa: PLC0415 - lazy on purpose
            import botocore.session  # noqa: PLC0415

            try:
                self._resolved = botocore.session.Session(profile=self._profile).get_credentials()
            except botocore.exceptions.BotoCoreError as exc:  # unknown profile, broken SSO cache...
                raise NoCredentials(f"botocore could not load credentials: {exc}") from None
            if self._resolved is None:
                raise NoCredentials(
                    "botocore found no credentials (profile "
                    f"{self._profile or 'default'}): run 'aws configure' or 'aws sso login'"
                )
        try:
            frozen = self._resolved.get_frozen_credentials()
        except Exception as exc:  # a refresh failed: expired SSO token, unreachable IMDS...
            raise NoCredentials(f"botocore could not refresh credentials: {exc}") from None
        # botocore keeps the expiry of refreshable credentials only privately.
        expiry = getattr(self._resolved, "_expiry_time", None)
        return Credentials(
            frozen.access_key,
            frozen.secret_key,
            frozen.token,
            expiry.timestamp() if expiry is not None else None,
        )


def parse_timestamp(value: str) -> float:
    """ISO 8601 as STS writes it (``2026-11-30T03:00:00Z``) → epoch seconds."""
    from datetime import datetime  # noqa: PLC0415 - cheap, and only when refreshing

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class RoleSpec(NamedTuple):
    """What to ask STS for. Also the cache key: one session per distinct spec."""

    role_arn: str
    session_name: str = "xpresign"
    duration_seconds: int = 3600
    external_id: str | None = None
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


Spawn = Callable[[Callable[[], None]], None]


def spawn_daemon_thread(target: Callable[[], None]) -> None:
    threading.Thread(target=target, name="xpresign-refresh", daemon=True).start()


class _Failure:
    """The last failed refresh, shared with threads that waited for it."""

    __slots__ = ("error", "at")

    def __init__(self, error: XpresignError, at: float):
        self.error, self.at = error, at


class RefreshingCredentials:
    """One cached session, refreshed early by ``fetch`` (an AssumeRole)."""

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        clock: Clock = time.time,
        spawn: Spawn = spawn_daemon_thread,
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

    def get(self, min_seconds_left: float = 0) -> Credentials:
        """Credentials with, when a refresh can give it, ``min_seconds_left``
        of life left (the caller includes any safety margin)."""
        current = self._current
        now = self._clock()
        if current is None:
            return self._refresh_blocking(None, now)
        left = current.seconds_left(now)
        if left is None:
            return current
        if left > self._advisory and left >= min_seconds_left:
            return current  # the fast path: no lock
        if left <= self._mandatory:
            return self._refresh_blocking(current, now)
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
                return self._refresh_blocking(current, now)
            except XpresignError as exc:
                logger.warning("refresh for a longer expiry failed (%s); serving the cached session", exc.code)
                return self._current or current
        if left <= self._advisory:
            self._refresh_in_background(current)
        return current

    def _refresh_blocking(self, seen: Credentials | None, arrived: float) -> Credentials:
        with self._lock:
            if self._current is not seen:
                return self._current  # another thread refreshed while we waited
            failure = self._failure
            if failure is not None and failure.at >= arrived:
                raise failure.error  # it failed while we waited: don't call STS again
            return self._do_refresh()

    def _refresh_in_background(self, seen: Credentials) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a refresh is already in flight

        def run() -> None:
            try:
                if self._current is seen:
                    self._do_refresh()
            except XpresignError as exc:
                logger.warning("advisory refresh failed (%s); serving the cached session", exc.code)
            except Exception:
                logger.exception("advisory refresh failed; serving the cached session")
            finally:
                self._lock.release()

        try:
            self._spawn(run)
        except BaseException:
            self._lock.release()
            raise

    def _do_refresh(self) -> Credentials:
        """Call ``fetch``. The caller holds the lock."""
        started = self._clock()
        try:
            fresh = self._fetch()
        except XpresignError as exc:
            self._failure = _Failure(exc, self._clock())
            raise
        self._failure = None
        left = fresh.seconds_left(started)
        self._lifetime = left
        self._current = fresh
        return fresh


class CredentialBroker:
    """Credentials for signing: the source's own, or a cached AssumeRole session.

    ``assume_role(role, source_credentials)`` performs the STS call (see
    :class:`xpresign.sts.StsClient`). Sessions are cached per :class:`RoleSpec`
    for the life of the process, i.e. across Lambda invocations.
    """

    def __init__(
        self,
        source: CredentialSource,
        assume_role: Callable[[RoleSpec, Credentials], Credentials] | None = None,
        *,
        clock: Clock = time.time,
        spawn: Spawn = spawn_daemon_thread,
    ):
        self.source = source
        self._assume_role = assume_role
        self._clock = clock
        self._spawn = spawn
        self._sessions: dict[RoleSpec, RefreshingCredentials] = {}
        self._sessions_lock = threading.Lock()

    def credentials(self, role: RoleSpec | None, min_seconds_left: float = 0) -> Credentials:
        if role is None:
            return self.source.load()
        session = self._sessions.get(role)
        if session is None:
            session = self._session(role)
        return session.get(min_seconds_left)

    def _session(self, role: RoleSpec) -> RefreshingCredentials:
        if self._assume_role is None:
            raise ValueError("this broker has no STS client, so it cannot assume roles")
        with self._sessions_lock:
            session = self._sessions.get(role)
            if session is None:
                assume = self._assume_role
                source = self.source
                session = RefreshingCredentials(
                    lambda: assume(role, source.load()), clock=self._clock, spawn=self._spawn
                )
                self._sessions[role] = session
            return session
