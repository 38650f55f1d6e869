"""Exact values kept for percentiles: one float64 numpy array per group and chunk.

A chunk's values are split by their group key (model, version, window) once, so a state
holds 8 bytes per value and no key columns; pieces merge by concatenating the tuples.
Percentiles are numpy's default linear interpolation, taken on one concatenated copy of a
scope's values, partitioned in place (``overwrite_input``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

Values = tuple[tuple[tuple, np.ndarray], ...]
"""(group key, values) pairs; a key may repeat across chunks."""


def split_values(frame: pl.DataFrame, keys: Sequence[str], column: str) -> Values:
    """The non-null values of ``column`` in ``frame``, one array per distinct ``keys``."""
    present = frame.select(*keys, column).filter(pl.col(column).is_not_null())
    if present.height == 0:
        return ()
    parts = present.partition_by(list(keys), as_dict=True, maintain_order=True)
    return tuple((tuple(key), part.get_column(column).to_numpy()) for key, part in parts.items())


def gather(values: Values, keep: Callable[[tuple], bool] = lambda key: True) -> np.ndarray:
    """One array of the values whose key ``keep`` accepts (a copy)."""
    arrays = [array for key, array in values if keep(key)]
    return np.concatenate(arrays) if arrays else np.empty(0)


def percentiles(values: np.ndarray, qs: Sequence[float]) -> list[float | None]:
    """numpy linear percentiles (``qs`` in 0..100) of ``values``, None each when empty.
    ``values`` is partitioned in place."""
    if values.size == 0:
        return [None] * len(qs)
    return [float(v) for v in np.percentile(values, qs, overwrite_input=True)]
