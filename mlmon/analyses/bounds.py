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
from typing import TypeVar

import polars as pl

from mlmon.windows import MAX_WINDOWS, WindowSpec, time_window_count, too_many_time_windows

MINUTE = "_minute"
S = TypeVar("S")


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
    pieces = {f.name: getattr(left, f.name) + getattr(right, f.name) for f in dataclasses.fields(left) if f.name != "window_keys"}  # type: ignore[arg-type]
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
