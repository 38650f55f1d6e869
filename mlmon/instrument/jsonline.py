"""The text of one mlmon JSON line, made fast: the hot path of every monitored call.

``json.dumps`` of a record dict costs several microseconds per call, most of it building
and walking the dict. Here a record is written as text directly: the timestamp from a
cached second plus the microseconds, event, level and key names encoded once and cached,
and each value by type (str through the C string encoder, finite floats and ints by their
``repr``, which is what ``json`` itself writes). Anything else goes through
:func:`mlmon.plain.to_plain`, so every line is exactly what ``json.dumps(record,
ensure_ascii=False, allow_nan=False)`` of the plain record would write: separators
``", "`` and ``": "``, NaN and infinities as ``null``; the one exception is a probability
vector written by :func:`vector_json`, each value to 9 significant digits. Standard library only.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mlmon.plain import to_plain

__all__ = [
    "ENCODE",
    "encoded_name",
    "fields_json",
    "format_ts",
    "json_safe",
    "ts_from_ns",
    "value_json",
    "VectorFormat",
    "vector_format",
    "vector_json",
]

ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""One encoder for every record (``json.dumps`` with options builds a new one per call)."""
_ENCODE_STR = json.encoder.encode_basestring  # the C version, as ensure_ascii=False uses
_FLOAT_REPR = float.__repr__
_INT_REPR = int.__repr__
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_second: list[tuple[int, str]] = [(-1, "")]
"""The last second formatted and its text up to the ``.``, as one tuple so that threads
always read a matching pair."""


def ts_from_ns(ns: int) -> str:
    """``format_ts`` of an epoch in nanoseconds: the second's text is cached, only the
    microseconds are formatted per call."""
    second = ns // 1_000_000_000
    cached = _second[0]
    if cached[0] != second:
        cached = (second, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second)))
        _second[0] = cached
    return cached[1] + "%06dZ" % (ns // 1000 % 1_000_000)  # noqa: UP031 - ~100 ns a line faster than an f-string


def format_ts(ts: datetime | float | int | None = None) -> str:
    """Format a time as mlmon's ``ts``: ISO-8601 UTC with microseconds and ``Z``.

    ``ts`` may be None (now), an aware or naive datetime (naive is taken as UTC), or an
    epoch number whose unit follows from its magnitude, as mlmon's ingest reads them:
    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds
    (``time.time()`` and ``time.time_ns()`` both work).
    """
    if ts is None:
        return ts_from_ns(time.time_ns())
    if type(ts) is int and 10**17 <= ts < 253402300800 * 10**9:  # nanoseconds, the common case
        return ts_from_ns(ts)
    if isinstance(ts, datetime):
        moment = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    else:
        size = abs(ts)
        if isinstance(ts, int):
            micros = (
                ts * 1_000_000 if size < 10**11 else ts * 1000 if size < 10**14 else ts if size < 10**17 else ts // 1000
            )
        else:
            scale = 1e6 if size < 1e11 else 1e3 if size < 1e14 else 1.0 if size < 1e17 else 1e-3
            micros = round(float(ts) * scale)
        moment = _EPOCH + timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_safe(value: Any) -> Any:
    """``value`` as strict-JSON plain data, datetimes as mlmon's ``ts``."""
    return to_plain(value, format_ts)


_NAMES: dict[str, str] = {}


def encoded_name(name: str) -> str:
    """The JSON text of an event, level or key name, cached (a service uses a handful)."""
    text = _NAMES.get(name)
    if text is None:
        text = _ENCODE_STR(name) if type(name) is str else ENCODE(json_safe(name))
        if len(_NAMES) < 1024:
            _NAMES[name] = text
    return text


_KEYS: dict[str, str] = {}


def fields_json(fields: dict[str, Any]) -> str:
    """``, "key": value`` for each field in order: the body of a record after its head."""
    keys = _KEYS
    return "".join([(keys.get(key) or _key_text(key)) + value_json(value) for key, value in fields.items()])


def _key_text(key: Any) -> str:
    text = ", " + _ENCODE_STR(key if type(key) is str else str(key)) + ": "
    if len(_KEYS) < 1024 and type(key) is str:
        _KEYS[key] = text
    return text


def value_json(value: Any) -> str:
    """The JSON text of one value: plain values, lists, tuples, str-keyed dicts and numpy
    values directly, anything else through :func:`json_safe` (the same text either way)."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STR(value)
    if kind is float:
        return _FLOAT_REPR(value) if value - value == 0.0 else "null"
    if kind is int:
        return _INT_REPR(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is dict:
        try:
            return "{" + ", ".join([_ENCODE_STR(key) + ": " + value_json(item) for key, item in value.items()]) + "}"
        except TypeError:  # a key that is not a str: to_plain makes it one
            pass
    elif kind is list or kind is tuple:
        return "[" + ", ".join([value_json(item) for item in value]) + "]"
    elif kind.__module__ == "numpy" and hasattr(value, "tolist"):  # scalars and arrays, as to_plain reads them
        return value_json(value.tolist())
    return ENCODE(json_safe(value))


VectorFormat = tuple[str, tuple[str, ...] | None]
"""How a probability vector is written (:func:`vector_format`): a ``%``-format with one
``%.9g`` per value, and the encoded keys (``"A": ``) of an object, or None for an array."""

_ARRAYS: dict[int, VectorFormat] = {}


def vector_format(size: int, names: Iterable[Any] | None = None) -> VectorFormat:
    """The :data:`VectorFormat` of a probability vector of ``size`` values: an object keyed
    by ``names`` (as text, one per value), ``{"A": %.9g, "B": %.9g}``, or an array. Made
    once per model (the arrays cached by size)."""
    if names is not None:
        keys = tuple(_ENCODE_STR(name if type(name) is str else str(name)) + ": " for name in names)
        return "{" + ", ".join([key.replace("%", "%%") + "%.9g" for key in keys]) + "}", keys
    found = _ARRAYS.get(size)
    if found is None:
        found = "[" + ", ".join(["%.9g"] * size) + "]", None
        if len(_ARRAYS) < 256:
            _ARRAYS[size] = found
    return found


def vector_json(values: Sequence[float], form: VectorFormat) -> str:
    """The JSON text of a probability vector in its :func:`vector_format`, in one formatting
    call: each value to 9 significant digits (``%.9g``: a float32's exact value, a float64's
    within 5e-9 of it relatively; three times cheaper than the 17 digits of ``repr``), NaN
    and infinities as ``null``."""
    if math.isfinite(sum(values)):
        return form[0] % tuple(values)
    texts = ["%.9g" % value if math.isfinite(value) else "null" for value in values]  # noqa: UP031 - as the format
    keys = form[1]
    return "[" + ", ".join(texts) + "]" if keys is None else "{" + ", ".join(map(str.__add__, keys, texts)) + "}"
