"""Exact values kept for percentiles: one float64 polars Series per group and chunk.

A chunk's values are split by their group key (model, version, window) once, so a state
holds 8 bytes per value and no key columns; pieces merge by concatenating the tuples.
Percentiles are numpy's default linear interpolation (polars' ``quantile(q, "linear")``
computes the same value), taken on one concatenated copy of a scope's values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TypeVar

import polars as pl

Values = tuple[tuple[tuple, pl.Series], ...]
"""(group key, values) pairs; a key may repeat across chunks."""

S = TypeVar("S")


def concat_pieces(left: S, right: S) -> S:
    """The merge of two partial states whose every field is a tuple of pieces: field by
    field concatenation, which is associative."""
    return type(left)(*(getattr(left, f.name) + getattr(right, f.name) for f in dataclasses.fields(left)))  # type: ignore[arg-type]


def split_values(frame: pl.DataFrame, keys: Sequence[str], column: str, present_keys: pl.DataFrame) -> Values:
    """The non-null values of ``column`` in ``frame``, one Series per distinct ``keys``.
    ``present_keys`` holds the key combinations ``frame`` has (a small table the chunk's
    aggregation already made, duplicates allowed): with one, no partitioning is needed,
    the usual case of a chunk from one model version and window."""
    distinct = present_keys.select(keys).unique()
    if distinct.height == 1:
        values = frame.get_column(column).drop_nulls()
        return ((distinct.row(0), values),) if values.len() else ()
    present = frame.select(*keys, column).filter(pl.col(column).is_not_null())
    if present.height == 0:
        return ()
    parts = present.partition_by(list(keys), as_dict=True)
    return tuple((tuple(key), part.get_column(column)) for key, part in parts.items())


def gather(values: Values, keep: Callable[[tuple], bool]) -> pl.Series:
    """One Series of the values whose key ``keep`` accepts."""
    parts = [series for key, series in values if keep(key)]
    return pl.concat(parts) if parts else pl.Series("values", [], dtype=pl.Float64)


def percentiles(values: pl.Series, qs: Sequence[float]) -> list[float | None]:
    """Linear percentiles (``qs`` in 0..100) of ``values``; None each when empty."""
    if values.len() == 0:
        return [None] * len(qs)
    row = values.to_frame("v").select(pl.col("v").quantile(q / 100, "linear").alias(str(i)) for i, q in enumerate(qs)).row(0)
    return [float(v) for v in row]
