"""Where following stands in each file, as the engine checkpoints it: a file's identity
(:class:`FileId`: device, inode and a fingerprint of its first bytes), the bytes and lines
consumed in it (:class:`FilePosition`; :class:`Followed` while it is open), and the whole
set (:class:`Positions`), to and from JSON; and how a file is looked at to find those
(:func:`look_at`, :func:`find_again`, :func:`followable`, :func:`last_complete_line`,
:func:`skip`, :func:`long_line`). No polars."""

from __future__ import annotations

import glob
import hashlib
import lzma
import os
import stat
import zlib
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from mlmon.errors import InputError
from mlmon.ingest.discovery import discover
from mlmon.ingest.sniff import compression_of
from mlmon.ingest.sources import open_decompressed

FINGERPRINT_BYTES = 1024
"""How many of a file's first bytes its fingerprint covers (fewer while the file is shorter)."""
VERSION = 1
"""The version of :meth:`Positions.to_json`'s layout."""
RETIRED_KEPT = 4096
"""How many files no longer followed are remembered (the oldest are forgotten first)."""
PIECE = 8 << 20
"""Bytes read at a time when counting the lines a file starts with, or skipping in an archive."""
UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, InputError)
"""What opening, reading or decompressing a file may raise."""


def digest(data: bytes) -> str:
    """The fingerprint of ``data``: 16 hex digits of BLAKE2b."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass(frozen=True)
class FileId:
    """Which file this is: device and inode, and its first bytes (inodes are reused)."""

    device: int
    """``st_dev`` of the file (of the compressed file, for an archive)."""
    inode: int
    """``st_ino`` of the file (of the compressed file, for an archive)."""
    fingerprint: str
    """:func:`digest` of its first :attr:`hashed` bytes (decompressed, for an archive)."""
    hashed: int
    """How many bytes :attr:`fingerprint` covers: :data:`FINGERPRINT_BYTES`, or fewer while
    the file was shorter; it grows with the file."""

    @staticmethod
    def of(device: int, inode: int, head: bytes) -> FileId:
        """The identity of a file whose first bytes are ``head`` (only the first
        :data:`FINGERPRINT_BYTES` of it count)."""
        head = head[:FINGERPRINT_BYTES]
        return FileId(device, inode, digest(head), len(head))

    @property
    def key(self) -> tuple[int, int]:
        """``(device, inode)``."""
        return (self.device, self.inode)

    def starts(self, head: bytes) -> bool:
        """Whether ``head`` (a file's first bytes) starts with the bytes fingerprinted."""
        return len(head) >= self.hashed and digest(head[: self.hashed]) == self.fingerprint

    def holds(self, head: bytes) -> bool:
        """Whether a file whose first bytes are ``head`` holds this one's content (a copy,
        or an archive, of it as it was or grown since): it starts with the bytes
        fingerprinted. An empty file is like no other."""
        return self.hashed > 0 and self.starts(head)

    def grown(self, head: bytes) -> FileId:
        """This identity with its fingerprint over more of ``head`` (the same file, grown)."""
        return self if len(head) <= self.hashed else FileId.of(self.device, self.inode, head)


@dataclass(frozen=True)
class FilePosition:
    """How far one file has been read."""

    file: FileId
    """Which file."""
    path: str
    """The last path it was seen at."""
    offset: int
    """Bytes consumed, up to the end of the last complete line (decompressed, for an archive)."""
    lines: int
    """Lines consumed: the next line's number is one more."""
    compressed: bool = False
    """Whether it is a compressed archive (read decompressed, from its start)."""
    finished: bool = False
    """Whether it is read for good (an archive read to its end or passed over): an archive
    holding the same content is passed over too."""
    envelope: str | None = None
    """The envelope its lines are read through, chosen once from its first bytes
    (:mod:`mlmon.watch.envelope_batches`; ``none``: plain records); None: not decided yet."""


@dataclass(eq=False)
class Followed:
    """A file being followed, open: where it stands, and its descriptor (a plain file) or
    decompressed stream (an archive). Changed in place by the follower."""

    file: FileId
    """Which file (its fingerprint grows with it)."""
    path: str
    """The last path it was seen at."""
    offset: int
    """Bytes consumed, up to the end of the last complete line."""
    lines: int
    """Lines consumed."""
    fd: int = -1
    """The descriptor of a plain file (-1: none)."""
    stream: BinaryIO | None = None
    """The decompressed stream of an archive (None: a plain file)."""
    carry: bytes = b""
    """An archive's bytes decompressed past its last newline."""
    at_path: bool = True
    """Whether its path names it and the inputs hold it (else it is read until it stops growing)."""
    unlinked: bool = False
    """Whether it has no link left (deleted): let go once read to its end."""
    idle_size: int = -1
    """Its size at the last rescan while away from its path (-1: none yet)."""
    idle: bool = False
    """Whether it kept that size through a whole rescan interval, away from its path (or while
    it waits to be read whole: :func:`mlmon.watch.envelope_batches.waits`)."""
    envelope: str | None = None
    """:attr:`FilePosition.envelope`."""

    @property
    def going(self) -> bool:
        """Whether it is let go once read to its end: an archive, an unlinked file, or one away
        from its path that stopped growing."""
        return self.stream is not None or self.unlinked or (self.idle and not self.at_path)

    def position(self, finished: bool = False) -> FilePosition:
        """Where it stands, as checkpointed."""
        archive = self.stream is not None
        return FilePosition(self.file, self.path, self.offset, self.lines, archive, finished, self.envelope)

    def close(self) -> None:
        """Close its descriptor or stream."""
        if self.stream is not None:
            self.stream.close()
        elif self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@dataclass(frozen=True)
class Positions:
    """Where following stands: what the engine checkpoints with its analysis state and
    hands to the next :class:`~mlmon.watch.follow.Follower`."""

    files: tuple[FilePosition, ...] = ()
    """The files followed, in the order they were first followed."""
    retired: tuple[FilePosition, ...] = ()
    """Files no longer followed (deleted, truncated, rotated away, or archives read), oldest
    first: a copy or an archive of one is recognised by its first bytes and not read twice."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, with a ``version`` key."""
        return {
            "version": VERSION,
            "files": [_position_json(p) for p in self.files],
            "retired": [_position_json(p) for p in self.retired],
        }

    @staticmethod
    def from_json(data: object) -> Positions:
        """The positions :meth:`to_json` wrote; ``InputError`` (one line) for anything else."""
        if not isinstance(data, Mapping):
            raise InputError("watch positions: not a JSON object")
        if data.get("version") != VERSION:
            raise InputError(f"watch positions: version {data.get('version')!r} is not supported (expected {VERSION})")
        return Positions(_positions(data, "files"), _positions(data, "retired"))


def _position_json(position: FilePosition) -> dict[str, Any]:
    file = position.file
    return {
        "path": position.path,
        "device": file.device,
        "inode": file.inode,
        "fingerprint": file.fingerprint,
        "hashed": file.hashed,
        "offset": position.offset,
        "lines": position.lines,
        "compressed": position.compressed,
        "finished": position.finished,
        "envelope": position.envelope,
    }


_FIELDS = {
    "path": str,
    "device": int,
    "inode": int,
    "fingerprint": str,
    "hashed": int,
    "offset": int,
    "lines": int,
    "compressed": bool,
    "finished": bool,
}


def _positions(data: Mapping[str, Any], key: str) -> tuple[FilePosition, ...]:
    entries = data.get(key)
    if not isinstance(entries, list):
        raise InputError(f"watch positions: {key} is not a list")
    return tuple(_position(entry, f"{key}[{at}]") for at, entry in enumerate(entries))


def _position(entry: object, where: str) -> FilePosition:
    if not isinstance(entry, Mapping):
        raise InputError(f"watch positions: {where} is not an object")
    for name, kind in _FIELDS.items():
        value = entry.get(name)
        negative = isinstance(value, bool) or (isinstance(value, int) and value < 0)
        if not isinstance(value, kind) or (kind is int and negative):
            raise InputError(f"watch positions: {where}.{name} is missing or not a {kind.__name__} (>= 0)")
    if entry["hashed"] > FINGERPRINT_BYTES:
        raise InputError(f"watch positions: {where}.hashed is over {FINGERPRINT_BYTES}")
    envelope = entry.get("envelope")  # absent from a checkpoint of an older mlmon: decided again
    if envelope is not None and not isinstance(envelope, str):
        raise InputError(f"watch positions: {where}.envelope is not a string or null")
    file = FileId(entry["device"], entry["inode"], entry["fingerprint"], entry["hashed"])
    return FilePosition(
        file, entry["path"], entry["offset"], entry["lines"], entry["compressed"], entry["finished"], envelope
    )


def held_by(positions: Iterable[FilePosition], head: bytes) -> FilePosition | None:
    """The newest of ``positions`` whose content a file starting with ``head`` holds
    (:meth:`FileId.holds`): a copy, a renamed file, or an archive of it."""
    return next((p for p in reversed(tuple(positions)) if p.file.holds(head)), None)


@dataclass(frozen=True)
class Look:
    """What a file is, from a look at it."""

    info: os.stat_result
    """Its ``os.stat``."""
    head: bytes
    """Its first :data:`FINGERPRINT_BYTES` (decompressed, for an archive)."""
    compressed: bool
    """Whether it is an archive (gzip, bz2 or xz, by its magic bytes)."""

    @property
    def key(self) -> tuple[int, int]:
        """``(device, inode)``."""
        return (self.info.st_dev, self.info.st_ino)

    def file(self) -> FileId:
        """Its identity."""
        return FileId.of(self.info.st_dev, self.info.st_ino, self.head)


def look_at(path: str) -> Look | None:
    """A look at the regular file ``path``; None when there is none or it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            info = os.fstat(fd)
            head = os.pread(fd, FINGERPRINT_BYTES, 0)
        finally:
            os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if compression_of(head) is None:
            return Look(info, head, False)
        with open_decompressed(path) as stream:
            return Look(info, stream.read(FINGERPRINT_BYTES), True)
    except UNREADABLE:
        return None


def last_complete_line(fd: int, size: int) -> tuple[int, int]:
    """The offset just past the last newline in the first ``size`` bytes of the file open
    as ``fd``, and the number of lines before it (the file read in pieces of :data:`PIECE`)."""
    offset = lines = at = 0
    while at < size:
        block = os.pread(fd, min(PIECE, size - at), at)
        if not block:
            break
        lines += block.count(b"\n")
        found = block.rfind(b"\n")
        offset = at + found + 1 if found >= 0 else offset
        at += len(block)
    return offset, lines


def skip(stream: BinaryIO, count: int) -> None:
    """Read past ``count`` bytes of ``stream`` (fewer when it ends first), in pieces."""
    while count > 0:
        piece = stream.read(min(count, PIECE))
        if not piece:
            return
        count -= len(piece)


def long_line(fd: int, offset: int, data: bytes, size: int) -> tuple[bytes, bool]:
    """``data`` (read at ``offset``, with no newline) and what follows it up to the next
    newline, read ``size`` bytes at a time, and whether the file ends before one."""
    pieces = [data]
    at = offset + len(data)
    while piece := os.pread(fd, size, at):
        found = piece.find(b"\n")
        if found >= 0:
            pieces.append(piece[: found + 1])
            return b"".join(pieces), False
        pieces.append(piece)
        at += len(piece)
    return b"".join(pieces), True


def followable(inputs: Sequence[str]) -> list[str]:
    """The files ``inputs`` name now, as every command expands them (summaries left out):
    a folder or a glob may name none yet, and a file may not be there yet."""
    paths: list[str] = []
    for item in inputs:
        if os.path.isdir(item) or (glob.has_magic(item) and not os.path.exists(item)):
            try:
                found = discover([item])
            except InputError:
                continue
        elif os.path.exists(item):
            found = discover([item])
        else:
            continue
        paths.extend(path for path in found.paths if path not in found.summaries)
    return list(dict.fromkeys(paths))


def find_again(position: FilePosition, taken: Container[tuple[int, int]]) -> tuple[str, Look] | None:
    """Where the file of ``position`` is now: at its path, or in that folder under another
    name, else an archive there that holds its content; files whose ``(device, inode)`` is
    in ``taken`` are not it."""
    archive = None
    for path in _path_then_folder(position.path):
        look = look_at(path)
        if look is None or look.key in taken:
            continue
        if look.key == position.file.key and position.file.starts(look.head):
            return path, look
        if archive is None and look.compressed and not position.compressed and position.file.holds(look.head):
            archive = path, look
    return archive


def _path_then_folder(path: str) -> Iterator[str]:
    """``path``, then the other entries of its folder (sorted), listed only when needed."""
    yield path
    folder = os.path.dirname(path) or "."
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    yield from (os.path.join(folder, name) for name in names if os.path.join(folder, name) != path)
