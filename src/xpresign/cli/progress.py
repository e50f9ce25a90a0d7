"""A progress bar on stderr, for long runs on a terminal."""

from __future__ import annotations

from typing import TextIO

#: The bar is redrawn this many times at most (each redraw is a write).
PROGRESS_STEPS = 100
PROGRESS_WIDTH = 30
#: Back to the start of the line, and clear it.
ERASE_LINE = "\r\x1b[K"


def isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Stderr:
    """stderr, where a progress bar may stand drawn in place, without a
    newline. Every other write erases the bar first: a warning or an error
    (the program's, the library's through logging, ``main``'s last line)
    would otherwise be glued to it. The next update draws it again below."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._bar = False

    def write(self, text: str) -> int:
        self.erase()
        return self.stream.write(text)

    def draw(self, bar: str) -> None:
        self.stream.write("\r" + bar)
        self.stream.flush()
        self._bar = True

    def erase(self) -> None:
        if self._bar:
            self._bar = False
            self.stream.write(ERASE_LINE)
            self.stream.flush()

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return isatty(self.stream)


class Progress:
    """``signing 1200/5000 [#######.......]  24%`` on stderr, redrawn in place."""

    def __init__(self, stream: Stderr, total: int, verb: str = "signing", unit: str = ""):
        self._stream = stream
        self._total = total
        self._every = max(1, total // PROGRESS_STEPS)
        self._drawn = -1
        self._verb = verb
        self._unit = unit

    def update(self, done: int) -> None:
        # By step crossed, not by multiple: an upload's bytes advance a part at a time.
        step = done // self._every
        if step == self._drawn and done != self._total:
            return
        self._drawn = step
        filled = PROGRESS_WIDTH * done // self._total
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self._stream.draw(
            f"{self._verb} {done}{self._unit}/{self._total}{self._unit} [{bar}] {100 * done // self._total:3d}%"
        )

    def close(self) -> None:
        self._stream.erase()  # stderr is left as it was
