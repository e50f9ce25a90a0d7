"""Where the program reads and writes: the real streams, or a test's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from .progress import Stderr


@dataclass
class Streams:
    stdin: TextIO
    stdout: TextIO
    stderr: Stderr
