"""Which content types a URL may set, by default and per bucket.

A type that a browser renders as an active document (HTML, SVG, XML,
JavaScript) turns an object into a page on the bucket's origin: stored XSS
wherever users upload content. So these are refused unless a bucket's
``allowed_content_types`` lists them. The rule applies to a download's
``response_content_type`` and to an upload's ``content_type``.
"""

from __future__ import annotations

ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)
#: Uploads that name no type are stored as this (what S3 itself assumes).
DEFAULT_UPLOAD_TYPE = "application/octet-stream"


def media_type(content_type: str) -> str:
    """The lower-cased type without parameters: ``Text/HTML; charset=x`` → ``text/html``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_active(content_type: str) -> bool:
    kind = media_type(content_type)
    return kind in ACTIVE_TYPES or kind.endswith("+xml")


def allowed(content_type: str, allowlist: frozenset[str]) -> bool:
    """With an allowlist, only its types; without one, any type but an active one."""
    if allowlist:
        return media_type(content_type) in allowlist
    return not is_active(content_type)
