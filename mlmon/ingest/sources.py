"""Find input files and read them as chunks of whole lines, whatever their compression.

This module, :mod:`.chunks` (a span a worker reads), :mod:`.discovery` (which files) and
:mod:`.sniff` (which opens an input that is not a regular file once, and tells mlmon's own
files by their first bytes) are the only ones that touch the file system for logs. A file's
envelope (:mod:`.envelopes`) is chosen here from its first bytes, and tags its chunks.
Compression is detected by magic bytes, not by name, so logrotate's ``app.log.2.gz`` and a
gzip file without a suffix both work.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from mlmon.errors import InputError
from mlmon.ingest.chunks import Chunk, FileSpan
from mlmon.ingest.sniff import STDIN, compression_of, is_regular, take

if TYPE_CHECKING:
    from mlmon.ingest.envelopes import Envelope

CHUNK_BYTES = 16 << 20
"""Bytes read per chunk. Memory is bounded by this, not by the file size. Each chunk costs
a few hundred polars calls whatever its size (about 10 ms of Python): 16 MiB chunks took
5-9% less CPU than 8 MiB ones for 1M records (issue 28), at the same peak memory, since
:data:`~mlmon.ingest.reader.IN_FLIGHT_BYTES` holds the bytes in flight."""

_SNIFF_BYTES = 10
_OPENERS = {"gzip": gzip.GzipFile, "bz2": bz2.BZ2File, "xz": lzma.LZMAFile}
_DECOMPRESSORS = (gzip.GzipFile, bz2.BZ2File, lzma.LZMAFile)
_TEXT_PROBE = 4096
_BOM = b"\xef\xbb\xbf"
_COMPRESSED_PIECE = 1 << 16
_BOUNDARY_PROBE = 1 << 16
_ENVELOPE_PROBE = 1 << 20
_SHORT_PROBE = 8192
WHOLE_FILE_BYTES = 512 << 20
"""The largest document read whole (an envelope that cannot be cut at newlines)."""
MAX_LINE_BYTES = 16 << 20
"""A longer line is skipped unread and counted (``line too long``): memory stays bounded
by this, whatever the input. No log line of a real service comes near it."""


def plan_chunks(source: str, chunk_bytes: int = CHUNK_BYTES, envelope: str = "none") -> Iterator[Chunk | FileSpan]:
    """``source`` as chunks of whole lines, decompressing as needed: a plain file as
    :class:`FileSpan` s that the workers read themselves, anything else (compressed, a pipe,
    standard input, a line longer than the boundary probe) as chunks read here in order,
    since decompression is sequential. Newlines are never counted here. The envelope chosen
    (``envelope``: ``--envelope``) tags every chunk; a whole document is one (:func:`_whole`).
    Raises ``InputError`` when ``source`` cannot be opened or read."""
    with _open(source) as stream:
        try:
            chosen = _envelope_of(stream, envelope, is_regular(source))
            name = chosen.key if chosen is not None else None
            if chosen is not None and chosen.whole_file:
                yield _whole(source, stream, chosen.key)
            elif isinstance(stream, io.BufferedReader) and source != STDIN and stream.seekable():
                yield from _plan_file(source, stream, chunk_bytes, name)
            elif _plain_after_all(source, stream):
                with open(source, "rb") as raw:
                    yield from _plan_file(source, raw, chunk_bytes, name)
            else:
                yield from split_stream(source, stream, chunk_bytes, envelope=name)
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None


def read_chunks(source: str, chunk_bytes: int = CHUNK_BYTES, envelope: str = "none") -> Iterator[Chunk]:
    """:func:`plan_chunks` done in one thread: chunks read and counted (``InputError``: unreadable)."""
    for planned in plan_chunks(source, chunk_bytes, envelope):
        yield (planned.read() if isinstance(planned, FileSpan) else planned).counted()


def envelope_of(source: str, option: str = "auto") -> str | None:
    """The key of ``source``'s envelope from its first bytes (None: plain records)."""
    with _open(source) as stream:
        chosen = _envelope_of(stream, option, is_regular(source))
    return chosen.key if chosen is not None else None


def _envelope_of(stream: BinaryIO, option: str, rewind: bool) -> Envelope | None:
    """The envelope of the stream's file, from its first decompressed bytes: 8 KiB, or up to
    1 MiB when its first line is longer (a file is read back to its start; a pipe peeked at)."""
    if option == "none":
        return None
    from mlmon.ingest.envelopes import envelope_for

    peek = stream.peek  # type: ignore[attr-defined]
    try:
        head = envelope_head(stream.read) if rewind else peek(_ENVELOPE_PROBE)[:_ENVELOPE_PROBE]
    except (EOFError, OSError, zlib.error, lzma.LZMAError):
        head = b""
    if rewind:
        stream.seek(0)
    return envelope_for(head.removeprefix(_BOM), option)


def envelope_head(read: Callable[[int], bytes]) -> bytes:
    """The first bytes of a file its envelope is chosen from, ``read(n)`` giving its next ``n``
    bytes: 8 KiB, or up to 1 MiB when its first line is longer (``mlmon watch`` reads them so too)."""
    head = read(_SHORT_PROBE)
    if len(head) == _SHORT_PROBE and b"\n" not in head:
        head += read(_ENVELOPE_PROBE - _SHORT_PROBE)
    return head


def _last_end(data: bytes, envelope: str | None, before: list[bytes] | None = None) -> int:
    """The newline ending the last line of ``data`` a chunk may end with (-1: none): one that
    ends a record, where they span lines (``Envelope.cut``, judged with the bytes ``before``)."""
    if envelope is not None:
        from mlmon.ingest.envelopes import envelopes

        cut = envelopes()[envelope].cut
        if cut is not None:
            head = b"".join(before or ())
            return max(cut(head + data) - len(head), -1) if head else cut(data)
    return data.rfind(b"\n")


def _whole(source: str, stream: BinaryIO, envelope: str) -> Chunk:
    """A whole-document envelope's file as one chunk: at most :data:`WHOLE_FILE_BYTES`."""
    data, error = _read_block(stream, WHOLE_FILE_BYTES + 1)
    if len(data) > WHOLE_FILE_BYTES:
        raise InputError(f"{source}: a {envelope} document over {WHOLE_FILE_BYTES >> 20} MiB is not read (split it)")
    return Chunk(source, data.removeprefix(_BOM), at_eof=True, stream_error=error, envelope=envelope)


def read_whole(source: str) -> bytes:
    """All of ``source`` (a file, ``-``, a pipe), decompressed: for small documents such as
    summaries. ``InputError`` when it cannot be opened; ``OSError``, ``EOFError``,
    ``zlib.error`` or ``lzma.LZMAError`` when it cannot be read or decompressed."""
    with _open(source) as stream:
        return stream.read()


def open_decompressed(source: str) -> BinaryIO:
    """``source`` from its first byte, decompressed by its magic bytes, for a caller that
    reads it in pieces and closes it (``mlmon.watch`` reads a rotated ``.gz`` this way).
    ``InputError`` when it cannot be opened or read."""
    return _open(source)


def is_plain_file(source: str) -> bool:
    """Whether ``source`` is a regular uncompressed file, which may be cut at any newline
    (:func:`plan_chunks` plans it as spans); a compressed one must be read in order."""
    if source == STDIN or not os.path.isfile(source):
        return False
    with _open(source) as stream:
        return (isinstance(stream, io.BufferedReader) and stream.seekable()) or _plain_after_all(source, stream)


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


def _plan_file(
    source: str, stream: io.BufferedReader, chunk_bytes: int, envelope: str | None = None
) -> Iterator[Chunk | FileSpan]:
    """Spans of an uncompressed file, each to be read once at its exact size: the last
    newline before a span's end is found by reading a short tail first, so no chunk is
    copied out of a larger block (each copy of 8 MiB costs fresh pages), and the main thread
    reads only the probes."""
    size = os.fstat(stream.fileno()).st_size
    start = len(_BOM) if stream.read(len(_BOM)) == _BOM else 0
    first = True
    while start < size:
        end = min(start + chunk_bytes, size)
        if end < size:
            probe = max(start, end - _BOUNDARY_PROBE)
            stream.seek(probe)
            tail = stream.read(end - probe)
            newline = _last_end(tail, envelope)
            if newline < 0:  # a line longer than the probe, or the file shrank: the general path
                stream.seek(start)
                yield from split_stream(
                    source, stream, chunk_bytes, starts_file=first, strip_bom=False, envelope=envelope
                )
                return
            end = probe + newline + 1
        yield FileSpan(source, start, end - start, at_eof=end >= size, starts_file=first, envelope=envelope)
        first = False
        start = end


def _open(source: str) -> BinaryIO:
    """The file (or standard input) as a binary stream, decompressed by its magic bytes. A
    regular file is opened here; anything else (``-``, a pipe, a FIFO) is taken from
    :mod:`.sniff`, which opened it once and read its head ahead, so no byte is lost to a
    look at it."""
    if is_regular(source):
        try:
            raw: BinaryIO = open(source, "rb")  # noqa: SIM115 - closed by the caller's with-block
        except OSError as exc:
            raise InputError(f"{source}: cannot open: {exc.strerror or exc}") from None
    else:
        raw = take(source)
    try:
        first = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]  # type: ignore[attr-defined]
    except OSError as exc:
        raw.close()
        raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    kind = compression_of(first)
    if kind is None:
        return raw
    return _OPENERS[kind](fileobj=raw) if kind == "gzip" else _OPENERS[kind](raw)


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


def split_stream(
    source: str,
    stream: BinaryIO,
    chunk_bytes: int,
    *,
    starts_file: bool = True,
    strip_bom: bool = True,
    envelope: str | None = None,
) -> Iterator[Chunk]:
    """Chunks of whole lines from any stream, not counted. The partial line at a block's end
    is carried into the next chunk; one longer than ``MAX_LINE_BYTES`` is skipped as a
    ``too_long`` chunk, so memory never holds more than a chunk and a capped line."""
    carry: list[bytes] = []
    carried = 0
    block, error = _read_block(stream, chunk_bytes)
    if strip_bom:
        block = block.removeprefix(_BOM)
    while True:
        if not block or error:
            rest = b"".join([*carry, block])
            if len(rest) > MAX_LINE_BYTES:
                yield Chunk(
                    source,
                    b"",
                    at_eof=True,
                    newlines=0,
                    too_long=True,
                    stream_error=error,
                    starts_file=starts_file,
                    envelope=envelope,
                )
            elif rest or error:
                yield Chunk(source, rest, at_eof=True, stream_error=error, starts_file=starts_file, envelope=envelope)
            return
        cut = _last_end(block, envelope, carry) + 1
        if carried + (block.find(b"\n") if cut else len(block)) > MAX_LINE_BYTES:
            block, error, ended = _after_newline(stream, block, chunk_bytes)
            yield Chunk(
                source,
                b"",
                at_eof=not ended,
                newlines=int(ended),
                too_long=True,
                stream_error=error,
                starts_file=starts_file,
            )
            starts_file = False
            if not ended:
                return
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
            yield Chunk(source, data, at_eof=False, starts_file=starts_file, envelope=envelope)
            starts_file = False
        block, error = _read_block(stream, chunk_bytes)


def _after_newline(stream: BinaryIO, block: bytes, chunk_bytes: int) -> tuple[bytes, str | None, bool]:
    """Skip to the first newline at or after ``block``'s start: the bytes after it, a stream
    error, and whether a newline was found before the end of the stream."""
    while True:
        newline = block.find(b"\n")
        if newline >= 0:
            return block[newline + 1 :], None, True
        block, error = _read_block(stream, chunk_bytes)
        if not block or error:
            return b"", error, False
