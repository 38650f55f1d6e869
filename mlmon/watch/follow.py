"""Following log files as they grow, through rotation, truncation and compression: the
complete lines appended since the last :meth:`Follower.poll`, file by file, and what
happened to the files (:class:`FileEvent`), for ``mlmon watch``'s engine to call in a loop.
docs/watch.md ("Following files") says what each kind of rotation does and what is read.

A file is known by its device, inode and first bytes (:class:`~mlmon.watch.positions.FileId`)
and read through a descriptor held open, so a renamed file is read to its end under any
name. One shorter than what was read, or whose first bytes changed, was truncated: it is
read again from its start, and a copy or archive of its old content, recognised by its first
bytes, is read on from where it stood. A file unlinked is let go once read to its end; one
renamed out of the inputs, once it stops growing for a rescan. A last line without its
newline is never returned. Inputs are expanded as every command expands them
(:func:`mlmon.ingest.discovery.discover`), at most every ``rescan_seconds``. Reads use
``os.pread``, at most ``max_bytes`` a file a poll, cut at the last newline (``bytes.rfind``;
lines counted with ``bytes.count``): no loop per line.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence
from typing import Literal

from mlmon.errors import InputError, UsageError
from mlmon.files import file_identity, stat_of
from mlmon.ingest.sniff import STDIN
from mlmon.ingest.sources import open_decompressed
from mlmon.watch.envelope_batches import batch_envelope, cut_at, decide, is_document, known, read_document, waits
from mlmon.watch.polls import Batch, FileEvent, Poll
from mlmon.watch.positions import (
    FINGERPRINT_BYTES,
    RETIRED_KEPT,
    UNREADABLE,
    FileId,
    FilePosition,
    Followed,
    Look,
    Positions,
    find_again,
    followable,
    held_by,
    last_complete_line,
    long_line,
    look_at,
    skip,
)

MAX_BYTES = 8 << 20
"""The most bytes read from one file in one poll (a longer line is read whole)."""

Start = Literal["end", "beginning"]


class Follower:
    """Follows ``inputs`` (files, directories, globs); see the module's docstring.

    ``start``: where files found by the first poll are followed from (``end``: their last
    complete line; ``beginning``: their start); files found later are read from their start.
    With ``positions`` (from :meth:`positions`, after a restart), those files resume where
    they stood whatever ``start`` says, and every other file is read from its start.
    ``envelope``: ``--envelope`` (:mod:`mlmon.watch.envelope_batches`)."""

    def __init__(
        self,
        inputs: Sequence[str],
        start: Start = "end",
        positions: Positions | None = None,
        rescan_seconds: float = 5.0,
        max_bytes: int = MAX_BYTES,
        envelope: str = "auto",
    ) -> None:
        if not inputs:
            raise InputError("no input given: pass log files, directories or globs to follow")
        if STDIN in inputs:
            raise InputError("-: standard input cannot be followed; name the log files")
        if start not in ("end", "beginning"):
            raise UsageError(f"start must be end or beginning, not {start!r}")
        self._inputs = tuple(inputs)
        self._from_end = start == "end" and positions is None
        self._rescan = rescan_seconds
        self._max = max(1, max_bytes)
        self._envelope = envelope
        self._files: dict[tuple[int, int], Followed] = {}
        self._retired: list[FilePosition] = list(positions.retired) if positions else []
        self._passed: dict[tuple[int, int], tuple[int, int]] = {}
        self._scanned_at: float | None = None
        self._events: list[FileEvent] = []
        for position in positions.files if positions else ():
            self._restore(position)

    def poll(self, *, rescan: bool = False, now: float | None = None, settled: bool = False) -> Poll:
        """The complete lines appended since the last poll and what happened to the files.
        Inputs are expanded again when ``rescan`` says so, on the first poll, after a
        rotation or a truncation, or when ``rescan_seconds`` have passed since the last
        time (``now``: a ``time.monotonic()`` reading, for tests). ``settled``: the files
        hold all they will (``--once``): documents are read whole now."""
        now = time.monotonic() if now is None else now
        events, self._events = self._events, []
        changed = [followed for followed in list(self._files.values()) if self._check(followed, events)]
        scan = rescan or bool(changed) or self._scanned_at is None or now - self._scanned_at >= self._rescan
        if scan:
            self._scan(events)
            self._scanned_at = now
            self._from_end = False
        batches, behind = [], False
        for followed in list(self._files.values()):
            batch, at_end = self._read(followed, settled)
            if batch is not None:
                batches.append(batch)
                behind = behind or not at_end
            if at_end:
                self._let_go(followed, events)
        return Poll(tuple(batches), tuple(events), behind)

    def positions(self) -> Positions:
        """Where each file stands after the last poll (all its batches consumed)."""
        return Positions(tuple(f.position() for f in self._files.values()), tuple(self._retired))

    def close(self) -> None:
        """Close every file held open."""
        for followed in self._files.values():
            followed.close()
        self._files.clear()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, followed: Followed, events: list[FileEvent]) -> bool:
        """Whether the file was truncated (size below the offset, or other first bytes) or
        just left its path (renamed or unlinked): then the inputs are expanded again, to
        find what rotation left (the copy, the new file)."""
        if followed.stream is not None:
            return False
        info = os.fstat(followed.fd)
        head = os.pread(followed.fd, FINGERPRINT_BYTES, 0)
        truncated = info.st_size < followed.offset or not followed.file.starts(head)
        if truncated:
            shorter = info.st_size < followed.offset
            was = f"size {info.st_size} is below the {followed.offset} bytes read" if shorter else "its start changed"
            self._retire(followed.position())
            events.append(FileEvent("truncated", followed.path, followed.file, f"{was}: read again from its start"))
            followed.offset = followed.lines = 0
            followed.file, followed.envelope = FileId.of(info.st_dev, info.st_ino, head), None
        followed.file = followed.file.grown(head)
        followed.unlinked = info.st_nlink == 0
        if not followed.at_path or (not followed.unlinked and file_identity(followed.path) == followed.file.key):
            return truncated
        followed.at_path = False
        if not followed.unlinked:
            detail = "moved away from its path: read on to its end"
            events.append(FileEvent("rotated", followed.path, followed.file, detail))
        return True

    def _scan(self, events: list[FileEvent]) -> None:
        """Follow the files the inputs name now that are not followed yet; note the files
        away from their paths that did not grow since the last scan, and forget the
        archives passed over that are gone."""
        present = set()
        for path in followable(self._inputs):
            info = stat_of(path)
            if info is None or not stat.S_ISREG(info.st_mode):
                continue
            key = (info.st_dev, info.st_ino)
            present.add(key)
            followed = self._files.get(key)
            if followed is not None:
                if followed.path != path and file_identity(followed.path) != key:
                    followed.path = path  # renamed within the inputs
                followed.at_path = followed.at_path or followed.path == path
            elif self._passed.get(key) != (info.st_size, info.st_mtime_ns):
                self._passed.pop(key, None)
                self._found(path, events)
        self._passed = {key: seen for key, seen in self._passed.items() if key in present}
        for followed in self._files.values():
            if (not followed.at_path or waits(followed)) and followed.stream is None:
                size = os.fstat(followed.fd).st_size
                followed.idle, followed.idle_size = size == followed.idle_size, size

    def _found(self, path: str, events: list[FileEvent]) -> None:
        """Follow a file the inputs name that is not followed: on from where content it
        holds was read (a copy, an archive), else from its end (the first poll, from the
        end) or its start."""
        look = look_at(path)
        if look is None:
            return
        file = look.file()
        sure = look.compressed or len(look.head) == FINGERPRINT_BYTES  # two short new files may start alike
        live = next((f for f in self._files.values() if f.stream is None and sure and f.file.holds(look.head)), None)
        same = None if live is not None else self._take_retired(file, look.head)
        if look.compressed:
            self._found_archive(path, look, live or same, events)
            return
        envelope = None
        if same is not None and not same.finished and look.info.st_size >= same.offset:
            detail = f"holds the lines of {same.path}: read on from byte {same.offset}"
            offset, lines, envelope = same.offset, same.lines, same.envelope
        elif live is not None or same is not None:
            copied = live.path if live is not None else same.path if same is not None else ""
            detail, offset, lines = f"a copy of {copied}: followed from its end", -1, 0
        else:
            offset, lines = (-1 if self._from_end else 0), 0
            detail = "followed from its end" if self._from_end else "read from its start"
        followed = self._follow(path, file, offset, lines, envelope=envelope)
        if followed is not None:
            events.append(FileEvent("new", path, followed.file, f"{detail} (byte {followed.offset})"))

    def _found_archive(
        self, path: str, look: Look, same: Followed | FilePosition | None, events: list[FileEvent]
    ) -> None:
        """An archive: passed over when it holds content read elsewhere (or is one passed
        over before), read on from where that content stood, or read whole when new."""
        file = look.file()
        if isinstance(same, FilePosition) and not same.finished:
            if self._follow(path, file, same.offset, same.lines, archive=True, envelope=same.envelope) is not None:
                detail = f"holds the lines of {same.path}: read on from byte {same.offset}"
                events.append(FileEvent("compressed", path, file, detail))
            return
        if same is not None or self._from_end:
            if same is not None and same.file.key != file.key:
                events.append(FileEvent("compressed", path, file, f"holds the lines of {same.path}, read already"))
            self._passed[file.key] = (look.info.st_size, look.info.st_mtime_ns)
            self._retire(FilePosition(file, path, 0, 0, compressed=True, finished=True))
            return
        if self._follow(path, file, 0, 0, archive=True) is not None:
            events.append(FileEvent("new", path, file, "an archive of lines not read yet: read whole"))

    def _take_retired(self, file: FileId, head: bytes) -> FilePosition | None:
        """The retired position of the content a file holds (its own first), forgotten."""
        own = [p for p in self._retired if p.file.key == file.key and p.file.holds(head)]
        match = own[-1] if own else held_by(self._retired, head)
        if match is not None:
            self._retired.remove(match)
        return match

    def _follow(
        self, path: str, file: FileId, offset: int, lines: int, archive: bool = False, envelope: str | None = None
    ) -> Followed | None:
        """Open ``path`` (the file ``file`` names) at ``offset`` (-1: after its last
        complete line) and follow it, its envelope ``envelope`` when known already; None when
        it cannot be opened or is another file now."""
        followed = Followed(file, path, offset, lines, envelope=known(envelope, self._envelope))
        try:
            if archive:
                followed.stream = open_decompressed(path)
                skip(followed.stream, offset)
            else:
                followed.fd = os.open(path, os.O_RDONLY)
                info = os.fstat(followed.fd)
                if (info.st_dev, info.st_ino) != file.key:
                    raise FileNotFoundError(path)
                if offset < 0:
                    followed.offset, followed.lines = last_complete_line(followed.fd, info.st_size)
        except UNREADABLE:
            followed.close()
            return None
        self._files[file.key] = followed
        return followed

    def _read(self, followed: Followed, settled: bool = False) -> tuple[Batch | None, bool]:
        """The complete lines after the file's offset (at most ``max_bytes``, or one longer
        line; up to the last that ends a record where records span lines), or a document's
        rest once it stops growing (:mod:`.envelope_batches`), and whether they reach its end."""
        going = followed.going
        ripe = settled or going or followed.idle
        if followed.envelope is None:
            followed.envelope = decide(followed, self._envelope, ripe)
            if followed.envelope is None:
                return None, False
        if is_document(followed.envelope):
            return self._document(followed, ripe)
        if followed.stream is not None:
            try:
                piece = followed.stream.read(self._max)
            except UNREADABLE:  # a damaged archive ends where it can no longer be read
                piece = b""
            data, at_end = followed.carry + piece, not piece
        else:
            data = os.pread(followed.fd, self._max, followed.offset)
            at_end = len(data) < self._max
            if not at_end and b"\n" not in data:
                data, at_end = long_line(followed.fd, followed.offset, data, self._max)
        cut = cut_at(followed.envelope, data, going and at_end, at_end)
        if followed.stream is not None:
            followed.carry = data[cut:]
        if not cut:
            return None, at_end
        return self._batch(followed, data[:cut], cut), at_end

    def _document(self, followed: Followed, ripe: bool) -> tuple[Batch | None, bool]:
        """A document's rest, read whole once it stops growing (``ripe``); one too large is
        passed over and named (a ``document`` event)."""
        if not ripe:
            return None, False
        data, span, refused = read_document(followed)
        if refused:
            self._events.append(FileEvent("document", followed.path, followed.file, refused))
        return (self._batch(followed, data, span) if span else None), True

    def _batch(self, followed: Followed, data: bytes, span: int) -> Batch:
        """``data``, read at the file's offset and spanning ``span`` bytes of it, as a batch;
        the file's position moves past it."""
        at, envelope = followed.offset, batch_envelope(followed.envelope)
        batch = Batch(followed.path, followed.file, followed.lines + 1, data, at, at + span, envelope)
        followed.offset, followed.lines = batch.end, followed.lines + data.count(b"\n")
        return batch

    def _let_go(self, followed: Followed, events: list[FileEvent]) -> None:
        """Stop following a file read to its end for good: an archive, an unlinked file, or
        one away from its path that stopped growing. It is remembered as retired."""
        archive = followed.stream is not None
        if not followed.going:
            return
        followed.close()
        del self._files[followed.file.key]
        self._retire(followed.position(finished=archive or followed.unlinked))
        if followed.unlinked:
            detail = f"read to its end ({followed.lines} lines)"
            events.append(FileEvent("deleted", followed.path, followed.file, detail))

    def _retire(self, position: FilePosition) -> None:
        self._retired = [p for p in self._retired if p.file != position.file] + [position]
        del self._retired[:-RETIRED_KEPT]

    def _restore(self, position: FilePosition) -> None:
        """Follow a file of the positions given again: where it was or where it went in
        its folder (renamed, or compressed), else remember it as retired."""
        found = find_again(position, self._files)
        if found is None:
            self._retire(position)
            return
        path, look = found
        if look.key != position.file.key:  # a plain file's archive
            archive = self._follow(path, look.file(), position.offset, position.lines, True, position.envelope)
            if archive is not None:
                detail = f"holds the lines of {position.path}: read on from byte {position.offset}"
                self._events.append(FileEvent("compressed", path, look.file(), detail))
            return
        offset, lines, envelope = position.offset, position.lines, position.envelope
        file = position.file.grown(look.head)
        if not look.compressed and look.info.st_size < offset:
            self._retire(position)
            detail = f"size {look.info.st_size} is below the {offset} bytes read: read again from its start"
            self._events.append(FileEvent("truncated", path, position.file, detail))
            offset, lines, file, envelope = 0, 0, look.file(), None
        followed = self._follow(path, file, offset, lines, look.compressed, envelope)
        if followed is not None and path != position.path:
            followed.at_path = False
            self._events.append(FileEvent("rotated", position.path, file, f"found at {path}: read on to its end"))
