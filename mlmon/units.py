"""Parsing of human-written quantities in options: durations, latency budgets, ratios."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from mlmon.errors import UsageError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
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
_LATENCY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?\s*$", re.IGNORECASE)
_LATENCY_TO_MS = {"us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_duration(text: str) -> timedelta:
    """Parse ``15m``, ``1h``, ``1d``, ``30s``, ``2w`` into a positive timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"invalid duration {text!r}: use a number and a unit, e.g. 15m, 1h, 1d")
    value = float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
    if value <= timedelta(0):
        raise UsageError(f"invalid duration {text!r}: must be positive")
    return value


def parse_latency_ms(text: str) -> float:
    """Parse a latency budget such as ``200ms``, ``0.2s`` or ``150`` (bare numbers are ms)."""
    match = _LATENCY.match(text)
    if not match:
        raise UsageError(f"invalid latency {text!r}: use e.g. 200ms, 0.2s or 500us")
    return float(match.group(1)) * _LATENCY_TO_MS[(match.group(2) or "ms").lower()]


def parse_ratio(text: str) -> float:
    """Parse ``1%`` or ``0.01`` into a fraction in [0, 1]."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"invalid ratio {text!r}: use e.g. 1% or 0.01") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"invalid ratio {text!r}: must lie between 0 and 1 (0% and 100%)")
    return value


def split_list(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """Comma-separated and repeated option values, flattened: ``["1,8", "32"]`` and
    ``"1,8,32"`` both give three items; empty parts are dropped."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(part.strip() for item in items for part in item.split(",") if part.strip())
