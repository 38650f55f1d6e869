"""A CloudWatch Logs export to S3: ``<ISO time>Z <message>`` lines, CloudWatch's time with
milliseconds (``2026-11-20T12:00:00.000Z``), and the ``aws-logs-write-test`` object.

The lines are unwrapped with numpy over the bytes: each line's time is checked in place,
and the message is what is left once the time is cut off (one copy of the chunk, no string
per line). Only a line that is not in CloudWatch's own form (another number of fractional
digits, white space before the message, no time) is looked at in Python.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from mlmon.ingest.envelopes.base import Unwrapped, not_json
from mlmon.ingest.envelopes.cloudwatch_records import NAME

WRITE_TEST = "aws-logs-write-test"
NOT_JSON = not_json(NAME, "message")
_TIME = 24
"""Bytes of CloudWatch's time: ``2026-11-20T12:00:00.000Z``."""
_PUNCTUATION = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 19: b".", 23: b"Z", 24: b" "}
_DIGITS = tuple(at for at in range(_TIME) if at not in _PUNCTUATION)
_LINE = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (\s*)(.?)")
"""Any export-like line: its time, the white space before the message, and the message's
first byte."""


def unwrap_export(data: bytes, source: str) -> Unwrapped:
    """Export lines: the time of each given as ``ts``, the message passed on as the
    record; a message that is no JSON object is skipped, a line with no time passed on
    whole."""
    if not data:
        return Unwrapped(data=b"", lines=np.zeros(0, dtype=np.int64), given={}, skipped={}, items=0)
    if not data.endswith(b"\n"):
        data += b"\n"
    octets = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(octets == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    size = ends - starts
    blank = (size == 0) | ((size == 1) & (octets[np.maximum(ends - 1, 0)] == ord("\r")))
    timed = _in_cloudwatch_form(octets, starts, size)
    first = octets[np.minimum(starts + _TIME + 1, len(octets) - 1)]
    cut = np.where(timed, _TIME + 1, 0)
    record = timed & (first == ord("{"))
    skipped = timed & ~record & (first != ord(" ")) & (first != ord("\t"))
    ts: dict[int, bytes] = {}
    for line in np.flatnonzero(~blank & ~record & ~skipped).tolist():
        found = _LINE.match(data, int(starts[line]), int(ends[line]))
        if found is None:
            blank[line] = not data[starts[line] : ends[line]].strip()  # white space only
            continue
        if found.group(3) == b"{":
            cut[line] = found.end(2) - starts[line]
            ts[line] = found.group(1)
        else:
            skipped[line] = True
    kept = np.flatnonzero(~blank & ~skipped)
    times = _times(octets, starts[kept], record[kept])
    if ts:
        times = times.scatter([int(i) for i in np.searchsorted(kept, list(ts))], [v.decode() for v in ts.values()])
    dropped = blank | skipped
    text = octets[_kept_bytes(len(octets), starts, np.where(dropped, ends + 1, starts + cut))].tobytes()
    return Unwrapped(
        data=text,
        lines=kept + 1,
        given={"ts": times},
        skipped={NOT_JSON: (np.flatnonzero(skipped) + 1).tolist()} if skipped.any() else {},
        items=len(kept) + int(skipped.sum()),
        blank=int(blank.sum()),
    )


def _in_cloudwatch_form(octets: np.ndarray, starts: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Which lines start with CloudWatch's time and a space."""
    long = starts[size > _TIME + 1]
    ok = np.ones(len(long), dtype=bool)
    for at, byte in _PUNCTUATION.items():
        ok &= octets[long + at] == byte[0]
    for at in _DIGITS:
        ok &= (octets[long + at] - ord("0")) < 10  # uint8: bytes below '0' wrap round
    timed = np.zeros(len(starts), dtype=bool)
    timed[size > _TIME + 1] = ok
    return timed


def _times(octets: np.ndarray, starts: np.ndarray, timed: np.ndarray) -> pl.Series:
    """The time at each line start where ``timed``, else null, as text."""
    picked = octets[np.minimum(starts[:, None] + np.arange(_TIME), len(octets) - 1)]
    picked[~timed] = ord("0")  # never text that is no UTF-8
    texts = pl.Series("ts", np.ascontiguousarray(picked).view(f"S{_TIME}").ravel()).cast(pl.String)
    return pl.select(pl.when(pl.Series(timed)).then(texts)).to_series().alias("ts")


def _kept_bytes(length: int, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """A mask of the bytes outside the ranges ``[starts, stops)`` (cost in proportion to
    the bytes left out, not to the chunk)."""
    some = stops > starts
    starts, sizes = starts[some], (stops - starts)[some]
    before = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    left_out = np.arange(int(sizes.sum()), dtype=np.int64) + np.repeat(starts - before, sizes)
    kept = np.ones(length, dtype=bool)
    kept[left_out] = False
    return kept


def unwrap_write_test(data: bytes, source: str) -> Unwrapped:
    """The object CloudWatch writes to check it may write to the bucket: one item, skipped."""
    empty = np.zeros(0, dtype=np.int64)
    return Unwrapped(data=b"", lines=empty, given={}, skipped={WRITE_TEST: [1]}, items=1, blank=0)
