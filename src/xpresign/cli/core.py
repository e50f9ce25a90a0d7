"""``main(argv)``: parse, then run the chosen program, and turn every error the
user can cause into one line on stderr and an :class:`ExitCode`.

    xpresign url s3://bucket/key [...] [--from FILE|-] [--role-arn ARN] [--json]
    xpresign demo
    xpresign build-lambda [--output DIR]

``main`` returns the exit status; the console script and ``python -m xpresign``
pass it to ``sys.exit``. Errors read ``xpresign: error: ...``; warnings,
``xpresign: warning: ...``; a traceback means a bug. Each program module is
imported only when it runs, so ``xpresign url`` loads no zip builder or
emulator.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TextIO

from ..checks import excerpt
from ..errors import XpresignError
from .definition import PROG, UsageError, build_parser
from .exit_codes import ExitCode, exit_code_for
from .progress import Stderr
from .streams import Streams


def parse_args(argv: list[str]) -> argparse.Namespace:
    args, extra = build_parser().parse_known_args(argv)
    if extra:
        raise UsageError(f"unrecognized arguments: {' '.join(extra)[:200]} (see '{PROG} {args.command} --help')")
    return args


def main(
    argv: list[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    # Python sets a stream to None when its descriptor was closed (`>&-`).
    streams = Streams(stdin or sys.stdin, stdout or sys.stdout, Stderr(stderr or sys.stderr or _Discard()))
    if streams.stdout is None:
        # Every program prints its result there: refuse before anything is signed or sent.
        return fail(streams, "stdout is closed", ExitCode.ERROR)
    warnings = _WarningsToStderr(streams.stderr)
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        warnings.quiet = getattr(args, "quiet", False)
        return int(run(args, streams))
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else ExitCode.OK
    except UsageError as exc:
        return fail(streams, str(exc), ExitCode.USAGE)
    except XpresignError as exc:
        return fail(streams, exc.message, exit_code_for(exc))
    except KeyboardInterrupt:
        streams.stderr.write("\n")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep Python from
        # complaining again when it flushes stdout at exit.
        _silence_stdout()
        return ExitCode.ERROR
    except OSError as exc:  # a file that went away mid-upload, a full disk...
        return fail(streams, exc.strerror or str(exc)[:200], ExitCode.ERROR)
    finally:
        warnings.close()


class _Discard:
    """Where errors go when stderr is closed: the exit status still tells."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _WarningsToStderr(logging.Handler):
    """The library's warnings (an STS refusal's detail, a role-chaining
    retry) as ``xpresign: warning: ...`` lines; ``--quiet`` drops them."""

    def __init__(self, stream: Stderr):
        super().__init__(logging.WARNING)
        self.quiet = False
        self._stream = stream
        self._logger = logging.getLogger("xpresign")
        self._logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if not self.quiet:
            self._stream.write(f"{PROG}: warning: {' '.join(record.getMessage().split())}\n")

    def close(self) -> None:
        self._logger.removeHandler(self)
        super().close()


def run(args: argparse.Namespace, streams: Streams) -> ExitCode:
    if args.command == "url":
        from .url import run_url  # noqa: PLC0415

        return run_url(args, streams)
    if args.command == "serve" or (args.command == "demo" and args.serve):
        from .serve import run_serve  # noqa: PLC0415 - the serve extra

        return run_serve(args, streams)
    if args.command == "upload":
        from .upload import run_upload  # noqa: PLC0415

        return run_upload(args, streams)
    if args.command == "demo":
        return run_demo_command(args, streams)
    if args.command == "build-lambda":
        return run_build_lambda(args, streams)
    raise UsageError(f"unknown command {args.command!r}")  # argparse refuses these first


def safe_for_terminal(text: str) -> str:
    """A key or URI as a terminal line may show it: escaped when it holds
    control characters (an escape sequence could clear the screen)."""
    return text if text.isprintable() else excerpt(text)


def fail(streams: Streams, message: str, code: ExitCode) -> int:
    one_line = " ".join(message.split())
    streams.stderr.write(f"{PROG}: error: {one_line}\n")
    streams.stderr.flush()
    return code


def warn(streams: Streams, message: str) -> None:
    streams.stderr.write(f"{PROG}: warning: {message}\n")
    streams.stderr.flush()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run_demo_command(args: argparse.Namespace, streams: Streams) -> ExitCode:
    from ..demo import DemoError, run_demo  # noqa: PLC0415 - needs moto and boto3

    # The demo's keys are not all ASCII; a terminal that cannot show them gets escapes, not a crash.
    reconfigure = getattr(streams.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    try:
        passed = run_demo(streams.stdout)
    except DemoError as exc:
        return ExitCode(fail(streams, str(exc), ExitCode.ERROR))
    return ExitCode.OK if passed else ExitCode.CHECK_FAILED


def run_build_lambda(args: argparse.Namespace, streams: Streams) -> ExitCode:
    from ..build import DEFAULT_RUNTIME, BuildError, build, this_runtime  # noqa: PLC0415

    runtime = args.runtime or DEFAULT_RUNTIME
    try:
        package = build(args.output, runtime=runtime)
    except BuildError as exc:
        return ExitCode(fail(streams, str(exc), ExitCode.ERROR))
    bytecode = (
        f"with {runtime} bytecode"
        if package.bytecode
        else f"source only (this Python is {this_runtime()}; build with {runtime} to add bytecode)"
    )
    streams.stderr.write(f"{PROG}: {len(package.modules)} modules, {bytecode}, sha256 {package.sha256}\n")
    streams.stdout.write(f"{package.path}\n")
    return ExitCode.OK
