"""Rules for single values, shared by the configuration and the API.

One rule, one wording: each function raises :class:`Invalid` with the rule as
its message, and the caller prefixes the setting or field it was checking
(``XPRESIGN_MAX_EXPIRES: must be ...`` at start-up, ``expires_in must be ...``
in a 400). A caller's value is quoted only through :func:`excerpt`: bounded in
length, and never ``repr()`` of an arbitrary object, which can recurse without
limit on a deeply nested JSON value.
"""

from __future__ import annotations

import re

#: Longest part of a caller's string quoted back in an error message.
EXCERPT_CHARS = 64
ELLIPSIS = "…"
#: Integers with more digits are described, not printed (a huge int also
#: costs quadratic time to print).
_MAX_PRINTED_DIGITS = 18
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})


class Invalid(ValueError):
    """A value broke a rule; the message states the rule and quotes an excerpt."""


def excerpt(value: object) -> str:
    """A short, safe rendering of a caller's value for an error message."""
    if isinstance(value, str):
        shown = repr(value[:EXCERPT_CHARS])
        # repr writes a character it cannot show as up to 10 (\U000e0001): cut what it wrote too.
        if len(shown) > EXCERPT_CHARS + 2:
            return shown[: EXCERPT_CHARS + 1] + ELLIPSIS
        return shown + ELLIPSIS if len(value) > EXCERPT_CHARS else shown
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if -(10**_MAX_PRINTED_DIGITS) < value < 10**_MAX_PRINTED_DIGITS else "a very long number"
    if isinstance(value, float):
        return repr(value)
    return {list: "an array", tuple: "an array", dict: "an object"}.get(type(value), f"a {type(value).__name__}")


def whole_number(value: object, low: int, high: int, unit: str = "", *, text: bool = True) -> int:
    """An int in ``low..high``, given as a JSON number or, with ``text``, as
    decimal text (an environment variable, a query parameter). ``unit`` reads
    like ``" of seconds"``."""
    number = value
    if text and isinstance(value, str):
        text = value.strip()
        number = int(text) if _WHOLE_NUMBER.fullmatch(text) else None
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise Invalid(f"must be a whole number{unit} from {low} to {high}, got {excerpt(value)}")
    return number


def boolean(value: object, *, text: bool = True) -> bool:
    """A JSON boolean or, with ``text``, one of the words true/false, 1/0,
    yes/no (any case)."""
    if isinstance(value, bool):
        return value
    if text and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise Invalid(f"must be true or false, got {excerpt(value)}")


def encodes_as_utf8(text: str) -> bool:
    """False when ``text`` holds a lone surrogate (JSON's ``"\\ud800"``), which
    no UTF-8 sink can write."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def utf8_size(text: str) -> int:
    """Bytes of UTF-8; raises :class:`Invalid` for a lone surrogate."""
    if text.isascii():
        return len(text)
    if not encodes_as_utf8(text):
        raise Invalid("is not valid Unicode (it holds a lone surrogate)")
    return len(text.encode("utf-8"))


def printable_text(value: object, max_bytes: int) -> str:
    """Non-empty printable text of at most ``max_bytes`` bytes of UTF-8."""
    if not isinstance(value, str) or not value or not value.isprintable():
        raise Invalid(f"must be non-empty printable text, got {excerpt(value)}")
    size = utf8_size(value)
    if size > max_bytes:
        raise Invalid(f"must be at most {max_bytes} bytes of UTF-8, got {size}")
    return value


#: The rule for credentials, in one wording. The value itself is never quoted: it is a secret.
HEADER_SAFE_RULE = "must be visible ASCII with no spaces or line breaks (is there a trailing newline?)"


def header_safe(value: str) -> bool:
    """Whether ``value`` can travel in an HTTP header as it is: visible ASCII,
    no spaces or line breaks, as every access key ID, secret key and session
    token is. Checked where credentials come in: a stray newline (an env file,
    a Kubernetes secret) would otherwise reach http.client, whose refusal
    quotes the whole header, token or signature included."""
    return value.isascii() and value.isprintable() and " " not in value


def safe_for_log(text: str) -> str:
    """``text`` with lone surrogates escaped: a caller's JSON may hold them
    ("\\ud800" in a key); no log sink can write them as UTF-8, and Lambda's
    would print a logging traceback instead of the request's line."""
    if encodes_as_utf8(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
