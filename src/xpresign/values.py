"""Value types and limits that every layer shares: the leaf of the package.

Nothing here imports another xpresign module, so the signer, the broker, the
STS client and the configuration can all depend on it without depending on
each other.

The frozen value types on the Lambda path are NamedTuples, not dataclasses:
measured, a dozen frozen dataclasses cost ~30 ms of CPU at import (their code
is generated and compiled at class creation), NamedTuples ~2 ms.
"""

from __future__ import annotations

import time
from typing import NamedTuple

#: SigV4 refuses presigned URLs valid for longer than seven days.
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
#: Assuming a role with role credentials (a Lambda's, say) is role chaining,
#: which STS caps at one hour whatever the role's MaxSessionDuration.
ROLE_CHAINING_MAX_SECONDS = 3600
#: STS bounds on DurationSeconds (the role's MaxSessionDuration may be lower).
MIN_ROLE_DURATION, MAX_ROLE_DURATION = 900, 43200
#: The Lambda runtimes the zip is built for and the Terraform module accepts (a
#: test holds them to the provider's list): xpresign needs Python 3.11 or
#: later, and the AWS provider it is held to knows none after 3.13.
LAMBDA_RUNTIMES = ("python3.11", "python3.12", "python3.13")
#: A URL's stated expiry ends at least this long before its credentials do,
#: to absorb clock skew between this host, STS and S3.
EXPIRY_SAFETY_MARGIN_SECONDS = 60


class Credentials(NamedTuple):
    """A frozen set of AWS credentials. ``expires_at`` is epoch seconds, or None
    when unknown (long-term keys, or a session whose end nobody told us)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expires_at: float | None = None

    def __repr__(self) -> str:  # never the secret or the token
        return f"Credentials(access_key_id={self.access_key_id!r}, expires_at={self.expires_at!r})"

    def seconds_left(self, now: float) -> float | None:
        return None if self.expires_at is None else self.expires_at - now


class RoleSpec(NamedTuple):
    """What to ask STS for. Also the cache key: one session per distinct spec."""

    role_arn: str
    session_name: str = "xpresign"
    duration_seconds: int = ROLE_CHAINING_MAX_SECONDS
    external_id: str | None = None
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


class Deadline:
    """When the caller stops waiting, on the monotonic clock.

    Lambda gives each invocation a deadline; a server gives each request a
    timeout. Every network call (STS, S3, credential endpoints) bounds its
    timeouts and retries by what is left, so an outage is answered with 503
    and ``Retry-After`` before the platform cuts the request off. A subclass
    may work out ``at`` when asked (Lambda's, from the runtime's context).
    """

    __slots__ = ("at",)

    def __init__(self, at: float):
        self.at = at

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(remaining={self.remaining():.3f})"


#: No deadline: library callers that did not set one.
NO_DEADLINE = Deadline(float("inf"))
