"""CORS for browser callers of the HTTP front doors and ``xpresign serve``.

Only configured origins (``cors_allow_origins``) get CORS headers. A Function
URL's or HTTP API's own CORS setting, when configured, takes precedence over
these (AWS answers preflights itself).
"""

from __future__ import annotations

from collections.abc import Mapping

ALLOW_METHODS = "GET, POST, OPTIONS"
#: The Uppy signing routes also take DELETE (abort a multipart upload).
COMPANION_ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
# Browser callers of an IAM-authorised front door sign their requests with
# SigV4; Uppy's callers send a bearer token.
ALLOW_HEADERS = "content-type, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256"
MAX_AGE_SECONDS = 600


class Cors:
    def __init__(self, allow_origins: tuple[str, ...]):
        self._origins = frozenset(allow_origins)
        self._any = "*" in self._origins
        #: Whether any origin is allowed: when not, a caller need not even read
        #: the request's headers (a measurable cost on the hot path).
        self.enabled = bool(self._origins)

    def allowed_origin(self, headers: Mapping[str, str]) -> str | None:
        origin = headers.get("origin")
        if not origin or not self._origins:
            return None
        if self._any:
            return "*"
        return origin if origin in self._origins else None

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers for an actual (non-preflight) answer."""
        origin = self.allowed_origin(headers)
        if origin is None:
            return {}
        if origin == "*":
            return {"Access-Control-Allow-Origin": "*"}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    def preflight(self, headers: Mapping[str, str], methods: str = ALLOW_METHODS) -> dict[str, str]:
        if self.allowed_origin(headers) is None:
            return {}
        return {
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
        }
