"""Configuration: which buckets may be signed for, as which role, for how long.

Read once at start-up from environment variables (one bucket) or a JSON/TOML
document (many buckets) given inline, in a file, or in an SSM parameter; see
docs/configuration.md. Every error names the setting at fault, so a bad
deployment fails at Lambda init with a clear message instead of at the first
request. One bucket's settings are read by :mod:`xpresign.config_bucket`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from . import config_values as values
from .checks import excerpt
from .config_bucket import (
    BUCKET_KEYS,
    DEFAULT_EXPIRES,
    DEFAULT_MAX_EXPIRES,
    BucketConfig,
    bucket_config,
)
from .endpoints import Endpoints
from .errors import ConfigError, UnknownBucket
from .files import Refused, read_regular
from .partitions import UnsupportedRegion, partition_of

__all__ = [
    "BUCKET_KEYS",
    "DEFAULT_EXPIRES",
    "DEFAULT_MAX_BATCH",
    "DEFAULT_MAX_EXPIRES",
    "BucketConfig",
    "Config",
    "Endpoints",
    "bucket_config",
    "default_region",
    "load_config",
]

DEFAULT_MAX_BATCH = 1000
#: The most items a batch may be configured for; what fits in the answer is
#: bounded again by the front door's response limit (413 ResponseTooLarge).
MAX_BATCH_LIMIT = 10_000
#: A configuration document (XPRESIGN_CONFIG_FILE) of a few hundred buckets is tens of KB.
MAX_DOCUMENT_BYTES = 1024 * 1024
DOCUMENT_KEYS = frozenset({"buckets", "max_batch", "cors_allow_origins", "companion_bucket"})
SSM_SETTING = "XPRESIGN_CONFIG_SSM_PARAMETER"
DOCUMENT_SETTINGS = ("XPRESIGN_CONFIG", "XPRESIGN_CONFIG_FILE", SSM_SETTING)
#: One bucket from variables: each key of BUCKET_KEYS and the variable that sets it.
BUCKET_VARIABLES = {key: "XPRESIGN_" + key.upper() for key in BUCKET_KEYS} | {
    "bucket": "XPRESIGN_BUCKET",
    "region": "XPRESIGN_BUCKET_REGION",
}
_ORIGIN = re.compile(r"https?://[^/\s]+", re.ASCII)

#: Reads an SSM parameter's value (see xpresign.ssm); injected so that the
#: configuration does not depend on credentials and networking.
ParameterReader = Callable[[str], str]


class Config(NamedTuple):
    buckets: Mapping[str, BucketConfig]
    region: str
    endpoints: Endpoints = Endpoints()
    max_batch: int = DEFAULT_MAX_BATCH
    cors_allow_origins: tuple[str, ...] = ()
    companion_bucket: str | None = None  # alias of the bucket Uppy uploads go to

    def bucket(self, name: object = None) -> BucketConfig:
        """The bucket a request names, by alias or real name; optional if only one."""
        if name is None or name == "":
            if len(self.buckets) == 1:
                return next(iter(self.buckets.values()))
            raise UnknownBucket(f"bucket is required: one of {', '.join(sorted(self.buckets))}")
        if not isinstance(name, str):
            raise UnknownBucket(f"bucket must be a string, got {excerpt(name)}")
        found = self.buckets.get(name)
        if found is None:
            found = next((b for b in self.buckets.values() if b.name == name), None)
        if found is None:
            raise UnknownBucket(
                f"unknown bucket {excerpt(name)}: this service signs for {', '.join(sorted(self.buckets))}"
            )
        return found


def default_region(environ: Mapping[str, str]) -> str | None:
    # Not stripped: "eu-west-1\n" is refused at start-up, not silently mended.
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def _checked_default_region(environ: Mapping[str, str]) -> str | None:
    """:func:`default_region`, refused at start-up when it is not a region of
    a supported partition: it is STS's region even when every bucket names
    its own."""
    region = default_region(environ)
    if region is not None:
        try:
            partition_of(region)
        except UnsupportedRegion as exc:
            raise ConfigError("AWS_REGION" if environ.get("AWS_REGION") else "AWS_DEFAULT_REGION", str(exc)) from None
    return region


def load_config(environ: Mapping[str, str] | None = None, *, read_parameter: ParameterReader | None = None) -> Config:
    """Build the configuration from ``environ`` (default ``os.environ``).
    ``read_parameter`` serves ``XPRESIGN_CONFIG_SSM_PARAMETER``."""
    env = os.environ if environ is None else environ
    given = [name for name in DOCUMENT_SETTINGS if env.get(name)]
    if len(given) > 1:
        raise ConfigError(given[0], f"set only one of {', '.join(DOCUMENT_SETTINGS)}")
    if given:
        setting = given[0]
        if env.get("XPRESIGN_BUCKET"):
            raise ConfigError(setting, "set either it or XPRESIGN_BUCKET, not both")
        document = parse_document(setting, _document_text(setting, env[setting], read_parameter))
        return _from_document(setting, document, env)
    if not env.get("XPRESIGN_BUCKET"):
        raise ConfigError(
            "XPRESIGN_BUCKET",
            f"not set: name the bucket, or give {', '.join(DOCUMENT_SETTINGS[:-1])} or {DOCUMENT_SETTINGS[-1]}",
        )
    return _from_variables(env)


# --- sources -------------------------------------------------------------------


def _document_text(setting: str, value: str, read_parameter: ParameterReader | None) -> str:
    if setting == "XPRESIGN_CONFIG":
        return value
    if setting == SSM_SETTING:
        if read_parameter is None:
            raise ConfigError(setting, "cannot be read here: no SSM client was given")
        return read_parameter(value.strip())
    try:
        return read_regular(value, MAX_DOCUMENT_BYTES).decode("utf-8")
    except Refused as exc:
        raise ConfigError(setting, f"cannot read {excerpt(value)}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(setting, f"{excerpt(value)} is not UTF-8 text") from None


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {excerpt(key)}")
        seen[key] = value
    return seen


def parse_document(setting: str, text: str) -> dict:
    """A JSON (if it starts with ``{``) or TOML document; a key given twice is an error."""
    try:
        if text.lstrip().startswith("{"):
            document = json.loads(text, object_pairs_hook=_no_duplicates)
        else:
            import tomllib  # noqa: PLC0415 - only TOML users pay for it

            document = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(setting, "is nested too deeply") from None
    except (ValueError, UnicodeError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise ConfigError(setting, f"not valid JSON or TOML ({str(exc)[:200]})") from None
    if not isinstance(document, dict):
        raise ConfigError(setting, "must be a JSON object / TOML table")
    return document


def _from_variables(env: Mapping[str, str]) -> Config:
    region = _checked_default_region(env)
    raw = {key: env.get(variable) for key, variable in BUCKET_VARIABLES.items()}
    bucket = bucket_config(raw["bucket"], raw, BUCKET_VARIABLES, env, region)
    buckets = {bucket.alias: bucket}
    return Config(
        buckets=buckets,
        region=region or bucket.region,
        endpoints=Endpoints.from_environ(env),
        max_batch=_max_batch(env, None),
        cors_allow_origins=_cors(env, None),
        companion_bucket=_companion(env, None, buckets),
    )


def _from_document(setting: str, document: dict, env: Mapping[str, str]) -> Config:
    unknown = set(document) - DOCUMENT_KEYS
    if unknown:
        raise ConfigError(
            f"{setting}: {sorted(map(str, unknown))[0][:64]}",
            f"unknown setting (expected one of {', '.join(sorted(DOCUMENT_KEYS))})",
        )
    buckets_doc = document.get("buckets")
    if not isinstance(buckets_doc, dict) or not buckets_doc:
        raise ConfigError(f"{setting}: buckets", "must map at least one alias to a bucket")
    region = _checked_default_region(env)
    buckets = {}
    for alias, entry in buckets_doc.items():
        prefix = f"{setting}: buckets.{alias}"
        if not isinstance(entry, dict):
            raise ConfigError(prefix, "must be an object")
        entry = {k: v for k, v in entry.items() if v is not None}
        unknown = set(entry) - BUCKET_KEYS
        if unknown:
            raise ConfigError(f"{prefix}.{sorted(unknown)[0]}", "unknown setting (a typo?)")
        names = {key: f"{prefix}.{key}" for key in BUCKET_KEYS}
        buckets[alias] = bucket_config(alias, entry, names, env, region)

    def service(key: str) -> tuple[str, object]:
        return f"{setting}: {key}", document.get(key)

    return Config(
        buckets=buckets,
        region=region or next(iter(buckets.values())).region,
        endpoints=Endpoints.from_environ(env),
        max_batch=_max_batch(env, service("max_batch")),
        cors_allow_origins=_cors(env, service("cors_allow_origins")),
        companion_bucket=_companion(env, service("companion_bucket"), buckets),
    )


# --- service-wide settings ----------------------------------------------------


def _max_batch(env: Mapping[str, str], document_value: tuple[str, object] | None) -> int:
    setting, value = _one_of(env, "XPRESIGN_MAX_BATCH", document_value)
    return values.integer(setting, value, DEFAULT_MAX_BATCH, 1, MAX_BATCH_LIMIT)


def _cors(env: Mapping[str, str], document_value: tuple[str, object] | None) -> tuple[str, ...]:
    setting, value = _one_of(env, "XPRESIGN_CORS_ALLOW_ORIGINS", document_value)
    origins = values.string_list(setting, value)
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ConfigError(setting, f"{excerpt(origin)} is not an origin like https://app.example.com (or *)")
    return origins


def _companion(
    env: Mapping[str, str], document_value: tuple[str, object] | None, buckets: Mapping[str, BucketConfig]
) -> str | None:
    setting, value = _one_of(env, "XPRESIGN_COMPANION_BUCKET", document_value)
    alias = values.string(setting, value)
    if not alias:
        return None
    bucket = buckets.get(alias) or next((b for b in buckets.values() if b.name == alias), None)
    if bucket is None:
        raise ConfigError(setting, f"{excerpt(alias)} is not a configured bucket")
    if not bucket.upload_prefixes:
        raise ConfigError(setting, f"bucket {bucket.alias!r} has no upload_prefixes, so Uppy could not upload to it")
    return bucket.alias


def _one_of(env: Mapping[str, str], variable: str, document_value: tuple[str, object] | None) -> tuple[str, object]:
    from_env = env.get(variable) or None
    if document_value is not None and document_value[1] is not None:
        if from_env is not None:
            raise ConfigError(variable, f"also set as {document_value[0]}; set it in one place")
        return document_value
    return variable, from_env
