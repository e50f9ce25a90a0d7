"""Web identity: an OIDC token in a file, exchanged for a role's credentials (EKS IRSA).

``AWS_WEB_IDENTITY_TOKEN_FILE`` names the token, ``AWS_ROLE_ARN`` the role,
``AWS_ROLE_SESSION_NAME`` (optional) the session. Each load reads the file
again, because the platform rotates the token (EKS before 80 % of its
life), and calls STS ``AssumeRoleWithWebIdentity``. The call is unsigned:
the token is the proof, and there are no credentials yet to sign with. It
goes to the same regional STS endpoint (``AWS_REGION``, ``AWS_ENDPOINT_URL_STS``)
and through the same client as AssumeRole, so it has the same retries,
timeouts, deadline and redirect rule.

The token is a bearer credential: it is never logged, and STS's free text is
logged only bounded and masked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from .config import default_region
from .credential_http import CredentialsUnavailable, TokenFileError, read_token_file
from .endpoints import Endpoints
from .errors import ConfigError, ServiceUnavailable, UpstreamError
from .redact import mask
from .sts import API_VERSION, RETRY_AFTER_SECONDS, StsClient, parse_credentials, parse_error
from .values import NO_DEADLINE, Credentials, Deadline

logger = logging.getLogger(__name__)

TOKEN_FILE_VARIABLE = "AWS_WEB_IDENTITY_TOKEN_FILE"  # noqa: S105 - a variable's name, not a secret
ROLE_ARN_VARIABLE = "AWS_ROLE_ARN"
SESSION_NAME_VARIABLE = "AWS_ROLE_SESSION_NAME"
#: Refusals that the next attempt may not meet: the identity provider was
#: unreachable from STS, or the token expired before the platform rotated it.
TRANSIENT_CODES = frozenset({"IDPCommunicationError", "ExpiredTokenException"})
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
#: What a caller is told when STS refuses: no ARN, no STS text.
REFUSED_MESSAGE = "STS refused the web identity token"


class WebIdentityCredentials:
    """A :class:`~xpresign.credentials.CredentialSource`: AssumeRoleWithWebIdentity.
    Its credentials expire, so the broker caches and refreshes them."""

    refreshes = True

    def __init__(
        self,
        token_file: str,
        role_arn: str,
        sts: StsClient,
        *,
        session_name: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.token_file = token_file
        self.role_arn = role_arn
        self.session_name = session_name
        self._sts = sts
        self._clock = clock

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WebIdentityCredentials:
        """Checked now (start-up): the role ARN, the session name, the region,
        and that the token file can be read."""
        token_file = environ[TOKEN_FILE_VARIABLE]
        role_arn = (environ.get(ROLE_ARN_VARIABLE) or "").strip()
        if not role_arn:
            raise ConfigError(ROLE_ARN_VARIABLE, f"is required with {TOKEN_FILE_VARIABLE}: the role to assume")
        if not _ROLE_ARN.fullmatch(role_arn):
            raise ConfigError(ROLE_ARN_VARIABLE, "is not an IAM role ARN like arn:aws:iam::111111111111:role/name")
        session_name = (environ.get(SESSION_NAME_VARIABLE) or "").strip() or None
        if session_name is not None and not _SESSION_NAME.fullmatch(session_name):
            raise ConfigError(SESSION_NAME_VARIABLE, "must be 2 to 64 characters of letters, digits and +=,.@_-")
        try:
            read_token_file(token_file)
        except TokenFileError as exc:
            raise ConfigError(TOKEN_FILE_VARIABLE, str(exc)) from None
        region = default_region(environ)
        if not region:
            raise ConfigError("AWS_REGION", f"is required with {TOKEN_FILE_VARIABLE}: the region of STS to call")
        sts = StsClient(region, Endpoints.from_environ(environ).sts)
        return cls(token_file, role_arn, sts, session_name=session_name)

    def load(self, deadline: Deadline = NO_DEADLINE) -> Credentials:
        try:
            token = read_token_file(self.token_file)
        except TokenFileError as exc:
            logger.warning("%s: %s", TOKEN_FILE_VARIABLE, exc)
            raise CredentialsUnavailable("the web identity token could not be read; try again") from None
        status, payload = self._sts.call(self._body(token), None, deadline)
        if status == 200:
            return parse_credentials(payload)
        code, message = parse_error(payload)
        logger.warning(
            "STS refused AssumeRoleWithWebIdentity of %s: %s %s",
            self.role_arn,
            mask(code or str(status)),
            mask(message),
        )
        if code in TRANSIENT_CODES:
            raise ServiceUnavailable(REFUSED_MESSAGE + "; try again", retry_after=RETRY_AFTER_SECONDS)
        raise UpstreamError(REFUSED_MESSAGE)

    def _body(self, token: str) -> bytes:
        # botocore names an unnamed session after the time, as here.
        session_name = self.session_name or f"xpresign-{int(self._clock())}"
        return urlencode(
            [
                ("Action", "AssumeRoleWithWebIdentity"),
                ("Version", API_VERSION),
                ("RoleArn", self.role_arn),
                ("RoleSessionName", session_name),
                ("WebIdentityToken", token),
            ]
        ).encode("ascii")
