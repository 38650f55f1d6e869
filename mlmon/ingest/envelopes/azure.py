"""Azure Monitor resource logs, as a diagnostic setting archives them to a storage account
(``.../y=2026/m=11/d=20/h=15/m=00/PT1H.json``) or streams them to Event Hubs.

Every record has the common schema
(https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs-schema):
``time``, ``resourceId``, ``category``, ``operationName``, ``level``, ``correlationId``,
``resultSignature`` and ``properties``, the service's own record (an object, or text
holding one). ``time`` fills ``ts``; ``level`` fills ``level`` (``Informational`` →
``info``, ``Verbose`` → ``debug``, the rest lower-cased); ``correlationId`` fills
``request_id``; ``resultSignature`` fills ``status_code`` when it is all digits; and
``source.resource_id``, ``source.category`` say where the record came from. Keys are read
as Azure spells them (``resourceId``, not ``ResourceId``).

Two shapes (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs-blob-format):

- ``jsonlines``: one record a line, the blob format since 1 November 2018; read by polars
  in one call per chunk, ``properties`` typed as the record's keys (:func:`read_fast`), or
  where a chunk holds anything else (text ``properties``, a blank or foreign line) as text
  (:mod:`._jsonlines`), which names each problem.
- ``records``: one ``{"records": [...]}`` document, the blob format before that date and
  the body of an Event Hubs message; several such documents may follow one another. A
  document cannot be cut at newlines, so the file is one chunk, walked in Python record by
  record (:func:`json.JSONDecoder.raw_decode`), each record's physical line being the line
  where its object starts. A document cut short loses its last, partial record: counted as
  ``malformed envelope (azure records cut short)``.

Cost of JSON lines (benchmarks/bench_envelopes.py's shape, 100,000 records; 2 shared cores
under load, best of 5): reading 2.0x the same records as plain lines, the file being 1.4x
their size; ``mlmon report`` end to end 1.37x (median of 3).
"""

from __future__ import annotations

import io
import json
import re

import polars as pl

from mlmon.ingest.envelopes._jsonlines import (
    EnvelopeLines,
    exact_objects,
    given_columns,
    read_envelope_lines,
    unwrapped_of,
    whole_lines,
)
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Collector, Envelope, FastRead, Unwrapped
from mlmon.ingest.fields import LINE

NAME = "azure"
INNER = "properties"
"""The field holding the service's record."""
LEVELS = {"informational": "info", "information": "info", "verbose": "debug"}
"""Azure levels that are not mlmon's level lower-cased."""
CUT_SHORT = "malformed envelope (azure records cut short)"
NOT_A_LIST = "malformed envelope (azure records is not a list)"
NOT_AN_OBJECT = "malformed envelope (azure record is not an object)"
_ENVELOPE_KEYS = ("time", "resourceId", "category", "operationName", "level", "correlationId", "resultSignature")
_SCHEMA: dict[str, pl.DataType] = {**{key: pl.String() for key in _ENVELOPE_KEYS}, INNER: pl.String()}
_FIRST_LINE = re.compile(rb"\s*(\{[^\n]*)")
_RESOURCE_ID = re.compile(rb'"resourceId"\s*:\s*"')
_KIND = re.compile(rb'"(?:category|operationName)"\s*:')
_RECORDS = re.compile(rb'\s*\{\s*"records"\s*:\s*\[\s*\{')
_RECORDS_TEXT = re.compile(r'\s*\{\s*"records"\s*:\s*')
_DIGITS = re.compile(r"\d+")


def detect_lines(head: bytes) -> bool:
    """A first line that is an object with a ``resourceId`` and a ``category`` or
    ``operationName``."""
    first = _FIRST_LINE.match(head)
    return bool(first and _RESOURCE_ID.search(first[1]) and _KIND.search(first[1]))


def detect_records(head: bytes) -> bool:
    """A ``{"records": [{...`` document whose first record has a ``resourceId`` and a
    ``category`` or ``operationName``."""
    return bool(_RECORDS.match(head) and _RESOURCE_ID.search(head) and _KIND.search(head))


def unwrap_lines(data: bytes, source: str) -> Unwrapped:
    """A chunk of JSON-lines resource logs, unwrapped."""
    lines = read_envelope_lines(data, _SCHEMA)
    lines = EnvelopeLines(exact_objects(lines.frame, {INNER: "$." + INNER}), lines.others, lines.blank)
    enveloped = pl.any_horizontal(pl.col(key).is_not_null() for key in ("resourceId", "category", INNER))
    return unwrapped_of(NAME, lines, pl.col(INNER), pl.lit(INNER), _given(), is_envelope=enveloped)


def _given() -> dict[str, pl.Expr]:
    """The values a record's envelope gives, by key."""
    result = pl.col("resultSignature").str.strip_chars()
    return {
        "ts": pl.col("time"),
        "level": pl.col("level").str.to_lowercase().replace(LEVELS),
        "request_id": pl.col("correlationId"),
        "status_code": pl.when(result.str.contains(r"^\d+$")).then(result),
        SOURCE_PREFIX + "resource_id": pl.col("resourceId"),
        SOURCE_PREFIX + "category": pl.col("category"),
    }


def read_fast(data: bytes, schema: dict[str, pl.DataType]) -> FastRead | None:
    """A chunk whose every line is a record with ``properties`` an object, read in one call
    with it as a struct of ``schema`` (strict); None when any line needs :func:`unwrap_lines`
    (a blank line, ``properties`` as text, a value of the wrong type, a line of another kind)."""
    lines = whole_lines(data)
    if lines is None:
        return None
    text, rows = lines
    try:
        frame = pl.read_ndjson(io.BytesIO(text), schema={**_SCHEMA, INNER: pl.Struct(schema)})
    except pl.exceptions.PolarsError:
        return None
    if frame.height != rows or frame[INNER].null_count():
        return None
    records = frame.select(
        pl.col(INNER).struct.unnest(), pl.int_range(1, rows + 1, dtype=pl.Int64).alias(LINE), *given_columns(_given())
    )
    return FastRead(records, {}, rows)


def unwrap_records(data: bytes, source: str) -> Unwrapped:
    """A file of ``{"records": [...]}`` documents, unwrapped."""
    text = data.decode("utf-8", "replace")
    walk = _Walk(text, Collector(NAME))
    walk.documents()
    return walk.out.result()


class _Walk:
    """The records of the documents in ``text``, found in order, with their lines."""

    def __init__(self, text: str, out: Collector) -> None:
        self.text = text
        self.out = out
        self.decoder = json.JSONDecoder()
        self.pos = 0
        self.line = 1
        """The line of :attr:`pos`."""

    def documents(self) -> None:
        """Every document: a records document, a lone record, or a line passed on."""
        while self._skip(" \t\r\n"):
            head = _RECORDS_TEXT.match(self.text, self.pos)
            if head is None:
                self._other()
            elif self.text.startswith("[", head.end()):
                self._move(head.end() + 1)
                self._records()
            else:
                self._whole(NOT_A_LIST)

    def _records(self) -> None:
        """The records of one document's list, then its closing ``]`` and ``}``."""
        while self._skip(" \t\r\n,"):
            if self.text.startswith("]", self.pos):
                self._move(self.pos + 1)
                self._skip(" \t\r\n")
                if self.text.startswith("}", self.pos):
                    self._move(self.pos + 1)
                return
            line = self.line
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except ValueError:
                self.out.skip(line, CUT_SHORT)
                self._move(len(self.text))
                return
            self._move(end)
            if isinstance(value, dict):
                self._record(line, value)
            else:
                self.out.skip(line, NOT_AN_OBJECT)

    def _record(self, line: int, record: dict[str, object]) -> None:
        level = record.get("level")
        result = record.get("resultSignature")
        result = str(result).strip() if isinstance(result, str | int) and not isinstance(result, bool) else None
        given = {
            "ts": record.get("time"),
            "level": LEVELS.get(level.lower(), level.lower()) if isinstance(level, str) else None,
            "request_id": record.get("correlationId"),
            "status_code": result if result and _DIGITS.fullmatch(result) else None,
            SOURCE_PREFIX + "resource_id": record.get("resourceId"),
            SOURCE_PREFIX + "category": record.get("category"),
        }
        self.out.record(line, record.get(INNER), INNER, given)

    def _whole(self, reason: str) -> None:
        """A whole document not read: one item, skipped at its first line."""
        line = self.line
        try:
            _, end = self.decoder.raw_decode(self.text, self.pos)
        except ValueError:
            end, reason = len(self.text), CUT_SHORT
        self.out.skip(line, reason)
        self._move(end)

    def _other(self) -> None:
        """A line that starts no records document: a lone resource log record (read), or
        text passed on for the decoder to count."""
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        try:
            value, stop = self.decoder.raw_decode(self.text, self.pos)
        except ValueError:
            value, stop = None, end
        line = self.line
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            for record in value["records"]:  # "records" not the first key: no line of its own
                self._record(line, record) if isinstance(record, dict) else self.out.skip(line, NOT_AN_OBJECT)
            self._move(stop)
            return
        if isinstance(value, dict) and (INNER in value or "resourceId" in value):
            self._record(line, value)
            self._move(stop)
            return
        self.out.passed_on(line, self.text[self.pos : end])
        self._move(end)

    def _skip(self, chars: str) -> bool:
        """Moves past ``chars``; whether text is left."""
        pos = self.pos
        while pos < len(self.text) and self.text[pos] in chars:
            pos += 1
        self._move(pos)
        return self.pos < len(self.text)

    def _move(self, pos: int) -> None:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos


ENVELOPES = (
    Envelope(
        name=NAME,
        title="Azure Monitor resource logs (JSON lines)",
        detect=detect_lines,
        unwrap=unwrap_lines,
        read_fast=read_fast,
        priority=40,
        variant="jsonlines",
    ),
    Envelope(
        name=NAME,
        title="Azure Monitor resource logs (records document)",
        detect=detect_records,
        unwrap=unwrap_records,
        whole_file=True,
        priority=40,
        variant="records",
    ),
)
