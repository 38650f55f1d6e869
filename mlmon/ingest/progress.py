"""How far a read has got, for whoever wants to show it: an observer hook.

Ingest never prints. A caller that wants progress (the CLI's progress display) sets an
observer with :func:`observing`; :func:`~mlmon.ingest.reader.reduce_logs` then reports
``(bytes_done, bytes_total, records)`` once per chunk read and once per chunk folded, in
the thread that called it. ``bytes_total`` is the sum of the input files' sizes on disk
(None when standard input, a pipe or a FIFO is among them: its size is unknown, and it is
never opened here, since a second reader would take its bytes); ``bytes_done`` counts the bytes of the files
read so far, and within a plain file the bytes read from it (a compressed file counts whole
when it is done, since its chunks hold decompressed bytes). ``records`` is the records kept
so far. With no observer the reader does no extra work. Plain Python: no polars.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from mlmon.ingest.sniff import compression_of, head, is_regular

Observer = Callable[[int, "int | None", int], None]
"""``observer(bytes_done, bytes_total, records)``."""

_OBSERVER: ContextVar[Observer | None] = ContextVar("mlmon_ingest_progress", default=None)


@contextmanager
def observing(observer: Observer | None) -> Iterator[None]:
    """Report every read inside the ``with`` block to ``observer`` (None: to nobody)."""
    token = _OBSERVER.set(observer)
    try:
        yield
    finally:
        _OBSERVER.reset(token)


class Meter:
    """One read's position, reported to the observer: created by :func:`meter`."""

    def __init__(self, observer: Observer, paths: Sequence[str]) -> None:
        self.observer = observer
        self.sizes = {path: _size(path) for path in paths}
        known = [size for size in self.sizes.values() if size is not None]
        self.total = None if len(known) < len(self.sizes) else sum(known)
        self.done = 0  # bytes of the files finished
        self.in_file = 0  # bytes read from the current file (0 while it is compressed)
        self.compressed: dict[str, bool] = {}
        self.records = 0

    def read(self, source: str, nbytes: int) -> None:
        """``nbytes`` more of ``source`` were read (decompressed bytes for a compressed file)."""
        if source not in self.compressed:
            self.compressed[source] = _is_compressed(source)
        size = self.sizes.get(source)
        if not self.compressed[source]:
            self.in_file = self.in_file + nbytes if size is None else min(size, self.in_file + nbytes)
        self._report()

    def file_done(self, source: str) -> None:
        """``source`` was read to its end."""
        size = self.sizes.get(source)
        self.done += size if size is not None else self.in_file
        self.in_file = 0
        self._report()

    def folded(self, records: int) -> None:
        """``records`` records are kept so far."""
        self.records = records
        self._report()

    def _report(self) -> None:
        self.observer(self.done + self.in_file, self.total, self.records)


def meter(paths: Sequence[str]) -> Meter | None:
    """A meter for a read of ``paths``, or None when nobody observes (no work at all)."""
    observer = _OBSERVER.get()
    return None if observer is None else Meter(observer, paths)


def _size(path: str) -> int | None:
    """A regular file's size; None for anything else (a pipe's ``st_size`` is 0)."""
    if not is_regular(path):
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _is_compressed(path: str) -> bool:
    """Whether a regular file is compressed (its chunks then hold decompressed bytes). A
    pipe is not looked at: its bytes read count as they come."""
    return is_regular(path) and compression_of(head(path)) is not None
