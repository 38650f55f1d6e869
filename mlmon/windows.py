"""Window specifications: split records into time windows, record-count windows, or one
window covering everything. Shared by ``report`` and ``drift``. A leaf: plain Python."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mlmon.errors import UsageError
from mlmon.units import parse_duration, show_duration


@dataclass(frozen=True)
class WindowSpec:
    """How records are grouped into windows. At most one of the two fields is set; neither
    means one window over the whole range."""

    duration: timedelta | None = None
    """Calendar windows of this length, aligned to the Unix epoch (UTC midnight for 1d)."""
    records: int | None = None
    """Consecutive windows of this many records, in event-time order."""
    by_default: bool = field(default=False, compare=False)
    """True for a command's default, not asked for: a run whose inputs include summaries
    then takes the summaries' windows instead (:func:`coarsest_nesting`). Not part of
    equality: it says where the windows came from, not what they are."""

    @property
    def is_whole(self) -> bool:
        return self.duration is None and self.records is None

    @property
    def every(self) -> str | None:
        """The time windows' length as a polars duration string (``3600000000us``)."""
        return None if self.duration is None else f"{int(self.duration.total_seconds() * 1_000_000)}us"

    def describe(self) -> str:
        if self.duration is not None:
            return f"{show_duration(self.duration)} windows"
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
            raise UsageError(f"invalid window {text!r}: a record count must be positive")
        return WindowSpec(records=count)
    return WindowSpec(duration=parse_duration(text))


WHOLE_BY_DEFAULT = WindowSpec(by_default=True)
"""``report``'s and ``drift``'s window when none is asked for: the whole range (or the
windows of the summaries read)."""


def divides(fine: WindowSpec, coarse: WindowSpec) -> bool:
    """True when every window of ``fine`` lies whole inside one window of ``coarse``, so
    states kept per ``fine`` window re-aggregate into ``coarse`` ones: ``coarse`` is the
    whole range, or both are time windows and ``coarse``'s length is a whole multiple of
    ``fine``'s. Both are aligned to the Unix epoch, so a multiple is always aligned too."""
    if coarse.is_whole:
        return True
    if fine.duration is None or coarse.duration is None:
        return False
    return (coarse.duration // _US) % (fine.duration // _US) == 0


def coarsest_nesting(specs: Sequence[WindowSpec]) -> WindowSpec | None:
    """The coarsest of ``specs`` when every one of them divides it (:func:`divides`), else
    None (40m and 1h windows do not nest: only 2h windows hold both whole)."""
    if not specs:
        return None
    coarsest = max(specs, key=lambda spec: (spec.is_whole, spec.duration or timedelta(0)))
    return coarsest if all(divides(spec, coarsest) for spec in specs) else None


def common_multiple(specs: Sequence[WindowSpec]) -> WindowSpec:
    """The shortest time windows that every time window of ``specs`` divides (the least
    common multiple of their lengths); the whole range when any of them is."""
    if any(spec.duration is None for spec in specs):
        return WindowSpec()
    return WindowSpec(duration=_US * math.lcm(*(spec.duration // _US for spec in specs)))  # type: ignore[operator]


def window_option(spec: WindowSpec) -> str:
    """The ``--window`` value that gives ``spec``: ``1h``, ``90m``, ``5000``, ``all``."""
    if spec.duration is not None:
        return show_duration(spec.duration)
    return "all" if spec.records is None else str(spec.records)


MAX_WINDOWS = 10_000
"""The most windows ``report`` and ``drift`` will build. Time windows count from the first
record's window to the last record's, empty ones included (the report lists them all);
record windows count ``ceil(records / size)``. More is refused with a ``UsageError`` that
names a wider window, so a typo (``1s`` for ``1d``) or one far-away timestamp costs a
message, not minutes and gigabytes."""

SUGGESTED_WINDOWS = 1_000
"""A suggested window gives at most this many windows where one can."""

NICE_DURATIONS = tuple(
    timedelta(seconds=s)
    for s in (1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800, 2592000)
)
"""The window lengths a refusal may suggest: 1s 5s 10s 30s 1m 5m 10m 15m 30m 1h 2h 3h 6h 12h 1d 7d 30d."""

FAR_SHARE = 0.005
"""The bulk of the data runs from this share of the records to one minus it, by minute."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def time_window_count(every: timedelta, first: datetime, last: datetime) -> int:
    """Windows of ``every`` (aligned to the Unix epoch) from ``first``'s to ``last``'s,
    both included, empty ones too: pure arithmetic, whatever the span."""
    step = every // _US
    return (last - _EPOCH) // _US // step - (first - _EPOCH) // _US // step + 1


def window_starts(every: timedelta, first: datetime, last: datetime) -> list[datetime]:
    """The starts of the windows of ``every`` (aligned to the Unix epoch) from ``first``'s
    to ``last``'s, both included. Count them with :func:`time_window_count` first."""
    step = every // _US
    begin = (first - _EPOCH) // _US // step
    return [_EPOCH + _US * (step * index) for index in range(begin, (last - _EPOCH) // _US // step + 1)]


def record_window_count(records: int, size: int) -> int:
    """Windows of ``size`` consecutive records: ``ceil(records / size)``."""
    return -(-records // size)


def suggest_duration(first: datetime, last: datetime, target: int = SUGGESTED_WINDOWS) -> timedelta | None:
    """The shortest of :data:`NICE_DURATIONS` giving at most ``target`` windows over the
    span, else the shortest giving at most :data:`MAX_WINDOWS`; None when none does."""
    for limit in (target, MAX_WINDOWS):
        for every in NICE_DURATIONS:
            if time_window_count(every, first, last) <= limit:
                return every
    return None


def suggest_record_count(records: int, target: int = SUGGESTED_WINDOWS) -> int:
    """The smallest round count (1, 2 or 5 times a power of ten) giving at most ``target``
    windows of ``records``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if record_window_count(records, step * scale) <= target:
                return step * scale
        scale *= 10


@dataclass(frozen=True)
class FarRecords:
    """Records far outside the bulk of the data, and the range that leaves them out."""

    records: int
    """How many records lie far outside."""
    since: datetime
    """Start of the first minute of the rest (for ``--since``)."""
    until: datetime
    """End of the last minute of the rest (for ``--until``, which excludes it)."""


def far_records(minutes: Sequence[tuple[datetime, int]], share: float = FAR_SHARE) -> FarRecords | None:
    """Records far from the bulk, given records per minute (any order). The bulk runs from
    the minute holding the ``share`` quantile of the records to the one holding ``1 -
    share``; a record is far when it lies more than the bulk's width (at least an hour)
    before or after it. None when no record is far."""
    ordered = sorted((m, n) for m, n in minutes if n > 0)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    low_rank, high_rank = int(share * total), max(int(share * total), math.ceil((1 - share) * total) - 1)
    seen, low, high = 0, ordered[0][0], ordered[-1][0]
    for minute, n in ordered:
        if seen <= low_rank < seen + n:
            low = minute
        if seen <= high_rank < seen + n:
            high = minute
        seen += n
    width = max(high - low + timedelta(minutes=1), timedelta(hours=1))
    near = [(m, n) for m, n in ordered if low - width <= m <= high + width]
    far = total - sum(n for _, n in near)
    return FarRecords(far, near[0][0], near[-1][0] + timedelta(minutes=1)) if far else None


def too_many_time_windows(
    spec: WindowSpec, first: datetime, last: datetime, minutes: Sequence[tuple[datetime, int]]
) -> UsageError:
    """The refusal for time windows over :data:`MAX_WINDOWS` from ``first`` to ``last``
    (record times), naming far-away records (from records per minute) and a wider window."""
    every = spec.duration
    assert every is not None
    option = f"--window {show_duration(every)}"
    head = (
        f"{option} gives {time_window_count(every, first, last):,} windows from {_iso(first)} to {_iso(last)}, "
        f"over the limit of {MAX_WINDOWS:,}"
    )
    wider = suggest_duration(first, last)
    far = far_records(minutes)
    if far is None:
        tail = (
            f"use a wider window, such as --window {show_duration(wider)}"
            if wider
            else "use --since/--until to narrow the time range"
        )
        return UsageError(f"{head}: {tail}")
    one = far.records == 1
    what = (
        f"{far.records:,} record{'' if one else 's'} lie{'s' if one else ''} far outside the rest "
        f"({_iso(far.since)} to {_iso(far.until)})"
    )
    leave = f"leave {'it' if one else 'them'} out with --since {_iso(far.since)} --until {_iso(far.until)}"
    if time_window_count(every, far.since, far.until - _US) > MAX_WINDOWS:
        narrow = suggest_duration(far.since, far.until - _US)
        return UsageError(
            f"{head}: {what}; {leave}"
            + (f" and use a wider window, such as --window {show_duration(narrow)}" if narrow else "")
        )
    return UsageError(
        f"{head}: {what}; {leave}"
        + (f", or use a wider window, such as --window {show_duration(wider)}" if wider else "")
    )


def too_many_record_windows(
    spec: WindowSpec, records: int, noun: str = "record", windows: int | None = None
) -> UsageError:
    """The refusal for record windows over :data:`MAX_WINDOWS`, naming a wider window
    (``windows``: the count when not ``ceil(records / size)``, e.g. counted per version)."""
    size = spec.records
    assert size is not None
    windows = record_window_count(records, size) if windows is None else windows
    return UsageError(
        f"--window {size} gives {windows:,} windows of {size:,} {noun}{'' if size == 1 else 's'} ({records:,} "
        f"{noun}{'' if records == 1 else 's'}), "
        f"over the limit of {MAX_WINDOWS:,}: use a wider window, such as --window {suggest_record_count(records)}"
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
