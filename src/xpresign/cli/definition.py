"""The ``xpresign`` command line: every subcommand and option, and nothing else.

Processing the parsed arguments lives in :mod:`xpresign.cli.argparser`, the
programs in their own modules; :mod:`xpresign.cli.core` runs them.
"""

from __future__ import annotations

import argparse

from .. import __version__
from ..checks import Invalid, whole_number
from ..config_bucket import MAX_SINGLE_UPLOAD_SIZE
from ..values import (
    LAMBDA_RUNTIMES,
    MAX_PRESIGN_EXPIRES,
    MAX_ROLE_DURATION,
    MIN_ROLE_DURATION,
    ROLE_CHAINING_MAX_SECONDS,
)

PROG = "xpresign"
DEFAULT_EXPIRES_IN = 3600
DEFAULT_BUILD_DIR = "dist"
MAX_TCP_PORT = 65535
#: Worker processes: more than the cores only adds contention (signing is CPU-bound).
MAX_SERVE_WORKERS = 64
DEFAULT_REQUEST_TIMEOUT = 30
MAX_REQUEST_TIMEOUT = 300


class UsageError(Exception):
    """A mistake on the command line or in its input; the message says which."""


def non_empty(text: str) -> str:
    """An argparse type: any text but ''."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        # No abbreviations: `url --version 5` signed versionId=5, and a prefix
        # that later matches a new option would change what a script does.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def add_argument(self, *names, **kwargs):
        # The programs read an option as `args.x or default`, so '' would count as not
        # given: `--role-arn "$UNSET"` would sign with the caller's own credentials.
        if names[0].startswith("-") and kwargs.get("action", "store") in ("store", "append"):
            kwargs.setdefault("type", non_empty)
        return super().add_argument(*names, **kwargs)


def whole(low: int, high: int, unit: str = ""):
    """An argparse type: a whole number in ``low..high``, worded as everywhere else."""

    def parse(text: str) -> int:
        try:
            return whole_number(text, low, high, unit)
        except Invalid as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


URL_EPILOG = """\
examples:
  xpresign url s3://classic-movies/movies/metropolis.mp4
  xpresign url s3://classic-movies/movies/a.mp4 --role-arn arn:aws:iam::111111111111:role/s3_access_role
  xpresign url --from keys.txt --bucket classic-movies --json     (one key per line)

Credentials come from botocore's chain (environment, --profile, SSO...). With
--role-arn the URLs are signed by that role's session, and a URL never outlives
it: the expiry is capped, a warning on stderr says so (--json: capped_by).
Lines of --from are taken as they are (only blank lines are skipped).
"""


def _url_command(commands) -> None:
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
        type=whole(MIN_ROLE_DURATION, MAX_ROLE_DURATION, " of seconds"),
        metavar="N",
        help=f"DurationSeconds asked of STS (default {ROLE_CHAINING_MAX_SECONDS}; the role's maximum applies)",
    )
    url.add_argument(
        "--expires-in",
        type=whole(1, MAX_PRESIGN_EXPIRES, " of seconds"),
        default=DEFAULT_EXPIRES_IN,
        metavar="N",
        help=f"seconds the URLs stay valid (default {DEFAULT_EXPIRES_IN}, at most {MAX_PRESIGN_EXPIRES})",
    )
    url.add_argument("--filename", metavar="NAME", help="download as NAME (Content-Disposition); one key only")
    url.add_argument("--response-content-type", metavar="TYPE", help="the Content-Type S3 answers the download with")
    url.add_argument("--version-id", metavar="ID", help="sign for this version of the object; one key only")
    url.add_argument(
        "--check", action="store_true", help="HEAD each object first: a missing one exits 7, a refused one 5"
    )
    url.add_argument("--region", metavar="REGION", help="the bucket's region (default: AWS_REGION, then the profile's)")
    url.add_argument("--profile", metavar="PROFILE", help="the AWS profile whose credentials sign (or assume the role)")
    url.add_argument(
        "--endpoint-url", metavar="URL", help="an S3 and STS endpoint to use instead of AWS's (an emulator)"
    )
    url.add_argument("--json", action="store_true", help="print one JSON object per line, for one key or many")
    url.add_argument("--quiet", action="store_true", help="no warnings on stderr (errors are still shown)")
    url.add_argument(
        "--method", choices=("GET", "PUT"), default="GET", help="GET (default) or PUT: a URL to upload one object"
    )
    url.add_argument(
        "--content-type", metavar="TYPE", help="PUT: the Content-Type signed (default application/octet-stream)"
    )
    url.add_argument(
        "--content-length",
        type=whole(0, MAX_SINGLE_UPLOAD_SIZE, " of bytes"),
        metavar="N",
        help="PUT: the exact size, signed (at most 5 GiB, S3's limit for one PUT; larger: xpresign upload)",
    )
    url.add_argument(
        "--checksum-sha256", metavar="BASE64", help="PUT: the SHA-256 of the bytes, signed; S3 verifies it"
    )
    url.set_defaults(command="url")


UPLOAD_EPILOG = """\
examples:
  xpresign upload report.pdf s3://classic-movies/uploads/report.pdf
  xpresign upload film.mp4 s3://classic-movies/uploads/film.mp4 --role-arn arn:aws:iam::111111111111:role/s3_access_role

Files up to 8 MiB are one PUT whose SHA-256 S3 verifies; larger ones are a
multipart upload in 8 MiB parts (over 78 GiB, size/10,000 rounded up to a MiB:
S3 takes 10,000 parts), aborted on failure, on Ctrl-C, or if FILE changes.
FILE must be a regular file (not a pipe): its size is read once, up front.
"""


def _upload_command(commands) -> None:
    upload = commands.add_parser(
        "upload",
        help="upload a file with presigned URLs",
        description="Upload FILE to s3://BUCKET/KEY, signing locally with your credentials (or a role's).",
        epilog=UPLOAD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upload.add_argument("file", metavar="FILE", help="the file to upload")
    upload.add_argument("destination", metavar="s3://BUCKET/KEY", help="where it goes")
    upload.add_argument(
        "--content-type", metavar="TYPE", help="the type it is stored with (default application/octet-stream)"
    )
    upload.add_argument(
        "--role-arn", metavar="ARN", help="assume this role (from the local credentials) and sign with it"
    )
    upload.add_argument("--external-id", metavar="ID", help="ExternalId for the AssumeRole (with --role-arn)")
    upload.add_argument(
        "--role-duration", type=whole(MIN_ROLE_DURATION, MAX_ROLE_DURATION, " of seconds"), metavar="N",
        help="DurationSeconds asked of STS",
    )  # fmt: skip
    upload.add_argument(
        "--region", metavar="REGION", help="the bucket's region (default: AWS_REGION, then the profile's)"
    )
    upload.add_argument("--profile", metavar="PROFILE", help="the AWS profile whose credentials sign")
    upload.add_argument("--endpoint-url", metavar="URL", help="an S3 and STS endpoint to use instead of AWS's")
    upload.add_argument("--json", action="store_true", help="print the result as one JSON object")
    upload.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    upload.set_defaults(command="upload", expires_in=DEFAULT_EXPIRES_IN, response_content_type=None)


SERVE_EPILOG = """\
examples:
  xpresign serve                                    (127.0.0.1:8080, no token: this machine only)
  xpresign serve --host 0.0.0.0 --token-file /run/secrets/xpresign-token --workers 2
  curl -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:8080/?key=movies/metropolis.mp4'

The service reads the same XPRESIGN_* and AWS_* settings as the Lambda. Off
loopback it refuses to start without a token (--token-file, XPRESIGN_SERVE_TOKEN)
unless given --allow-unauthenticated. It speaks plain HTTP: terminate TLS in
front of it (load balancer, ingress, service mesh). GET /healthz needs no token.
"""


def _serve_command(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the JSON API over HTTP (containers, local development)",
        description="Serve GET /?key=..., POST / and GET /healthz, as the Lambda does, until SIGTERM or Ctrl-C.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", metavar="ADDRESS", help="address to listen on (default XPRESIGN_SERVE_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=whole(1, MAX_TCP_PORT), metavar="N", help="port (default XPRESIGN_SERVE_PORT or 8080)"
    )
    serve.add_argument(
        "--workers",
        type=whole(1, MAX_SERVE_WORKERS),
        metavar="N",
        help="worker processes (default XPRESIGN_SERVE_WORKERS or 1; about one per core)",
    )
    serve.add_argument(
        "--token-file", metavar="PATH", help="the bearer token callers must send (or set XPRESIGN_SERVE_TOKEN)"
    )
    serve.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve without a token on a non-loopback address (anyone who reaches the port gets URLs)",
    )
    serve.add_argument(
        "--request-timeout",
        type=whole(1, MAX_REQUEST_TIMEOUT, " of seconds"),
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help=f"time to receive and answer one request (default {DEFAULT_REQUEST_TIMEOUT})",
    )
    serve.add_argument("--jwt-issuer", metavar="URL", help="accept users' JWTs from this issuer (Uppy's routes only)")
    serve.add_argument(
        "--jwt-audience",
        action="append",
        metavar="AUDIENCE",
        help="an accepted audience (aud or client_id); repeatable",
    )
    serve.add_argument("--jwks-url", metavar="URL", help="the issuer's JSON Web Key Set (https)")
    serve.set_defaults(command="serve")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Cross-account S3 presigned URLs: sign from a terminal, run the demo, build the Lambda package.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    _url_command(commands)
    _upload_command(commands)

    demo = commands.add_parser(
        "demo",
        help="run the two-account flow on an embedded AWS emulator",
        description=(
            "Start moto on a free loopback port, create account A (bucket + role) and account B "
            "(the Lambda's role), run the real handler as B's Lambda, download every URL and check "
            "its SHA-256. Exits 0 only if every check passed. Needs the dev dependencies (moto, boto3)."
        ),
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help=(
            "instead of the checks: keep the emulator and `xpresign serve` on it running until Ctrl-C, "
            "print curl commands to try, and serve a page at /demo/ (presigned links, Uppy uploads)"
        ),
    )
    demo.set_defaults(command="demo")

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
        choices=LAMBDA_RUNTIMES,
        help=(
            f"the function's Lambda runtime: {', '.join(LAMBDA_RUNTIMES)} (default: the Terraform module's "
            "runtime); when this Python is that version, the zip also carries bytecode, for faster cold starts"
        ),
    )
    build.set_defaults(command="build-lambda")
    _serve_command(commands)
    return parser
