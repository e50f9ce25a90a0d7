"""Where source credentials come from: a standard-library chain, or botocore's.

The Lambda handler and ``xpresign serve`` take the first source configured,
in botocore's order for what needs no config file (:func:`credential_source`):

1. the environment: ``AWS_ACCESS_KEY_ID`` and friends, which Lambda sets for
   the execution role (this module; nothing more is imported for it);
2. web identity: ``AWS_WEB_IDENTITY_TOKEN_FILE`` + ``AWS_ROLE_ARN``
   (:mod:`xpresign.web_identity`, EKS IRSA);
3. the container endpoint: ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` or
   ``_FULL_URI`` (:mod:`xpresign.container_credentials`: ECS, EKS Pod
   Identity, Lambda SnapStart);
4. IMDSv2 (:mod:`xpresign.imds`, EC2), unless ``AWS_EC2_METADATA_DISABLED``.

The choice is made once, at start-up, from the variables alone: no network
call, so a cold start pays nothing for the sources it does not use. The CLI
uses botocore's full chain (profiles, SSO, containers, IMDS), imported on
first use only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .checks import HEADER_SAFE_RULE, header_safe
from .errors import ConfigError, NoCredentials, UpstreamError
from .redact import mask
from .values import NO_DEADLINE, Credentials, Deadline

if TYPE_CHECKING:
    from .credentials import CredentialSource

EXPIRATION_VARIABLE = "AWS_CREDENTIAL_EXPIRATION"
KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
SESSION_TOKEN_VARIABLE = "AWS_SESSION_TOKEN"  # noqa: S105 - a variable's name
#: What start-up looked for, for the message when nothing is configured.
LOOKED_FOR = (
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, "
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI"
)


def parse_timestamp(value: str) -> float:
    """ISO 8601 with a time zone, as AWS writes it (``2026-11-30T03:00:00Z``)
    → epoch seconds. Raises ValueError for anything else: a time without a
    zone is not guessed to be local time."""
    from datetime import datetime  # noqa: PLC0415 - only when credentials expire

    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        raise ValueError("the timestamp has no time zone")
    return moment.timestamp()


def issued_credentials(issuer: str, access_key_id: str, secret: str, token: str, expires_at: float) -> Credentials:
    """Credentials as an endpoint issued them (STS, a container or instance
    endpoint), stripped; :class:`~xpresign.errors.UpstreamError` when one
    holds a character no HTTP header can carry."""
    credentials = Credentials(access_key_id.strip(), secret.strip(), token.strip(), expires_at)
    if not all(header_safe(value) for value in credentials[:3]):
        raise UpstreamError(f"{issuer} answered credentials that no HTTP header can carry")
    return credentials


class EnvironmentCredentials:
    """``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``:
    what Lambda gives a function for its execution role, once, at start-up.

    Without an expiry they are read once and kept, as botocore's environment
    provider does: only the process itself could change them later, and four
    environment reads cost ~2 µs of a ~15 µs warm GET (measured). With
    ``AWS_CREDENTIAL_EXPIRATION`` (ISO 8601) they are read again on every load,
    so a process that renews them in its environment is followed; an
    unreadable expiry, or a key with a character no HTTP header can carry,
    fails at construction (start-up), naming the variable."""

    refreshes = False

    def __init__(self, environ: Mapping[str, str] | None = None):
        self._environ = os.environ if environ is None else environ
        self._expiration(self._environ.get(EXPIRATION_VARIABLE), ConfigError)
        self._check_keys(self._environ, ConfigError)
        self._kept: Credentials | None = None

    @staticmethod
    def present(environ: Mapping[str, str]) -> bool:
        return bool(environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"))

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        if self._kept is not None:
            return self._kept
        env = self._environ
        akid, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not akid or not secret:
            raise NoCredentials(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(Lambda sets them for the execution role)"
            )
        self._check_keys(env, NoCredentials)  # changed since start-up, if they carry an expiry
        loaded = Credentials(
            akid,
            secret,
            env.get(SESSION_TOKEN_VARIABLE) or None,
            self._expiration(env.get(EXPIRATION_VARIABLE), NoCredentials),
        )
        if loaded.expires_at is None:
            self._kept = loaded
        return loaded

    @staticmethod
    def _check_keys(env: Mapping[str, str], error: type) -> None:
        for name in (*KEY_VARIABLES, SESSION_TOKEN_VARIABLE):
            value = env.get(name)
            if value and not header_safe(value):
                if error is ConfigError:
                    raise ConfigError(name, HEADER_SAFE_RULE)
                raise NoCredentials(f"{name} {HEADER_SAFE_RULE}")

    @staticmethod
    def _expiration(value: str | None, error: type) -> float | None:
        if not value:
            return None
        try:
            return parse_timestamp(value)
        except ValueError:
            problem = "must be an ISO 8601 time with a zone, like 2026-11-30T03:00:00Z"
            if error is ConfigError:
                raise ConfigError(EXPIRATION_VARIABLE, problem) from None
            raise NoCredentials(f"{EXPIRATION_VARIABLE} {problem}") from None


class BotocoreCredentials:
    """botocore's full chain (profiles, SSO, containers, IMDS) for the CLI.
    botocore is imported on first use, never on the Lambda path."""

    refreshes = False  # botocore refreshes them itself

    def __init__(self, profile: str | None = None):
        self._profile = profile
        self._resolved = None

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        if self._resolved is None:
            import botocore.session  # noqa: PLC0415 - lazy on purpose

            try:
                self._resolved = botocore.session.Session(profile=self._profile).get_credentials()
            # Unknown profile, broken SSO cache, and a credential_process that prints
            # something other than its JSON, which botocore lets out as a JSONDecodeError.
            except Exception as exc:  # noqa: BLE001
                raise NoCredentials(f"botocore could not load credentials: {mask(str(exc))}") from None
            if self._resolved is None:
                raise NoCredentials(
                    "botocore found no credentials (profile "
                    f"{self._profile or 'default'}): run 'aws configure' or 'aws sso login'"
                )
        try:
            frozen = self._resolved.get_frozen_credentials()
        except Exception as exc:  # noqa: BLE001 - a refresh failed: expired SSO token, unreachable IMDS...
            raise NoCredentials(f"botocore could not refresh credentials: {mask(str(exc))}") from None
        if not all(header_safe(value) for value in (frozen.access_key, frozen.secret_key, frozen.token or "-")):
            raise NoCredentials(f"the credentials {self._where()} {HEADER_SAFE_RULE}")
        # botocore keeps the expiry of refreshable credentials only privately.
        expiry = getattr(self._resolved, "_expiry_time", None)
        return Credentials(
            frozen.access_key,
            frozen.secret_key,
            frozen.token,
            expiry.timestamp() if expiry is not None else None,
        )

    def _where(self) -> str:
        """Where botocore found the credentials, as its ``method`` says."""
        method = getattr(self._resolved, "method", None)
        if method == "env":
            return "in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
        return f"of profile {self._profile or 'default'}" + (f" ({method})" if isinstance(method, str) else "")


def credential_source(environ: Mapping[str, str] | None = None) -> CredentialSource:
    """The first source ``environ`` configures, checked (start-up): environment
    keys, web identity, the container endpoint, then IMDS.

    Nothing configured fails now, with :class:`~xpresign.errors.NoCredentials`
    naming what was looked for, where IMDS cannot be the answer: in Lambda
    (which has no IMDS) or with ``AWS_EC2_METADATA_DISABLED``. Elsewhere IMDS is
    the last resort and is not called at start-up (it costs a timeout where it
    does not exist); a request then gets a 503 if it does not answer, a 502
    if it refuses."""
    env = os.environ if environ is None else environ
    if EnvironmentCredentials.present(env):
        return EnvironmentCredentials(env)
    for name, other in (KEY_VARIABLES, KEY_VARIABLES[::-1]):
        if env.get(name):  # botocore refuses half a key pair too
            raise ConfigError(other, f"{name} is set but {other} is not: set both, or neither")
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        from .web_identity import WebIdentityCredentials  # noqa: PLC0415 - only when configured

        return WebIdentityCredentials.from_environ(env)
    from . import container_credentials  # noqa: PLC0415 - only without environment keys

    if container_credentials.configured(env):
        return container_credentials.ContainerCredentials.from_environ(env)
    if env.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise NoCredentials(f"no AWS credentials: Lambda set none of {LOOKED_FOR}, and Lambda has no IMDS")
    from .imds import InstanceMetadataCredentials  # noqa: PLC0415

    imds = InstanceMetadataCredentials.from_environ(env)
    if imds is None:
        raise NoCredentials(f"no AWS credentials: none of {LOOKED_FOR} is set, and AWS_EC2_METADATA_DISABLED is true")
    return imds
