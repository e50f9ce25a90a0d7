"""Service endpoints, per the AWS SDKs' ``AWS_ENDPOINT_URL*`` variables, checked at start-up.

An endpoint decides where xpresign sends the source session token (STS, SSM)
and the role's session token (S3's existence check and multipart calls), and
an S3 endpoint is copied into every URL handed out. So each one is validated
once, before the first request, with an error that names the variable:

* visible ASCII with no spaces, the scheme ``http`` or ``https``, a host, and a
  valid port;
* no ``user:password@`` (it would be copied into every URL and message);
* no query or fragment;
* plain ``http`` only to a loopback host (an emulator), unless
  ``XPRESIGN_ALLOW_HTTP_ENDPOINTS=true``: anywhere else it would carry
  credentials in clear.

Credential endpoints (container, IMDS) follow botocore's own host rules, in
:mod:`xpresign.sources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from .checks import Invalid, boolean, header_safe
from .errors import ConfigError

ALLOW_HTTP_SETTING = "XPRESIGN_ALLOW_HTTP_ENDPOINTS"
SERVICES = ("s3", "sts", "ssm")


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    import ipaddress  # noqa: PLC0415 - only when an endpoint is configured

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint(setting: str, url: str, *, allow_http: bool) -> str:
    """``url`` if it is a usable endpoint; else ConfigError naming ``setting``.
    Messages never quote the URL whole: it may hold a password."""
    url = url.strip()
    if not header_safe(url):
        # It is copied into every URL and sent as the Host header: a space or
        # a non-ASCII character would make URLs no client can use.
        raise ConfigError(setting, "must be visible ASCII with no spaces (an IDN host in its xn-- form)")
    try:
        parts = urlsplit(url)
    except ValueError:  # an IPv6 host's unclosed bracket
        raise ConfigError(setting, "is not a URL (an IPv6 host goes in [brackets])") from None
    try:
        port_valid = parts.port != 0  # None (the scheme's default) is valid
    except ValueError:  # not a number, or over 65535
        port_valid = False
    if parts.scheme not in ("http", "https"):
        raise ConfigError(setting, "must be an http:// or https:// URL")
    if "@" in parts.netloc:
        raise ConfigError(setting, "must not hold user:password@ (it would be copied into every URL)")
    if not parts.hostname:
        raise ConfigError(setting, "names no host")
    if not port_valid:
        raise ConfigError(setting, "has an invalid port (use 1 to 65535)")
    if parts.query or parts.fragment:
        raise ConfigError(setting, "must not have a query string or fragment")
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise ConfigError(
            setting,
            f"plain http to a non-loopback host would send credentials in clear; use https, or set {ALLOW_HTTP_SETTING}=true",
        )
    return url


class Endpoints(NamedTuple):
    """Endpoint overrides; None means the service's regional AWS endpoint."""

    s3: str | None = None
    sts: str | None = None
    ssm: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Endpoints:
        try:
            allow_http = boolean(environ.get(ALLOW_HTTP_SETTING) or "false")
        except Invalid as exc:
            raise ConfigError(ALLOW_HTTP_SETTING, str(exc)) from None
        ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true"
        if ignore:
            return cls()
        common = environ.get("AWS_ENDPOINT_URL") or None
        if common:
            common = validate_endpoint("AWS_ENDPOINT_URL", common, allow_http=allow_http)
        found = {}
        for service in SERVICES:
            variable = f"AWS_ENDPOINT_URL_{service.upper()}"
            value = environ.get(variable) or None
            found[service] = validate_endpoint(variable, value, allow_http=allow_http) if value else common
        return cls(**found)
