"""Chunks: runs of whole lines of one source, read or planned (a span of a plain file a
worker reads itself), and their newlines counted without holding the GIL. What
:mod:`.sources` makes and every engine processes."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from mlmon.errors import InputError

_COUNT_SLICE = 1 << 20
_NEWLINE = 10


@dataclass(frozen=True)
class Chunk:
    """A run of whole lines from one source. Its line numbers are its own: the first line
    of ``data`` is line ``first_line`` (1 unless a caller says otherwise), and whoever folds
    chunks in file order shifts them (:func:`mlmon.ingest.outcome.merge_outcomes`), so a
    chunk can be cut, counted and decoded without knowing what came before it."""

    source: str
    """The file the lines come from."""
    data: bytes
    """Complete lines, each ending in ``\\n`` except possibly the file's last one."""
    first_line: int = 1
    """Number given to the first line of ``data`` (chunk-relative: 1 for every chunk that
    :func:`plan_chunks` and :func:`read_chunks` make)."""
    at_eof: bool = True
    """True for the last chunk of the source."""
    newlines: int | None = None
    """Number of ``\\n`` in ``data``; None until counted (:meth:`counted`, in a worker)."""
    stream_error: str | None = None
    """Set on the last chunk when the compressed stream ended early or was corrupt."""
    too_long: bool = False
    """This chunk stands for one line longer than ``MAX_LINE_BYTES``, skipped unread:
    ``data`` is empty and ``newlines`` counts its newline, if it had one."""
    starts_file: bool = True
    """True for the first chunk of its file (``first_chunk`` feature discovery keys on it)."""
    envelope: str | None = None
    """The envelope its file's lines are wrapped in (:mod:`mlmon.ingest.envelopes`), or None."""

    @property
    def lines(self) -> int:
        """Lines this chunk accounts for, blank ones included."""
        if self.too_long:
            return 1
        return self.newline_count + (0 if self.data.endswith(b"\n") or not self.data else 1)

    @property
    def newline_count(self) -> int:
        """``newlines``, counted here when it is not yet."""
        return count_newlines(self.data) if self.newlines is None else self.newlines

    def counted(self) -> Chunk:
        """This chunk with ``newlines`` set (counted without holding the GIL)."""
        return self if self.newlines is not None else replace(self, newlines=count_newlines(self.data))


@dataclass(frozen=True)
class FileSpan:
    """A chunk of a plain file not read yet: whole lines at ``offset``, planned by the main
    thread from a short probe near the cut; the worker reads it with ``os.pread``, which
    releases the GIL, so reading scales with the workers."""

    source: str
    """The file."""
    offset: int
    """Byte where the span starts (after the BOM for the first one)."""
    length: int
    """Bytes in the span, ending just after a newline unless it is the file's last."""
    at_eof: bool
    """True for the last span of the file as its size was when planned."""
    starts_file: bool
    """True for the file's first span."""
    envelope: str | None = None
    """The envelope its file's lines are wrapped in, or None."""

    def read(self) -> Chunk:
        """The span's bytes as a chunk. A file that shrank since it was planned gives fewer
        bytes: the chunk then ends where the file does, as a sequential read would."""
        try:
            fd = os.open(self.source, os.O_RDONLY)
            try:
                data = os.pread(fd, self.length, self.offset)
            finally:
                os.close(fd)
        except OSError as exc:
            raise InputError(f"{self.source}: cannot read: {exc.strerror or exc}") from None
        short = len(data) < self.length
        return Chunk(
            self.source, data, at_eof=self.at_eof or short, starts_file=self.starts_file, envelope=self.envelope
        )


def count_newlines(data: bytes) -> int:
    """``data.count(b"\\n")`` without holding the GIL (numpy's compare and count release
    it; ``bytes.count`` does not), in slices so the temporary mask stays small."""
    view = np.frombuffer(data, dtype=np.uint8)
    return sum(
        int(np.count_nonzero(view[at : at + _COUNT_SLICE] == _NEWLINE)) for at in range(0, len(view), _COUNT_SLICE)
    )
