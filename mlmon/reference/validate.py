"""Typed reading of a profile's JSON, field by field.

A profile is input like any other: every value is checked for its type, range and shape
before it is used (:mod:`mlmon.reference.codec` reads the document with these), and the
first wrong one is one :class:`FieldError` naming the dotted field, which the codec turns
into a ``ReferenceProfileError`` that names the file too (``ref.json: field
'confidence.mean': expected a number or null, got true``). The rules are those of
``references/PROFILE_FORMAT.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class FieldError(Exception):
    """One field of a profile is wrong; the loader adds the file name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field {field!r}: {problem}")


def shown(value: Any) -> str:
    """``value`` as the error message quotes it: JSON, one line, short."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_int(value: Any, field: str) -> int:
    """A non-negative JSON integer (``true`` and ``5.0`` are not integers)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldError(field, f"expected a non-negative integer, got {shown(value)}")
    return value


def as_number(
    value: Any, field: str, *, nullable: bool = True, low: float = -math.inf, high: float = math.inf
) -> float:
    """A finite JSON number in ``[low, high]``; null (or a NaN literal) reads as NaN where
    ``nullable``. Infinity is never a statistic mlmon writes."""
    if value is None and nullable:
        return math.nan
    expected = "a number or null" if nullable else "a finite number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(field, f"expected {expected}, got {shown(value)}")
    number = float(value)
    if math.isnan(number) and nullable:
        return number
    if not math.isfinite(number):
        raise FieldError(field, f"expected {expected}, got {shown(value)}")
    if not low <= number <= high:
        raise FieldError(field, f"expected a number between {low:g} and {high:g}, got {shown(value)}")
    return number


def as_text(value: Any, field: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {shown(value)}")
    return value


def as_optional_text(value: Any, field: str) -> str | None:
    """A JSON string or null."""
    if value is not None and not isinstance(value, str):
        raise FieldError(field, f"expected a string or null, got {shown(value)}")
    return value


@dataclass(frozen=True)
class Obj:
    """A JSON object of the profile and its dotted name, read one typed field at a time."""

    data: Mapping[str, Any]
    """The object's members."""
    name: str = ""
    """Dotted path of this object in the profile (empty at the top level)."""

    def at(self, key: str) -> str:
        """The dotted name of member ``key``."""
        return f"{self.name}.{key}" if self.name else key

    def raw(self, key: str, default: Any = ...) -> Any:
        if key in self.data:
            return self.data[key]
        if default is ...:
            raise FieldError(self.at(key), "missing")
        return default

    def integer(self, key: str) -> int:
        return as_int(self.raw(key), self.at(key))

    def number(self, key: str, **limits: Any) -> float:
        return as_number(self.raw(key), self.at(key), **limits)

    def text(self, key: str) -> str:
        return as_text(self.raw(key), self.at(key))

    def optional_text(self, key: str) -> str | None:
        return as_optional_text(self.raw(key), self.at(key))

    def obj(self, key: str) -> Obj:
        value = self.raw(key)
        if not isinstance(value, Mapping):
            raise FieldError(self.at(key), f"expected an object, got {shown(value)}")
        return Obj(value, self.at(key))

    def array(self, key: str, default: Any = ...) -> list[Any]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise FieldError(self.at(key), f"expected a list, got {shown(value)}")
        return value


def as_time(value: Any, field: str) -> datetime:
    """An ISO-8601 time; a time without an offset is UTC."""
    text = as_text(value, field)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, f"expected an ISO-8601 time, got {shown(value)}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
