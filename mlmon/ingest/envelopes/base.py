"""What every envelope reader gives: the application's records as plain JSON lines, where each
came from in the file, the values the envelope fills in, and the items it did not read.

An *envelope* is the record a cloud log service or collector wraps around a service's own
JSON line (a GCP LogEntry's ``jsonPayload``, a CloudWatch log event's ``message``, ...). A
reader (:class:`Envelope.unwrap`) turns a chunk of an enveloped file into an
:class:`Unwrapped`: the inner records, one JSON text a line, which the ordinary decoder then
reads like any log, so every check and count of plain logs applies to them unchanged.
Plain Python and numpy here; readers may use polars.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GIVEN = ("ts", "level", "request_id", "status_code")
"""Canonical fields an envelope may fill where the record has none (the record's own value
wins): its time, severity, request id and HTTP status (the status only on a record that is
a request). Every other given column is named ``source.<name>``: where the record came from."""
GIVEN_PREFIX = "_given_"
"""Raw columns ``_given_level``, ``_given_request_id``, ``_given_status_code``: an envelope's
values, which ``mlmon.ingest.canonical`` uses where the record has none (``_given_ts``
becomes the prefix time, used the same way)."""
SOURCE_PREFIX = "source."
"""Prefix of the keys that say where a record came from (``source.pod``): one key with a
dot in it, never an object, so the application's own ``source`` key is left alone."""


def given_column(key: str) -> str:
    """The raw column an envelope's value for ``key`` is read from: a ``source.<name>`` key as
    it is, any other ``_given_<key>``."""
    return key if key.startswith(SOURCE_PREFIX) else GIVEN_PREFIX + key


def not_json(envelope: str, where: str) -> str:
    """The skip reason of an item whose inner text is not a JSON object:
    ``not JSON (gcp textPayload)``."""
    return f"not JSON ({envelope} {where})"


@dataclass(frozen=True)
class Unwrapped:
    """A chunk of an enveloped file, unwrapped."""

    data: bytes
    """The records, one JSON text a line, each ending in ``\\n`` (a line the envelope
    reader did not recognise as an envelope is passed on as it is: the decoder counts it)."""
    lines: np.ndarray
    """The physical line (1-based, in the chunk) each line of ``data`` came from."""
    given: dict[str, Sequence[str | None] | Any]
    """Values the envelope gives, one entry per line of ``data`` (a list or a polars Series): any of :data:`GIVEN`
    and ``source.<name>`` keys, as text (None: not given)."""
    skipped: dict[str, list[int]]
    """Items not read, by reason: the physical line of each."""
    items: int
    """Log items the chunk held: lines of ``data`` plus the items skipped."""
    blank: int = 0
    """Blank physical lines (counted as blank, as in any log)."""
    physical_lines: int | None = None
    """The chunk's lines, where its bytes are no text whose newlines count them (a Firehose
    object's gzip members: one); None: its newlines."""


@dataclass(frozen=True)
class FastRead:
    """A chunk of an envelope read with the record's keys typed (:attr:`Envelope.read_fast`):
    no record is written out as text, unwrapped line by line and read again."""

    frame: Any
    """A polars DataFrame: the records' keys as the schema given reads them, ``_line`` (the
    physical line), ``_prefix_ts`` (the envelope's time), ``_given_<field>`` and
    ``source.<name>`` columns."""
    skipped: dict[str, list[int]]
    """Items not read, by reason: the physical line of each."""
    items: int
    """Log items the chunk held."""


@dataclass(frozen=True)
class Envelope:
    """One envelope format: how to tell it from a file's first bytes, and how to read it."""

    name: str
    """The ``--envelope`` name: ``gcp``, ``cloudwatch`` ..."""
    title: str
    """What it is, for people: ``Google Cloud Logging export``."""
    detect: Callable[[bytes], bool]
    """Whether a file's first bytes (decompressed, up to a few KiB, possibly cut mid-line)
    are this envelope's."""
    unwrap: Callable[..., Unwrapped]
    """A chunk's bytes (whole lines, or the whole file when :attr:`whole_file`) and the
    file's path (and the file's context, when :attr:`prepare` gave one), unwrapped. Never
    raises on bad content: it counts it."""
    whole_file: bool = False
    """The file is one document that cannot be cut at newlines (a JSON array, an object
    spread over lines, framed messages, concatenated objects): read as one chunk."""
    priority: int = 50
    """Detection order, lowest first, for detectors that could both match a head."""
    cut: Callable[[bytes], int] | None = None
    """For an envelope whose records span lines (CRI's partial pieces): where a chunk may end
    in the given bytes, as the index of the newline ending the last line that ends a record
    (-1: none). None: at any newline."""
    read_fast: Callable[..., FastRead | None] | None = None
    """The fast path: ``(data, schema[, context])``, the chunk's bytes, the record's keys with
    their types, the file's context (when :attr:`prepare` gave one), gives a
    :class:`FastRead` (a record that is an object read as a typed struct, or JSON text in a
    string read typed in a second call), or None when any line needs :attr:`unwrap` (a blank
    line, an item to skip, a value of the wrong type, a line that is no envelope): then the
    chunk takes that path, which says why about each."""
    own_keys: bool = False
    """:attr:`read_fast` is given every key of the record schema and keeps the ones its records
    hold (OTLP: a record's attributes are keys that no search of the envelope's bytes finds);
    False: only the keys written in the chunk's bytes."""
    prepare: Callable[[tuple[str, ...]], dict[str, Any]] | None = None
    """A first look at every file of a read chosen for this envelope, in input order, before
    the read: per file, a context its chunks' ``unwrap`` gets as a third argument (GCP: the
    entries repeated from files read before). None: no first look."""
    variant: str = ""
    """One of several shapes of the same envelope (CloudWatch's subscription records, Lambda
    events, Firehose objects ...): a module defines ``ENVELOPES``, a tuple, instead of
    ``ENVELOPE``; ``--envelope NAME`` takes the first variant whose detector accepts the
    file's head, else the first."""

    @property
    def key(self) -> str:
        """How a chunk names it: ``name``, or ``name/variant``."""
        return f"{self.name}/{self.variant}" if self.variant else self.name


@dataclass
class Collector:
    """Builds an :class:`Unwrapped` item by item, for readers that walk a document in
    Python (documents whose shape no vectorised read takes)."""

    envelope: str
    """The envelope's name, for skip reasons."""
    texts: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    given: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    skipped: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    blank: int = 0

    def record(self, line: int, inner: object, where: str, given: dict[str, object] | None = None) -> None:
        """One item: ``inner`` is the record (a dict, or text holding a JSON object) found
        at ``line`` under the envelope's field ``where``; ``given`` the envelope's values."""
        if isinstance(inner, dict):
            text = json.dumps(inner, separators=(",", ":"), ensure_ascii=False)
        elif isinstance(inner, str) and inner.strip().startswith("{"):
            text = inner.strip().replace("\n", " ").replace("\r", " ")
        else:
            self.skip(line, not_json(self.envelope, where))
            return
        row = len(self.texts)
        self.texts.append(text)
        self.lines.append(line)
        for key, value in (given or {}).items():
            if value is not None:
                self.given[key][row] = value if isinstance(value, str) else json.dumps(value)

    def skip(self, line: int, reason: str) -> None:
        """One item not read, at ``line``."""
        self.skipped[reason].append(line)

    def passed_on(self, line: int, text: str) -> None:
        """A line that is no envelope, passed on for the decoder to read or count."""
        self.texts.append(text.replace("\n", " "))
        self.lines.append(line)

    def result(self) -> Unwrapped:
        rows = len(self.texts)
        given: dict[str, Any] = {key: [values.get(row) for row in range(rows)] for key, values in self.given.items()}
        return Unwrapped(
            data="".join(text + "\n" for text in self.texts).encode("utf-8", "surrogatepass"),
            lines=np.asarray(self.lines, dtype=np.int64),
            given=given,
            skipped=dict(self.skipped),
            items=rows + sum(len(lines) for lines in self.skipped.values()),
            blank=self.blank,
        )
