"""One bucket's settings: where it is, which role signs for it, and what may be signed.

Used for every source of configuration (variables, a JSON/TOML document, the
CLI's options); the caller passes the name each setting has in its source, so
every error names what the user wrote.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import NamedTuple

from . import config_values as values
from .checks import excerpt
from .content_types import media_type
from .errors import ConfigError, XpresignError
from .partitions import UnsupportedRegion, partition_of
from .s3 import ADDRESSING_STYLES, is_dns_compatible, validate_bucket_name
from .values import MAX_PRESIGN_EXPIRES, MAX_ROLE_DURATION, MIN_ROLE_DURATION, ROLE_CHAINING_MAX_SECONDS, RoleSpec

logger = logging.getLogger(__name__)

DEFAULT_MAX_EXPIRES = 3600
DEFAULT_EXPIRES = 900
DEFAULT_SESSION_NAME = "xpresign"
#: S3's largest single PUT (and POST); multipart goes to 5 TiB.
MAX_SINGLE_UPLOAD_SIZE = 5 * 1024**3
DEFAULT_MAX_UPLOAD_SIZE = MAX_SINGLE_UPLOAD_SIZE
MAX_OBJECT_SIZE = 5 * 1024**4

# re.ASCII: STS's \w is ASCII letters, digits and underscore; Python's would take "café".
_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")

BUCKET_KEYS = frozenset(
    {
        "bucket", "region", "role_arn", "external_id", "source_identity", "session_tags",
        "role_session_name", "role_duration", "allowed_prefixes", "max_expires",
        "default_expires", "addressing_style", "use_global_endpoint", "allowed_content_types",
        "upload_prefixes", "max_upload_size",
    }
)  # fmt: skip
ROLE_KEYS = ("external_id", "source_identity", "session_tags", "role_session_name", "role_duration")


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
    allowed_content_types: frozenset[str] = frozenset()  # empty: any type but the active ones
    upload_prefixes: tuple[str, ...] = ()  # empty: no uploads
    max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE

    def allows(self, key: str) -> bool:
        return not self.allowed_prefixes or key.startswith(self.allowed_prefixes)

    def allows_upload(self, key: str) -> bool:
        return bool(self.upload_prefixes) and key.startswith(self.upload_prefixes)


def bucket_config(
    alias: str, raw: Mapping, names: Mapping[str, str], env: Mapping[str, str], region: str | None
) -> BucketConfig:
    """One bucket's settings from ``raw`` (keys of ``BUCKET_KEYS``); ``names``
    maps each key to the setting name errors should show."""
    name = raw.get("bucket") or alias
    try:
        validate_bucket_name(name)
    except XpresignError as exc:
        raise ConfigError(names["bucket"], exc.message) from None

    given = raw.get("region")
    values.string(names["region"], given)  # a string, or absent
    bucket_region = given or region  # not stripped: whitespace makes it no region name
    if not bucket_region:
        raise ConfigError(names["region"], "not set, and neither is AWS_REGION or AWS_DEFAULT_REGION")
    try:
        partition = partition_of(bucket_region).name
    except UnsupportedRegion as exc:
        raise ConfigError(names["region"], str(exc)) from None

    max_expires = values.seconds(
        names["max_expires"], raw.get("max_expires"), DEFAULT_MAX_EXPIRES, 1, MAX_PRESIGN_EXPIRES
    )
    default_expires = values.seconds(
        names["default_expires"], raw.get("default_expires"), min(DEFAULT_EXPIRES, max_expires), 1, max_expires
    )

    style = values.string(names["addressing_style"], raw.get("addressing_style")) or "auto"
    if style not in ADDRESSING_STYLES:
        raise ConfigError(
            names["addressing_style"], f"must be one of {', '.join(ADDRESSING_STYLES)}, got {excerpt(style)}"
        )
    if style == "virtual" and not is_dns_compatible(name):
        raise ConfigError(names["addressing_style"], f"'virtual' needs a DNS-compatible bucket name; {name!r} is not")

    role = role_spec(raw, names, env)
    if role is not None:
        role_partition = role.role_arn.split(":")[1]
        if role_partition != partition:
            raise ConfigError(
                names["role_arn"], f"is in the {role_partition} partition, but the bucket's region is in {partition}"
            )
        # STS is called in the default region: credentials never cross partitions.
        sts_partition = partition_of(region).name if region else partition
        if role_partition != sts_partition:
            raise ConfigError(
                names["role_arn"],
                f"is in the {role_partition} partition, but the function's region (AWS_REGION), where STS is "
                f"called, is in {sts_partition}",
            )
    allowed = _prefixes_with_warning(names["allowed_prefixes"], raw.get("allowed_prefixes"))
    uploads = _prefixes_with_warning(names["upload_prefixes"], raw.get("upload_prefixes"))
    return BucketConfig(
        alias=alias,
        name=name,
        region=bucket_region,
        role=role,
        allowed_prefixes=allowed,
        max_expires=max_expires,
        default_expires=default_expires,
        addressing_style=style,
        use_global_endpoint=values.flag(names["use_global_endpoint"], raw.get("use_global_endpoint")),
        allowed_content_types=allowed_types(names["allowed_content_types"], raw.get("allowed_content_types")),
        upload_prefixes=uploads,
        max_upload_size=values.integer(
            names["max_upload_size"],
            raw.get("max_upload_size"),
            DEFAULT_MAX_UPLOAD_SIZE,
            1,
            MAX_OBJECT_SIZE,
            " of bytes",
        ),
    )


def _prefixes_with_warning(setting: str, value: object) -> tuple[str, ...]:
    found = values.prefixes(setting, value)
    for prefix in found:
        if not prefix.endswith("/"):
            # The same rule as IAM's "prefix*": "movies" also matches "movies-private/...".
            logger.warning(
                "%s: prefix %s has no trailing slash, so it also allows keys such as %s (see docs/configuration.md)",
                setting,
                excerpt(prefix),
                excerpt(prefix + "-other/..."),
            )
    return found


def allowed_types(setting: str, value: object) -> frozenset[str]:
    """A list of media types (``allowed_content_types``), each without parameters."""
    types = values.string_list(setting, value)
    for kind in types:
        if not _MEDIA_TYPE.fullmatch(media_type(kind)) or ";" in kind:
            raise ConfigError(setting, f"{excerpt(kind)} is not a media type like video/mp4 (no parameters)")
    return frozenset(media_type(kind) for kind in types)


def role_spec(raw: Mapping, names: Mapping[str, str], env: Mapping[str, str]) -> RoleSpec | None:
    """The role settings of ``raw`` (``role_arn`` and the keys of ``ROLE_KEYS``), checked; None without a role."""
    role_arn = values.string(names["role_arn"], raw.get("role_arn"))
    if not role_arn:
        for key in ROLE_KEYS:
            if raw.get(key) not in (None, ""):
                raise ConfigError(names[key], "only means something with a role to assume: set role_arn too")
        return None
    if not _ROLE_ARN.fullmatch(role_arn):
        raise ConfigError(
            names["role_arn"], f"{excerpt(role_arn)} is not an IAM role ARN like arn:aws:iam::111111111111:role/name"
        )
    external_id = values.string(names["external_id"], raw.get("external_id")) or None
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise ConfigError(names["external_id"], "must be 2 to 1224 characters of letters, digits and +=,.@:/-")
    session_name = values.string(names["role_session_name"], raw.get("role_session_name")) or (
        env.get("AWS_LAMBDA_FUNCTION_NAME", "")[:64] or DEFAULT_SESSION_NAME
    )
    if not _SESSION_NAME.fullmatch(session_name):
        raise ConfigError(names["role_session_name"], "must be 2 to 64 characters of letters, digits and +=,.@_-")
    source_identity = values.string(names["source_identity"], raw.get("source_identity")) or None
    if source_identity is not None and not _SESSION_NAME.fullmatch(source_identity):
        raise ConfigError(names["source_identity"], "must be 2 to 64 characters of letters, digits and +=,.@_-")
    return RoleSpec(
        role_arn=role_arn,
        session_name=session_name,
        duration_seconds=values.seconds(
            names["role_duration"],
            raw.get("role_duration"),
            ROLE_CHAINING_MAX_SECONDS,
            MIN_ROLE_DURATION,
            MAX_ROLE_DURATION,
        ),
        external_id=external_id,
        source_identity=source_identity,
        tags=values.tags(names["session_tags"], raw.get("session_tags")),
    )
