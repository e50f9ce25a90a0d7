"""Assembling the service from the environment: TLS, credentials, configuration, STS.

The Lambda handler and ``xpresign serve`` both start here, so both read the
same settings the same way, and both fail at start-up with a message that
names the setting at fault.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from . import transport
from .config import SSM_SETTING, default_region, load_config
from .credentials import CredentialBroker, Spawn
from .endpoints import Endpoints
from .errors import ConfigError
from .presigner import Presigner
from .sources import credential_source
from .sts import StsClient


def configure_tls(environ: Mapping[str, str], ca_bundle: str | None = None) -> None:
    """Trust ``AWS_CA_BUNDLE`` (or ``ca_bundle``, e.g. a CLI profile's) for
    every HTTPS call; a missing or unreadable file fails start-up."""
    setting, path = (
        ("AWS_CA_BUNDLE", environ.get("AWS_CA_BUNDLE")) if environ.get("AWS_CA_BUNDLE") else ("ca_bundle", ca_bundle)
    )
    try:
        transport.set_ca_bundle(path or None)
    except ValueError as exc:
        raise ConfigError(setting, str(exc)) from None


def _parameter_reader(env: Mapping[str, str], broker: CredentialBroker):
    """Reads XPRESIGN_CONFIG_SSM_PARAMETER with the function's own credentials,
    only when it is set (the module, and its import, cost nothing otherwise)."""
    if not env.get(SSM_SETTING):
        return None
    from .ssm import SsmParameterReader  # noqa: PLC0415 - only for this setting

    region = default_region(env)
    if not region:
        raise ConfigError("AWS_REGION", f"not set, and {SSM_SETTING} needs the region of its parameter")
    # Through the broker: a source that refreshes keeps its session for the requests.
    return SsmParameterReader(region, Endpoints.from_environ(env).ssm, broker.source_credentials())


def presigner_from_environ(environ: Mapping[str, str] | None = None, *, spawn: Spawn | None = None) -> Presigner:
    """The service as configured by ``environ`` (default ``os.environ``).
    ``spawn`` makes the broker refresh in the background (servers only)."""
    env = os.environ if environ is None else environ
    configure_tls(env)
    broker = CredentialBroker(credential_source(env), spawn=spawn)
    config = load_config(env, read_parameter=_parameter_reader(env, broker))
    # STS's region and endpoint come from the configuration, read just now.
    broker.assume_role = StsClient(config.region, config.endpoints.sts).assume_role
    return Presigner(config, broker)
