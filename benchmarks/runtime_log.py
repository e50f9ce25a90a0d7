"""Logging exactly as Lambda's Python runtime sets it up, into a pipe drained by
a separate log agent process (:mod:`benchmarks.log_agent`).

awslambdaric's ``bootstrap._setup_logging(log_format, log_level, log_sink)``
puts one handler on the root logger, with its text formatter and request-id
filter, writing each record as one frame to a ``FramedTelemetryLogSink``: one
``write`` on the telemetry file descriptor per line. Here that descriptor is
the write end of a pipe whose read end belongs to the agent.

The agent reads in large chunks with pauses between them, as the platform's
agent drains the function's telemetry outside its process. A reader blocked in
``read`` on every line would be woken by every write: a scheduler wake-up per
line, charged to the writing thread's CPU time, which is the cost of how the
platform reads, not of the handler that writes.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from awslambdaric import bootstrap
from awslambdaric.lambda_runtime_log_utils import LogFormat

from .stats import ValidationFailed

AGENT = Path(__file__).with_name("log_agent.py")
#: What Linux lets an unprivileged process ask for (/proc/sys/fs/pipe-max-size's default).
PIPE_BYTES = 1 << 20
#: Frame type of a text line from LambdaLoggerHandler (no level in it): _DEFAULT_FRAME_TYPE.
TEXT_FRAME = bootstrap._DEFAULT_FRAME_TYPE.hex()
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


@dataclass
class AgentReport:
    """What the agent read, filled in when the pipe is closed."""

    frames: int = 0
    bytes: int = 0
    reads: int = 0
    types: list[str] = field(default_factory=list)
    first: str | None = None
    pipe_bytes: int = 0


@contextmanager
def runtime_logging() -> Iterator[AgentReport]:
    """The root logger as awslambdaric sets it up, writing into the agent's pipe,
    for the duration; the benchmark's own logging comes back after."""
    read_end, write_end = os.pipe()
    report = AgentReport()
    try:
        import fcntl

        report.pipe_bytes = fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass
    agent = subprocess.Popen([sys.executable, str(AGENT)], stdin=read_end, stdout=subprocess.PIPE, text=True)
    os.close(read_end)
    root = logging.getLogger()
    saved_handlers, saved_level, saved_converter = list(root.handlers), root.level, logging.Formatter.converter
    for handler in saved_handlers:
        root.removeHandler(handler)
    sink = bootstrap.FramedTelemetryLogSink(write_end)
    sink.__enter__()
    try:
        bootstrap._setup_logging(LogFormat.TEXT, None, sink)
        bootstrap._GLOBAL_AWS_REQUEST_ID = REQUEST_ID  # the runtime sets it before each invocation
        yield report
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        logging.Formatter.converter = saved_converter
        bootstrap._GLOBAL_AWS_REQUEST_ID = None
        sink.__exit__(None, None, None)  # closes the write end: the agent reads to the end and reports
        out, _ = agent.communicate(timeout=60)
        if agent.returncode != 0 or not out:
            raise ValidationFailed(f"the log agent failed (exit {agent.returncode})")
        found = json.loads(out)
        report.frames, report.bytes, report.reads = found["frames"], found["bytes"], found["reads"]
        report.types, report.first = found["types"], found["first"]
