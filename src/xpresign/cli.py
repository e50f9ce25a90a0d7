"""The ``xpresign`` command: presigned URLs from a terminal, the demo, the Lambda zip.

    xpresign url s3://bucket/key [...] [--from FILE|-] [--role-arn ARN] [--json]
    xpresign demo
    xpresign build-lambda [--output DIR]

``main(argv)`` returns the exit status (one :class:`ExitCode`); the console
script and ``python -m xpresign`` pass it to ``sys.exit``. Every error the user
can cause (a bad URI, no credentials, a role STS refuses, a bad expiry) ends as
one line on stderr, ``xpresign: error: ...``, and a non-zero status; a
traceback means a bug.

``url`` signs with the user's own credentials (botocore's chain: profiles, SSO,
environment), or with a role assumed from them, through the same
:class:`~xpresign.presign.Presigner` as the Lambda, so the expiry is just as
honest. Unlike the Lambda it is not limited to configured buckets or prefixes:
the credentials are the user's, and so is the policy that governs them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TextIO

from . import __version__
from .build import DEFAULT_RUNTIME
from .config import BUCKET_KEYS, MAX_ROLE_DURATION, MIN_ROLE_DURATION, Config, Endpoints, bucket_config
from .credentials import BotocoreCredentials, CredentialBroker, EnvironmentCredentials
from .errors import (
    AccessDenied,
    ConfigError,
    InvalidRequest,
    KeyNotAllowed,
    NoCredentials,
    RoleNotAssumable,
    StsThrottled,
    StsUnavailable,
    XpresignError,
)
from .presign import PresignedUrl, Presigner
from .s3 import validate_bucket_name, validate_key
from .sigv4 import MAX_PRESIGN_EXPIRES
from .sts import ROLE_CHAINING_MAX_SECONDS, StsClient

PROG = "xpresign"
S3_SCHEME = "s3://"
DEFAULT_EXPIRES_IN = 3600
#: RoleSessionName of the CLI's AssumeRole: tells CLI sessions apart in CloudTrail.
CLI_SESSION_NAME = "xpresign-cli"
#: Above this many keys, and only on a terminal, a progress bar is drawn on stderr.
PROGRESS_THRESHOLD = 300
#: The progress bar is redrawn this many times at most (each redraw is a write).
PROGRESS_STEPS = 100
PROGRESS_WIDTH = 30
DEFAULT_BUILD_DIR = "dist"


class ExitCode(IntEnum):
    OK = 0
    #: Anything else that went wrong (AWS answered in a way we cannot use...).
    ERROR = 1
    #: Bad arguments or input: fix the command line (argparse's own status too).
    USAGE = 2
    #: The demo ran, but a download did not match or a refusal did not happen.
    CHECK_FAILED = 3
    #: No credentials found, or the profile or SSO session is unusable.
    NO_CREDENTIALS = 4
    #: STS refused the role (trust policy, ExternalId, permissions).
    ACCESS_DENIED = 5
    #: STS throttled or did not answer: trying again later may work.
    UNAVAILABLE = 6
    INTERRUPTED = 130


class UsageError(Exception):
    """A mistake on the command line or in its input; the message says which."""


def exit_code_for(error: XpresignError) -> ExitCode:
    if isinstance(error, (InvalidRequest, ConfigError)):
        return ExitCode.USAGE
    if isinstance(error, NoCredentials):
        return ExitCode.NO_CREDENTIALS
    if isinstance(error, (RoleNotAssumable, AccessDenied, KeyNotAllowed)):
        return ExitCode.ACCESS_DENIED
    if isinstance(error, (StsThrottled, StsUnavailable)):
        return ExitCode.UNAVAILABLE
    return ExitCode.ERROR


@dataclass
class Streams:
    """Where the program reads and writes (the real ones, or a test's)."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO


# --- the command line ----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _seconds(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number of seconds from {low} to {high}, got {text!r}")
        return value

    return parse


URL_EPILOG = """\
examples:
  xpresign url s3://classic-movies/movies/metropolis.mp4
  xpresign url s3://classic-movies/movies/a.mp4 --role-arn arn:aws:iam::111111111111:role/s3_access_role
  xpresign url --from keys.txt --bucket classic-movies --json     (one key per line)

Credentials come from botocore's chain (environment, --profile, SSO...). With
--role-arn the URLs are signed by that role's session, and a URL never outlives
it: the expiry is capped, and --json says so in capped_by. Lines of --from are
taken as they are (only blank lines are skipped).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Cross-account S3 presigned URLs: sign from a terminal, run the demo, build the Lambda package.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    url = commands.add_parser(
        "url",
        help="print presigned GET URLs for s3:// objects",
        description="Print a presigned GET URL for each object, one per line.",
        epilog=URL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    url.add_argument("uris", nargs="*", metavar="s3://BUCKET/KEY", help="objects to sign")
    url.add_argument(
        "--from", dest="from_file", metavar="FILE", help="read s3:// URIs or keys, one per line ('-': stdin)"
    )
    url.add_argument("--bucket", metavar="BUCKET", help="the bucket of bare keys (keys without s3://bucket/)")
    url.add_argument("--role-arn", metavar="ARN", help="assume this role (from the local credentials) and sign with it")
    url.add_argument("--external-id", metavar="ID", help="ExternalId for the AssumeRole (with --role-arn)")
    url.add_argument(
        "--role-duration",
        type=_seconds(MIN_ROLE_DURATION, MAX_ROLE_DURATION),
        metavar="N",
        help=f"DurationSeconds asked of STS (default {ROLE_CHAINING_MAX_SECONDS}; the role's maximum applies)",
    )
    url.add_argument(
        "--expires-in",
        type=_seconds(1, MAX_PRESIGN_EXPIRES),
        default=DEFAULT_EXPIRES_IN,
        metavar="N",
        help=f"seconds the URLs stay valid (default {DEFAULT_EXPIRES_IN}, at most {MAX_PRESIGN_EXPIRES})",
    )
    url.add_argument("--filename", metavar="NAME", help="download as NAME (Content-Disposition); one key only")
    url.add_argument("--region", metavar="REGION", help="the bucket's region (default: AWS_REGION, then the profile's)")
    url.add_argument("--profile", metavar="PROFILE", help="the AWS profile whose credentials sign (or assume the role)")
    url.add_argument("--json", action="store_true", help="print the JSON result (one object per line for many keys)")
    url.set_defaults(run=run_url)

    demo = commands.add_parser(
        "demo",
        help="run the two-account flow on an embedded AWS emulator",
        description=(
            "Start moto on a free loopback port, create account A (bucket + role) and account B "
            "(the Lambda's role), run the real handler as B's Lambda, download every URL and check "
            "its SHA-256. Exits 0 only if every check passed. Needs the dev dependencies (moto, boto3)."
        ),
    )
    demo.set_defaults(run=run_demo_command)

    build = commands.add_parser(
        "build-lambda",
        help="write the deterministic Lambda zip",
        description=(
            "Write xpresign-lambda-<sha256 prefix>.zip and its .sha256 sidecar: the modules the handler "
            "needs, no third-party code, fixed timestamps and order (the same tree gives the same bytes). "
            "Prints the zip's path. Handler: xpresign.lambda_handler.handler"
        ),
    )
    build.add_argument(
        "--output", metavar="DIR", default=DEFAULT_BUILD_DIR, help=f"directory (default {DEFAULT_BUILD_DIR})"
    )
    build.add_argument(
        "--runtime",
        metavar="NAME",
        default=DEFAULT_RUNTIME,
        help=(
            f"the function's Lambda runtime (default {DEFAULT_RUNTIME}); when this Python is that "
            "version, the zip also carries bytecode, for faster cold starts"
        ),
    )
    build.set_defaults(run=run_build_lambda)
    return parser


def main(
    argv: list[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    streams = Streams(stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr)
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
        return int(args.run(args, streams))
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else ExitCode.OK
    except UsageError as exc:
        return _fail(streams, str(exc), ExitCode.USAGE)
    except XpresignError as exc:
        return _fail(streams, exc.message, exit_code_for(exc))
    except KeyboardInterrupt:
        streams.stderr.write("\n")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep Python from
        # complaining again when it flushes stdout at exit.
        _silence_stdout()
        return ExitCode.ERROR


def _fail(streams: Streams, message: str, code: ExitCode) -> int:
    one_line = " ".join(message.split())
    streams.stderr.write(f"{PROG}: error: {one_line}\n")
    streams.stderr.flush()
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# --- xpresign url ------------------------------------------------------------------------


def parse_s3_uri(text: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``. The key is everything after the
    first ``/`` after the bucket, taken literally (no percent-decoding, as the
    AWS CLI does)."""
    if not text.startswith(S3_SCHEME):
        raise UsageError(f"not an s3:// URI: {text!r} (expected s3://bucket/key)")
    bucket, _, key = text[len(S3_SCHEME):].partition("/")
    if not bucket:
        raise UsageError(f"{text!r} names no bucket (expected s3://bucket/key)")
    if not key:
        raise UsageError(f"{text!r} names no object key (expected s3://bucket/key)")
    try:
        validate_bucket_name(bucket)
        validate_key(key)
    except XpresignError as exc:
        raise UsageError(f"{text!r}: {exc.message}") from None
    return bucket, key


def _target(text: str, bucket: str | None, where: str) -> tuple[str, str]:
    try:
        if text.startswith(S3_SCHEME):
            return parse_s3_uri(text)
        if bucket is None:
            raise UsageError(f"not an s3:// URI: {text!r} (expected s3://bucket/key, or give --bucket for bare keys)")
        try:
            return bucket, validate_key(text)
        except XpresignError as exc:
            raise UsageError(f"{text!r}: {exc.message}") from None
    except UsageError as exc:
        raise UsageError(f"{where}{exc}") from None


def _lines(source: str, stdin: TextIO) -> Iterable[tuple[str, str]]:
    """``(where, line)`` for each non-blank line, ``where`` naming it in errors."""
    name = "stdin" if source == "-" else source
    try:
        handle = stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"--from: cannot read {source!r}: {exc.strerror}") from None
    try:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if line.strip():
                yield f"{name} line {number}: ", line
    except UnicodeDecodeError:
        raise UsageError(f"--from: {name} is not UTF-8 text") from None
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


def _botocore_available() -> bool:
    from importlib.util import find_spec  # noqa: PLC0415

    return find_spec("botocore") is not None


def resolve_region(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    """The signing region, and where it came from (for error messages)."""
    if args.region:
        return args.region, "--region"
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if environ.get(variable):
            return environ[variable], variable
    region = None
    if _botocore_available():
        import botocore.exceptions  # noqa: PLC0415 - the CLI's optional dependency
        import botocore.session  # noqa: PLC0415

        try:
            region = botocore.session.Session(profile=args.profile).get_config_variable("region")
        except botocore.exceptions.BotoCoreError as exc:
            raise NoCredentials(str(exc)) from None
    if not region:
        raise UsageError(
            "no region: give --region (the bucket's region), or set AWS_REGION, or a region in your AWS profile"
        )
    return region, f"the region of profile {args.profile or 'default'}"


def credential_source(profile: str | None, environ: Mapping[str, str]):
    if _botocore_available():
        return BotocoreCredentials(profile)  # its failures are NoCredentials: one line
    if profile:
        raise UsageError("--profile needs botocore: pip install 'xpresign[cli]'")
    return EnvironmentCredentials(environ)


def cli_config(
    args: argparse.Namespace, buckets: Iterable[str], region: str, region_source: str, environ: Mapping[str, str]
) -> Config:
    """A :class:`Config` for the buckets named on the command line, checked
    by the same rules as the Lambda's (errors name the option at fault)."""
    if args.external_id and not args.role_arn:
        raise UsageError("--external-id needs --role-arn")
    if args.role_duration is not None and not args.role_arn:
        raise UsageError("--role-duration needs --role-arn")
    raw = {
        "role_arn": args.role_arn,
        "external_id": args.external_id,
        "role_session_name": CLI_SESSION_NAME if args.role_arn else None,
        "role_duration": args.role_duration,
        # The user's own credentials and policy govern: only SigV4's limit applies.
        "max_expires": MAX_PRESIGN_EXPIRES,
        "default_expires": DEFAULT_EXPIRES_IN,
    }
    # Errors name what the user typed (or where the region came from).
    options = {
        "role_arn": "--role-arn",
        "external_id": "--external-id",
        "role_duration": "--role-duration",
        "region": region_source,
    }
    names = {key: options.get(key, key) for key in BUCKET_KEYS}
    configs = {name: bucket_config(name, raw, names, {}, region) for name in dict.fromkeys(buckets)}
    return Config(buckets=configs, region=region, endpoints=Endpoints.from_environ(environ))


class Progress:
    """``signing 1200/5000 [#######.......]  24%`` on stderr, redrawn in place."""

    def __init__(self, stream: TextIO, total: int):
        self._stream = stream
        self._total = total
        self._every = max(1, total // PROGRESS_STEPS)

    def update(self, done: int) -> None:
        if done % self._every and done != self._total:
            return
        filled = PROGRESS_WIDTH * done // self._total
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self._stream.write(f"\rsigning {done}/{self._total} [{bar}] {100 * done // self._total:3d}%")
        self._stream.flush()

    def close(self) -> None:
        self._stream.write("\r\x1b[K")  # erase the bar: stderr is left as it was
        self._stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def sign_all(
    presigner: Presigner, targets: list[tuple[str, str]], args: argparse.Namespace, stderr: TextIO
) -> list[PresignedUrl]:
    progress = Progress(stderr, len(targets)) if len(targets) > PROGRESS_THRESHOLD and _isatty(stderr) else None
    results = []
    try:
        for done, (bucket, key) in enumerate(targets, start=1):
            results.append(presigner.presign(key, bucket=bucket, expires_in=args.expires_in, filename=args.filename))
            if progress is not None:
                progress.update(done)
    finally:
        if progress is not None:
            progress.close()
    return results


def run_url(args: argparse.Namespace, streams: Streams) -> ExitCode:
    environ = os.environ
    targets = collect_targets(args, streams.stdin)
    if args.filename is not None and len(targets) > 1:
        raise UsageError(f"--filename names the download of one object; {len(targets)} were given")
    region, region_source = resolve_region(args, environ)
    config = cli_config(args, (bucket for bucket, _ in targets), region, region_source, environ)
    sts = StsClient(region, config.endpoints.sts)
    broker = CredentialBroker(credential_source(args.profile, environ), sts.assume_role)
    results = sign_all(Presigner(config, broker), targets, args, streams.stderr)

    if args.json and len(results) == 1:
        text = json.dumps(results[0].to_dict(), indent=2) + "\n"
    elif args.json:
        text = "".join(json.dumps(result.to_dict()) + "\n" for result in results)
    else:
        text = "".join(result.url + "\n" for result in results)
    streams.stdout.write(text)
    streams.stdout.flush()
    return ExitCode.OK


# --- xpresign demo / build-lambda -----------------------------------------------------------


def run_demo_command(args: argparse.Namespace, streams: Streams) -> ExitCode:
    from .demo import DemoError, run_demo  # noqa: PLC0415 - needs moto and boto3

    # The demo's keys are not all ASCII; a terminal that cannot show them gets escapes, not a crash.
    reconfigure = getattr(streams.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    try:
        passed = run_demo(streams.stdout)
    except DemoError as exc:
        return ExitCode(_fail(streams, str(exc), ExitCode.ERROR))
    return ExitCode.OK if passed else ExitCode.CHECK_FAILED


def run_build_lambda(args: argparse.Namespace, streams: Streams) -> ExitCode:
    from .build import BuildError, build, this_runtime  # noqa: PLC0415

    try:
        package = build(args.output, runtime=args.runtime)
    except BuildError as exc:
        return ExitCode(_fail(streams, str(exc), ExitCode.ERROR))
    bytecode = (
        f"with {args.runtime} bytecode"
        if package.bytecode
        else f"source only (this Python is {this_runtime()}; build with {args.runtime} to add bytecode)"
    )
    streams.stderr.write(f"{PROG}: {len(package.modules)} modules, {bytecode}, sha256 {package.sha256}\n")
    streams.stdout.write(f"{package.path}\n")
    return ExitCode.OK
