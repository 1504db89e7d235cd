"""Typed reads of one cdk.json context object, each failure naming the offending key.

Every read returns None for an absent (or null) setting, so the caller's defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engagement_proxy.config import decimal

# Whether a text setting is valid: a pattern's fullmatch, or a check such as is_region.
Validator = Callable[[str], object]
# Beyond this a whole number is no longer exact as a float, which is how the Lambda reads it.
LARGEST_WHOLE_NUMBER = 2**53


class DeploymentSettingError(ValueError):
    """A deployment setting in cdk.json context is missing or invalid; `key` is its full path
    there. Raised at synth, before any stack is built."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"cdk.json context {key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class ContextReader:
    """Reads the settings of one context object; `prefix` is that object's key."""

    raw: Mapping[str, Any]
    prefix: str

    def fail(self, name: str, reason: str) -> DeploymentSettingError:
        return DeploymentSettingError(f"{self.prefix}.{name}", reason)

    def reject_unknown(self, known: Iterable[str]) -> None:
        unknown = sorted(set(self.raw) - set(known))
        if unknown:
            raise self.fail(
                unknown[0], "unknown setting (see docs/deploy.md, Configuration, for the list)"
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

    def boolean(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is not None and not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """A whole number; without bounds any size passes here (the Lambda's loader bounds it)."""
        value = self.raw.get(name)
        if value is None:
            return None
        # bool is an int in Python, and `true` is never a sensible count.
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not _within(value, minimum, maximum)
        ):
            raise self.fail(name, f"must be a whole number{_range(minimum, maximum)}")
        if abs(value) > LARGEST_WHOLE_NUMBER:
            raise self.fail(name, f"must be a whole number of at most {LARGEST_WHOLE_NUMBER}")
        return value

    def number(
        self, name: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        """A number; without bounds any size passes here (the Lambda's loader bounds it)."""
        value = self.raw.get(name)
        if value is None:
            return None
        # bool is an int in Python, and `true` is never a sensible amount.
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not _within(value, minimum, maximum):
            raise self.fail(name, f"must be a number{_range(minimum, maximum)}")
        try:
            return float(value)
        except OverflowError:  # a whole number with hundreds of digits
            raise self.fail(name, "must be a number a float can hold") from None


def _within(value: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or minimum <= value) and (maximum is None or value <= maximum)


def _range(minimum: float | None, maximum: float | None) -> str:
    if minimum is None or maximum is None:
        return ""
    return f" from {decimal(minimum)} to {decimal(maximum)}"
