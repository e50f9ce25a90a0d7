"""A log agent: drains the telemetry pipe the Lambda runtime writes its log frames to.

Run as ``python log_agent.py`` with the pipe's read end as its standard input
(by :mod:`benchmarks.runtime_log`). It reads in large chunks, sleeping between
reads so that many lines gather in the pipe, as the platform's own agent does
outside the function's process; at end of file it prints one JSON line: the
frames and bytes it read, the frame types seen, and the first message.

Frames are awslambdaric's ``FramedTelemetryLogSink`` format: a 4-byte type, a
4-byte length, an 8-byte timestamp (all big-endian), then the message.
"""

import json
import os
import sys
import time

CHUNK = 1 << 20
#: Between reads: the pipe (1 MiB when the kernel allows it) fills far slower than this drains it.
PAUSE_SECONDS = 0.005
HEADER = 16


def main() -> None:
    fd = sys.stdin.fileno()
    pending = b""
    frames = total = reads = 0
    types: set[str] = set()
    first = None
    while True:
        chunk = os.read(fd, CHUNK)
        if not chunk:
            break
        reads += 1
        total += len(chunk)
        pending += chunk
        offset = 0
        while len(pending) - offset >= HEADER:
            length = int.from_bytes(pending[offset + 4 : offset + 8], "big")
            if len(pending) - offset < HEADER + length:
                break
            types.add(pending[offset : offset + 4].hex())
            if first is None:
                first = pending[offset + HEADER : offset + HEADER + length].decode("utf-8", "replace")
            frames += 1
            offset += HEADER + length
        pending = pending[offset:]
        time.sleep(PAUSE_SECONDS)
    report = {"frames": frames, "bytes": total, "reads": reads, "types": sorted(types), "first": first}
    report["trailing_bytes"] = len(pending)
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
