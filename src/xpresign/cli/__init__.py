"""The ``xpresign`` command (httpie's layout): option definitions in
:mod:`~xpresign.cli.definition`, argument processing in
:mod:`~xpresign.cli.argparser`, ``main`` in :mod:`~xpresign.cli.core`, and one
module per program. The library never imports this package."""

from .core import main
from .exit_codes import ExitCode
from .url import PROGRESS_THRESHOLD

__all__ = ["PROGRESS_THRESHOLD", "ExitCode", "main"]
