"""Numbers and times for people, shared by the terminal renderers (plain Python).

The rules:

- Counts: thousands separators (``51,611``) and the singular for one (``1 line``,
  ``2 lines``): :func:`plural`. Lists of names: the first few, then ``and N more``
  (:func:`some_of`); what the reference and the logs do not share, in those words
  (:func:`overlap_lines`).
- Ordinary numbers never use scientific notation; :func:`fmt_sig` keeps significant digits
  (``0.0261``, ``0.167``, ``1,235``).
- Latency: at least three significant digits, one decimal from 10 up (``25.3 ms``,
  ``1,005.0 ms``, ``2.35 ms``); under 1 ms it is shown in µs by the same rule
  (``0.0077 ms`` → ``7.7 µs``): :func:`fmt_latency`. In sentences trailing zeros go
  (``5 ms``); table cells keep them (``5.00``). A table column takes one unit for
  all its cells, µs when every value is under 1 ms: :func:`latency_unit`.
- p-values: two significant digits (``0.82``, ``0.022``); scientific notation only under
  0.001 (``2.5e-236``): :func:`fmt_p`.
- Fixed decimals never show ``-0.000``: a value that rounds to zero has no sign
  (:func:`fmt_fixed`); a share that rounds to zero but is not zero reads ``<0.1%``.
- Times are UTC, written ``2026-11-09 00:00`` (never ``+00:00``, never ``T…Z`` in the
  terminal) with the precision the windows need (:func:`time_precision`): a date for whole
  days, minutes for hours and minutes, seconds for windows of a minute or less (or starts
  off the minute), milliseconds below a second. :func:`humane` rewrites the ISO times and
  ``window(s)`` of verdict sentences the same way (the JSON keeps them as they are).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from mlmon.windows import WindowSpec

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from mlmon.ingest.problems import IngestStats
    from mlmon.reference.profile import ReferenceProfile
    from mlmon.verdicts.feature_drift import FeatureDriftResult
    from mlmon.verdicts.prediction_drift import PredictionDriftResult

DAY, MINUTE, SECOND, MILLI = 0, 1, 2, 3
"""Time precisions, coarsest first."""

_TIME_FORMATS = {DAY: "%Y-%m-%d", MINUTE: "%Y-%m-%d %H:%M", SECOND: "%Y-%m-%d %H:%M:%S", MILLI: "%Y-%m-%d %H:%M:%S.%f"}


def finite(value: float | None) -> TypeIs[float]:
    """True for a number that is neither None, NaN nor infinite: one that can be shown or
    drawn (every renderer asks this one)."""
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 line``, ``51,611 lines`` (``many`` when the plural is not ``noun + s``)."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def some_of(names: Sequence[str], shown: int = 3, sep: str = ", ") -> str:
    """The first ``shown`` of ``names``, then how many more: ``a.txt, b.csv, c.md and 4
    more`` (all of them when there are at most ``shown + 1``: "and 1 more" saves nothing)."""
    if len(names) <= shown + 1:
        return sep.join(names)
    return f"{sep.join(names[:shown])} and {len(names) - shown:,} more"


OVERLAP_SHOWN = 10
"""Names listed per line of :func:`overlap_lines` before ``and N more``."""


def overlap_lines(what: str, only_in_reference: Sequence[str], only_in_logs: Mapping[str, int], unit: str) -> list[str]:
    """The lines every renderer shows for a partial overlap of ``what`` (``classes``,
    ``features``) between the reference and the logs over the whole run: those of the
    reference that no record shows, and those of the logs that the reference lacks, each
    with its count of ``unit`` (``prediction``, ``value``)."""
    lines = []
    if only_in_reference:
        lines.append(f"{what} in the reference that no record shows: {some_of(list(only_in_reference), OVERLAP_SHOWN)}")
    if only_in_logs:
        shown = [f"{name} ({plural(n, unit)})" for name, n in only_in_logs.items()]
        lines.append(f"{what} in the logs that the reference lacks: {some_of(shown, OVERLAP_SHOWN)}")
    return lines


def class_overlap_lines(result: PredictionDriftResult) -> list[str]:
    """:func:`overlap_lines` of a prediction-drift result's classes."""
    return overlap_lines("classes", result.only_in_reference, result.only_in_logs, "prediction")


def feature_overlap_lines(result: FeatureDriftResult) -> list[str]:
    """:func:`overlap_lines` of a data-drift result's features."""
    return overlap_lines("features", result.only_in_reference, result.only_in_logs, "value")


def envelopes_line(stats: IngestStats) -> str | None:
    """Which files were read through an envelope, or None: ``unwrapped 3 files of gcp (8
    lines: 8 entries)``, envelope by envelope."""
    if not stats.envelopes:
        return None
    totals: dict[str, list[int]] = {}
    for read in stats.envelopes.values():
        files, lines, items = totals.setdefault(read.envelope, [0, 0, 0])
        totals[read.envelope] = [files + 1, lines + read.lines, items + read.items]
    parts = (
        f"{plural(files, 'file')} of {name} ({plural(lines, 'line')}: {plural(items, 'entry', 'entries')})"
        for name, (files, lines, items) in totals.items()
    )
    return "unwrapped " + "; ".join(parts)


def fmt_size(size: int) -> str:
    """A file size in SI units: ``707 bytes``, ``14.2 kB``, ``3.1 MB``."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def wrote_line(target: str, size: int | None, details: str = "") -> str:
    """The line every command prints on stderr once it has written a file:
    ``mlmon: wrote report.html (14.2 kB): html``; ``target`` ``-`` is standard output."""
    where = "standard output" if target == "-" else target
    line = f"mlmon: wrote {where}" + ("" if size is None else f" ({fmt_size(size)})")
    return f"{line}: {details}" if details else line


def fmt_sig(value: float | None, digits: int = 3, strip: bool = True) -> str:
    """``value`` with at least ``digits`` significant digits, thousands separators and no
    scientific notation; trailing zeros dropped when ``strip``. ``-`` when missing."""
    if not finite(value):
        return "-"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_fixed(value: float | None, digits: int, signed: bool = False) -> str:
    """``value`` with ``digits`` decimals (and a sign when ``signed``); a value that rounds
    to zero is ``0.000``, never ``-0.000``."""
    if not finite(value):
        return "-"
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"{0:.{digits}f}"
    return text


def fmt_pct(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage (``0.0104`` → ``1.04%``); a share that is not zero but
    rounds to zero reads ``<0.01%``."""
    if not finite(value):
        return "-"
    text = f"{value:.{digits}%}"
    if value != 0 and float(text[:-1]) == 0:
        return f"<{10**-digits:.{digits}f}%" if value > 0 else f"-<{10**-digits:.{digits}f}%"
    return "0.0%" if text.startswith("-") and float(text[:-1]) == 0 else text


def fmt_p(value: float | None) -> str:
    """A p-value: two significant digits, scientific notation only below 0.001."""
    if not finite(value):
        return "-"
    if value == 0:
        return "0"
    if value < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return fmt_sig(value, 2)


def _latency_number(value: float, strip: bool = True) -> str:
    return f"{value:,.1f}" if abs(value) >= 10 else fmt_sig(value, 3, strip)


def fmt_latency(ms: float | None) -> str:
    """A latency in milliseconds with its unit: ``25.3 ms``, ``7.7 µs``."""
    if not finite(ms):
        return "-"
    if 0 < abs(ms) < 1:
        return f"{_latency_number(ms * 1000)} µs"
    return f"{_latency_number(ms)} ms"


def fmt_level(ms: float) -> str:
    """A level someone set (a budget), as given: ``250 ms``, ``0.5 ms`` → ``500 µs``."""
    return f"{fmt_sig(ms * 1000, 6)} µs" if 0 < abs(ms) < 1 else f"{fmt_sig(ms, 6)} ms"


def latency_unit(values: Iterable[float | None]) -> tuple[str, float]:
    """The unit (and factor from ms) for a column of latencies: µs when every value is
    under 1 ms, else ms."""
    present = [abs(v) for v in values if finite(v)]
    return ("µs", 1000.0) if present and max(present) < 1 else ("ms", 1.0)


def fmt_latency_in(ms: float | None, factor: float) -> str:
    """A latency in the unit :func:`latency_unit` chose, without the unit, keeping trailing
    zeros (a table column: ``4.90``, ``5.00``)."""
    return "-" if not finite(ms) else _latency_number(ms * factor, strip=False)


def fmt_span(seconds: float) -> str:
    """A duration in the largest fitting unit: ``7.0 days``, ``5.2 hours``, ``12 minutes``."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            value = seconds / size
            return f"{value:.1f} {unit}s" if size == 86400 or value < 10 else plural(round(value), unit)
    return f"{fmt_sig(seconds, 2)} seconds" if seconds != 1 else "1 second"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fmt_time(value: datetime | None, precision: int = MINUTE) -> str:
    """``value`` in UTC as ``2026-11-09 00:00`` at ``precision``; ``-`` when missing."""
    if value is None:
        return "-"
    text = _utc(value).strftime(_TIME_FORMATS[precision])
    return text[:-3] if precision == MILLI else text


def _data_precision(value: datetime) -> int:
    if value.microsecond:
        return MILLI
    if value.second:
        return SECOND
    return MINUTE if value.hour or value.minute else DAY


def _step_precision(step: timedelta) -> int:
    if step >= timedelta(days=1) and step % timedelta(days=1) == timedelta(0):
        return DAY
    if step > timedelta(minutes=1) and step % timedelta(minutes=1) == timedelta(0):
        return MINUTE
    return SECOND if step >= timedelta(seconds=1) else MILLI


def time_precision(starts: Sequence[datetime], step: timedelta | None = None) -> int:
    """The precision window starts need. Starts on the grid of the window length ``step``
    (when not given, the smallest gap between starts) take what that length needs: a date
    for whole days, minutes above a minute, seconds down to one, else milliseconds. Starts
    off the grid (record-count windows start at a record) take what keeps them apart: minutes
    when they lie a minute or more apart, else seconds or milliseconds. A lone start without
    a length needs at most minutes."""
    times = sorted({_utc(s) for s in starts})
    gap = min((b - a for a, b in pairwise(times)), default=None)
    by_data = max((_data_precision(t) for t in times), default=DAY)
    step = step or gap
    if step is None:
        return min(by_data, MINUTE)
    by_step = _step_precision(step)
    if by_data <= by_step:
        return by_step
    apart = gap if gap is not None else step
    return MINUTE if apart >= timedelta(minutes=1) else SECOND if apart >= timedelta(seconds=1) else MILLI


def short_times(starts: Sequence[datetime], precision: int) -> list[str]:
    """The starts at ``precision`` without what they all share: the year when they all
    fall in one (``11-09``), the date when they all fall on one day (``13:00``)."""
    texts = [fmt_time(s, precision) for s in starts]
    if precision > DAY and len({t[:10] for t in texts}) == 1:
        return [t[11:] for t in texts]
    if len({t[:4] for t in texts}) == 1:
        return [t[5:] for t in texts]
    return texts


_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?(\.\d+)?(?:Z|[+-]00:00)")
_PLURAL = re.compile(r"\b(\d[\d,]*) ((?:[a-z]+ )?)(\w+)\(s\)")


def humane(message: str) -> str:
    """A verdict sentence for the terminal: ISO times as ``2026-11-12 00:00`` (seconds only
    when not zero), ``1 window(s)`` as ``1 window`` and ``7 window(s)`` as ``7 windows``."""

    def when(match: re.Match[str]) -> str:
        seconds = match.group(3) if match.group(3) not in (None, ":00") or match.group(4) else ""
        return f"{match.group(1)} {match.group(2)}{seconds or ''}{match.group(4) or ''}"

    def noun(match: re.Match[str]) -> str:
        count = match.group(1)
        return f"{count} {match.group(2)}{match.group(3)}{'' if count == '1' else 's'}"

    return _PLURAL.sub(noun, _ISO.sub(when, message))


WINDOW_CHOICES = (
    (timedelta(days=1), "1d"),
    (timedelta(hours=6), "6h"),
    (timedelta(hours=1), "1h"),
    (timedelta(minutes=15), "15m"),
    (timedelta(minutes=5), "5m"),
)
"""The ``--window`` a whole-range run suggests: the longest of these that splits the span
into at least three windows (else ``1m``)."""


def is_whole_range(described: str) -> bool:
    """Whether a result's windows, ``described`` in words (``whole range``, ``1d windows``),
    are the one window of the whole range (no ``--window``, or ``--window all``)."""
    return described == WindowSpec().describe()


def fitting_window(span: timedelta) -> str:
    """The ``--window`` to suggest for records that span ``span`` (:data:`WINDOW_CHOICES`)."""
    return next((text for length, text in WINDOW_CHOICES if span >= 3 * length), "1m")


def breach_sentence(prediction: Any, first: Any, precision: int = MINUTE) -> str:
    """``first breach: 2026-11-12 UTC (critical): ...`` for windowed prediction drift. A
    whole-range run's one window starts at the first record, whenever the change came: it
    says the range instead, and the ``--window`` that would date the change."""
    said = f"({first.severity.value}): {humane(first.reason)}"
    windows = prediction.windows
    if not is_whole_range(prediction.window):
        return f"first breach: {fmt_time(first.start, precision)} UTC {said}"
    start, end = min(w.start for w in windows), max(w.end for w in windows)
    return (
        f"drift over the whole range, {fmt_time(start, precision)} to {fmt_time(end, precision)} UTC {said}; one "
        f"window cannot say when it began: add --window {fitting_window(end - start)} to find the first window that "
        "drifted"
    )


def reference_name(reference: ReferenceProfile) -> str:
    """The profile as the user named it, and what it was built from when that differs."""
    path, source = getattr(reference, "path", None), reference.source
    if path and source and str(path) != str(source):
        return f"{path} (built from {source})"
    return str(path or source or "unnamed")
