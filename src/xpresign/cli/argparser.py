"""From parsed arguments to what a program needs, checked before anything runs.

Every argument is validated before a region or credentials are looked for, so
a typo fails in milliseconds with a message that names its option, not after
a round trip to SSO or STS.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable, Mapping
from typing import TextIO

from ..checks import Invalid, excerpt, printable_text
from ..config import BUCKET_KEYS, Config, bucket_config, default_region
from ..config_bucket import MAX_OBJECT_SIZE, BucketConfig, allowed_types, role_spec
from ..content_types import media_type
from ..endpoints import Endpoints, validate_endpoint
from ..errors import ConfigError, NoCredentials, XpresignError
from ..presigner import MAX_CONTENT_TYPE_BYTES, MAX_VERSION_ID_BYTES, check_content_type
from ..redact import mask
from ..s3 import MAX_FILENAME_BYTES, validate_bucket_name, validate_key
from ..uploads import checksum_sha256
from ..values import MAX_PRESIGN_EXPIRES
from .definition import DEFAULT_EXPIRES_IN, UsageError

S3_SCHEME = "s3://"
#: A line of --from: an s3:// URI with a key of S3's 1,024 bytes, and room to spare.
MAX_FROM_LINE_CHARS = 4096
#: RoleSessionName of the CLI's AssumeRole: tells CLI sessions apart in CloudTrail.
CLI_SESSION_NAME = "xpresign-cli"


def parse_s3_uri(text: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``. The key is everything after the
    first ``/`` after the bucket, taken literally (no percent-decoding, as the
    AWS CLI does)."""
    if not text.startswith(S3_SCHEME):
        raise UsageError(f"not an s3:// URI: {excerpt(text)} (expected s3://bucket/key)")
    bucket, _, key = text[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise UsageError(f"{excerpt(text)} names no bucket (expected s3://bucket/key)")
    if not key:
        raise UsageError(f"{excerpt(text)} names no object key (expected s3://bucket/key)")
    try:
        validate_bucket_name(bucket)
        validate_key(key)
    except XpresignError as exc:
        raise UsageError(f"{excerpt(text)}: {exc.message}") from None
    return bucket, key


def _target(text: str, bucket: str | None, where: str) -> tuple[str, str]:
    try:
        if text.startswith(S3_SCHEME):
            return parse_s3_uri(text)
        if bucket is None:
            raise UsageError(
                f"not an s3:// URI: {excerpt(text)} (expected s3://bucket/key, or give --bucket for bare keys)"
            )
        try:
            return bucket, validate_key(text)
        except XpresignError as exc:
            raise UsageError(f"{excerpt(text)}: {exc.message}") from None
    except UsageError as exc:
        raise UsageError(f"{where}{exc}") from None


def _lines(source: str, stdin: TextIO) -> Iterable[tuple[str, str]]:
    """``(where, line)`` for each non-blank line, ``where`` naming it in errors.
    Lines are read with a bound: ``/dev/zero`` holds no line end at all."""
    name = "stdin" if source == "-" else source
    if source == "-" and stdin is None:
        raise UsageError("--from: cannot read stdin: it is closed")
    try:
        handle = stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"--from: cannot read {excerpt(source)}: {exc.strerror}") from None
    try:
        for number in itertools.count(1):
            line = handle.readline(MAX_FROM_LINE_CHARS + 1)
            if not line:
                return
            if len(line) > MAX_FROM_LINE_CHARS:
                raise UsageError(f"--from: {name} line {number} is longer than {MAX_FROM_LINE_CHARS} characters")
            line = line.rstrip("\r\n")
            if number == 1:
                # Windows editors start UTF-8 with a BOM; it is no part of the first key.
                line = line.removeprefix("\ufeff")
            if line.strip():
                yield f"{name} line {number}: ", line
    except UnicodeDecodeError:
        raise UsageError(f"--from: {name} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"--from: cannot read {excerpt(name)}: {exc.strerror or exc}") from None
    finally:
        if handle is not stdin:
            handle.close()


def collect_targets(args: argparse.Namespace, stdin: TextIO) -> list[tuple[str, str]]:
    """Every ``(bucket, key)`` to sign, all checked before anything is signed."""
    if args.bucket is not None:
        try:
            validate_bucket_name(args.bucket)
        except XpresignError as exc:
            raise UsageError(f"--bucket: {exc.message}") from None
    targets = [_target(uri, args.bucket, "") for uri in args.uris]
    if args.from_file is not None:
        targets += [_target(line, args.bucket, where) for where, line in _lines(args.from_file, stdin)]
    if not targets:
        raise UsageError("nothing to sign: give s3://bucket/key arguments or --from FILE (see 'xpresign url --help')")
    return targets


def check_signing_options(args: argparse.Namespace) -> None:
    """The options every signing command shares, checked with no region or credentials."""
    if args.external_id and not args.role_arn:
        raise UsageError("--external-id needs --role-arn")
    if args.role_duration is not None and not args.role_arn:
        raise UsageError("--role-duration needs --role-arn")
    if args.role_arn is not None:
        raw, names = _bucket_settings(args)
        try:
            # The role's own rules need no region; its partition is held to the region's in cli_config.
            role_spec(raw, names, {})
        except ConfigError as exc:
            raise UsageError(exc.message) from None
    if args.endpoint_url is not None:
        try:
            # The user's own machine and emulator: plain http to anywhere is their call.
            validate_endpoint("--endpoint-url", args.endpoint_url, allow_http=True)
        except ConfigError as exc:
            raise UsageError(exc.message) from None


DOWNLOAD_OPTIONS = ("filename", "response_content_type", "version_id", "check")
UPLOAD_OPTIONS = ("content_type", "content_length", "checksum_sha256")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_url_options(args: argparse.Namespace, count: int) -> None:
    """``xpresign url``'s options, checked before a region or credentials are looked for."""
    check_signing_options(args)
    given = {name for name in (*DOWNLOAD_OPTIONS, *UPLOAD_OPTIONS) if getattr(args, name, None) not in (None, False)}
    if args.method == "PUT":
        if count > 1:
            raise UsageError(f"--method PUT signs one object; {count} were given")
        if args.content_length is None:
            raise UsageError("--method PUT needs --content-length (it is signed: S3 refuses any other length)")
        refused = sorted(given & set(DOWNLOAD_OPTIONS))
        if refused:
            raise UsageError(f"{_option(refused[0])} is for downloads; not with --method PUT")
    elif given & set(UPLOAD_OPTIONS):
        raise UsageError(f"{_option(sorted(given & set(UPLOAD_OPTIONS))[0])} needs --method PUT")
    for option, value in (("--filename", args.filename), ("--version-id", args.version_id)):
        if value is not None and count > 1:
            raise UsageError(f"{option} names one object; {count} were given")
    for option, value, limit in (
        ("--filename", args.filename, MAX_FILENAME_BYTES),
        ("--version-id", args.version_id, MAX_VERSION_ID_BYTES),
    ):
        if value is not None:
            try:
                printable_text(value, limit)
            except Invalid as exc:
                raise UsageError(f"{option} {exc}") from None
    check_content_types(args)
    if args.checksum_sha256 is not None:
        try:
            checksum_sha256(args.checksum_sha256, "--checksum-sha256")
        except XpresignError as exc:
            raise UsageError(exc.message) from None


def _content_type_options(args: argparse.Namespace) -> list[tuple[str, str]]:
    """``(option, value)`` of each content type named on the command line."""
    named = (("--response-content-type", "response_content_type"), ("--content-type", "content_type"))
    return [(option, getattr(args, name)) for option, name in named if getattr(args, name, None) is not None]


def check_content_types(args: argparse.Namespace) -> None:
    """--content-type and --response-content-type, by the rules the Lambda's
    settings and requests are held to. The CLI allows whichever type the user
    names (cli_config lists it as the bucket's allowed type), so that much of
    the request rule always passes; the rest is the option's to fail."""
    for option, value in _content_type_options(args):
        try:
            printable_text(value, MAX_CONTENT_TYPE_BYTES)
        except Invalid as exc:
            raise UsageError(f"{option} {exc}") from None
        try:
            allowed = allowed_types(option, [media_type(value)])
            check_content_type(BucketConfig("", "", "", None, allowed_content_types=allowed), value, option)
        except XpresignError as exc:
            raise UsageError(exc.message) from None


def botocore_available() -> bool:
    from importlib.util import find_spec  # noqa: PLC0415

    return find_spec("botocore") is not None


def profile_setting(profile: str | None, name: str) -> str | None:
    """A setting of the AWS profile (``region``, ``ca_bundle``), via botocore if installed."""
    if not botocore_available():
        return None
    import botocore.exceptions  # noqa: PLC0415 - the CLI's optional dependency
    import botocore.session  # noqa: PLC0415

    try:
        return botocore.session.Session(profile=profile).get_config_variable(name)
    except botocore.exceptions.BotoCoreError as exc:
        raise NoCredentials(f"botocore could not read the profile: {mask(str(exc))}") from None


def resolve_region(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    """The signing region, and where it came from (for error messages)."""
    if args.region:
        return args.region, "--region"
    region = default_region(environ)
    if region:
        return region, "AWS_REGION" if environ.get("AWS_REGION") else "AWS_DEFAULT_REGION"
    region = profile_setting(args.profile, "region")
    if not region:
        raise UsageError(
            "no region: give --region (the bucket's region), or set AWS_REGION, or a region in your AWS profile"
        )
    return region, f"the region of profile {args.profile or 'default'}"


def endpoints(args: argparse.Namespace, environ: Mapping[str, str]) -> Endpoints:
    if args.endpoint_url:
        return Endpoints(s3=args.endpoint_url, sts=args.endpoint_url)
    try:
        return Endpoints.from_environ(environ)
    except ConfigError as exc:
        raise UsageError(exc.message) from None


def cli_config(
    args: argparse.Namespace,
    buckets: Iterable[str],
    region: str,
    region_source: str,
    environ: Mapping[str, str],
    *,
    uploads: bool = False,
) -> Config:
    """A :class:`Config` for the buckets named on the command line, checked
    by the same rules as the Lambda's (errors name the option at fault).
    With ``uploads``, every key may be uploaded to, up to S3's own limit."""
    raw, names = _bucket_settings(args)
    names |= {"region": region_source}
    configs = {name: bucket_config(name, raw, names, {}, region) for name in dict.fromkeys(buckets)}
    if uploads:
        configs = {
            name: c._replace(upload_prefixes=("",), max_upload_size=MAX_OBJECT_SIZE) for name, c in configs.items()
        }
    return Config(buckets=configs, region=region, endpoints=endpoints(args, environ))


def _bucket_settings(args: argparse.Namespace) -> tuple[dict, dict[str, str]]:
    """The settings of every bucket named, as the Lambda's configuration
    would give them, and the option each one's error should name."""
    types = _content_type_options(args)
    raw = {
        "role_arn": args.role_arn,
        "external_id": args.external_id,
        "role_session_name": CLI_SESSION_NAME if args.role_arn else None,
        "role_duration": args.role_duration,
        # The user's own credentials and policy govern: only SigV4's limit applies.
        "max_expires": MAX_PRESIGN_EXPIRES,
        "default_expires": DEFAULT_EXPIRES_IN,
        # ...and the user's own judgement of which types to name.
        "allowed_content_types": [media_type(value) for _, value in types] or None,
    }
    # Errors name what the user typed (or where the region came from).
    options = {
        "role_arn": "--role-arn",
        "external_id": "--external-id",
        "role_duration": "--role-duration",
        "allowed_content_types": types[0][0] if types else "--content-type",
    }
    return raw, {key: options.get(key, key) for key in BUCKET_KEYS}
