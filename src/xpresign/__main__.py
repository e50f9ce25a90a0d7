"""``python -m xpresign``: the same as the ``xpresign`` command."""

import sys

from .cli.core import main

if __name__ == "__main__":
    sys.exit(main())
