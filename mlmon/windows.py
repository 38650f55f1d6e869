"""Window specifications: split records into time windows, record-count windows, or one
window covering everything. Shared by ``report`` and ``drift``. A leaf: plain Python."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from mlmon.units import parse_duration

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

    @property
    def every(self) -> str | None:
        """The time windows' length as a polars duration string (``3600000000us``)."""
        return None if self.duration is None else f"{int(self.duration.total_seconds() * 1_000_000)}us"

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


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{value.total_seconds():g}s"
