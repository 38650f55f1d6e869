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

import io
import re

import polars as pl

from mlmon.ingest.envelopes._documents import blank_lines, objects_a_line, renumbered, with_items_skipped
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
    laid, first_line, cut_short = objects_a_line(data)
    unwrapped = renumbered(_unwrapped(read_envelope_lines(laid, _SCHEMA), every_item=True), first_line)
    return with_items_skipped(unwrapped, {CUT_SHORT: [int(first_line[-1])]} if cut_short else {}, blank)


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
