"""``xpresign url``: presigned GET URLs from a terminal.

Signs with the user's own credentials (botocore's chain: profiles, SSO,
environment), or with a role assumed from them, through the same
:class:`~xpresign.api.Api` as the Lambda, so the expiry is just as honest.
Unlike the Lambda it is not limited to configured buckets or prefixes: the
credentials are the user's, and so is the policy that governs them.
"""

from __future__ import annotations

import argparse
import json
import os

from ..api import Api
from ..credentials import CredentialBroker
from ..errors import XpresignError
from ..presigner import PresignedUrl, Presigner
from ..sources import EnvironmentCredentials
from ..sts import StsClient
from ..values import NO_DEADLINE
from ..wiring import configure_tls
from . import argparser
from .core import safe_for_terminal
from .definition import PROG, UsageError
from .exit_codes import ExitCode, exit_code_for
from .progress import Progress, isatty
from .streams import Streams

#: Above this many keys, and only on a terminal, a progress bar is drawn on stderr.
PROGRESS_THRESHOLD = 300


def credential_source(profile: str | None, environ):
    if argparser.botocore_available():
        from ..sources import BotocoreCredentials  # noqa: PLC0415

        return BotocoreCredentials(profile)  # its failures are NoCredentials: one line
    if profile:
        raise UsageError("--profile needs botocore: pip install 'xpresign[cli]'")
    return EnvironmentCredentials(environ)


def build_api(args: argparse.Namespace, buckets, *, uploads: bool = False) -> Api:
    """The API for the buckets named on the command line, signing with the
    user's credentials (or a role assumed from them). Called once every
    option has been checked."""
    environ = os.environ
    region, region_source = argparser.resolve_region(args, environ)
    config = argparser.cli_config(args, buckets, region, region_source, environ, uploads=uploads)
    configure_tls(environ, argparser.profile_setting(args.profile, "ca_bundle"))
    sts = StsClient(region, config.endpoints.sts)
    broker = CredentialBroker(credential_source(args.profile, environ), sts.assume_role)
    return Api(Presigner(config, broker))


def run_url(args: argparse.Namespace, streams: Streams) -> ExitCode:
    targets = argparser.collect_targets(args, streams.stdin)
    argparser.check_url_options(args, len(targets))
    api = build_api(args, [bucket for bucket, _ in targets], uploads=args.method == "PUT")
    if args.method == "PUT":
        return _run_put(api, args, targets, streams)

    # Not when the URLs go to the terminal too: they would be glued to the bar, and show the progress anyway.
    drawn = len(targets) > PROGRESS_THRESHOLD and isatty(streams.stderr) and not isatty(streams.stdout)
    progress = Progress(streams.stderr, len(targets)) if drawn else None
    failure: XpresignError | None = None
    warned: set[str] = set()
    try:
        for done, (bucket, key) in enumerate(targets, start=1):
            result, error = _sign(api, args, bucket, key)
            if error is None:
                _print_result(streams, args, result, warned)
            else:
                failure = failure or error
                _report_failure(streams, args, bucket, key, error)
            if progress is not None:
                progress.update(done)
    finally:
        if progress is not None:
            progress.close()
    streams.stdout.flush()
    return ExitCode.OK if failure is None else exit_code_for(failure)


def _sign(api: Api, args: argparse.Namespace, bucket: str, key: str) -> tuple[PresignedUrl, XpresignError | None]:
    """The URL, and the existence check's refusal if ``--check`` found one.
    Anything else that fails (credentials, STS) ends the run."""
    presigner = api.presigner
    config = presigner.config.bucket(bucket)
    download = presigner.download(
        key,
        bucket=config,
        requested=args.expires_in,
        filename=args.filename,
        content_type=args.response_content_type,
        version_id=args.version_id,
    )
    grant = presigner.grant(config, download.requested)
    result = PresignedUrl(
        presigner.sign(download, grant), config.alias, download.key, grant.expires_at, grant.expires_in, grant.capped_by
    )
    if args.check:
        try:
            api.check(download, grant, NO_DEADLINE)
        except XpresignError as error:
            return result, error
    return result, None


def _run_put(api: Api, args: argparse.Namespace, targets: list[tuple[str, str]], streams: Streams) -> ExitCode:
    """``--method PUT``: the URL on stdout, the headers to send on stderr (or all of it in --json)."""
    bucket_name, key = targets[0]
    bucket = api.presigner.config.bucket(bucket_name)
    signed = api.uploads.uploader.put(
        bucket,
        key,
        content_length=args.content_length,
        content_type=args.content_type,
        checksum=args.checksum_sha256,
        requested=args.expires_in,
    )
    if args.json:
        streams.stdout.write(json.dumps(signed.to_dict()) + "\n")
        return ExitCode.OK
    streams.stdout.write(signed.url + "\n")
    if not args.quiet:
        sent = ", ".join(f"{name}: {value}" for name, value in signed.headers.items())
        streams.stderr.write(f"{PROG}: send these headers with the PUT: {sent}\n")
        if signed.capped_by:
            streams.stderr.write(f"{PROG}: warning: expiry capped to {signed.expires_in} s ({signed.capped_by})\n")
    return ExitCode.OK


def _print_result(streams: Streams, args: argparse.Namespace, result, warned: set) -> None:
    if args.json:
        streams.stdout.write(json.dumps(result.to_dict()) + "\n")
        return
    streams.stdout.write(result.url + "\n")
    # Once per kind of cap: the credentials' cap shrinks by a second every second.
    if result.capped_by and not args.quiet and result.capped_by not in warned:
        warned.add(result.capped_by)
        streams.stderr.write(f"{PROG}: warning: expiry capped to {result.expires_in} s ({result.capped_by})\n")


def _report_failure(streams: Streams, args: argparse.Namespace, bucket: str, key: str, error: XpresignError) -> None:
    if args.json:
        streams.stdout.write(json.dumps({"bucket": bucket, "key": key, "error": error.to_dict()}) + "\n")
    else:
        uri = f"s3://{bucket}/{key}"
        # A key may hold a newline or an escape sequence: as it is, it would add a line or drive the terminal.
        streams.stderr.write(
            f"{PROG}: error: {safe_for_terminal(uri)}: {error.code}: {' '.join(error.message.split())}\n"
        )
