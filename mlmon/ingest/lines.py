"""Sort a chunk's lines by shape before decoding, with numpy over the bytes: no Python
object per line, so a chunk of blank lines costs a few arrays, not millions of strings.

A line is *blank* when it holds nothing but an optional ``\\r``; *object-shaped* when it
starts with ``{`` and ends with ``}``; anything else (a prefix, text, a truncated line,
white space) goes to the line-aware decoder. The object-shaped lines are joined back into
one buffer for polars' fast reader, so a few bad lines in a chunk cost in proportion to
themselves, not to the chunk. Object-shaped lines that look broken (:func:`suspect_lines`:
braces that do not balance, a missing value, an invalid escape, invalid UTF-8) are found
with numpy too, in the same pass when asked, and left out of that buffer.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import cached_property

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
_FEW_SLASHES = 256
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[_OPEN, _CLOSE]] = 1, -1
_VALUE_STARTS = np.zeros(256, dtype=bool)
_VALUE_STARTS[[_COLON, _COMMA, _BRACKET, _NEWLINE]] = True
"""Bytes after which an object may open: a key's colon, a comma, a list, a line start."""
_NO_VALUE = np.zeros(256, dtype=bool)
_NO_VALUE[[_COLON, _COMMA]] = True
"""Bytes an object may not close after."""


@dataclass(frozen=True)
class SortedLines:
    """A chunk's lines by shape. Line numbers are 0-based offsets within the chunk."""

    blank: int
    """Lines holding nothing, or only ``\\r``."""
    object_lines: np.ndarray
    """Offsets of the object-shaped lines, in order."""
    object_ends: np.ndarray
    """Where each line of :attr:`objects` ends in it (after its newline)."""
    others: list[bytes]
    """Every other non-blank line, without its newline."""
    other_lines: np.ndarray
    """Offsets of the lines in ``others``."""
    data: bytes = b""
    """The chunk's bytes."""
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Where each object-shaped line starts in ``data``."""
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Where each object-shaped line's newline is in ``data``."""
    suspects: np.ndarray | None = None
    """Indices of the object-shaped lines that look broken (:func:`suspect_lines`), when
    :func:`sort_lines` was asked to look."""

    @cached_property
    def objects(self) -> bytes:
        """The object-shaped lines, each with its newline, in order: ``data`` itself when
        every line is one, else a copy."""
        return self.join(np.ones(len(self.object_lines), dtype=bool))[0]

    def join(self, keep: np.ndarray) -> tuple[bytes, np.ndarray]:
        """The bytes of the object-shaped lines ``keep`` says (a mask over them), copied
        once from ``data`` (``data`` itself when that is all of it), and where each ends in
        them (after its newline)."""
        ends = np.cumsum(self.ends[keep] - self.starts[keep] + 1)
        if not len(ends):
            return b"", ends
        follows = np.zeros(len(keep), dtype=bool)  # no other line between it and the one before
        follows[1:] = self.starts[1:] == self.ends[:-1] + 1
        joined = keep & np.concatenate((keep[1:] & follows[1:], [False]))  # the next one goes in its slice
        first = np.flatnonzero(keep & ~np.concatenate(([False], joined[:-1])))
        last = np.flatnonzero(keep & ~joined)
        if len(first) == 1 and self.starts[first[0]] == 0 and self.ends[last[0]] + 1 == len(self.data):
            return self.data, ends
        view = memoryview(self.data)  # slices of a view are not copies: the join is the one copy
        return b"".join(view[s : e + 1] for s, e in zip(self.starts[first].tolist(), self.ends[last].tolist())), ends

    def texts(self, indices: np.ndarray) -> list[bytes]:
        """The object-shaped lines at ``indices``, without their newlines."""
        return [self.data[s:e] for s, e in zip(self.starts[indices].tolist(), self.ends[indices].tolist())]


def sort_lines(data: bytes, look: bool = False) -> SortedLines:
    """The lines of ``data`` (whole lines, each ending in ``\\n``) sorted by shape; with
    ``look``, the object-shaped ones that look broken found too (:func:`suspect_lines`), with
    the same pass over the bytes."""
    empty = np.zeros(0, dtype=np.int64)
    if data.find(b"{") < 0 and not data.translate(None, _WHITE):  # only white space: count it
        return SortedLines(data.count(b"\n"), empty, empty, [], empty, suspects=empty if look else None)
    octets = np.frombuffer(data, dtype=np.uint8)
    if look:  # newlines, braces and the rarer bytes from "{" up (and from 0 to 9), in one pass
        where = np.flatnonzero(np.subtract(octets, _NEWLINE + 1, dtype=np.uint8) >= _OPEN - _NEWLINE - 1)
        newline = octets[where] == _NEWLINE
        ends, marks = where[newline], where[~newline]
    else:
        ends = np.flatnonzero(octets == _NEWLINE)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    last = ends - 1
    last -= (last >= starts) & (octets[np.maximum(last, 0)] == _CR)
    blank = last < starts
    shaped = ~blank & (octets[starts] == _OPEN) & (octets[np.maximum(last, 0)] == _CLOSE)
    others = np.flatnonzero(~blank & ~shaped)
    object_lines = np.flatnonzero(shaped)
    suspects = None
    if look:
        flagged = _look(data, octets, marks, ends + 1)
        suspects = np.searchsorted(object_lines, flagged[shaped[flagged]])
    return SortedLines(
        blank=int(blank.sum()),
        object_lines=object_lines,
        object_ends=np.cumsum(ends[shaped] - starts[shaped] + 1),
        others=[data[s:e] for s, e in zip(starts[others].tolist(), ends[others].tolist())],
        other_lines=others,
        data=data,
        starts=starts[shaped],
        ends=ends[shaped],
        suspects=suspects,
    )


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
    return _look(objects, octets, np.flatnonzero(octets >= _OPEN), ends)


def _look(data: bytes, octets: np.ndarray, marks: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`suspect_lines` of ``data``, given where its bytes from ``{`` up are
    (``marks``) and where each line ends (after its newline)."""
    at = [_brace_look(octets, marks, ends), _escape_look(data, octets, ends), _utf8_look(data, ends)]
    return np.unique(np.concatenate(at)).astype(np.int64)


def more_suspect_lines(objects: bytes) -> np.ndarray:
    """The second, slower look, for when polars still rejects the lines
    :func:`suspect_lines` left: :data:`_MISSING_VALUE` anywhere in a line, NaN or Infinity as
    a value, a control character (a raw tab inside a string) other than ``\\r\\n``. One
    regex pass over the lines."""
    text = pl.Series([objects.decode("utf-8", "replace")]).str.split("\n").explode().str.strip_suffix("\r")
    looks = text.str.contains(_MISSING_VALUE) | text.str.contains(_NON_FINITE) | text.str.contains(r"[\x00-\x1f]")
    return looks.arg_true().to_numpy().astype(np.int64)


def _brace_look(octets: np.ndarray, where: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines whose braces do not balance, that open an object where no value starts, or that
    close one right after ``:`` or ``,``, given where the bytes from ``{`` up are (``{``,
    ``}``, the rarer ``|``, ``~`` and non-ASCII bytes: one compare finds them all)."""
    byte = octets[where]
    step = _STEP[byte]
    before = _before(octets, where)
    misplaced = ((step == 1) & ~_VALUE_STARTS[before]) | ((step == -1) & _NO_VALUE[before])
    depth = np.concatenate(([0], np.cumsum(step, dtype=np.int64)))
    at_ends = depth[np.searchsorted(where, ends)]
    unbalanced = np.flatnonzero(np.diff(at_ends, prepend=0))
    return np.union1d(unbalanced, np.searchsorted(ends, where[misplaced], side="right"))


def _before(octets: np.ndarray, where: np.ndarray) -> np.ndarray:
    """The byte before each of ``where``, past up to two blanks; a newline before the first
    byte of ``octets``."""
    before = octets[np.maximum(where - 1, 0)]
    if len(where) and where[0] == 0:
        before[0] = _NEWLINE
    for back in (2, 3):
        blank = np.flatnonzero(_BLANK[before])
        if not len(blank):
            break
        at = where[blank] - back
        before[blank] = np.where(at >= 0, octets[np.maximum(at, 0)], _NEWLINE)
    return before


def _escape_look(objects: bytes, octets: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines with a backslash that starts an invalid escape: not one of ``"\\/bfnrtu``, or
    ``\\u`` without four hex digits. Costs one ``find`` when there is no backslash."""
    found: list[int] = []
    at = objects.find(b"\\")
    while at >= 0 and len(found) < _FEW_SLASHES:  # a few: found where they are, not by a pass
        found.append(at)
        at = objects.find(b"\\", at + 1)
    if not found:
        return np.zeros(0, dtype=np.int64)
    slashes = np.array(found, dtype=np.int64) if at < 0 else np.flatnonzero(octets == _BACKSLASH)
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
