"""Inputs opened once, and what their first bytes say they are. Plain Python: no polars.

A pipe, a FIFO, a process substitution (``<(zcat app.log.2.gz)``, ``/dev/fd/63``) or
standard input can be read once: bytes a check reads are gone for the reader after it, and a
FIFO opened a second time waits for a writer that has left. So an input that is not a
regular file is opened here once and its first :data:`HEAD_BYTES` are read ahead (until
that many, or the end) and held: every look at it (compression, summary, mlmon's own
files) reads those bytes, and the reader :func:`take` s the stream with them put back in
front. A regular file can be opened again: its head is read afresh for a look (a few KiB),
and the answer is kept while the file's size and modification time stay the same.

What mlmon's own files look like (:func:`mlmon_kind`), from their first bytes, plain or
gzip/xz-compressed:

* JSON documents whose first key is ``mlmon_<kind>_version``: summaries
  (``mlmon_summary_version``, merged as inputs), reference profiles, and the ``--format
  json`` outputs of report, drift, check and bench;
* ``--format html``: ``<!DOCTYPE html>`` and a ``<title>mlmon ...`` in the first KiB;
* ``--format prometheus``: ``# HELP mlmon_``; ``--format junit``: ``<testsuites
  name="mlmon"``; ``--format markdown``: ``## mlmon report:`` (drift, check, bench);
  ``--format nagios``: ``MLMON OK -`` (WARNING, CRITICAL, UNKNOWN); the terminal text
  saved to a file: ``mlmon report`` (drift, check) then ``read N lines from``, or ``mlmon
  bench MODEL (...) · loaded in``.
"""

from __future__ import annotations

import contextlib
import io
import lzma
import os
import re
import select
import stat
import sys
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, cast

from mlmon.errors import InputError
from mlmon.files import stat_of

STDIN = "-"
HEAD_BYTES = 8192
"""Bytes read ahead of an input to tell what it is (compressed bytes, when it is)."""
TEXT_BYTES = 4096
"""Decompressed bytes of the head that :func:`mlmon_kind` looks at."""
SUMMARY = "an mlmon summary"
"""What :func:`mlmon_kind` says of a summary (``mlmon summarize``), which is an input."""
PROFILE = "a reference profile"
"""What :func:`mlmon_kind` says of a reference profile (``mlmon reference build``)."""

MAGIC = {
    # gzip: ID1 ID2 and CM=8 (deflate), the only method gzip defines.
    b"\x1f\x8b\x08": "gzip",
    # bzip2: "BZh", a block size 1-9, then a block's or the end-of-stream's 48-bit magic, so
    # a plain text line that starts with "BZh" is not taken for bz2.
    **{
        b"BZh" + bytes([level]) + block: "bz2"
        for level in b"123456789"
        for block in (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
    },
    b"\xfd7zXZ\x00": "xz",
}
"""Compression by magic bytes, never by name (logrotate's ``app.log.2.gz``)."""
_PIPE_BUFFER = 1 << 20
_WAKE_SECONDS = 0.2
_JSON_KINDS = {
    "summary": SUMMARY,
    "reference": PROFILE,
    "report": "an mlmon report (JSON)",
    "drift": "an mlmon drift report (JSON)",
    "check": "an mlmon check result (JSON)",
    "bench": "an mlmon bench result (JSON)",
}
_BOM = rb"(?:\xef\xbb\xbf)?"
_JSON = re.compile(_BOM + rb'\s*\{\s*"mlmon_([a-z_]+)_version"\s*:')
_TEXT_KINDS = (
    (re.compile(_BOM + rb"\s*<!DOCTYPE html>.{0,1024}?<title>mlmon ", re.S | re.I), "an mlmon HTML report"),
    (re.compile(_BOM + rb"# HELP mlmon_"), "mlmon Prometheus metrics"),
    (re.compile(_BOM + rb'(?:<\?xml[^>]*\?>\s*)?<testsuites name="mlmon"'), "an mlmon JUnit XML report"),
    (re.compile(_BOM + rb"## mlmon (?:report|drift|check|bench)\b"), "an mlmon markdown report"),
    (re.compile(_BOM + rb"MLMON (?:OK|WARNING|CRITICAL|UNKNOWN) - "), "an mlmon Nagios result"),
    (
        re.compile(
            _BOM + rb"mlmon (?:(?:report|drift|check)\r?\nread [\d,]+ lines? from |bench [^\n]* \xc2\xb7 loaded in )"
        ),
        "an mlmon report (terminal text)",
    ),
)
_KIND_CACHE_SIZE = 4096


def compression_of(head: bytes) -> str | None:
    """``gzip``, ``bz2`` or ``xz`` when ``head`` starts with that magic, else None."""
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def is_regular(path: str) -> bool:
    """Whether ``path`` (not ``-``) names a regular file, through symbolic links: one that
    may be opened again and read at any offset."""
    return _regular_stat(path) is not None


def _regular_stat(path: str) -> os.stat_result | None:
    """``path``'s :func:`~mlmon.files.stat_of` when it names a regular file (never ``-``)."""
    info = None if path == STDIN else stat_of(path)
    return info if info is not None and stat.S_ISREG(info.st_mode) else None


def head(path: str) -> bytes:
    """The first :data:`HEAD_BYTES` of ``path`` as stored (fewer when it is shorter); for an
    input that is not a regular file, read once and held for :func:`take`. A file that
    cannot be read has an empty head: the reader reports why."""
    if not is_regular(path):
        try:
            return _held(path).head
        except InputError:
            return b""
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def take(path: str) -> BinaryIO:
    """The stream of an input that is not a regular file (``-``, a pipe, a FIFO), from its
    first byte: the head read ahead, then the rest. It can be taken once per read; the
    caller closes it (standard input itself stays open). ``InputError`` when it cannot be
    opened or read."""
    held = _held(path)
    with _LOCK:
        if _HELD.get(path) is held:
            del _HELD[path]
    return io.BufferedReader(_Replay(held.head, held.raw), buffer_size=_PIPE_BUFFER)


def release(paths: Iterable[str]) -> None:
    """Close the held streams of ``paths`` that nobody took (a read that failed before it
    got to them), so a long-lived process keeps no pipe open."""
    with _LOCK:
        held = [_HELD.pop(path) for path in paths if path in _HELD]
    for one in held:
        _close_unless_stdin(one.raw)


def mlmon_kind(path: str) -> str | None:
    """What ``path`` is when it is one of mlmon's own files (:data:`SUMMARY`,
    :data:`PROFILE`, ``an mlmon report (JSON)``, ...), else None (a log, or unreadable)."""
    info = _regular_stat(path)
    if info is None:
        return kind_of(head(path))  # a pipe or FIFO (its held head), or unreadable (None)
    key = (path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _KINDS:
        if len(_KINDS) >= _KIND_CACHE_SIZE:
            _KINDS.clear()
        _KINDS[key] = kind_of(head(path))
    return _KINDS[key]


def kind_of(first: bytes) -> str | None:
    """What the first bytes of a file say it is, among mlmon's own files (see the module's
    docstring); a gzip or xz head is decompressed first."""
    text = _decompressed(first)[:TEXT_BYTES]
    found = _JSON.match(text)
    if found:
        name = found.group(1).decode()
        return _JSON_KINDS.get(name, f"an mlmon {name.replace('_', ' ')} file (JSON)")
    return next((kind for pattern, kind in _TEXT_KINDS if pattern.match(text)), None)


_LOG_START = re.compile(
    _BOM
    + rb"\s*(?:\[[^\]\n]*\]\s+)?"  # kubectl --prefix
    + rb"(?:\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?\s+)?"  # a time: kubectl, CRI, a CloudWatch export
    + rb"(?:(?:stdout|stderr)\s+[FP]\s+)?"  # CRI stream and tag
    + rb"\{"
)
"""A first line the reader would take as a record: a JSON object, bare or after the
prefixes it reads (the same ones as ``line_decode``'s)."""


def starts_like_a_log(path: str) -> bool:
    """Whether ``path`` starts with a line the reader would take as a record (after
    decompression), or as an envelope the reader knows (:mod:`mlmon.ingest.envelopes`): how a
    file whose name does not say log (a CloudWatch export's ``000000.gz``, a Heroku drain
    body) is found inside a directory."""
    text = _decompressed(head(path))
    if _LOG_START.match(text[:TEXT_BYTES]):
        return True
    from mlmon.ingest.envelopes import envelope_for  # envelope readers load only for such a file

    return envelope_for(text.removeprefix(b"\xef\xbb\xbf")) is not None


def _decompressed(first: bytes) -> bytes:
    """As much of ``first``'s decompressed start as it holds (bz2 needs a whole block of
    up to 900 kB, so it is not looked into)."""
    kind = compression_of(first)
    try:
        if kind == "gzip":
            return zlib.decompressobj(31).decompress(first, TEXT_BYTES)
        if kind == "xz":
            return lzma.LZMADecompressor().decompress(first, TEXT_BYTES)
    except (zlib.error, lzma.LZMAError, EOFError):
        return b""
    return b"" if kind else first


@dataclass
class _Held:
    """An input that is not a regular file, opened once, its head read ahead."""

    raw: BinaryIO
    """The stream after the head."""
    head: bytes
    """The first bytes, read ahead."""
    origin: object
    """What was opened: ``sys.stdin.buffer`` for ``-``, else the ``(st_dev, st_ino)`` of
    the pipe or FIFO, so that a path that names another one now (``/dev/fd/N`` is reused)
    is opened afresh, never answered from a stale stream."""


_HELD: dict[str, _Held] = {}
_KINDS: dict[tuple, str | None] = {}
_LOCK = threading.Lock()


def _held(path: str) -> _Held:
    """``path``'s held stream, opened and its head read ahead on first use."""
    origin = getattr(sys.stdin, "buffer", None) if path == STDIN else _identity(path)
    with _LOCK:
        held = _HELD.pop(path, None)
        if held is not None and (held.origin is origin or held.origin == origin):
            _HELD[path] = held
            return held
        if held is not None:  # stale: another pipe behind the same name
            _close_unless_stdin(held.raw)
        raw = _open_stream(path)
        try:
            first = _read_ahead(raw, HEAD_BYTES)
        except OSError as exc:
            raw.close()
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        held = _HELD[path] = _Held(raw, first, origin)
        return held


def _identity(path: str) -> tuple[int, int] | None:
    info = stat_of(path)
    return None if info is None else (info.st_dev, info.st_ino)


def _close_unless_stdin(stream: BinaryIO) -> None:
    """Close ``stream``, unless it is standard input, which stays open; a failure to close
    a stream nobody will read is of no consequence."""
    if stream is not getattr(sys.stdin, "buffer", None):
        with contextlib.suppress(OSError):
            stream.close()


def _open_stream(path: str) -> BinaryIO:
    if path == STDIN:
        if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
            raise InputError("-: standard input is closed")
        stream: BinaryIO = sys.stdin.buffer
    else:
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed by whoever takes it
        except OSError as exc:
            raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            return _Interruptible(stream)  # type: ignore[return-value]
    return stream


def _read_ahead(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes: a pipe may return a few at a time, so read until that many or
    the end (a writer that sent 3 bytes first must not hide gzip's magic)."""
    pieces: list[bytes] = []
    got = 0
    while got < size:
        piece = stream.read(size - got)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


class _Replay(io.RawIOBase):
    """A stream read from its start again: the head read ahead, then the rest."""

    def __init__(self, first: bytes, rest: BinaryIO) -> None:
        self._first = memoryview(first)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        if len(self._first):
            count = min(len(buffer), len(self._first))
            buffer[:count] = self._first[:count]
            self._first = self._first[count:]
            return count
        # Every stream here is a buffered or raw io object; the BinaryIO stub has no readinto.
        return cast(io.BufferedIOBase, self._rest).readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            _close_unless_stdin(self._rest)
        super().close()


class _Interruptible(io.RawIOBase):
    """A pipe or FIFO read that Ctrl-C can stop. The kernel may deliver SIGINT to any
    thread (polars starts several), and then a main thread blocked in ``read`` would never
    run Python's handler; waiting in short ``select`` slices lets it run between them."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._owned = stream is not getattr(sys.stdin, "buffer", None)  # stdin stays open
        self._fd = stream.fileno()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._owned and not self.closed:
            self._stream.close()
        super().close()

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        while not select.select([self._fd], [], [], _WAKE_SECONDS)[0]:
            pass
        return os.readv(self._fd, [buffer])
