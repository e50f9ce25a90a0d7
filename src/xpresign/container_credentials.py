"""The container credential endpoint: ECS tasks, EKS Pod Identity, Lambda SnapStart.

The platform names an HTTP endpoint that answers the role's temporary
credentials as JSON (``AccessKeyId``, ``SecretAccessKey``, ``Token``,
``Expiration``):

* ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` (ECS): a path on
  ``http://169.254.170.2``; it wins when both variables are set, as in botocore;
* ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (EKS Pod Identity, Lambda SnapStart,
  local tools): the whole URL, sent an ``Authorization`` header from
  ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` (read again on every call, since
  EKS rotates it) or else ``AWS_CONTAINER_AUTHORIZATION_TOKEN``.

The hosts are botocore's (``ContainerMetadataFetcher``): https to any host;
plain http only to a loopback address, ``localhost``, ``169.254.170.2``
(ECS), ``169.254.170.23`` or ``fd00:ec2::23`` (EKS Pod Identity). Anything
else would hand the authorization token to whoever answers, so it stops the
start naming the variable. The attempts and timeout are botocore's too; the
pause between attempts is shorter, because on Lambda it comes out of the
caller's request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from .credential_http import (
    CredentialsUnavailable,
    Sleep,
    TokenFileError,
    check_token,
    exchange,
    parse_credentials,
    read_token_file,
    refused,
)
from .errors import ConfigError
from .values import NO_DEADLINE, Credentials, Deadline

logger = logging.getLogger(__name__)

RELATIVE_URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL_URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable's name, not a secret
TOKEN_FILE_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"  # noqa: S105 - a variable's name, not a secret
#: Where a relative URI points (ECS's task metadata endpoint).
ECS_ENDPOINT = "http://169.254.170.2"
#: Hosts botocore reaches over plain http, besides any loopback address.
ALLOWED_HTTP_HOSTS = frozenset({"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"})
#: botocore's ContainerMetadataFetcher: three attempts of two seconds each.
ATTEMPTS = 3
TIMEOUT_SECONDS = 2.0
#: botocore sleeps a second between attempts; a Lambda request cannot spare it.
RETRY_PAUSE_SECONDS = 0.1
NAME = "container credential endpoint"


def configured(environ: Mapping[str, str]) -> bool:
    return bool(environ.get(RELATIVE_URI_VARIABLE) or environ.get(FULL_URI_VARIABLE))


def endpoint_url(environ: Mapping[str, str]) -> str:
    """The endpoint the variables name, checked; ConfigError naming the variable."""
    relative = environ.get(RELATIVE_URI_VARIABLE)
    if relative:
        # Concatenated to a host, so it must be a path: "@evil.example/" would
        # otherwise turn 169.254.170.2 into a user name.
        if not relative.startswith("/") or not relative.isprintable() or " " in relative:
            raise ConfigError(RELATIVE_URI_VARIABLE, "must be a path starting with / (ECS sets it)")
        return ECS_ENDPOINT + relative
    return check_full_uri(environ.get(FULL_URI_VARIABLE, "").strip())


def check_full_uri(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(FULL_URI_VARIABLE, "must be an http:// or https:// URL with a host")
    if "@" in parts.netloc:
        raise ConfigError(FULL_URI_VARIABLE, "must not hold user:password@")
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ConfigError(FULL_URI_VARIABLE, "has an invalid port (use 1 to 65535)") from None
    if parts.scheme == "http" and not allowed_http_host(parts.hostname):
        raise ConfigError(
            FULL_URI_VARIABLE,
            f"plain http is allowed only to a loopback address or {', '.join(sorted(ALLOWED_HTTP_HOSTS))} "
            f"(botocore's rule); use https for {parts.hostname[:64]!r}",
        )
    return url


def allowed_http_host(host: str) -> bool:
    import ipaddress  # noqa: PLC0415 - only when the container source is configured

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower() in ALLOWED_HTTP_HOSTS
    return address.is_loopback or address.compressed in ALLOWED_HTTP_HOSTS


class ContainerCredentials:
    """A :class:`~xpresign.credentials.CredentialSource` reading the container
    endpoint. Its credentials expire, so the broker caches and refreshes them
    (``refreshes``) under the same early-refresh rule as role sessions."""

    refreshes = True

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        token_file: str | None = None,
        attempts: int = ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
        sleep: Sleep = time.sleep,
    ):
        self.url = url
        self._token = token
        self._token_file = token_file
        self._attempts = attempts
        self._timeout = timeout
        self._sleep = sleep

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ContainerCredentials:
        """The source the variables describe, checked now (start-up): the URL,
        the token, and that the token file can be read."""
        url = endpoint_url(environ)
        token_file = environ.get(TOKEN_FILE_VARIABLE) or None
        token = (environ.get(TOKEN_VARIABLE) or "").strip() or None
        try:
            if token_file:
                read_token_file(token_file)
                token = None  # the file wins, as in botocore
            elif token:
                check_token(token, "the token")
        except TokenFileError as exc:
            raise ConfigError(TOKEN_FILE_VARIABLE if token_file else TOKEN_VARIABLE, str(exc)) from None
        return cls(url, token=token, token_file=token_file)

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        response = exchange(
            NAME,
            "GET",
            self.url,
            headers=self._headers(),
            deadline=deadline,
            attempts=self._attempts,
            timeout=self._timeout,
            pause=RETRY_PAUSE_SECONDS,
            sleep=self._sleep,
        )
        if response.status != 200:
            raise refused(NAME, response, "to give credentials")
        return parse_credentials(NAME, response.body)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        token = self._token
        if self._token_file:
            try:
                token = read_token_file(self._token_file)
            except TokenFileError as exc:
                logger.warning("%s: %s", TOKEN_FILE_VARIABLE, exc)
                raise CredentialsUnavailable("the container authorization token could not be read; try again") from None
        if token:
            headers["Authorization"] = token
        return headers
