"""Typed reads of one cdk.json context object, each failure naming the offending key.

Every read returns None for an absent (or null) setting, so the caller's defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Whether a text setting is valid: a pattern's fullmatch, or a check such as is_region.
Validator = Callable[[str], object]


class ConfigError(ValueError):
    """A deployment setting is missing or invalid; `key` is its full path in cdk.json context."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"cdk.json context {key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class ContextReader:
    """Reads the settings of one context object; `prefix` is that object's key."""

    raw: Mapping[str, Any]
    prefix: str

    def fail(self, name: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.prefix}.{name}", reason)

    def reject_unknown(self, known: Iterable[str]) -> None:
        unknown = sorted(set(self.raw) - set(known))
        if unknown:
            raise self.fail(
                unknown[0], "unknown setting (see the Deploy section of README.md for the list)"
            )

    def section(self, name: str) -> ContextReader | None:
        """A reader for the nested settings object `name`, or None when it is absent."""
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(name, "must be an object")
        return ContextReader(value, f"{self.prefix}.{name}")

    def required(self, name: str) -> Any:
        value = self.raw.get(name)
        if value is None or value == [] or value == "":
            raise self.fail(name, "is required")
        return value

    def text(self, name: str, *, valid: Validator, expected: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not valid(value):
            raise self.fail(name, f"must be {expected}, got {value!r}")
        return value

    def choice(self, name: str, *, choices: tuple[str, ...]) -> str | None:
        value = self.raw.get(name)
        if value is not None and value not in choices:
            raise self.fail(name, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def text_list(self, name: str, *, valid: Validator, expected: str) -> tuple[str, ...] | None:
        values = self.raw.get(name)
        if values is None:
            return None
        if not isinstance(values, list):
            raise self.fail(name, f"must be a list, each item {expected}")
        for index, value in enumerate(values):
            if not isinstance(value, str) or not valid(value):
                raise self.fail(f"{name}[{index}]", f"must be {expected}, got {value!r}")
            if value in values[:index]:
                raise self.fail(f"{name}[{index}]", f"{value!r} is listed twice")
        return tuple(values)

    def integer(self, name: str, *, minimum: int, maximum: int) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        # bool is an int in Python, and `true` is never a sensible count.
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.fail(name, f"must be a whole number from {minimum} to {maximum}")
        return value

    def number(self, name: str, *, minimum: float, maximum: float) -> float | None:
        value = self.raw.get(name)
        if value is None:
            return None
        # bool is an int in Python, and `true` is never a sensible amount.
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not minimum <= value <= maximum:
            raise self.fail(name, f"must be a number from {minimum:g} to {maximum:g}")
        return float(value)
