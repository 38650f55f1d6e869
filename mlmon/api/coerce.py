"""What the Python twins accept besides typed values: the CLI's strings, and inputs given as
one path or several.

``build_report("logs/")`` reads the directory (a string is one input, never its
characters); ``build_report(["a.log", Path("b.log.gz")])`` reads both. Options classes call
:func:`parse_fields` from ``__post_init__`` to turn ``"1d"``, ``"200ms"``, ``"1%"`` into
the typed values the CLI's parsers give."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from mlmon.units import parse_ratio, split_list

Inputs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""One path, directory, glob or ``-``, or a sequence of them."""


def as_inputs(inputs: Inputs) -> list[str]:
    """``inputs`` as a list of strings: a single ``str`` or path is one input."""
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    if isinstance(inputs, bytes) or not isinstance(inputs, Iterable):
        raise TypeError(f"inputs must be a path or a sequence of paths, not {type(inputs).__name__}")
    items = list(inputs)
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"each input must be a path (str or os.PathLike), not {type(item).__name__}: {item!r}")
    return [os.fspath(item) for item in items]


def parse_fields(options: Any, parsers: dict[str, Callable[[str], Any]]) -> None:
    """Replace each string field of the frozen dataclass ``options`` named in ``parsers``
    by its parsed value (typed values and None are kept as they are)."""
    for name, parse in parsers.items():
        value = getattr(options, name)
        if isinstance(value, str):
            object.__setattr__(options, name, parse(value))


def names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Column or field names: ``"p_A,p_B"`` and ``["p_A", "p_B"]`` both give a tuple; None
    stays None."""
    if value is None:
        return None
    return split_list(value)


def as_names(options: Any, *fields: str) -> None:
    """Make each field of ``options`` in ``fields`` a tuple of names (see :func:`names`)."""
    for name in fields:
        value = getattr(options, name)
        if value is not None and not isinstance(value, tuple):
            object.__setattr__(options, name, names(value))


def ratio(text: str) -> float:
    """``"1%"`` or ``"0.01"``: a fraction in [0, 1], as the CLI reads ratios."""
    return parse_ratio(text)


def number(text: str) -> float:
    """A plain number such as a PSI level, ``"0.25"``; a ``%`` suffix divides by 100."""
    from mlmon.errors import UsageError

    raw = text.strip()
    try:
        return float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"invalid number {text!r}: use e.g. 0.25") from None


def count(text: str) -> int:
    """A whole number such as ``min_samples``, ``"200"``."""
    from mlmon.errors import UsageError

    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(f"invalid count {text!r}: use a whole number, e.g. 200") from None


def moment(text: str) -> datetime:
    """An absolute time as ``--since`` reads it (ISO-8601, a date, epoch seconds; naive is
    UTC), or a duration such as ``"6h"`` before the current time."""
    from mlmon.ingest.time_options import parse_time

    return parse_time("now", text, datetime.now(UTC))
