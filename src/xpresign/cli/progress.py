"""A progress bar on stderr, for long runs on a terminal."""

from __future__ import annotations

from typing import TextIO

#: The bar is redrawn this many times at most (each redraw is a write).
PROGRESS_STEPS = 100
PROGRESS_WIDTH = 30


def isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """``signing 1200/5000 [#######.......]  24%`` on stderr, redrawn in place."""

    def __init__(self, stream: TextIO, total: int, verb: str = "signing", unit: str = ""):
        self._stream = stream
        self._total = total
        self._every = max(1, total // PROGRESS_STEPS)
        self._verb = verb
        self._unit = unit

    def update(self, done: int) -> None:
        if done % self._every and done != self._total:
            return
        filled = PROGRESS_WIDTH * done // self._total
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self._stream.write(
            f"\r{self._verb} {done}{self._unit}/{self._total}{self._unit} [{bar}] {100 * done // self._total:3d}%"
        )
        self._stream.flush()

    def close(self) -> None:
        self._stream.write("\r\x1b[K")  # erase the bar: stderr is left as it was
        self._stream.flush()
