"""The ``xpresign`` command line: every subcommand and option, and nothing else.

Processing the parsed arguments lives in :mod:`xpresign.cli.argparser`, the
programs in their own modules; :mod:`xpresign.cli.core` runs them.
"""

from __future__ import annotations

import argparse

from .. import __version__
from ..checks import Invalid, whole_number
from ..values import MAX_PRESIGN_EXPIRES, MAX_ROLE_DURATION, MIN_ROLE_DURATION, ROLE_CHAINING_MAX_SECONDS

PROG = "xpresign"
DEFAULT_EXPIRES_IN = 3600
DEFAULT_BUILD_DIR = "dist"


class UsageError(Exception):
    """A mistake on the command line or in its input; the message says which."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise UsageError(f"{message} (see '{self.prog} --help')")


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
    url.set_defaults(command="url")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Cross-account S3 presigned URLs: sign from a terminal, run the demo, build the Lambda package.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    _url_command(commands)

    demo = commands.add_parser(
        "demo",
        help="run the two-account flow on an embedded AWS emulator",
        description=(
            "Start moto on a free loopback port, create account A (bucket + role) and account B "
            "(the Lambda's role), run the real handler as B's Lambda, download every URL and check "
            "its SHA-256. Exits 0 only if every check passed. Needs the dev dependencies (moto, boto3)."
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
        metavar="NAME",
        help=(
            "the function's Lambda runtime (default: the Terraform module's runtime); when this "
            "Python is that version, the zip also carries bytecode, for faster cold starts"
        ),
    )
    build.set_defaults(command="build-lambda")
    return parser
