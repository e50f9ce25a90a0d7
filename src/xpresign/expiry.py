"""How long a signature may claim to last, and why it is shorter than asked.

A presigned URL or POST policy stops working when the credentials that signed
it expire, whatever its own expiry says. So the expiry granted is
``min(requested, the bucket's max_expires, SigV4's 7 days, the credentials'
life left - EXPIRY_SAFETY_MARGIN_SECONDS)``, and ``capped_by`` names the limit
that bound it.
"""

from __future__ import annotations

import time

from .checks import Invalid, whole_number
from .errors import InvalidExpiry
from .values import MAX_PRESIGN_EXPIRES


class CappedBy:
    """Why an expiry is shorter than asked (``None`` when it is not)."""

    CREDENTIALS = "credentials"  # the signing session ends sooner
    POLICY = "policy"  # the bucket's configured maximum
    S3_LIMIT = "s3-limit"  # SigV4's seven-day maximum


def validate_expires_in(value: object, name: str = "expires_in", *, text: bool = False) -> int:
    """A caller's ``expires_in``: whole seconds within SigV4's limit; a JSON
    number, or decimal ``text`` where the value arrives as text (a query string)."""
    try:
        return whole_number(value, 1, MAX_PRESIGN_EXPIRES, " of seconds", text=text)
    except Invalid as exc:
        raise InvalidExpiry(f"{name} {exc} (SigV4's 7-day maximum)") from None


def effective_expiry(requested: int, policy_max: int | None, credentials_left: float | None) -> tuple[int, str | None]:
    """``min(requested, policy maximum, SigV4 maximum, credentials' life left)``
    and which limit bound it (``None`` when the request stood)."""
    seconds, capped_by = requested, None
    if policy_max is not None and policy_max < seconds:
        seconds, capped_by = policy_max, CappedBy.POLICY
    if seconds > MAX_PRESIGN_EXPIRES:
        seconds, capped_by = MAX_PRESIGN_EXPIRES, CappedBy.S3_LIMIT
    if credentials_left is not None and credentials_left < seconds:
        seconds, capped_by = int(credentials_left), CappedBy.CREDENTIALS
    return seconds, capped_by


#: (second, ISO 8601 text) of the last expiry written: one tuple, so threads
#: read a consistent pair. A batch states one expiry for every URL.
_last_iso: tuple[int, str] = (-1, "")


def iso8601(epoch_seconds: int) -> str:
    """``2026-11-30T03:14:37Z``, cached for the last second asked."""
    global _last_iso
    last = _last_iso
    if last[0] == epoch_seconds:
        return last[1]
    text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))
    _last_iso = (epoch_seconds, text)
    return text
