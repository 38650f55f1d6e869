"""Sort a chunk's lines by shape before decoding, with numpy over the bytes: no Python
object per line, so a chunk of blank lines costs a few arrays, not millions of strings.

A line is *blank* when it holds nothing but an optional ``\\r``; *object-shaped* when it
starts with ``{`` and ends with ``}``; anything else (a prefix, text, a truncated line,
white space) goes to the line-aware decoder. The object-shaped lines are joined back into
one buffer for polars' fast reader, so a few bad lines in a chunk cost in proportion to
themselves, not to the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

_NEWLINE, _CR, _OPEN, _CLOSE = 10, 13, ord("{"), ord("}")
_WHITE = b" \t\r\n"
_MISSING_VALUE = r"[:,] ?[,}\]]|[\[{] ?,"
"""The usual way an object-shaped line is not JSON: a key without a value (``"a": }``), a
trailing or doubled comma. A match inside a string only costs that line the slow path."""


@dataclass(frozen=True)
class SortedLines:
    """A chunk's lines by shape. Line numbers are 0-based offsets within the chunk."""

    blank: int
    """Lines holding nothing, or only ``\\r``."""
    objects: bytes
    """The object-shaped lines, each with its newline, in order."""
    object_lines: np.ndarray
    """Offsets of the lines in ``objects``."""
    object_ends: np.ndarray
    """Where each line of ``objects`` ends in it (after its newline)."""
    others: list[bytes]
    """Every other non-blank line, without its newline."""
    other_lines: np.ndarray
    """Offsets of the lines in ``others``."""


def sort_lines(data: bytes) -> SortedLines:
    """The lines of ``data`` (whole lines, each ending in ``\\n``) sorted by shape."""
    empty = np.zeros(0, dtype=np.int64)
    if data.find(b"{") < 0 and not data.translate(None, _WHITE):  # only white space: count it
        return SortedLines(data.count(b"\n"), b"", empty, empty, [], empty)
    octets = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(octets == _NEWLINE)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    last = ends - 1
    last -= (last >= starts) & (octets[np.maximum(last, 0)] == _CR)
    blank = last < starts
    shaped = ~blank & (octets[starts] == _OPEN) & (octets[np.maximum(last, 0)] == _CLOSE)
    others = np.flatnonzero(~blank & ~shaped)
    return SortedLines(
        blank=int(blank.sum()),
        objects=join_lines(data, shaped, starts, ends),
        object_lines=np.flatnonzero(shaped),
        object_ends=np.cumsum(ends[shaped] - starts[shaped] + 1),
        others=[data[s:e] for s, e in zip(starts[others].tolist(), ends[others].tolist())],
        other_lines=others,
    )


def join_lines(data: bytes, keep: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> bytes:
    """The bytes of the kept lines, copied once, a run of consecutive lines at a time."""
    if keep.all():
        return data
    edges = np.diff(np.concatenate(([0], keep.view(np.int8), [0])))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    view = memoryview(data)  # slices of a view are not copies: the join is the one copy
    return b"".join(view[s : e + 1] for s, e in zip(starts[first].tolist(), ends[last].tolist()))


def suspect_lines(objects: bytes) -> np.ndarray:
    """Indices of the lines of ``objects`` (newline-terminated) that look broken in the
    usual way (:data:`_MISSING_VALUE`), found with one vectorised regex pass."""
    text = pl.Series([objects.decode("utf-8", "replace")]).str.split("\n").explode()
    return text.str.contains(_MISSING_VALUE).arg_true().to_numpy().astype(np.int64)
