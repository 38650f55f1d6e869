"""How ``mlmon watch`` reads a followed file wrapped in an envelope (:mod:`mlmon.ingest.envelopes`,
issue 26) as batch mode reads it: which envelope, where a batch may end, and when a file that is
one document is read.

* **Which envelope.** Chosen once per file from its first bytes, as every command chooses it
  (:func:`mlmon.ingest.sources.envelope_head`, :func:`~mlmon.ingest.envelopes.envelope_for`, the
  ``--envelope`` option), and kept with the file's position (:data:`PLAIN`: none), so a restart
  does not look again. A file too short to tell is decided (:func:`decide`) once it holds the
  bytes batch mode looks at; or sooner, on the same bytes batch mode would see, once its first
  line is complete and either an envelope's detector accepts it or it opens no multi-line
  document (it is a whole JSON value, or no ``{``/``[``); or when the file stops growing.
* **Where a batch ends** (:func:`cut_at`). An envelope whose records span lines (CRI's ``P``
  pieces) gives its :attr:`~mlmon.ingest.envelopes.base.Envelope.cut`, as batch mode's chunks
  use it: the bytes after the last safe cut are held back, like a partial line, and the offset
  stays before them. A run still open when the file is let go is handed over as it is.
* **Documents** (:attr:`~mlmon.ingest.envelopes.base.Envelope.whole_file`: JSON arrays, Azure
  ``records``, Heroku bodies, Lambda and Firehose objects) cannot be read line by line: such a
  file is read whole (:func:`read_document`) once it stops growing (no growth over a rescan, let
  go, or ``--once``); bytes appended later are read the same way, as a document of their own.
"""

from __future__ import annotations

import codecs
import json
import os

from mlmon.ingest.envelopes import envelope_for, envelopes
from mlmon.ingest.envelopes.base import Envelope
from mlmon.ingest.sources import WHOLE_FILE_BYTES, envelope_head, envelope_of
from mlmon.watch.positions import PIECE, UNREADABLE, Followed

PLAIN = "none"
"""The envelope kept for a file of plain records (``--envelope none``'s name)."""


def envelope(key: str | None) -> Envelope | None:
    """The envelope a kept key names (None for :data:`PLAIN`, undecided, or one this mlmon does
    not know: a checkpoint of another version)."""
    return None if key is None else envelopes().get(key)


def known(key: str | None, option: str = "auto") -> str | None:
    """A kept key as this mlmon reads it: a known envelope or :data:`PLAIN` that ``option``
    (``--envelope``) agrees with (``auto`` agrees with any), else None (decide again)."""
    chosen = envelope(key)
    name = PLAIN if key == PLAIN else None if chosen is None else chosen.name
    return key if name is not None and option in ("auto", name) else None


def is_document(key: str | None) -> bool:
    """Whether files of this envelope are read whole."""
    chosen = envelope(key)
    return chosen is not None and chosen.whole_file


def waits(followed: Followed) -> bool:
    """Whether the file waits until it stops growing: its envelope is not decided, or it is a document."""
    return followed.envelope is None or is_document(followed.envelope)


def batch_envelope(key: str | None) -> str | None:
    """The envelope a batch is tagged with (None: plain lines)."""
    return None if key in (None, PLAIN) else key


def decide(followed: Followed, option: str, ripe: bool) -> str | None:
    """The key of the followed file's envelope (:data:`PLAIN`: none), or None while its first
    bytes cannot tell yet (see the module's docstring); ``ripe``: the file stopped growing, or
    is let go, so what it holds is all it will hold. An archive is whole: decided at once."""
    if option == PLAIN:
        return PLAIN
    try:
        if followed.stream is not None:
            return envelope_of(followed.path, option) or PLAIN
        reader = _Reader(followed.fd)
        head = envelope_head(reader.read)
        longer = bool(os.pread(followed.fd, 1, reader.at))
    except UNREADABLE:
        return PLAIN if ripe else None  # the read itself says what is wrong
    head = head.removeprefix(codecs.BOM_UTF8)
    chosen = envelope_for(head, option)
    detected = chosen is not None and b"\n" in head and chosen.detect(head)
    if longer or ripe or detected or _no_document(head):
        return chosen.key if chosen is not None else PLAIN
    return None


def _no_document(head: bytes) -> bool:
    """Whether the first line is complete and opens no document spread over lines."""
    end = head.find(b"\n")
    if end < 0:
        return False
    first = head[:end].strip()
    if not first.startswith((b"{", b"[")):
        return True
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


class _Reader:
    """Reads a file's descriptor from its start, ``n`` bytes at a time (``os.pread``)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.at = fd, 0

    def read(self, size: int) -> bytes:
        piece = os.pread(self.fd, size, self.at)
        self.at += len(piece)
        return piece


def cut_at(key: str | None, data: bytes, flush: bool, at_end: bool) -> int:
    """How many bytes of ``data`` (read at the file's offset) to hand over: up to the last
    newline, or, for an envelope with a :attr:`~mlmon.ingest.envelopes.base.Envelope.cut`, up
    to the last line that ends a record (0: none yet). ``flush``: the file is let go, hand over
    every line; a read of ``max_bytes`` with no safe cut (``at_end`` false) is cut at its last
    newline, so a run longer than a read never stops the file."""
    newline = data.rfind(b"\n") + 1
    chosen = envelope(key)
    if flush or chosen is None or chosen.cut is None:
        return newline
    safe = max(chosen.cut(b"\n" + data), 0)  # ``data`` starts where a record does: its first line may end one
    return safe if safe or at_end else newline


def read_document(followed: Followed) -> tuple[bytes, int, str | None]:
    """Everything after the followed file's offset (decompressed, for an archive), the bytes
    it spans in the file, and why it was not read (None: read); a byte-order mark at the
    file's start is left out, as batch mode leaves it. More than
    :data:`~mlmon.ingest.sources.WHOLE_FILE_BYTES` is not read: empty data spanning the rest."""
    pieces: list[bytes] = [followed.carry] if followed.stream is not None else []
    total = len(followed.carry) if followed.stream is not None else 0
    while total <= WHOLE_FILE_BYTES:
        try:
            if followed.stream is not None:
                piece = followed.stream.read(PIECE)
            else:
                piece = os.pread(followed.fd, PIECE, followed.offset + total)
        except UNREADABLE:  # a damaged archive ends where it can no longer be read
            piece = b""
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    followed.carry = b""
    if total > WHOLE_FILE_BYTES:
        span = total if followed.stream is not None else os.fstat(followed.fd).st_size - followed.offset
        return b"", span, f"a {followed.envelope} document over {WHOLE_FILE_BYTES >> 20} MiB: not read (split it)"
    data = b"".join(pieces)
    return (data.removeprefix(codecs.BOM_UTF8) if followed.offset == 0 else data), total, None
