"""The window bound (``mlmon.windows.MAX_WINDOWS``) inside the reducers, so that time and
memory stay bounded whatever the timestamps and ``--window``.

A time-windowed state keeps two small extras besides its pieces:

* ``window_keys``: the distinct window starts (epoch microseconds) it holds. Once a chunk
  or a merge holds more than ``MAX_WINDOWS``, the per-window pieces (whose number would
  otherwise grow with the windows) are dropped and ``window_keys`` becomes None: the state
  is *over the limit*, and reading goes on only to name the whole span in the refusal.
* ``minutes``: records, first and last time per calendar minute, one table per chunk; all
  an over-the-limit state keeps. ``finalize`` counts the windows from the first record to
  the last arithmetically (before any window is built) and, when over the limit, refuses
  with a ``UsageError`` that finds far-away records by minute and names a wider window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TypeVar

import polars as pl

from mlmon.analyses.sums import sum_of
from mlmon.windows import MAX_WINDOWS, WindowSpec, time_window_count, too_many_time_windows

MINUTE = "_minute"
S = TypeVar("S")
COMPACT_AT = 16
"""Tables a state's field holds before a merge re-aggregates them into one, so that a
state's size follows its distinct keys, not the number of chunks."""
_LEAST, _GREATEST = {"start", "first"}, {"end", "last", "latency_max", "cpu_max", "rss_max"}
"""Columns of the keyed tables that re-aggregate by min and by max; every other one adds."""


def window_key(window: WindowSpec) -> pl.Expr:
    """Epoch microseconds of each record's time window start (aligned to the Unix epoch),
    or 0 for the whole range: the key every windowed state is kept under."""
    return pl.col("ts").dt.truncate(window.every).dt.epoch("us") if window.every else pl.lit(0, dtype=pl.Int64)


def concat_or_empty(tables: tuple[pl.DataFrame, ...], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A state field's tables as one frame, or an empty frame of ``schema`` when it has none."""
    return pl.concat(tables, how="vertical") if tables else pl.DataFrame(schema=schema)


def minute_counts(lf: pl.LazyFrame, ts: str = "ts", count: str | None = None) -> pl.LazyFrame:
    """Records (or the sum of ``count``), first and last ``ts`` per calendar minute."""
    n = pl.len() if count is None else pl.col(count).sum()
    return lf.group_by(pl.col(ts).dt.truncate("1m").alias(MINUTE)).agg(
        n.cast(pl.Int64).alias("records"), pl.col(ts).min().alias("first"), pl.col(ts).max().alias("last")
    )


def key_set(keys: pl.Series) -> frozenset[int] | None:
    """The distinct window keys (Int64), or None when there are more than ``MAX_WINDOWS``."""
    distinct = keys.unique()
    return None if distinct.len() > MAX_WINDOWS else frozenset(distinct.to_list())


def merge_bounded(left: S, right: S) -> S:
    """Field by field concatenation of two states (keys united) while the distinct windows
    stay within ``MAX_WINDOWS``; beyond, only the minute counts. Associative: being over
    the limit absorbs, and the minute tables concatenate in order."""
    left_keys, right_keys = left.window_keys, right.window_keys  # type: ignore[attr-defined]
    keys = None if left_keys is None or right_keys is None else left_keys | right_keys
    if keys is None or len(keys) > MAX_WINDOWS:
        return type(left)(window_keys=None, minutes=left.minutes + right.minutes)  # type: ignore[attr-defined, call-arg]
    pieces = {
        f.name: getattr(left, f.name) + getattr(right, f.name)
        for f in dataclasses.fields(left)  # type: ignore[arg-type]
        if f.name != "window_keys"
    }
    return type(left)(window_keys=keys, **pieces)  # type: ignore[call-arg]


def check_time_windows(spec: WindowSpec, minutes: tuple[pl.DataFrame, ...], over: bool) -> None:
    """Raise ``UsageError`` when ``spec``'s time windows from the first record to the last
    number more than ``MAX_WINDOWS`` (``over``: a state already found more distinct ones)."""
    if spec.duration is None or not minutes:
        return
    table = pl.concat(minutes, how="vertical")
    first, last = table["first"].min(), table["last"].max()
    if first is None or last is None:
        return
    if over or time_window_count(spec.duration, first, last) > MAX_WINDOWS:  # type: ignore[arg-type]
        per_minute = table.group_by(MINUTE).agg(pl.col("records").sum())
        raise too_many_time_windows(spec, first, last, list(per_minute.iter_rows()))  # type: ignore[arg-type]


def compacted(state: S, keys: Mapping[str, Sequence[str]]) -> S:
    """``state`` with each table field named in ``keys`` re-aggregated into one table by
    those key columns once it holds more than ``COMPACT_AT`` tables: counts and sums add,
    first times take the minimum, last times and maxima the maximum. The finalized
    results are those of the pieces (sums of floats up to their rounding order)."""
    changes = {
        name: _compact(getattr(state, name), by) for name, by in keys.items() if len(getattr(state, name)) > COMPACT_AT
    }
    return dataclasses.replace(state, **changes) if changes else state  # type: ignore[type-var]


def _compact(pieces: tuple[pl.DataFrame, ...], keys: Sequence[str]) -> tuple[pl.DataFrame, ...]:
    table = pl.concat(pieces, how="vertical")

    def rule(name: str) -> pl.Expr:
        return (
            pl.col(name).min()
            if name in _LEAST
            else pl.col(name).max()
            if name in _GREATEST
            else sum_of(name, table.schema[name])
        )

    merged = table.group_by(list(keys)).agg(rule(name) for name in table.columns if name not in keys)
    return (merged.select(table.columns).cast(table.schema),)
