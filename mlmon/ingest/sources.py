"""Find input files and read them as chunks of whole lines, whatever their compression.

This is the only module that touches the file system for logs. Compression is detected by
magic bytes, not by name, so logrotate's ``app.log.2.gz`` and a gzip file without a suffix
both work.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
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
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
}
_OPENERS = {"gzip": gzip.GzipFile, "bz2": bz2.BZ2File, "xz": lzma.LZMAFile}
_LOG_NAME_PARTS = (".log", ".jsonl", ".ndjson", ".json")
_BOM = b"\xef\xbb\xbf"
_COMPRESSED_PIECE = 1 << 16
_BOUNDARY_PROBE = 1 << 16


@dataclass(frozen=True)
class Discovered:
    """The files an invocation will read."""

    paths: tuple[str, ...]
    """Files to read, in argument order (``-`` for standard input)."""
    ignored: tuple[str, ...]
    """Files found inside directories whose names do not look like logs."""


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


def looks_like_log(name: str) -> bool:
    """Names read when found inside a directory: ``*.log``, ``*.log.3``, ``*.jsonl.gz``, ..."""
    return not name.startswith(".") and any(part in name for part in _LOG_NAME_PARTS)


def discover(inputs: list[str] | tuple[str, ...]) -> Discovered:
    """Expand paths, directories (recursively) and globs into a list of files."""
    if not inputs:
        raise InputError("no input given: pass log files, directories, globs, or - for stdin")
    paths: list[str] = []
    ignored: list[str] = []
    for item in inputs:
        if item == STDIN:
            paths.append(STDIN)
        elif os.path.isdir(item):
            found = sorted(p for p in Path(item).rglob("*") if p.is_file())
            paths.extend(str(p) for p in found if looks_like_log(p.name))
            ignored.extend(str(p) for p in found if not looks_like_log(p.name))
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
    return Discovered(paths=tuple(dict.fromkeys(paths)), ignored=tuple(ignored))


def read_chunks(source: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Yield ``source`` as chunks of whole lines, decompressing as needed."""
    with _open(source) as stream:
        if isinstance(stream, io.BufferedReader) and source != STDIN and stream.seekable():
            yield from _split_file(source, stream, chunk_bytes)
        else:
            yield from _split(source, stream, chunk_bytes)


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
    if source == STDIN:
        if sys.stdin is None:
            raise InputError("-: standard input is closed")
        raw: BinaryIO = sys.stdin.buffer
        head = raw.peek(6)[:6] if hasattr(raw, "peek") else b""
    else:
        try:
            raw = open(source, "rb")  # noqa: SIM115 - closed by the caller's with-block
        except OSError as exc:
            raise InputError(f"{source}: cannot open: {exc.strerror}") from None
        head = raw.read(6)
        raw.seek(0)
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return _OPENERS[kind](fileobj=raw) if kind == "gzip" else _OPENERS[kind](raw)
    return raw


def _read_block(stream: BinaryIO, size: int) -> tuple[bytes, str | None]:
    """Up to ``size`` bytes. A decompressor that fails mid-stream keeps what it decoded
    before the failure, so it reads in small pieces."""
    if not isinstance(stream, (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)):
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
    carry = b""
    line = first_line
    first = first_line == 1
    while True:
        block, error = _read_block(stream, chunk_bytes)
        if first:
            block = block.removeprefix(_BOM)
            first = False
        if not block or error:
            carry += block
            if carry or error:
                yield Chunk(source, carry, line, at_eof=True, newlines=carry.count(b"\n"), stream_error=error)
            return
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry += block
            continue
        # One copy per chunk: the carried partial line plus the block up to its last newline.
        head = block if cut == len(block) else block[:cut]
        data = carry + head if carry else head
        carry = block[cut:]
        newlines = data.count(b"\n")
        yield Chunk(source, data, line, at_eof=False, newlines=newlines)
        line += newlines
