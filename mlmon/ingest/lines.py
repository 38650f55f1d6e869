"""Sort a chunk's lines by shape before decoding, with numpy over the bytes: no Python
object per line, so a chunk of blank lines costs a few arrays, not millions of strings.

A line is *blank* when it holds nothing but an optional ``\\r``; *object-shaped* when it
starts with ``{`` and ends with ``}``; anything else (a prefix, text, a truncated line,
white space) goes to the line-aware decoder. The object-shaped lines are joined back into
one buffer for polars' fast reader, so a few bad lines in a chunk cost in proportion to
themselves, not to the chunk.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import numpy as np
import polars as pl

_NEWLINE, _CR, _OPEN, _CLOSE = 10, 13, ord("{"), ord("}")
_WHITE = b" \t\r\n"
_MISSING_VALUE = r"[:,] ?[,}\]]|[\[{] ?,"
"""A key without a value (``"a": }``), a trailing or doubled comma, anywhere in a line: the
second look's pattern (:func:`more_suspect_lines`)."""
_NON_FINITE = r"[:\[,] ?-?(?:NaN|Infinity)"
"""Python's json.dumps writes these; the line-aware path reads them as null."""
_BLANK = np.zeros(256, dtype=bool)
_BLANK[list(b" \t\r")] = True
_ESCAPES = np.zeros(256, dtype=bool)
_ESCAPES[list(b'"\\/bfnrtu')] = True
_HEX = np.zeros(256, dtype=bool)
_HEX[list(b"0123456789abcdefABCDEF")] = True
_COLON, _COMMA, _BRACKET, _BACKSLASH = ord(":"), ord(","), ord("["), ord("\\")


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


def suspect_lines(objects: bytes, ends: np.ndarray | None = None) -> np.ndarray:
    """Indices of the lines of ``objects`` (object-shaped, each ending in a newline; ``ends``:
    where each ends, after its newline) that look broken, found with a few vectorised passes
    over the bytes, not by parsing them:

    * braces that do not balance on the line, or an object opened where no value starts: a
      record cut off by another (two writers on one file), two records on one line;
    * a ``}`` right after ``:`` or ``,``: a key without a value, a trailing comma;
    * an invalid escape (``"C:\\data"``) or a ``\\u`` without four hex digits;
    * invalid UTF-8.

    A brace or backslash inside a string that looks so only costs its line the slow path;
    a broken line that looks fine is left to :func:`more_suspect_lines` or to reading in
    pieces."""
    octets = np.frombuffer(objects, dtype=np.uint8)
    if ends is None:
        ends = np.flatnonzero(octets == _NEWLINE) + 1
    at = [_brace_look(octets, ends), _escape_look(objects, octets, ends), _utf8_look(objects, ends)]
    return np.unique(np.concatenate(at)).astype(np.int64)


def more_suspect_lines(objects: bytes) -> np.ndarray:
    """The second, slower look, for when polars still rejects the lines
    :func:`suspect_lines` left: :data:`_MISSING_VALUE` anywhere in a line, NaN or Infinity as
    a value, a control character (a raw tab inside a string) other than ``\\r\\n``. One
    regex pass over the lines."""
    text = pl.Series([objects.decode("utf-8", "replace")]).str.split("\n").explode().str.strip_suffix("\r")
    looks = text.str.contains(_MISSING_VALUE) | text.str.contains(_NON_FINITE) | text.str.contains(r"[\x00-\x1f]")
    return looks.arg_true().to_numpy().astype(np.int64)


def _brace_look(octets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines whose braces do not balance, that open an object where no value starts, or that
    close one right after ``:`` or ``,``. One pass over the bytes finds ``{`` and ``}`` (and
    the rarer ``|``, ``~`` and non-ASCII bytes: every byte from ``{`` up)."""
    where = np.flatnonzero(octets >= _OPEN)
    byte = octets[where]
    opening, closing = byte == _OPEN, byte == _CLOSE
    before = _before(octets, where)
    value_starts = (before == _COLON) | (before == _COMMA) | (before == _BRACKET) | (before == _NEWLINE)
    misplaced = (opening & ~value_starts) | (closing & ((before == _COLON) | (before == _COMMA)))
    depth = np.concatenate(([0], np.cumsum(opening.astype(np.int64) - closing)))
    at_ends = depth[np.searchsorted(where, ends)]
    unbalanced = np.flatnonzero(np.diff(np.concatenate(([0], at_ends))))
    return np.union1d(unbalanced, np.searchsorted(ends, where[misplaced], side="right"))


def _before(octets: np.ndarray, where: np.ndarray, skips: int = 2) -> np.ndarray:
    """The byte before each of ``where``, past up to ``skips`` blanks; a newline before the
    first byte."""
    back = where - 1
    before = np.where(back >= 0, octets[np.maximum(back, 0)], _NEWLINE)
    for _ in range(skips):
        blank = _BLANK[before]
        if not blank.any():
            break
        back -= blank
        before = np.where(blank, np.where(back >= 0, octets[np.maximum(back, 0)], _NEWLINE), before)
    return before


def _escape_look(objects: bytes, octets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines with a backslash that starts an invalid escape: not one of ``"\\/bfnrtu``, or
    ``\\u`` without four hex digits. Costs one ``find`` when there is no backslash."""
    if objects.find(b"\\") < 0:
        return np.zeros(0, dtype=np.int64)
    slashes = np.flatnonzero(octets == _BACKSLASH)
    run_starts = np.flatnonzero(np.concatenate(([True], np.diff(slashes) != 1)))
    in_run = np.arange(len(slashes)) - np.repeat(run_starts, np.diff(np.append(run_starts, len(slashes))))
    starts = slashes[in_run % 2 == 0]  # an even number of backslashes before: it starts an escape
    last = len(octets) - 1
    escaped = octets[np.minimum(starts + 1, last)]
    digits = octets[np.minimum(starts[:, None] + np.arange(2, 6), last)]
    wrong = ~_ESCAPES[escaped] | ((escaped == ord("u")) & ~_HEX[digits].all(axis=1))
    return np.searchsorted(ends, starts[wrong], side="right")


def _utf8_look(objects: bytes, ends: np.ndarray) -> np.ndarray:
    """Lines that are not UTF-8, found by decoding from each one to the next failure."""
    if objects.isascii():
        return np.zeros(0, dtype=np.int64)
    view, start, found = memoryview(objects), 0, []
    while start < len(objects):
        try:
            codecs.utf_8_decode(view[start:], "strict", True)
            break
        except UnicodeDecodeError as error:
            line = int(np.searchsorted(ends, start + error.start, side="right"))
            found.append(line)
            start = int(ends[line]) if line < len(ends) else len(objects)
    return np.array(found, dtype=np.int64)
