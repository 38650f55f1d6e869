"""Vercel log drains (https://vercel.com/docs/drains/reference/logs), as a drain's receiver
stores its deliveries: NDJSON, one entry a line, or the JSON delivery, an array of entries
(several arrays one after another when bodies are appended to one file).

An entry's ``message`` holds the application's line (read when it is a JSON object); its
``timestamp`` (epoch milliseconds), ``level``, ``requestId`` and ``statusCode`` (only on a
record that is a request) fill what the record lacks; ``deploymentId``, ``projectId``,
``host``, ``source`` (``source.log_source``) and ``type`` (stdout or stderr:
``source.stream``) say where it came from. ``id``, ``path``, ``entrypoint`` and
``executionRegion`` are not kept.

Vectorised: the NDJSON lines are read by :mod:`._jsonlines`. An array document is held whole
(:attr:`~.base.Envelope.whole_file`): laid one array a line (a body as received, or bodies
appended a line each), each line is read by polars in one call, its entries numbered by that
line; any other layout (pretty-printed, cut short) has its top-level objects found by one
numpy pass over its structural bytes (:func:`array_items`), laid one a line and read as
NDJSON, each entry numbered by the line its object starts on.
"""

from __future__ import annotations

import dataclasses
import io
import re

import numpy as np
import polars as pl

from mlmon.ingest.envelopes._jsonlines import (
    PHYSICAL,
    TEXT,
    EnvelopeLines,
    read_envelope_lines,
    read_text_fast,
    unwrapped_of,
)
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Envelope, FastRead, Unwrapped

CUT_SHORT = "malformed envelope (vercel JSON array cut short)"
"""The reason for an array's last entry when the document ends inside it."""
_SOURCES = {"deploymentId": "deployment_id", "projectId": "project_id", "host": "host", "source": "log_source"}
_SCHEMA: dict[str, pl.DataType] = {
    "message": pl.String(),
    "timestamp": pl.String(),
    "level": pl.String(),
    "requestId": pl.String(),
    "statusCode": pl.String(),
    "type": pl.String(),
    **{key: pl.String() for key in _SOURCES},
}
_KEYS = rb'(?=[^\n]*"deploymentId"\s*:)(?=[^\n]*"(?:projectId|message)"\s*:)'
_LINE_HEAD = re.compile(rb"\s*\{" + _KEYS)
_ARRAY_HEAD = re.compile(rb"\s*\[\s*\{" + _KEYS.replace(rb"[^\n]", rb"[\s\S]"))
_STRUCTURAL = np.zeros(256, dtype=bool)
_STRUCTURAL[list(b'\\"{}[]')] = True
_BACKSLASH, _QUOTE, _OPEN, _CLOSE, _OPEN_LIST, _CLOSE_LIST, _NEWLINE = b'\\"{}[]\n'


def detect_lines(head: bytes) -> bool:
    """A first line holding an entry's ``deploymentId`` and ``projectId`` or ``message``."""
    return bool(_LINE_HEAD.match(head))


def detect_array(head: bytes) -> bool:
    """An array whose first object holds an entry's ``deploymentId`` and ``projectId`` or
    ``message``."""
    return bool(_ARRAY_HEAD.match(head))


def unwrap_lines(data: bytes, source: str) -> Unwrapped:
    """A chunk of an NDJSON delivery, unwrapped."""
    return _unwrapped(read_envelope_lines(data, _SCHEMA))


def unwrap_array(data: bytes, source: str) -> Unwrapped:
    """An array delivery (or several one after another), unwrapped."""
    if not data.lstrip().startswith(b"["):
        return unwrap_lines(data, source)
    blank = blank_lines(data)
    whole = _arrays_a_line(data)
    if whole is not None:
        return _unwrapped(EnvelopeLines(whole.frame, [], blank), every_item=True)
    starts, ends = array_items(data)
    flat = memoryview(data.translate(_FLAT))  # raw newlines are white space between tokens: an entry on one line
    laid = b"\n".join(flat[s : e + 1] for s, e in zip(starts[: len(ends)].tolist(), ends.tolist())) + b"\n"
    read = read_envelope_lines(laid, _SCHEMA)
    first_line = np.searchsorted(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE), starts) + 1
    renumber = pl.Series(first_line, dtype=pl.Int64)
    frame = read.frame.with_columns(renumber.gather(pl.Series(read.frame[PHYSICAL] - 1)).alias(PHYSICAL))
    others = [(int(first_line[n - 1]), text) for n, text in read.others]
    unwrapped = _unwrapped(EnvelopeLines(frame, others, blank), every_item=True)
    if len(starts) == len(ends):
        return unwrapped
    return dataclasses.replace(
        unwrapped,
        skipped={**unwrapped.skipped, CUT_SHORT: [int(first_line[-1])]},
        items=unwrapped.items + 1,
    )


def _arrays_a_line(data: bytes) -> EnvelopeLines | None:
    """The entries of a document that is one array a line (a delivery as received, or bodies
    appended a line each), read by polars a line at a time (a body holds many entries); None
    for any other layout, or when some line is no array of objects."""
    parts = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.strip()
        if not line:
            continue
        if not (line.startswith(b"[") and line.endswith(b"]")):
            return None
        try:
            entries = pl.read_json(io.BytesIO(line), schema=_SCHEMA)
        except pl.exceptions.PolarsError:
            return None
        parts.append(entries.with_columns(pl.lit(number, dtype=pl.Int64).alias(PHYSICAL)))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema={**_SCHEMA, PHYSICAL: pl.Int64})
    return EnvelopeLines(frame.with_columns(pl.lit(None, dtype=pl.String).alias(TEXT)), [], 0)


_FLAT = bytes.maketrans(b"\r\n", b"  ")
_BLANK_LINE = re.compile(rb"^[ \t\r]*\n", re.MULTILINE)


def blank_lines(data: bytes) -> int:
    """Lines of ``data`` holding nothing but white space (a last line without its newline
    counts when it holds white space only)."""
    last = data[data.rfind(b"\n") + 1 :]
    return len(_BLANK_LINE.findall(data)) + (1 if last and not last.strip() else 0)


def array_items(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each top-level object of a JSON array document starts and ends (byte offsets of
    its ``{`` and ``}``; one end fewer when the document is cut short inside its last object),
    found from the structural bytes only: a quote not escaped by an odd run of backslashes
    opens or closes a string, and braces outside strings set the depth."""
    octets = np.frombuffer(data, dtype=np.uint8)
    where = np.flatnonzero(_STRUCTURAL[octets])
    byte = octets[where]
    backslash = byte == _BACKSLASH
    follows = np.zeros(where.size, dtype=bool)  # directly after a backslash
    follows[1:] = backslash[:-1] & (where[1:] == where[:-1] + 1)
    index = np.arange(where.size)
    run_start = np.maximum.accumulate(np.where(backslash & follows, 0, index))
    escaped = np.zeros(where.size, dtype=bool)
    escaped[1:] = follows[1:] & ((index[:-1] - run_start[:-1]) % 2 == 0)  # an odd run ends just before
    quote = (byte == _QUOTE) & ~escaped
    outside = np.cumsum(quote) % 2 == 0
    opens = outside & ((byte == _OPEN) | (byte == _OPEN_LIST))
    closes = outside & ((byte == _CLOSE) | (byte == _CLOSE_LIST))
    depth = np.cumsum(opens.astype(np.int64) - closes.astype(np.int64))
    return where[opens & (byte == _OPEN) & (depth == 2)], where[closes & (byte == _CLOSE) & (depth == 1)]


def _unwrapped(lines: EnvelopeLines, *, every_item: bool = False) -> Unwrapped:
    """The entries read, unwrapped: in an array, every object is an entry; in NDJSON, a line
    with neither ``deploymentId`` nor ``projectId`` (which every entry has) is passed on as
    it is."""
    enveloped = pl.lit(True) if every_item else _an_entry()
    return unwrapped_of("vercel", lines, pl.col("message"), pl.lit("message"), _given(), is_envelope=enveloped)


def _given() -> dict[str, pl.Expr]:
    return {
        "ts": pl.col("timestamp"),
        "level": pl.col("level").str.to_lowercase(),
        "request_id": pl.col("requestId"),
        "status_code": pl.col("statusCode"),
        **{SOURCE_PREFIX + name: pl.col(key) for key, name in _SOURCES.items()},
        SOURCE_PREFIX + "stream": pl.col("type"),
    }


def _an_entry() -> pl.Expr:
    return pl.col("deploymentId").is_not_null() | pl.col("projectId").is_not_null()


def read_fast_lines(data: bytes, schema: dict[str, pl.DataType]) -> FastRead | None:
    """A chunk of an NDJSON delivery read in two calls (:func:`._jsonlines.read_text_fast`)."""
    return read_text_fast(data, _SCHEMA, schema, pl.col("message"), _given(), is_envelope=_an_entry())


ENVELOPES = (
    Envelope(
        name="vercel",
        title="Vercel log drain (NDJSON)",
        detect=detect_lines,
        unwrap=unwrap_lines,
        read_fast=read_fast_lines,
        priority=40,
    ),
    Envelope(
        name="vercel",
        title="Vercel log drain (JSON array)",
        detect=detect_array,
        unwrap=unwrap_array,
        whole_file=True,
        priority=40,
        variant="array",
    ),
)
