"""What one :meth:`~mlmon.watch.follow.Follower.poll` gives: the new lines of each file
(:class:`Batch`) and what happened to the files (:class:`FileEvent`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlmon.watch.positions import FileId

EventKind = Literal["new", "rotated", "truncated", "deleted", "compressed", "document"]


@dataclass(frozen=True)
class Batch:
    """Complete lines appended to one file since the last poll."""

    path: str
    """The path the file was last seen at."""
    file: FileId
    """Which file."""
    first_line: int
    """The physical line number (from 1) of :attr:`data`'s first line in the file."""
    data: bytes
    """Complete lines, each ending in ``\\n`` (decompressed, for an archive)."""
    start: int
    """The byte offset of :attr:`data` in the file."""
    end: int
    """The byte offset just past :attr:`data`: the file's new position."""
    envelope: str | None = None
    """The envelope of the file's lines (:mod:`mlmon.watch.envelope_batches`), or None."""


@dataclass(frozen=True)
class FileEvent:
    """Something that happened to a file, for the engine to count and tell."""

    kind: EventKind
    """``new`` (followed from now on), ``rotated`` (moved away from its path: read on to its
    end), ``truncated`` (read again from its start), ``deleted`` (read to its end and let go),
    ``compressed`` (an archive of content already read, or read from where it stood),
    ``document`` (a document too large to read whole: passed over)."""
    path: str
    """The path it concerns."""
    file: FileId
    """Which file."""
    detail: str
    """What happened, in words."""


@dataclass(frozen=True)
class Poll:
    """What one :meth:`Follower.poll` found."""

    batches: tuple[Batch, ...]
    """New complete lines, file by file, in the order the files were first followed."""
    events: tuple[FileEvent, ...]
    """What happened to the files, in order."""
    behind: bool = False
    """Some file holds more complete lines than one poll reads (``max_bytes``): poll again
    at once rather than wait."""
