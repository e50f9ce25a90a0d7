"""Every error xpresign raises, with the HTTP status and stable code it maps to.

Callers of the JSON API see ``{"error": {"code": ..., "message": ...}}``. The
``code`` values are part of the contract: clients branch on them, so they never
change once released. Messages are for people and may be improved.
"""

from __future__ import annotations


class XpresignError(Exception):
    """Base class. ``status`` is the HTTP status the API answers with."""

    status = 500
    code = "InternalError"

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        if self.retry_after is None:
            return {"code": self.code, "message": self.message}
        return {"code": self.code, "message": self.message, "retry_after": self.retry_after}


# --- configuration (start-up) -------------------------------------------------


class ConfigError(XpresignError):
    """Invalid configuration. Raised at start-up; the message names the setting."""

    code = "ConfigurationError"

    def __init__(self, setting: str, problem: str):
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


# --- the caller's mistakes (4xx) ----------------------------------------------


class InvalidRequest(XpresignError):
    status = 400
    code = "InvalidRequest"


class MalformedJson(InvalidRequest):
    code = "MalformedJSON"


class InvalidParameter(InvalidRequest):
    """A field of the right name but the wrong type or value (filename, version_id...)."""

    code = "InvalidParameter"


class MissingKey(InvalidRequest):
    code = "MissingKey"


class InvalidKey(InvalidRequest):
    code = "InvalidKey"


class KeyTooLong(InvalidRequest):
    code = "KeyTooLong"


class InvalidExpiry(InvalidRequest):
    code = "InvalidExpiry"


class InvalidBucketName(InvalidRequest):
    code = "InvalidBucketName"


class UnknownBucket(InvalidRequest):
    code = "UnknownBucket"


class KeyNotAllowed(XpresignError):
    """The key is outside the bucket's allowed prefixes: refused before signing."""

    status = 403
    code = "KeyNotAllowed"


class MethodNotAllowed(XpresignError):
    status = 405
    code = "MethodNotAllowed"


class BatchTooLarge(XpresignError):
    status = 413
    code = "BatchTooLarge"


class PayloadTooLarge(XpresignError):
    status = 413
    code = "PayloadTooLarge"


class RequestTimeout(XpresignError):
    """The caller did not send its request body in time (``xpresign serve``)."""

    status = 408
    code = "RequestTimeout"


class ResponseTooLarge(XpresignError):
    """The answer would exceed what the front door can deliver (6 MB for
    Lambda, 1 MB through ALB)."""

    status = 413
    code = "ResponseTooLarge"


class NotFound(XpresignError):
    """No such path (``xpresign serve``)."""

    status = 404
    code = "NotFound"


class Unauthorized(XpresignError):
    """No valid bearer token or JWT (``xpresign serve``)."""

    status = 401
    code = "Unauthorized"


class Forbidden(XpresignError):
    """Authenticated, but not allowed this route (a browser's JWT on the JSON API)."""

    status = 403
    code = "Forbidden"


# --- uploads -------------------------------------------------------------------


class UploadTooLarge(XpresignError):
    """The upload is larger than the bucket's ``max_upload_size``."""

    status = 413
    code = "UploadTooLarge"


class NoSuchUpload(XpresignError):
    status = 404
    code = "NoSuchUpload"


class InvalidPart(InvalidRequest):
    code = "InvalidPart"


class InvalidPartOrder(InvalidRequest):
    code = "InvalidPartOrder"


class EntityTooSmall(InvalidRequest):
    code = "EntityTooSmall"


# --- the object, checked with the assumed credentials --------------------------


class AccessDenied(XpresignError):
    """The existence check was refused by S3 with the assumed credentials."""

    status = 403
    code = "AccessDenied"


class NoSuchKey(XpresignError):
    status = 404
    code = "NoSuchKey"


# --- STS ----------------------------------------------------------------------


class RoleNotAssumable(XpresignError):
    """STS refused the AssumeRole (trust policy, ExternalId, permissions...)."""

    status = 403
    code = "RoleNotAssumable"

    def __init__(self, message: str, *, sts_code: str = ""):
        super().__init__(message)
        self.sts_code = sts_code


class StsThrottled(XpresignError):
    """STS kept throttling after the retries, and no cached credentials are usable."""

    status = 429
    code = "Throttled"


class ServiceUnavailable(XpresignError):
    """A dependency did not answer in time; trying again later may work."""

    status = 503
    code = "ServiceUnavailable"


class StsUnavailable(ServiceUnavailable):
    """STS failed (5xx, timeout, network) after the retries, and no cached
    credentials are usable."""


class UpstreamError(XpresignError):
    """S3 or STS answered in a way we cannot interpret."""

    status = 502
    code = "UpstreamError"


class NoCredentials(XpresignError):
    """No source credentials were found (environment variables or chain)."""

    status = 500
    code = "NoCredentials"
