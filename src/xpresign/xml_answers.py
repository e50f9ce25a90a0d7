"""Reading the XML that STS and S3 answer, as botocore does: namespaces ignored.

STS answers in its own namespace, its AWSFault errors in another, S3 in a
third, and emulators in none; matching local names reads them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET


def parse(payload: bytes) -> ET.Element | None:
    """The document's root, or None when it is not XML. Answers are bounded
    (xpresign.transport), and expat refuses entity-expansion attacks since 2.4.1."""
    # Imported here: a cold start that never calls STS or S3 does not pay ~2 ms for it.
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    try:
        return ET.fromstring(payload)  # noqa: S314
    except (ET.ParseError, RecursionError):
        return None


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def find_text(root: ET.Element, name: str) -> str | None:
    """The text of the first element called ``name``, at any depth."""
    for element in root.iter():
        if local_name(element.tag) == name:
            return element.text
    return None


def children(root: ET.Element, name: str) -> Iterator[ET.Element]:
    """The direct children called ``name``."""
    return (child for child in root if local_name(child.tag) == name)


def child_text(element: ET.Element, name: str) -> str | None:
    return next((child.text for child in children(element, name)), None)


def error_of(payload: bytes) -> tuple[str, str]:
    """``(code, message)`` of an ``<Error>`` document; empty strings if unreadable."""
    root = parse(payload)
    if root is None:
        return "", ""
    return (find_text(root, "Code") or "").strip(), (find_text(root, "Message") or "").strip()
