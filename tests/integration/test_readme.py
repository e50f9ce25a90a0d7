"""The README's library example runs as written, against the two accounts on moto."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_library_example_presigns_with_an_honest_expiry(lambda_env, two_accounts):
    (example,) = python_blocks()
    key = "movies/metropolis-1927.mp4"
    example = example.replace('"movies/metropolis.mp4"', repr(key))
    scope: dict = {}
    exec(compile(example, "README.md", "exec"), scope)  # noqa: S102 - our own documentation

    link = scope["link"]
    assert link.capped_by == "credentials" and 0 < link.expires_in < 3600
    with urllib.request.urlopen(link.url) as response:
        assert response.read() == two_accounts.objects[key]
