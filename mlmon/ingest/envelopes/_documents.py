"""What the envelopes read as whole documents share: where each object of a JSON array
starts and ends (numpy over the structural bytes), the objects laid one a line, their
lines put back on the document's, and the document's blank lines."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from mlmon.ingest.envelopes.base import Unwrapped

_STRUCTURAL = np.zeros(256, dtype=bool)
_STRUCTURAL[list(b'\\"{}[]')] = True
_BACKSLASH, _QUOTE, _OPEN, _CLOSE, _OPEN_LIST, _CLOSE_LIST, _NEWLINE = b'\\"{}[]\n'

_FLAT = bytes.maketrans(b"\r\n", b"  ")
_BLANK_LINE = re.compile(rb"^[ \t\r]*\n", re.MULTILINE)


def blank_lines(data: bytes) -> int:
    """Lines of ``data`` holding nothing but white space (a last line without its newline
    counts when it holds white space only)."""
    last = data[data.rfind(b"\n") + 1 :]
    return len(_BLANK_LINE.findall(data)) + (1 if last and not last.strip() else 0)


def array_items(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each top-level object of a JSON array document starts and ends (byte offsets of
    its ``{`` and ``}``; one end fewer when the document is cut short inside its last object),
    found from the structural bytes only: a quote not escaped by an odd run of backslashes
    opens or closes a string, and braces outside strings set the depth."""
    octets = np.frombuffer(data, dtype=np.uint8)
    where = np.flatnonzero(_STRUCTURAL[octets])
    byte = octets[where]
    backslash = byte == _BACKSLASH
    follows = np.zeros(where.size, dtype=bool)  # directly after a backslash
    follows[1:] = backslash[:-1] & (where[1:] == where[:-1] + 1)
    index = np.arange(where.size)
    run_start = np.maximum.accumulate(np.where(backslash & follows, 0, index))
    escaped = np.zeros(where.size, dtype=bool)
    escaped[1:] = follows[1:] & ((index[:-1] - run_start[:-1]) % 2 == 0)  # an odd run ends just before
    quote = (byte == _QUOTE) & ~escaped
    outside = np.cumsum(quote) % 2 == 0
    opens = outside & ((byte == _OPEN) | (byte == _OPEN_LIST))
    closes = outside & ((byte == _CLOSE) | (byte == _CLOSE_LIST))
    depth = np.cumsum(opens.astype(np.int64) - closes.astype(np.int64))
    return where[opens & (byte == _OPEN) & (depth == 2)], where[closes & (byte == _CLOSE) & (depth == 1)]


def objects_a_line(data: bytes) -> tuple[bytes, np.ndarray, bool]:
    """The top-level objects of a JSON array document (:func:`array_items`) laid one a line
    (raw newlines are white space between tokens), the physical line each starts on, and
    whether the document was cut short inside its last object (that one is not laid)."""
    starts, ends = array_items(data)
    flat = memoryview(data.translate(_FLAT))
    laid = b"".join(bytes(flat[s : e + 1]) + b"\n" for s, e in zip(starts[: len(ends)].tolist(), ends.tolist()))
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE)
    return laid, np.searchsorted(newlines, starts) + 1, len(starts) != len(ends)


def renumbered(unwrapped: Unwrapped, physical: np.ndarray | list[int]) -> Unwrapped:
    """``unwrapped`` with its lines (1-based, in what was read) put on the physical lines
    they came from: ``physical[n - 1]`` for line ``n``."""
    where = np.asarray(physical, dtype=np.int64)
    skipped = {reason: [int(where[line - 1]) for line in lines] for reason, lines in unwrapped.skipped.items()}
    lines = where[unwrapped.lines - 1] if len(unwrapped.lines) else unwrapped.lines
    return replace(unwrapped, lines=lines, skipped=skipped)


def with_items_skipped(unwrapped: Unwrapped, skipped: dict[str, list[int]], blank: int) -> Unwrapped:
    """``unwrapped`` with items skipped before it was read (an undecodable payload) added,
    and the blank lines of the file it came from."""
    merged = {reason: list(lines) for reason, lines in unwrapped.skipped.items()}
    for reason, lines in skipped.items():
        merged[reason] = sorted(merged.get(reason, []) + lines)
    added = sum(len(lines) for lines in skipped.values())
    return replace(unwrapped, skipped=merged, items=unwrapped.items + added, blank=blank)
