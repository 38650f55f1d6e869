"""The one JSON-safe converter: frozen dataclasses, enums, datetimes, tuples and numpy
scalars to plain data that ``json.dumps(..., allow_nan=False)`` writes as strict JSON.

A leaf with no dependencies beyond the standard library: the renderers, the reference
store and the service-side ``mlmon.instrument`` all write JSON through it.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


def iso_utc(value: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` (a naive datetime is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_plain(value: Any, datetime_text: Callable[[datetime], str] = iso_utc) -> Any:
    """``value`` as JSON-safe plain data.

    Dataclasses become objects in field order (a field whose metadata says
    ``plain=False`` is left out), enums their value, datetimes
    ``datetime_text(value)``, timedeltas seconds, tuples lists, numpy scalars and arrays
    Python numbers and lists; a float that is NaN or infinite becomes None (JSON has no
    NaN). Anything else unknown becomes its ``str``.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name), datetime_text)
            for f in dataclasses.fields(value)
            if f.metadata.get("plain", True)
        }
    if isinstance(value, dict):
        return {str(k): to_plain(v, datetime_text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, datetime_text) for v in value]
    if isinstance(value, datetime):
        return datetime_text(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if hasattr(value, "tolist"):  # a numpy scalar or array, without importing numpy
        return to_plain(value.tolist(), datetime_text)
    return str(value)
