"""Window specifications: split records into time windows, record-count windows, or one
window covering everything. Shared by ``report`` and ``drift``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from mlmon.units import parse_duration

WINDOW_COLUMN = "window_start"
"""Name of the column that holds each record's window key."""


@dataclass(frozen=True)
class WindowSpec:
    """How records are grouped into windows. At most one of the two fields is set; neither
    means one window over the whole range."""

    duration: timedelta | None = None
    """Calendar windows of this length, aligned to the Unix epoch (UTC midnight for 1d)."""
    records: int | None = None
    """Consecutive windows of this many records, in event-time order."""

    @property
    def is_whole(self) -> bool:
        return self.duration is None and self.records is None

    def describe(self) -> str:
        if self.duration is not None:
            return f"{_format_duration(self.duration)} windows"
        if self.records is not None:
            return f"windows of {self.records:,} records"
        return "whole range"


def parse_window(text: str | None) -> WindowSpec:
    """``None``/``all`` → whole range; ``10000`` → record windows; ``1h`` → time windows."""
    if text is None or text.strip().lower() in {"", "all", "whole"}:
        return WindowSpec()
    if re.fullmatch(r"\s*\d+\s*", text):
        count = int(text)
        if count <= 0:
            from mlmon.errors import UsageError

            raise UsageError(f"invalid window {text!r}: a record count must be positive")
        return WindowSpec(records=count)
    return WindowSpec(duration=parse_duration(text))


def with_window(frame: pl.LazyFrame, spec: WindowSpec, ts: str = "ts") -> pl.LazyFrame:
    """Add ``window_start`` (Datetime) to ``frame``. Record windows are keyed by the
    timestamp of their first record; the frame must be sorted by ``ts`` for them."""
    if spec.duration is not None:
        every = f"{int(spec.duration.total_seconds() * 1_000_000)}us"
        return frame.with_columns(pl.col(ts).dt.truncate(every).alias(WINDOW_COLUMN))
    if spec.records is not None:
        index = pl.int_range(pl.len(), dtype=pl.Int64) // spec.records
        return frame.with_columns(pl.col(ts).first().over(index).alias(WINDOW_COLUMN))
    return frame.with_columns(pl.col(ts).min().alias(WINDOW_COLUMN))


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{value.total_seconds():g}s"
