"""Configuration: which buckets may be signed for, as which role, for how long.

Read once at start-up from environment variables (one bucket) or a JSON/TOML
document (many buckets); see docs/configuration.md. Every error names the
setting at fault, so a bad deployment fails at Lambda init with a clear message
instead of at the first request.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import NamedTuple

from .credentials import RoleSpec
from .errors import ConfigError, UnknownBucket, XpresignError
from .s3 import ADDRESSING_STYLES, is_dns_compatible, validate_bucket_name
from .sigv4 import MAX_PRESIGN_EXPIRES
from .sts import ROLE_CHAINING_MAX_SECONDS

DEFAULT_MAX_EXPIRES = 3600
DEFAULT_EXPIRES = 900
DEFAULT_MAX_BATCH = 1000
#: A batch is one Lambda response, which may not exceed 6 MB; 10,000 URLs of
#: ~600 bytes already fill it.
MAX_BATCH_LIMIT = 10_000
DEFAULT_SESSION_NAME = "xpresign"
#: STS bounds on DurationSeconds (the role's MaxSessionDuration may be lower).
MIN_ROLE_DURATION, MAX_ROLE_DURATION = 900, 43200

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")

BUCKET_KEYS = frozenset(
    {
        "bucket", "region", "role_arn", "external_id", "source_identity", "session_tags",
        "role_session_name", "role_duration", "allowed_prefixes", "max_expires",
        "default_expires", "addressing_style", "use_global_endpoint",
    }
)  # fmt: skip
DOCUMENT_KEYS = frozenset({"buckets", "max_batch", "cors_allow_origins"})


class BucketConfig(NamedTuple):
    alias: str
    name: str
    region: str
    role: RoleSpec | None
    allowed_prefixes: tuple[str, ...] = ()  # empty: every key
    max_expires: int = DEFAULT_MAX_EXPIRES
    default_expires: int = DEFAULT_EXPIRES
    addressing_style: str = "auto"
    use_global_endpoint: bool = False

    def allows(self, key: str) -> bool:
        return not self.allowed_prefixes or key.startswith(self.allowed_prefixes)


class Endpoints(NamedTuple):
    """Endpoint overrides, per the AWS SDKs' ``AWS_ENDPOINT_URL*`` variables."""

    s3: str | None = None
    sts: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Endpoints:
        if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
            return cls()
        common = environ.get("AWS_ENDPOINT_URL") or None
        return cls(
            s3=environ.get("AWS_ENDPOINT_URL_S3") or common,
            sts=environ.get("AWS_ENDPOINT_URL_STS") or common,
        )


class Config(NamedTuple):
    buckets: Mapping[str, BucketConfig]
    region: str
    endpoints: Endpoints = Endpoints()
    max_batch: int = DEFAULT_MAX_BATCH
    cors_allow_origins: tuple[str, ...] = ()

    def bucket(self, name: object = None) -> BucketConfig:
        """The bucket a request names, by alias or real name; optional if only one."""
        if name is None or name == "":
            if len(self.buckets) == 1:
                return next(iter(self.buckets.values()))
            raise UnknownBucket(f"bucket is required: one of {', '.join(sorted(self.buckets))}")
        if not isinstance(name, str):
            raise UnknownBucket("bucket must be a string")
        found = self.buckets.get(name)
        if found is None:
            found = next((b for b in self.buckets.values() if b.name == name), None)
        if found is None:
            raise UnknownBucket(f"unknown bucket {name!r}: this service signs for {', '.join(sorted(self.buckets))}")
        return found


def default_region(environ: Mapping[str, str]) -> str | None:
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from ``environ`` (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    document_source = _document_source(env)
    if document_source is not None:
        setting, text = document_source
        if env.get("XPRESIGN_BUCKET"):
            raise ConfigError(setting, "set either it or XPRESIGN_BUCKET, not both")
        document = _parse_document(setting, text)
        return _from_document(setting, document, env)
    if not env.get("XPRESIGN_BUCKET"):
        raise ConfigError(
            "XPRESIGN_BUCKET", "not set: name the bucket, or give XPRESIGN_CONFIG / XPRESIGN_CONFIG_FILE"
        )
    return _from_variables(env)


# --- sources -------------------------------------------------------------------


def _document_source(env: Mapping[str, str]) -> tuple[str, str] | None:
    inline, path = env.get("XPRESIGN_CONFIG"), env.get("XPRESIGN_CONFIG_FILE")
    if inline and path:
        raise ConfigError("XPRESIGN_CONFIG", "set either it or XPRESIGN_CONFIG_FILE, not both")
    if inline:
        return "XPRESIGN_CONFIG", inline
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return "XPRESIGN_CONFIG_FILE", handle.read()
        except OSError as exc:
            raise ConfigError("XPRESIGN_CONFIG_FILE", f"cannot read {path!r}: {exc.strerror}") from None
    return None


def _parse_document(setting: str, text: str) -> dict:
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            document = json.loads(text)
        else:
            import tomllib  # noqa: PLC0415 - only TOML users pay for it

            document = tomllib.loads(text)
    except (ValueError, UnicodeError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise ConfigError(setting, f"not valid JSON or TOML ({exc})") from None
    if not isinstance(document, dict):
        raise ConfigError(setting, "must be a JSON object / TOML table")
    return document


def _from_variables(env: Mapping[str, str]) -> Config:
    region = default_region(env)
    raw = {
        "bucket": env.get("XPRESIGN_BUCKET"),
        "region": env.get("XPRESIGN_BUCKET_REGION"),
        "role_arn": env.get("XPRESIGN_ROLE_ARN"),
        "external_id": env.get("XPRESIGN_EXTERNAL_ID"),
        "source_identity": env.get("XPRESIGN_SOURCE_IDENTITY"),
        "session_tags": env.get("XPRESIGN_SESSION_TAGS"),
        "role_session_name": env.get("XPRESIGN_ROLE_SESSION_NAME"),
        "role_duration": env.get("XPRESIGN_ROLE_DURATION"),
        "allowed_prefixes": env.get("XPRESIGN_ALLOWED_PREFIXES"),
        "max_expires": env.get("XPRESIGN_MAX_EXPIRES"),
        "default_expires": env.get("XPRESIGN_DEFAULT_EXPIRES"),
        "addressing_style": env.get("XPRESIGN_ADDRESSING_STYLE"),
        "use_global_endpoint": env.get("XPRESIGN_USE_GLOBAL_ENDPOINT"),
    }
    names = {key: "XPRESIGN_" + key.upper() for key in raw}
    names |= {"bucket": "XPRESIGN_BUCKET", "region": "XPRESIGN_BUCKET_REGION"}
    bucket = bucket_config(raw["bucket"], raw, names, env, region)
    return Config(
        buckets={bucket.alias: bucket},
        region=region or bucket.region,
        endpoints=Endpoints.from_environ(env),
        max_batch=_service_max_batch(env, None),
        cors_allow_origins=_service_cors(env, None),
    )


def _from_document(setting: str, document: dict, env: Mapping[str, str]) -> Config:
    unknown = set(document) - DOCUMENT_KEYS
    if unknown:
        raise ConfigError(f"{setting}: {sorted(unknown)[0]}", f"unknown setting (expected one of {', '.join(sorted(DOCUMENT_KEYS))})")
    buckets_doc = document.get("buckets")
    if not isinstance(buckets_doc, dict) or not buckets_doc:
        raise ConfigError(f"{setting}: buckets", "must map at least one alias to a bucket")
    region = default_region(env)
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
    return Config(
        buckets=buckets,
        region=region or next(iter(buckets.values())).region,
        endpoints=Endpoints.from_environ(env),
        max_batch=_service_max_batch(env, (f"{setting}: max_batch", document.get("max_batch"))),
        cors_allow_origins=_service_cors(env, (f"{setting}: cors_allow_origins", document.get("cors_allow_origins"))),
    )


# --- one bucket ----------------------------------------------------------------


def bucket_config(
    alias: str, raw: Mapping, names: Mapping[str, str], env: Mapping[str, str], region: str | None
) -> BucketConfig:
    """One bucket's settings from ``raw`` (keys of ``BUCKET_KEYS``); ``names``
    maps each key to the setting name errors should show (a variable, a
    document path, or a CLI option)."""
    name = raw.get("bucket") or alias
    try:
        validate_bucket_name(name)
    except XpresignError as exc:
        raise ConfigError(names["bucket"], exc.message) from None

    bucket_region = _string(names["region"], raw.get("region")) or region
    if not bucket_region:
        raise ConfigError(names["region"], "not set, and neither is AWS_REGION or AWS_DEFAULT_REGION")
    if not _REGION.match(bucket_region):
        raise ConfigError(names["region"], f"{bucket_region!r} is not an AWS region name like 'eu-west-1'")

    max_expires = _seconds(names["max_expires"], raw.get("max_expires"), DEFAULT_MAX_EXPIRES, 1, MAX_PRESIGN_EXPIRES)
    default_expires = _seconds(
        names["default_expires"], raw.get("default_expires"), min(DEFAULT_EXPIRES, max_expires), 1, max_expires
    )

    style = _string(names["addressing_style"], raw.get("addressing_style")) or "auto"
    if style not in ADDRESSING_STYLES:
        raise ConfigError(names["addressing_style"], f"must be one of {', '.join(ADDRESSING_STYLES)}, got {style!r}")
    if style == "virtual" and not is_dns_compatible(name):
        raise ConfigError(names["addressing_style"], f"'virtual' needs a DNS-compatible bucket name; {name!r} is not")

    return BucketConfig(
        alias=alias,
        name=name,
        region=bucket_region,
        role=_role(raw, names, env),
        allowed_prefixes=_prefixes(names["allowed_prefixes"], raw.get("allowed_prefixes")),
        max_expires=max_expires,
        default_expires=default_expires,
        addressing_style=style,
        use_global_endpoint=_boolean(names["use_global_endpoint"], raw.get("use_global_endpoint")),
    )


def _role(raw: Mapping, names: Mapping[str, str], env: Mapping[str, str]) -> RoleSpec | None:
    role_arn = _string(names["role_arn"], raw.get("role_arn"))
    role_only = ("external_id", "source_identity", "session_tags", "role_session_name", "role_duration")
    if not role_arn:
        for key in role_only:
            if raw.get(key) not in (None, ""):
                raise ConfigError(names[key], "only means something with a role to assume: set role_arn too")
        return None
    if not _ROLE_ARN.match(role_arn):
        raise ConfigError(names["role_arn"], f"{role_arn!r} is not an IAM role ARN like arn:aws:iam::111111111111:role/name")

    external_id = _string(names["external_id"], raw.get("external_id")) or None
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        raise ConfigError(names["external_id"], "must be 2 to 1224 characters of letters, digits and +=,.@:/-")
    session_name = _string(names["role_session_name"], raw.get("role_session_name")) or (
        env.get("AWS_LAMBDA_FUNCTION_NAME", "")[:64] or DEFAULT_SESSION_NAME
    )
    if not _SESSION_NAME.match(session_name):
        raise ConfigError(names["role_session_name"], "must be 2 to 64 characters of letters, digits and +=,.@_-")
    source_identity = _string(names["source_identity"], raw.get("source_identity")) or None
    if source_identity is not None and not _SESSION_NAME.match(source_identity):
        raise ConfigError(names["source_identity"], "must be 2 to 64 characters of letters, digits and +=,.@_-")
    return RoleSpec(
        role_arn=role_arn,
        session_name=session_name,
        duration_seconds=_seconds(
            names["role_duration"], raw.get("role_duration"), ROLE_CHAINING_MAX_SECONDS, MIN_ROLE_DURATION, MAX_ROLE_DURATION
        ),
        external_id=external_id,
        source_identity=source_identity,
        tags=_tags(names["session_tags"], raw.get("session_tags")),
    )


# --- values ----------------------------------------------------------------------


def _string(setting: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(setting, f"must be a string, got {type(value).__name__}")
    return value.strip()


def _seconds(setting: str, value: object, default: int, low: int, high: int) -> int:
    return _integer(setting, value, default, low, high, "a whole number of seconds")


def _integer(setting: str, value: object, default: int, low: int, high: int, what: str = "a whole number") -> int:
    if value is None or value == "":
        return default
    number = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise ConfigError(setting, f"must be {what} between {low} and {high}, got {value!r}")
    return number


def _boolean(setting: str, value: object) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise ConfigError(setting, f"must be true or false, got {value!r}")


def _string_list(setting: str, value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(setting, "must be a list of strings (or, in a variable, comma-separated)")


def _prefixes(setting: str, value: object) -> tuple[str, ...]:
    prefixes = _string_list(setting, value)
    # An empty prefix allows every key: say so with no prefixes at all.
    return () if "" in prefixes else prefixes


def _tags(setting: str, value: object) -> tuple[tuple[str, str], ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        pairs = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, tag_value = part.partition("=")
            if not sep or not key.strip():
                raise ConfigError(setting, f"expected key=value pairs separated by commas, got {part!r}")
            pairs.append((key.strip(), tag_value.strip()))
        return tuple(pairs)
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return tuple(value.items())
    raise ConfigError(setting, "must map tag keys to string values")


def _service_max_batch(env: Mapping[str, str], document_value: tuple[str, object] | None) -> int:
    setting, value = _one_of(env, "XPRESIGN_MAX_BATCH", document_value)
    return _integer(setting, value, DEFAULT_MAX_BATCH, 1, MAX_BATCH_LIMIT)


def _service_cors(env: Mapping[str, str], document_value: tuple[str, object] | None) -> tuple[str, ...]:
    setting, value = _one_of(env, "XPRESIGN_CORS_ALLOW_ORIGINS", document_value)
    origins = _string_list(setting, value)
    for origin in origins:
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            raise ConfigError(setting, f"{origin!r} is not an origin like https://app.example.com (or *)")
    return origins


def _one_of(env: Mapping[str, str], variable: str, document_value: tuple[str, object] | None) -> tuple[str, object]:
    from_env = env.get(variable) or None
    if document_value is not None and document_value[1] is not None:
        if from_env is not None:
            raise ConfigError(variable, f"also set as {document_value[0]}; set it in one place")
        return document_value
    return variable, from_env
