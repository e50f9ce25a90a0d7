"""The configuration document from SSM Parameter Store, read once at start-up.

Lambda's environment variables share 4 KB, and ``XPRESIGN_CONFIG`` holds every
bucket, so many buckets outgrow it. ``XPRESIGN_CONFIG_SSM_PARAMETER`` names a
parameter (``name``, ``name:version`` or an ARN, passed to GetParameter as
given) holding the same JSON or TOML document, usually a SecureString.

One GetParameter call over :mod:`xpresign.transport`, signed with
:func:`xpresign.sigv4.sign_headers` and the function's own credentials: boto3
stays off the Lambda path. Every failure stops start-up with a message that
names the setting; SSM's own text is logged (masked), not raised.
"""

from __future__ import annotations

import json
import logging
import time

from . import sigv4, transport
from .errors import ConfigError
from .partitions import service_endpoint
from .redact import mask
from .values import Credentials, Deadline

logger = logging.getLogger(__name__)

SETTING = "XPRESIGN_CONFIG_SSM_PARAMETER"
#: Start-up must finish within Lambda's 10 s init; SSM answers in milliseconds.
TIMEOUT_SECONDS = 4.0
ATTEMPTS = 2
TARGET = "AmazonSSM.GetParameter"
CONTENT_TYPE = "application/x-amz-json-1.1"


class SsmParameterReader:
    """``reader(name) -> value``, the form :func:`xpresign.config.load_config` takes."""

    def __init__(self, region: str, endpoint_url: str | None, credentials: Credentials, *, clock=time.time):
        self.endpoint_url = (endpoint_url or service_endpoint("ssm", region)).rstrip("/") + "/"
        self.region = region
        self._credentials = credentials
        self._clock = clock

    def __call__(self, name: str) -> str:
        body = json.dumps({"Name": name, "WithDecryption": True}).encode()
        try:
            response = transport.with_retries(
                lambda timeout: transport.request(
                    "POST", self.endpoint_url, headers=self._headers(body), body=body, timeout=timeout
                ),
                deadline=Deadline.after(TIMEOUT_SECONDS * ATTEMPTS),
                attempts=ATTEMPTS,
                timeout=TIMEOUT_SECONDS,
                retryable=lambda response: response.status >= 500 or _error(response.body)[0] == "ThrottlingException",
            )
        except transport.RetriesExhausted as exhausted:
            raise ConfigError(
                SETTING,
                f"SSM did not answer ({exhausted.reason}); start-up stops rather than run without its configuration",
            ) from None
        if response.status == 200:
            return _value(response.body)
        code, message = _error(response.body)
        logger.error(
            "SSM GetParameter of %s failed: HTTP %d %s %s", name[:200], response.status, mask(code, 64), mask(message)
        )
        raise ConfigError(SETTING, _refusal(code, response.status))

    def _headers(self, body: bytes) -> dict[str, str]:
        return sigv4.sign_headers(
            method="POST",
            url=self.endpoint_url,
            headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET},
            body=body,
            credentials=self._credentials,
            region=self.region,
            service="ssm",
            now=int(self._clock()),
        )


def _refusal(code: str, status: int) -> str:
    if code == "ParameterNotFound" or code == "ParameterVersionNotFound":
        return "no such parameter (or version) in this account and region"
    if code in ("AccessDeniedException", "AccessDenied") or status == 403:
        return "access denied: the function's role needs ssm:GetParameter on it (and kms:Decrypt for a SecureString)"
    return f"SSM refused GetParameter ({mask(code, 64) or status})"


def _value(payload: bytes) -> str:
    try:
        value = json.loads(payload)["Parameter"]["Value"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise ConfigError(SETTING, "SSM answered something unreadable") from None
    if not isinstance(value, str):
        raise ConfigError(SETTING, "SSM answered a parameter without a text value")
    return value


def _error(payload: bytes) -> tuple[str, str]:
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        return "", ""
    if not isinstance(document, dict):
        return "", ""
    code = str(document.get("__type", "")).rpartition("#")[2]
    return code, str(document.get("message") or document.get("Message") or "")
