"""EC2's instance metadata service (IMDS): the instance profile's credentials, IMDSv2 only.

Each load is three calls: ``PUT /latest/api/token`` (with
``X-aws-ec2-metadata-token-ttl-seconds``) for a session token, then, sending
it as ``X-aws-ec2-metadata-token``, ``GET
/latest/meta-data/iam/security-credentials/`` for the role's name and ``GET
.../<role>`` for its credentials (JSON, ``"Code": "Success"``).

**IMDSv2 only.** botocore falls back to IMDSv1 (the same GETs without a
token) when the PUT is refused; xpresign does not. IMDSv1 answers any GET
from the instance, so a server-side request forgery could read the role's
credentials through it; IMDSv2's PUT cannot be forged that way. An instance
that allows only IMDSv1 gets an error naming the refusal.

The settings are botocore's variables, checked at start-up with errors naming
them: ``AWS_EC2_METADATA_DISABLED``, ``AWS_EC2_METADATA_SERVICE_ENDPOINT``,
``AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`` (``IPv4`` or ``IPv6``; the
endpoint wins when both are set), ``AWS_METADATA_SERVICE_TIMEOUT`` (seconds
per attempt, default 1) and ``AWS_METADATA_SERVICE_NUM_ATTEMPTS`` (default 1).

Credentials are used as IMDS gives them: no "static stability" extension of
an expired session (botocore's), since a URL must never claim to outlive the
credentials that signed it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from . import config_values
from .credential_http import Sleep, exchange, json_document, parse_credentials, refused
from .errors import ConfigError, UpstreamError
from .redact import mask
from .values import NO_DEADLINE, Credentials, Deadline

DISABLED_VARIABLE = "AWS_EC2_METADATA_DISABLED"
ENDPOINT_VARIABLE = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
MODE_VARIABLE = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"
TIMEOUT_VARIABLE = "AWS_METADATA_SERVICE_TIMEOUT"
ATTEMPTS_VARIABLE = "AWS_METADATA_SERVICE_NUM_ATTEMPTS"
ENDPOINTS = {"ipv4": "http://169.254.169.254", "ipv6": "http://[fd00:ec2::254]"}
#: botocore's defaults: one attempt of one second (IMDS is on the host).
DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS = 1, 300
DEFAULT_ATTEMPTS, MAX_ATTEMPTS = 1, 10
TOKEN_PATH = "/latest/api/token"  # noqa: S105 - a path and a header name
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"  # noqa: S105 - a path and a header name
#: A session token serves the two GETs right after it, so it lives a minute
#: (botocore asks for six hours): a leaked one is soon worthless.
TOKEN_TTL_SECONDS = 60
#: An IAM role name (what IMDS lists); anything else is not put in a path.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
NAME = "instance metadata service"

logger = logging.getLogger(__name__)


class ImdsSettings(NamedTuple):
    endpoint: str  # no trailing slash
    timeout: int  # seconds per attempt
    attempts: int


def imds_settings(environ: Mapping[str, str]) -> ImdsSettings | None:
    """The settings, checked; None when ``AWS_EC2_METADATA_DISABLED`` is true."""
    if config_values.flag(DISABLED_VARIABLE, environ.get(DISABLED_VARIABLE)):
        return None
    return ImdsSettings(
        endpoint=_endpoint(environ),
        timeout=config_values.seconds(
            TIMEOUT_VARIABLE, environ.get(TIMEOUT_VARIABLE), DEFAULT_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS
        ),
        attempts=config_values.integer(
            ATTEMPTS_VARIABLE, environ.get(ATTEMPTS_VARIABLE), DEFAULT_ATTEMPTS, 1, MAX_ATTEMPTS
        ),
    )


def _endpoint(environ: Mapping[str, str]) -> str:
    mode = (environ.get(MODE_VARIABLE) or "").strip()
    if mode and mode.lower() not in ENDPOINTS:
        raise ConfigError(MODE_VARIABLE, f"must be IPv4 or IPv6, got {mode[:32]!r}")
    custom = (environ.get(ENDPOINT_VARIABLE) or "").strip()
    if not custom:
        return ENDPOINTS[mode.lower() or "ipv4"]
    parts = urlsplit(custom)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(ENDPOINT_VARIABLE, "must be an http:// or https:// URL with a host")
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise ConfigError(ENDPOINT_VARIABLE, "must not hold user:password@, a query or a fragment")
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ConfigError(ENDPOINT_VARIABLE, "has an invalid port (use 1 to 65535)") from None
    return custom.rstrip("/")


class InstanceMetadataCredentials:
    """A :class:`~xpresign.credentials.CredentialSource` reading IMDSv2. Its
    credentials expire, so the broker caches and refreshes them."""

    refreshes = True

    def __init__(self, settings: ImdsSettings, *, sleep: Sleep = time.sleep):
        self.settings = settings
        self._sleep = sleep

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> InstanceMetadataCredentials | None:
        settings = imds_settings(environ)
        return None if settings is None else cls(settings)

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        token = self._token(deadline)
        role = self._role_name(token, deadline)
        response = self._call("GET", CREDENTIALS_PATH + role, {TOKEN_HEADER: token}, deadline)
        if response.status != 200:
            raise refused(NAME, response, "to give the role's credentials")
        _check_code(response.body)
        return parse_credentials(NAME, response.body)

    def _token(self, deadline: Deadline) -> str:
        response = self._call("PUT", TOKEN_PATH, {TTL_HEADER: str(TOKEN_TTL_SECONDS)}, deadline)
        if response.status != 200:
            # 403: IMDS is off for the instance, or v1 only. No v1 fallback.
            raise refused(NAME, response, "to give an IMDSv2 session token (xpresign does not fall back to IMDSv1)")
        token = response.body.decode("ascii", "replace").strip()
        if not token or not token.isprintable():
            raise UpstreamError(f"the {NAME} answered an unusable session token")
        return token

    def _role_name(self, token: str, deadline: Deadline) -> str:
        response = self._call("GET", CREDENTIALS_PATH, {TOKEN_HEADER: token}, deadline)
        if response.status == 404:
            raise refused(NAME, response, "to name a role: the instance has no instance profile")
        if response.status != 200:
            raise refused(NAME, response, "to name the instance's role")
        lines = response.body.decode("utf-8", "replace").split()
        if not lines or not _ROLE_NAME.fullmatch(lines[0]):
            raise UpstreamError(f"the {NAME} answered no usable role name")
        return lines[0]

    def _call(self, method: str, path: str, headers: dict[str, str], deadline: Deadline):
        return exchange(
            NAME,
            method,
            self.settings.endpoint + path,
            headers=headers,
            deadline=deadline,
            attempts=self.settings.attempts,
            timeout=self.settings.timeout,
            sleep=self._sleep,
        )


def _check_code(body: bytes) -> None:
    """IMDS answers 200 with ``"Code"`` other than ``Success`` when the role
    cannot be assumed (a trust policy that omits EC2, say)."""
    document = json_document(body)
    if isinstance(document, dict) and document.get("Code", "Success") != "Success":
        code, message = document.get("Code"), document.get("Message")
        logger.warning(
            "the %s could not give the role's credentials: %s %s",
            NAME,
            mask(str(code)[:64]),
            mask(message if isinstance(message, str) else ""),
        )
        raise UpstreamError(f"the {NAME} could not give the role's credentials")
