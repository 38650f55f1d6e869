"""Find input files and read them as chunks of whole lines, whatever their compression.

This is the only module that touches the file system for logs. Compression is detected by
magic bytes, not by name, so logrotate's ``app.log.2.gz`` and a gzip file without a suffix
both work.
"""

from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import io
import lzma
import os
import select
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mlmon.errors import InputError

STDIN = "-"
CHUNK_BYTES = 8 << 20
"""Bytes read per chunk. Memory is bounded by this, not by the file size."""

_MAGIC = {
    # gzip: ID1 ID2 and CM=8 (deflate), the only method gzip defines.
    b"\x1f\x8b\x08": "gzip",
    # bzip2: "BZh", a block size 1-9, then a block's or the end-of-stream's 48-bit magic, so
    # a plain text line that starts with "BZh" is not taken for bz2.
    **{b"BZh" + bytes([level]) + block: "bz2" for level in b"123456789" for block in (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")},
    b"\xfd7zXZ\x00": "xz",
}
_SNIFF_BYTES = 10
_OPENERS = {"gzip": gzip.GzipFile, "bz2": bz2.BZ2File, "xz": lzma.LZMAFile}
_DECOMPRESSORS = (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)
_TEXT_PROBE = 4096
_PIPE_BUFFER = 1 << 20
_WAKE_SECONDS = 0.2
_LOG_NAME_PARTS = (".log", ".jsonl", ".ndjson", ".json")
_BOM = b"\xef\xbb\xbf"
_COMPRESSED_PIECE = 1 << 16
_BOUNDARY_PROBE = 1 << 16
MAX_LINE_BYTES = 16 << 20
"""A longer line is skipped unread and counted (``line too long``): memory stays bounded
by this, whatever the input. No log line of a real service comes near it."""


@dataclass(frozen=True)
class Discovered:
    """The files an invocation will read."""

    paths: tuple[str, ...]
    """Files to read, in argument order (``-`` for standard input)."""
    ignored: tuple[str, ...]
    """Entries found inside directories that are not read: names that do not look like
    logs, and anything that is not a regular file (a FIFO would block the run)."""
    in_directories: frozenset[str] = frozenset()
    """The paths found by walking a directory: one that cannot be read is skipped."""


@dataclass(frozen=True)
class Chunk:
    """A run of whole lines from one source."""

    source: str
    """The file the lines come from."""
    data: bytes
    """Complete lines, each ending in ``\\n`` except possibly the file's last one."""
    first_line: int
    """1-based line number of the first line in ``data``."""
    at_eof: bool
    """True for the last chunk of the source."""
    newlines: int = 0
    """Number of ``\\n`` in ``data``."""
    stream_error: str | None = None
    """Set on the last chunk when the compressed stream ended early or was corrupt."""
    too_long: bool = False
    """This chunk stands for one line longer than ``MAX_LINE_BYTES`` at ``first_line``,
    skipped unread: ``data`` is empty and ``newlines`` counts its newline, if it had one."""

    @property
    def lines(self) -> int:
        """Lines this chunk accounts for, blank ones included."""
        if self.too_long:
            return 1
        return self.newlines + (0 if self.data.endswith(b"\n") or not self.data else 1)


def looks_like_log(name: str) -> bool:
    """Names read when found inside a directory: ``*.log``, ``*.log.3``, ``*.jsonl.gz``, ..."""
    return not name.startswith(".") and any(part in name for part in _LOG_NAME_PARTS)


def discover(inputs: list[str] | tuple[str, ...]) -> Discovered:
    """Expand paths, directories (recursively) and globs into a list of files."""
    if not inputs:
        raise InputError("no input given: pass log files, directories, globs, or - for stdin")
    paths: list[str] = []
    ignored: list[str] = []
    walked: set[str] = set()
    for item in inputs:
        if item == STDIN:
            paths.append(STDIN)
        elif os.path.isdir(item):
            found = sorted(p for p in Path(item).rglob("*") if not p.is_dir())
            logs = [str(p) for p in found if p.is_file() and looks_like_log(p.name)]
            paths.extend(logs)
            walked.update(logs)
            ignored.extend(str(p) for p in found if not (p.is_file() and looks_like_log(p.name)))
        elif os.path.exists(item):
            paths.append(item)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not matches:
                raise InputError(f"{item}: no files match this pattern")
            paths.extend(matches)
        else:
            raise InputError(f"{item}: no such file or directory")
    if not paths:
        raise InputError(f"{', '.join(inputs)}: no log files found (looked for *.log*, *.jsonl*, *.ndjson*, *.json*)")
    named = {item for item in inputs if item not in walked}
    return Discovered(paths=tuple(dict.fromkeys(paths)), ignored=tuple(ignored), in_directories=frozenset(walked - named))


def read_chunks(source: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Yield ``source`` as chunks of whole lines, decompressing as needed. Raises
    ``InputError`` when it cannot be opened or read."""
    with _open(source) as stream:
        try:
            if isinstance(stream, io.BufferedReader) and source != STDIN and stream.seekable():
                yield from _split_file(source, stream, chunk_bytes)
            elif _plain_after_all(source, stream):
                with open(source, "rb") as raw:
                    yield from _split_file(source, raw, chunk_bytes)
            else:
                yield from _split(source, stream, chunk_bytes)
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None


def _plain_after_all(source: str, stream: BinaryIO) -> bool:
    """True for a file whose magic bytes say compressed, whose head is text, and that does
    not decompress: a log line that happens to start with ``BZh91AY&SY``. Real compressed
    data is never text, so only such a file pays for the trial read."""
    if not isinstance(stream, _DECOMPRESSORS) or source == STDIN or not os.path.isfile(source):
        return False
    with open(source, "rb") as raw:
        head = raw.read(_TEXT_PROBE)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # more than a character cut at the probe's end
            return False
        text = head[: error.start].decode("utf-8")
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return False
    trial = _open(source)
    try:
        trial.read(1)
    except (EOFError, OSError, zlib.error, lzma.LZMAError):
        return True
    finally:
        trial.close()
    return False


def _split_file(source: str, stream: io.BufferedReader, chunk_bytes: int) -> Iterator[Chunk]:
    """Chunks of an uncompressed file, each read once at its exact size: the last newline
    before the chunk's end is found by reading a short tail first, so no chunk is copied
    out of a larger block (each copy of 8 MiB costs fresh pages)."""
    size = os.fstat(stream.fileno()).st_size
    start = len(_BOM) if stream.read(len(_BOM)) == _BOM else 0
    line = 1
    while start < size:
        end = min(start + chunk_bytes, size)
        if end < size:
            probe = max(start, end - _BOUNDARY_PROBE)
            stream.seek(probe)
            newline = stream.read(end - probe).rfind(b"\n")
            if newline < 0:  # a line longer than the probe: read on the general path
                stream.seek(start)
                yield from _split(source, stream, chunk_bytes, first_line=line)
                return
            end = probe + newline + 1
        stream.seek(start)
        data = stream.read(end - start)
        if len(data) < end - start:  # the file shrank while being read
            end = start + len(data)
            if not data:
                return
        newlines = data.count(b"\n")
        yield Chunk(source, data, line, at_eof=end >= size or not data.endswith(b"\n"), newlines=newlines)
        line += newlines
        start = end


def _open(source: str) -> BinaryIO:
    """The file (or standard input) as a binary stream, decompressed by its magic bytes.
    The head is peeked, never re-read by seeking, so pipes and FIFOs work."""
    if source == STDIN:
        if sys.stdin is None:
            raise InputError("-: standard input is closed")
        raw: BinaryIO = sys.stdin.buffer
    else:
        try:
            raw = open(source, "rb")  # noqa: SIM115 - closed by the caller's with-block
        except OSError as exc:
            raise InputError(f"{source}: cannot open: {exc.strerror}") from None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
            raw = io.BufferedReader(_Interruptible(raw), buffer_size=_PIPE_BUFFER)
    try:
        head = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES] if hasattr(raw, "peek") else b""
    except OSError as exc:
        raw.close()
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return _OPENERS[kind](fileobj=raw) if kind == "gzip" else _OPENERS[kind](raw)
    return raw


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
        if self._owned:
            self._stream.close()
        super().close()

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        while not select.select([self._fd], [], [], _WAKE_SECONDS)[0]:
            pass
        return os.readv(self._fd, [buffer])


def _read_block(stream: BinaryIO, size: int) -> tuple[bytes, str | None]:
    """Up to ``size`` bytes. A decompressor that fails mid-stream keeps what it decoded
    before the failure, so it reads in small pieces."""
    if not isinstance(stream, _DECOMPRESSORS):
        return stream.read(size), None
    pieces: list[bytes] = []
    total = 0
    while total < size:
        try:
            piece = stream.read1(min(_COMPRESSED_PIECE, size - total))
        except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            return b"".join(pieces), f"compressed stream is truncated or corrupt ({exc})"
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces), None


def _split(source: str, stream: BinaryIO, chunk_bytes: int, first_line: int = 1) -> Iterator[Chunk]:
    """Chunks of whole lines from any stream. The partial line at a block's end is carried
    into the next chunk; one longer than ``MAX_LINE_BYTES`` is skipped as a ``too_long``
    chunk, so memory never holds more than a chunk and a capped line."""
    carry: list[bytes] = []
    carried = 0
    line = first_line
    block, error = _read_block(stream, chunk_bytes)
    if first_line == 1:
        block = block.removeprefix(_BOM)
    while True:
        if not block or error:
            rest = b"".join([*carry, block])
            if len(rest) > MAX_LINE_BYTES:
                yield Chunk(source, b"", line, at_eof=True, too_long=True, stream_error=error)
            elif rest or error:
                yield Chunk(source, rest, line, at_eof=True, newlines=rest.count(b"\n"), stream_error=error)
            return
        cut = block.rfind(b"\n") + 1
        if carried + (block.find(b"\n") if cut else len(block)) > MAX_LINE_BYTES:
            block, error, ended = _after_newline(stream, block, chunk_bytes)
            yield Chunk(source, b"", line, at_eof=not ended, newlines=int(ended), too_long=True, stream_error=error)
            if not ended:
                return
            line += 1
            carry, carried = [], 0
            if not block:
                block, error = _read_block(stream, chunk_bytes)
            continue
        if cut == 0:
            carry.append(block)
            carried += len(block)
        else:
            # One copy per chunk: the carried partial line plus the block up to its last newline.
            data = b"".join([*carry, block[:cut]]) if carry else block[:cut] if cut < len(block) else block
            carry, carried = ([block[cut:]], len(block) - cut) if cut < len(block) else ([], 0)
            newlines = data.count(b"\n")
            yield Chunk(source, data, line, at_eof=False, newlines=newlines)
            line += newlines
        block, error = _read_block(stream, chunk_bytes)


def _after_newline(stream: BinaryIO, block: bytes, chunk_bytes: int) -> tuple[bytes, str | None, bool]:
    """Skip to the first newline at or after ``block``'s start: the bytes after it, a stream
    error, and whether a newline was found before the end of the stream."""
    while True:
        newline = block.find(b"\n")
        if newline >= 0:
            return block[newline + 1:], None, True
        block, error = _read_block(stream, chunk_bytes)
        if not block or error:
            return b"", error, False
