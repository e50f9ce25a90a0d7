"""Typed readers for configuration values: the rules of :mod:`xpresign.checks`,
with errors that name the setting (a variable, a document path, or a CLI option).

A value may come from an environment variable (text) or from a JSON/TOML
document (typed), so each reader accepts both forms.
"""

from __future__ import annotations

from .checks import Invalid, boolean, excerpt, whole_number
from .errors import ConfigError


def string(setting: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(setting, f"must be a string, got {excerpt(value)}")
    return value.strip()


def integer(setting: str, value: object, default: int, low: int, high: int, unit: str = "") -> int:
    if value is None or value == "":
        return default
    try:
        return whole_number(value, low, high, unit)
    except Invalid as exc:
        raise ConfigError(setting, str(exc)) from None


def seconds(setting: str, value: object, default: int, low: int, high: int) -> int:
    return integer(setting, value, default, low, high, " of seconds")


def flag(setting: str, value: object, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    try:
        return boolean(value)
    except Invalid as exc:
        raise ConfigError(setting, str(exc)) from None


def string_list(setting: str, value: object) -> tuple[str, ...]:
    """A list of strings, or in a variable, comma-separated text."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(setting, "must be a list of strings (or, in a variable, comma-separated)")


def prefixes(setting: str, value: object) -> tuple[str, ...]:
    found = string_list(setting, value)
    # An empty prefix allows every key: say so with no prefixes at all.
    return () if "" in found else found


def tags(setting: str, value: object) -> tuple[tuple[str, str], ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        pairs = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, tag_value = part.partition("=")
            if not sep or not key.strip():
                raise ConfigError(setting, f"expected key=value pairs separated by commas, got {excerpt(part)}")
            pairs.append((key.strip(), tag_value.strip()))
        return tuple(pairs)
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return tuple(value.items())
    raise ConfigError(setting, "must map tag keys to string values")
