"""Which canonical fields a decoded chunk holds a value for: what a message about a field
found in no record rests on (``IngestStats.fields_found``)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from mlmon.ingest.features import FeatureRead
from mlmon.ingest.fields import FieldMap
from mlmon.ingest.names import FEATURES


def fields_found(raw: pl.DataFrame, fields: FieldMap, features: FeatureRead | None = None) -> frozenset[str]:
    """The canonical fields of ``fields`` that hold a value in some row of ``raw`` (a
    decoded chunk, nested keys decoded, loguru's ``record.extra`` lifted): ``ts``,
    ``event``, ``level``, ``latency`` and the names of ``fields.simple``; and ``features``
    when the read takes inputs (``features``) and some row holds the ``features`` object or
    a field named as a feature. Null counts only."""
    candidates: dict[str, Iterable[tuple[str, ...]]] = {
        "ts": fields.timestamp,
        "event": fields.event,
        "level": fields.level,
        "latency": (path for path, _ in fields.latency),
        **fields.simple,
    }
    if features is not None:
        candidates[FEATURES] = ((FEATURES,), *features.paths.values())
    return frozenset(name for name, paths in candidates.items() if any(_has_value(raw, path) for path in paths))


def _has_value(raw: pl.DataFrame, path: tuple[str, ...]) -> bool:
    if not path or path[0] not in raw.columns:
        return False
    series = raw.get_column(path[0])
    for key in path[1:]:
        if not isinstance(series.dtype, pl.Struct) or key not in {f.name for f in series.dtype.fields}:
            return False
        series = series.struct.field(key)
    return series.null_count() < series.len()
