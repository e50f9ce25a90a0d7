"""Who may call ``xpresign serve``: a service's bearer token, or a user's JWT.

Two kinds of caller, two credentials (issue 14 item 3, issue 16 item 3):

* **services** hold the static token (``--token-file PATH`` or
  ``XPRESIGN_SERVE_TOKEN``) and reach every route. It is compared with
  :func:`hmac.compare_digest`, so the time taken says nothing about how much
  of a guess was right;
* **browsers** cannot keep a static token secret (a web page is public), so
  they present their user's JWT, verified against the issuer's JWKS
  (``--jwt-issuer``, ``--jwt-audience``, ``--jwks-url``). A valid JWT reaches
  only Uppy's signing routes (``/s3/...``), where the server chooses every
  object key; anywhere else it is 403 ``Forbidden``.

Refusals are 401 ``Unauthorized`` with ``WWW-Authenticate: Bearer``. No message
quotes the credential, and none says which check of a JWT failed beyond what
the caller can read in its own token (expired, wrong issuer or audience).

The audience rule is API Gateway's JWT authorizer's, so a token accepted by
the Terraform HTTP API front door is accepted here: ``aud`` names one of the
audiences or, for a token without ``aud`` (a Cognito access token),
``client_id`` does.

PyJWT is imported only when JWTs are configured: it is in the ``serve``
extra, and a server without JWTs needs nothing of it.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from .errors import ConfigError, Forbidden, ServiceUnavailable, Unauthorized, UpstreamError
from .router import companion_path
from .transport import TransportError, request
from .values import Deadline

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "XPRESIGN_SERVE_TOKEN"  # noqa: S105 - a name, not a secret
TOKEN_OPTION = "--token-file"  # noqa: S105 - a name, not a secret
#: A shorter static token could be guessed; `openssl rand -hex 32` gives 64.
MIN_TOKEN_CHARS = 16
#: A token fits a header; reading more from a mounted secret (or /dev/zero) is a mistake.
MAX_TOKEN_CHARS = 4096
#: RFC 6750's b64token: what may follow "Bearer " in a header.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
#: Signature algorithms a JWT may use: asymmetric only. "none" and the HMAC
#: family (whose key would be the public JWKS) are refused.
JWT_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
#: Clock skew tolerated on ``exp``, ``nbf`` and ``iat``.
JWT_LEEWAY_SECONDS = 30
#: How long a fetched JWKS is used before it is fetched again.
JWKS_CACHE_SECONDS = 300
#: An unknown ``kid`` (a rotated key) refetches the JWKS, at most this often:
#: made-up kids must not turn the server into a load generator for the issuer.
JWKS_MIN_REFETCH_SECONDS = 30
#: Largest JWKS read; real ones are a few KB.
JWKS_MAX_BYTES = 256 * 1024
JWKS_TIMEOUT_SECONDS = 5.0
#: Retry-After when the issuer's JWKS cannot be fetched.
JWKS_RETRY_AFTER_SECONDS = 5
#: Answers a request that may not be authorised; a bad token adds ``error``.
CHALLENGE = "Bearer"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'  # noqa: S105 - a header value


class InvalidToken(Unauthorized):
    """A credential was presented and refused (RFC 6750's ``invalid_token``)."""


def challenge(error: Unauthorized) -> str:
    """The ``WWW-Authenticate`` value for a 401."""
    return INVALID_TOKEN_CHALLENGE if isinstance(error, InvalidToken) else CHALLENGE


# --- the static token ----------------------------------------------------------------


def load_token(token_file: str | None, environ: Mapping[str, str]) -> str | None:
    """The static token, from the file or the variable (not both); None when
    neither is given. Errors name the option or variable at fault."""
    from_env = environ.get(TOKEN_VARIABLE) or None
    if token_file and from_env:
        raise ConfigError(TOKEN_OPTION, f"give {TOKEN_OPTION} or {TOKEN_VARIABLE}, not both")
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as handle:
                text = handle.read(MAX_TOKEN_CHARS + 2)  # a trailing newline, and one more to see it is too long
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise ConfigError(TOKEN_OPTION, f"cannot read {token_file[:200]!r}: {reason}") from None
        return checked_token(TOKEN_OPTION, text.strip())
    return checked_token(TOKEN_VARIABLE, from_env.strip()) if from_env else None


def checked_token(setting: str, token: str) -> str:
    """``token`` when a client can send it and it is long enough to be secret.
    The message never quotes it."""
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(setting, f"the token must have at least {MIN_TOKEN_CHARS} characters (openssl rand -hex 32)")
    if len(token) > MAX_TOKEN_CHARS:
        raise ConfigError(setting, f"the token must have at most {MAX_TOKEN_CHARS} characters")
    if not _TOKEN_CHARS.fullmatch(token):
        raise ConfigError(setting, "the token may hold only letters, digits and - . _ ~ + / (then = padding)")
    return token


def bearer(headers: Mapping[str, str]) -> str | None:
    """The credential of ``Authorization: Bearer ...``, or None."""
    scheme, _, credential = headers.get("authorization", "").strip().partition(" ")
    credential = credential.strip()
    return credential if scheme.lower() == "bearer" and credential else None


# --- JWTs ----------------------------------------------------------------------------

#: What each of PyJWT's refusals tells the caller: nothing the token does not say.
_JWT_REFUSALS = {
    "ExpiredSignatureError": "the token has expired",
    "ImmatureSignatureError": "the token is not valid yet",
    "InvalidIssuerError": "the token's issuer is not accepted here",
    "MissingRequiredClaimError": "the token lacks a required claim (exp, iss)",
    "InvalidSignatureError": "the token's signature does not verify",
}


class Jwks:
    """The issuer's signing keys, fetched (HTTPS, or http on loopback) and cached.

    Fetches are single flight and at most one per ``JWKS_MIN_REFETCH_SECONDS``,
    whatever the callers send; when a refetch fails, the keys fetched before
    keep serving (the issuer's outage must not log every user out).
    """

    def __init__(self, url: str, *, clock: Callable[[], float] = time.monotonic):
        self.url = url
        self._clock = clock
        self._keys = None  # a PyJWKSet
        self._fetched_at = self._attempted_at = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str, deadline: Deadline):
        """The key named ``kid``; a kid not seen before (a rotation) refetches once."""
        keys = self._keys
        if keys is None or self._clock() - self._fetched_at >= JWKS_CACHE_SECONDS:
            keys = self._refresh(deadline)
        found = _find(keys, kid)
        if found is None:
            found = _find(self._refresh(deadline), kid)
        if found is None:
            raise InvalidToken("the token's signing key (kid) is not in the issuer's key set")
        return found

    def _refresh(self, deadline: Deadline):
        # Single flight. While one caller fetches, the others serve with the keys
        # fetched before, or, with none yet, wait no longer than their deadline.
        if self._keys is not None:
            if not self._lock.acquire(blocking=False):
                return self._keys
        elif not self._lock.acquire(timeout=min(max(deadline.remaining(), 0), threading.TIMEOUT_MAX)):
            raise ServiceUnavailable("the JWKS could not be fetched in time", retry_after=JWKS_RETRY_AFTER_SECONDS)
        try:
            now = self._clock()
            if now - self._attempted_at < JWKS_MIN_REFETCH_SECONDS:
                if self._keys is None:
                    raise ServiceUnavailable("the JWKS could not be fetched", retry_after=JWKS_RETRY_AFTER_SECONDS)
                return self._keys
            self._attempted_at = now
            try:
                self._keys, self._fetched_at = self._fetch(deadline), now
            except (ServiceUnavailable, UpstreamError) as exc:
                if self._keys is None:
                    raise
                logger.warning("JWKS refresh failed (%s); using the keys fetched before", exc.code)
            return self._keys
        finally:
            self._lock.release()

    def _fetch(self, deadline: Deadline):
        import jwt  # noqa: PLC0415 - the serve extra, loaded only when JWTs are configured

        timeout = min(JWKS_TIMEOUT_SECONDS, max(deadline.remaining(), 0.05))
        try:
            answer = request(
                "GET",
                self.url,
                headers={"Accept": "application/json"},
                timeout=timeout,
                max_response_bytes=JWKS_MAX_BYTES,
            )
        except TransportError as exc:
            # The reason (a TLS or socket error's text) is this host's business, not the caller's.
            logger.warning("JWKS fetch failed (%s)", exc.reason)
            raise ServiceUnavailable(
                "the issuer's key set (JWKS) could not be fetched", retry_after=JWKS_RETRY_AFTER_SECONDS
            ) from None
        if answer.status != 200:
            raise ServiceUnavailable(
                f"the JWKS endpoint answered {answer.status}", retry_after=JWKS_RETRY_AFTER_SECONDS
            )
        try:
            return jwt.PyJWKSet.from_dict(json.loads(answer.body))
        except (ValueError, AttributeError, TypeError, RecursionError, NotImplementedError, jwt.PyJWTError):
            # NotImplementedError: PyJWT's answer to a key whose "alg" it has no algorithm for.
            raise UpstreamError("the JWKS endpoint answered something that is not a usable key set") from None


def _find(keys, kid: str):
    return next((key for key in keys.keys if key.key_id == kid), None)


class JwtVerifier:
    def __init__(self, issuer: str, audiences: Sequence[str], jwks: Jwks):
        self.issuer = issuer
        self.audiences = frozenset(audiences)
        self.jwks = jwks

    def verify(self, token: str, deadline: Deadline) -> dict:
        """The token's claims; InvalidToken when it is not a valid token for
        this issuer and audience, ServiceUnavailable when the JWKS is out of reach."""
        import jwt  # noqa: PLC0415 - the serve extra, loaded only when JWTs are configured

        try:
            header = jwt.get_unverified_header(token)
            algorithm, kid = header.get("alg"), header.get("kid")
            if "crit" in header:  # RFC 7515: extensions a verifier does not know make the token invalid
                raise InvalidToken("the token names critical header extensions, which are not accepted")
            if algorithm not in JWT_ALGORITHMS:
                raise InvalidToken(f"the token's algorithm is not accepted; use one of {', '.join(JWT_ALGORITHMS)}")
            if not isinstance(kid, str):
                raise InvalidToken("the token names no signing key (kid)")
            key = self.jwks.key(kid, deadline)
            if key.algorithm_name != algorithm:
                raise InvalidToken("the token's algorithm is not its signing key's")
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=self.issuer,
                leeway=JWT_LEEWAY_SECONDS,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            message = _JWT_REFUSALS.get(type(exc).__name__, "the token is not a valid JWT")
            raise InvalidToken(message) from None
        except (RecursionError, ValueError, TypeError):  # a nested or odd header some PyJWT versions let out
            raise InvalidToken("the token is not a valid JWT") from None
        if claims.get("iss") != self.issuer:  # exact, whatever the PyJWT version's own check
            raise InvalidToken("the token's issuer is not accepted here")
        if not self.accepts_audience(claims):
            raise InvalidToken("the token's audience is not accepted here")
        return claims

    def accepts_audience(self, claims: Mapping) -> bool:
        """API Gateway's rule: ``aud`` names an audience; without ``aud``, ``client_id`` does."""
        audience = claims.get("aud", claims.get("client_id"))
        named = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        return any(isinstance(name, str) and name in self.audiences for name in named)


# --- the gate ----------------------------------------------------------------------------


class Authenticator:
    """Decides, per request, who is calling and whether they may."""

    def __init__(self, token: str | None, jwt_verifier: JwtVerifier | None = None):
        self._token = None if token is None else token.encode("ascii")
        self._jwt = jwt_verifier

    @property
    def open(self) -> bool:
        """No credential is asked for (a loopback-only development server)."""
        return self._token is None and self._jwt is None

    def may_fetch(self, headers: Mapping[str, str]) -> bool:
        """Whether checking this request's credential may fetch the issuer's JWKS."""
        if self._jwt is None:
            return False
        credential = bearer(headers)
        return credential is not None and credential.count(".") == 2

    def caller(self, headers: Mapping[str, str], path: str, deadline: Deadline) -> str:
        """Who is calling, for the log line (``token``, ``jwt:<sub>``,
        ``anonymous``); raises Unauthorized or Forbidden."""
        if self.open:
            return "anonymous"
        credential = bearer(headers)
        if credential is None:
            raise Unauthorized("this server needs Authorization: Bearer <token>")
        # latin-1 gives back the header's own bytes (compare_digest takes no non-ASCII text).
        if self._token is not None and hmac.compare_digest(credential.encode("latin-1"), self._token):
            return "token"
        if self._jwt is not None and credential.count(".") == 2:
            claims = self._jwt.verify(credential, deadline)
            if companion_path(path) is None:
                raise Forbidden("a user's token (JWT) reaches only the upload routes under /s3/")
            subject = claims.get("sub")
            return f"jwt:{subject[:128]}" if isinstance(subject, str) else "jwt"
        raise InvalidToken("the bearer token is not valid")


def authenticator(
    token_file: str | None,
    environ: Mapping[str, str],
    *,
    jwt_issuer: str | None = None,
    jwt_audiences: Sequence[str] = (),
    jwks_url: str | None = None,
) -> Authenticator:
    """The gate as configured; ConfigError names the option at fault."""
    return Authenticator(load_token(token_file, environ), jwt_verifier(jwt_issuer, jwt_audiences, jwks_url, environ))


def jwt_verifier(
    issuer: str | None, audiences: Sequence[str], jwks_url: str | None, environ: Mapping[str, str]
) -> JwtVerifier | None:
    """None without JWT options; all three are needed together."""
    given = {"--jwt-issuer": issuer, "--jwt-audience": list(audiences), "--jwks-url": jwks_url}
    if not any(given.values()):
        return None
    for option, value in given.items():
        if not value:
            raise ConfigError(
                option, "is needed too: JWTs are verified with --jwt-issuer, --jwt-audience and --jwks-url"
            )
    if any(not audience.strip() for audience in audiences):
        raise ConfigError("--jwt-audience", "must not be empty")
    from .checks import Invalid, boolean  # noqa: PLC0415 - start-up only
    from .endpoints import ALLOW_HTTP_SETTING, validate_endpoint  # noqa: PLC0415

    try:
        allow_http = boolean(environ.get(ALLOW_HTTP_SETTING) or "false")
    except Invalid as exc:
        raise ConfigError(ALLOW_HTTP_SETTING, str(exc)) from None
    url = validate_endpoint("--jwks-url", jwks_url, allow_http=allow_http)
    return JwtVerifier(issuer, audiences, Jwks(url))
