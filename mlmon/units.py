"""Parsing of human-written quantities in options: durations, latency budgets, ratios.

Each quantity is a *kind* (:class:`Kind`): how its text parses (``"200ms"``, ``"1%"``,
``"15m"``), which typed values it takes (numbers, ``timedelta``), its bounds, and the reason
it gives for a value it refuses (:class:`BadValue`). The option specs
(:mod:`mlmon.options`) put a name in front of the reason: the CLI's flag, the config
file's key or the Python field, so all three say the same thing about the same value.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from mlmon.errors import UsageError

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
_DURATION = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
_DURATION_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_LATENCY = re.compile(rf"^\s*({_NUMBER}|[-+]?(?:nan|inf(?:inity)?))\s*(us|µs|ms|s)?\s*$", re.IGNORECASE)
_LATENCY_TO_MS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0}


class BadValue(Exception):
    """A value a kind refuses. ``reason`` says why; ``shown`` is the value as the message
    shows it right after the option's name (``--alpha 1.5: must be ...``), or None when the
    reason names the value itself (``--window: invalid duration '7x': ...``). ``wrong_type``:
    the value is not of a type the kind takes at all (Python's ``TypeError``)."""

    def __init__(self, reason: str, shown: str | None = None, wrong_type: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.shown, self.wrong_type = reason, shown, wrong_type

    def message(self, where: str) -> str:
        """The one-line message with ``where`` (a flag, a config key, a field) in front."""
        return f"{where} {self.shown}: {self.reason}" if self.shown is not None else f"{where}: {self.reason}"


def type_name(value: Any) -> str:
    """``a boolean``, ``an integer``, ... for messages about a value of the wrong type."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a tuple",
        dict: "a table",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def wrong_type(expected: str, value: Any) -> BadValue:
    """The refusal of a value of a type the kind never takes."""
    got = "None" if value is None else f"{type_name(value)} {value!r}"
    return BadValue(f"expected {expected}, got {got}", wrong_type=True)


def is_number(value: Any) -> bool:
    """True for ints and floats (numpy's too), never for booleans."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def show_number(value: float) -> str:
    """A typed number as messages show it: as the CLI's text would be (``2``, ``1.5``, ``nan``)."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def show_duration(value: timedelta) -> str:
    """A timedelta in the largest unit that holds it whole: ``1h``, ``90m``, ``200ms``."""
    micros = value // timedelta(microseconds=1)
    if micros == 0:
        return "0s"
    for unit, size in (
        ("w", 604800_000_000),
        ("d", 86400_000_000),
        ("h", 3600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1000),
    ):
        if micros % size == 0:
            return f"{micros // size}{unit}"
    return f"{micros}us"


class Kind:
    """A kind of option value: ``parse`` takes the CLI's text or a typed value and gives the
    typed value, or raises :class:`BadValue`."""

    expected = "a value"
    """What a value of the wrong type is told to be (``expected a number, got ...``)."""

    def parse(self, value: Any) -> Any:
        return self.from_text(value) if isinstance(value, str) else self.from_value(value)

    def from_text(self, text: str) -> Any:  # pragma: no cover - every kind overrides one of the two
        raise wrong_type(self.expected, text)

    def from_value(self, value: Any) -> Any:
        raise wrong_type(self.expected, value)


class Ratio(Kind):
    """A fraction in [0, 1]: ``"1%"``, ``"0.01"``, or a number."""

    expected = "a ratio such as 1% or 0.01"

    def from_text(self, text: str) -> float:
        raw = text.strip()
        try:
            value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
        except ValueError:
            raise BadValue(f"invalid ratio {text!r}: use e.g. 1% or 0.01") from None
        return self._checked(value, text)

    def from_value(self, value: Any) -> float:
        if not is_number(value):
            raise wrong_type(self.expected, value)
        return self._checked(float(value), show_number(value))

    @staticmethod
    def _checked(value: float, text: str) -> float:
        if not 0.0 <= value <= 1.0:
            raise BadValue(f"invalid ratio {text!r}: must lie between 0 and 1 (0% and 100%)")
        return value


class Latency(Kind):
    """Milliseconds, 0 or more: ``"200ms"``, ``"0.2s"``, ``"500us"``, ``"150"`` (a bare
    number is ms), a number of ms, or a ``timedelta``."""

    expected = "a latency such as 200ms or 0.2s"

    def from_text(self, text: str) -> float:
        match = _LATENCY.match(text)
        if not match:
            raise BadValue(f"invalid latency {text!r}: use e.g. 200ms, 0.2s or 500us")
        return self._checked(float(match.group(1)) * _LATENCY_TO_MS[(match.group(2) or "ms").lower()], text)

    def from_value(self, value: Any) -> float:
        if isinstance(value, timedelta):
            return self._checked(value / timedelta(milliseconds=1), show_duration(value))
        if not is_number(value):
            raise wrong_type(self.expected, value)
        return self._checked(float(value), show_number(value))

    @staticmethod
    def _checked(value: float, text: str) -> float:
        if not math.isfinite(value):
            raise BadValue(f"invalid latency {text!r}: must be a finite number")
        if value < 0:
            raise BadValue(f"invalid latency {text!r}: must be 0 or more")
        return value


class Duration(Kind):
    """A positive duration: ``"15m"``, ``"1h"``, ``"1d"``, ``"200ms"`` or a ``timedelta``.
    ``numbers``: a number is a count of seconds too (``no_data``'s levels: ``900`` is 15m);
    ``seconds``: that, and the value is given back in seconds (a float), not a ``timedelta``."""

    def __init__(self, seconds: bool = False, numbers: bool = False) -> None:
        self.seconds, self.numbers = seconds, numbers or seconds
        self.expected = "a duration such as 15m, 1h or 1d" + (" or a number of seconds" if self.numbers else "")

    def from_text(self, text: str) -> timedelta | float:
        match = _DURATION.match(text)
        if not match:
            raise BadValue(f"invalid duration {text!r}: use a number and a unit, e.g. 15m, 1h, 1d")
        return self._checked(float(match.group(1)), _DURATION_UNITS[match.group(2).lower()], text)

    def from_value(self, value: Any) -> timedelta | float:
        if isinstance(value, timedelta):
            return self._checked(1.0, value, show_duration(value))
        if self.numbers and is_number(value):
            return self._checked(float(value), timedelta(seconds=1), show_number(value) + "s")
        raise wrong_type(self.expected, value)

    def _checked(self, count: float, unit: timedelta, text: str) -> timedelta | float:
        if not math.isfinite(count):
            raise BadValue(f"invalid duration {text!r}: must be finite")
        if count <= 0 or unit <= timedelta(0):
            raise BadValue(f"invalid duration {text!r}: must be positive")
        try:
            value = unit * count
        except OverflowError:
            raise BadValue(f"invalid duration {text!r}: too long (at most {timedelta.max.days:,} days)") from None
        if value <= timedelta(0):  # under a microsecond
            raise BadValue(f"invalid duration {text!r}: must be positive")
        return value.total_seconds() if self.seconds else value


def is_duration(text: str) -> bool:
    """True when ``text`` is written as a duration (a number and a unit, ``6h``), valid or not."""
    return _DURATION.match(text) is not None


class Number(Kind):
    """A plain number within bounds (a PSI level, a significance level, a share). Text is
    read by ``float``; ``percent``: ``"0.1%"`` is 0.001 too. NaN is never inside the bounds;
    ``inf_ok``: infinity is accepted as "never" even where ``high`` bounds the rest."""

    expected = "a number"

    def __init__(
        self,
        low: float,
        high: float | None,
        says: str,
        *,
        low_open: bool = False,
        high_open: bool = True,
        percent: bool = False,
        inf_ok: bool = False,
    ) -> None:
        self.low, self.high, self.says = low, high, says
        self.low_open, self.high_open, self.percent, self.inf_ok = low_open, high_open, percent, inf_ok

    def from_text(self, text: str) -> float:
        raw = text.strip()
        try:
            value = float(raw[:-1]) / 100.0 if self.percent and raw.endswith("%") else float(raw)
        except ValueError:
            raise BadValue(f"expected a number, got {text!r}") from None
        return self._checked(value, raw)

    def from_value(self, value: Any) -> float:
        if not is_number(value):
            raise wrong_type(self.expected, value)
        return self._checked(float(value), show_number(value))

    def _checked(self, value: float, shown: str) -> float:
        above = value > self.low if self.low_open else value >= self.low  # False for NaN
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        if not (above and below) and not (self.inf_ok and value == math.inf):
            raise BadValue(self.says, shown)
        return value


class Count(Kind):
    """A whole number, at least ``least``: ``"200"`` or an int."""

    expected = "a whole number"

    def __init__(self, least: int) -> None:
        self.least = least

    def from_text(self, text: str) -> int:
        if not re.fullmatch(r"\s*[-+]?\d+\s*", text):
            raise BadValue(f"expected a whole number, got {text!r}")
        return self._checked(int(text))

    def from_value(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise wrong_type(self.expected, value)
        return self._checked(int(value))

    def _checked(self, value: int) -> int:
        if value < self.least:
            raise BadValue(f"must be at least {self.least}, got {value}")
        return value


class Choice(Kind):
    """One of ``choices`` (case-insensitive text, or an enum member whose value is one).
    ``noun``: the message says ``invalid engine 'spark': use one of local, dask``."""

    def __init__(self, choices: tuple[str, ...], noun: str | None = None) -> None:
        self.choices, self.noun = choices, noun
        self.expected = (
            " or ".join(repr(c) for c in choices)
            if len(choices) <= 2
            else "one of " + ", ".join(repr(c) for c in choices)
        )

    def from_text(self, text: str) -> str:
        value = text.strip().lower()
        if value not in self.choices:
            if self.noun:
                raise BadValue(f"invalid {self.noun} {text!r}: use one of {', '.join(self.choices)}")
            raise BadValue(f"expected {self.expected}, got {text!r}")
        return value

    def from_value(self, value: Any) -> str:
        if isinstance(getattr(value, "value", None), str):
            return self.from_text(value.value)
        raise wrong_type(self.expected, value)


class Flag(Kind):
    """True or false: a bool, or ``true``/``false``/``yes``/``no``/``1``/``0`` as text."""

    expected = "true or false"

    def from_text(self, text: str) -> bool:
        value = text.strip().lower()
        if value not in {"true", "false", "1", "0", "yes", "no"}:
            raise BadValue(f"expected true or false, got {text!r}")
        return value in {"true", "1", "yes"}

    def from_value(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise wrong_type(self.expected, value)
        return value


class Text(Kind):
    """A string (a column name, an address); ``non_empty``: not blank."""

    expected = "a string"

    def __init__(self, non_empty: bool = False) -> None:
        self.non_empty = non_empty

    def from_text(self, text: str) -> str:
        if self.non_empty and not text.strip():
            raise BadValue("must not be empty")
        return text


class Names(Kind):
    """Column or field names: ``"p_A,p_B"`` or a sequence of strings, as a tuple."""

    expected = "names, comma-separated or a list of strings"

    def from_text(self, text: str) -> tuple[str, ...]:
        return split_list(text)

    def from_value(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
            raise wrong_type(self.expected, value)
        items = list(value)
        bad = [item for item in items if not isinstance(item, str)]
        if bad:
            raise wrong_type("a name (a string)", bad[0])
        return split_list(items)


def parse_duration(text: str) -> timedelta:
    """Parse ``15m``, ``1h``, ``1d``, ``30s``, ``2w`` into a positive timedelta;
    ``UsageError`` naming the text and the reason."""
    try:
        return Duration().from_text(text)  # type: ignore[return-value]
    except BadValue as bad:
        raise UsageError(bad.reason) from None


def split_list(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """Comma-separated and repeated option values, flattened: ``["1,8", "32"]`` and
    ``"1,8,32"`` both give three items; empty parts are dropped."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())
