"""Opening the files settings and commands name: only regular files, read
with a bound.

Opening a FIFO blocks until some writer appears, and ``/dev/zero`` never ends:
a start-up reading either hung, or grew until memory ran out and died with a
traceback. A regular file also reads the same when read again, as the TLS
context re-reads a CA bundle and each ``serve`` worker its configuration.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO


class Refused(Exception):
    """Why a file cannot be read, in words fit for an error message (no path)."""


def open_regular(path: str) -> tuple[BinaryIO, os.stat_result]:
    """``path`` opened for reading, and its status, if it is a regular file.
    The status is the open file's, so a rename in between cannot swap it."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    try:
        # Non-blocking: opening a FIFO would otherwise wait for a writer before it could be refused.
        fd = os.open(path, os.O_RDONLY | nonblocking)
    except OSError as exc:
        raise Refused(exc.strerror or str(exc)) from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise Refused(
            "it is a directory" if stat.S_ISDIR(status.st_mode) else "it is not a regular file (a pipe or a device)"
        )
    if nonblocking:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), status


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them."""
    handle, _ = open_regular(path)
    try:
        with handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise Refused(exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise Refused(f"it is larger than {limit:,} bytes")
    return data
