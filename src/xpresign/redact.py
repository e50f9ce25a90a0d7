"""Upstream text and our own values, made safe to log: bounded, with credentials masked.

STS's and S3's free-text messages can name session ARNs, account IDs and, for
a request echoed back, the caller's own session token. Callers never see
them (they get a stable code and a fixed message); the log keeps the first
``MAX_LOGGED_CHARS`` with access key IDs and long base64 runs masked.
"""

from __future__ import annotations

import re

MAX_LOGGED_CHARS = 256
MASK = "***"
# AKIA... (long-term) and ASIA... (temporary) access key IDs; a run of 40 or
# more base64 characters (a secret key is 40, a session token hundreds).
_SECRETS = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}|[A-Za-z0-9+/=_-]{40,}")


def mask(text: str, limit: int = MAX_LOGGED_CHARS) -> str:
    """At most ``limit`` characters of ``text``, with secrets replaced by ``***``."""
    # Mask a little past the limit first, so a secret that starts before it
    # is seen whole enough (40+ characters) to be recognised.
    masked = _SECRETS.sub(MASK, text[: limit + 64])
    return masked[:limit] + ("…" if len(masked) > limit or len(text) > limit + 64 else "")


#: What a hidden value is shown as.
HIDDEN = "…"


def without_query(url: str) -> str:
    """``url`` up to its query, which in a presigned URL is the signature and the credentials."""
    base, separator, _ = url.partition("?")
    return f"{base}?{HIDDEN}" if separator else base


def redacted_repr(value: tuple, **shown: str) -> str:
    """A NamedTuple's repr with the fields in ``shown`` written as given
    instead: value types holding a token or a signature use it, so a log line
    or a traceback that prints one never prints the secret."""
    fields = ", ".join(
        f"{name}={shown[name] if name in shown else repr(getattr(value, name))}" for name in value._fields
    )
    return f"{type(value).__name__}({fields})"
