"""CloudWatch Logs subscription records as JSON text (one a line, or several run together
as Firehose writes them, ``}{``), unwrapped with polars: ``logEvents`` read as a list of
structs and exploded, one row per log event, so a record of a thousand events costs one
read, not a Python loop (:mod:`.cloudwatch` defines the envelope and its variants).

A record (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html)
is ``{"messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents":
[{"id", "timestamp" (ms), "message"}]}``. A ``CONTROL_MESSAGE`` record is one item, skipped;
a record whose ``logEvents`` is no list (or is missing) is one item, malformed. Each event's
``message`` is the application's line (``not JSON (cloudwatch message)`` when it holds no
JSON object); its ``timestamp`` gives ``ts`` (ISO UTC, 3 digits), the record's ``logGroup``
and ``logStream`` give ``source.log_group`` and ``source.log_stream``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import numpy as np
import polars as pl

from mlmon.ingest.envelopes._documents import renumbered
from mlmon.ingest.envelopes._jsonlines import (
    TEXT,
    EnvelopeLines,
    given_columns,
    read_envelope_lines,
    unwrapped_of,
    whole_lines,
)
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, FastRead, Unwrapped
from mlmon.ingest.fields import LINE

NAME = "cloudwatch"
CONTROL = "CONTROL_MESSAGE"
NOT_A_LIST = "malformed envelope (cloudwatch logEvents is not a list)"
NO_EVENTS = "malformed envelope (cloudwatch logEvents missing)"
_EVENT = pl.Struct({"timestamp": pl.Int64(), "message": pl.String()})
_SCHEMA: dict[str, pl.DataType] = {
    "messageType": pl.String(),
    "logGroup": pl.String(),
    "logStream": pl.String(),
    "logEvents": pl.List(_EVENT),
}
_HAS_EVENTS_KEY = r'"logEvents"\s*:'
"""A record's ``logEvents`` key (a quote inside a JSON string is escaped, so a message
that mentions it does not match)."""
_MS_RANGE = (-62135596800000, 253402300799999)
"""Event times a datetime holds (years 1 to 9999), in ms since the epoch; others give no time."""
_ISO_MS = "%Y-%m-%dT%H:%M:%S%.3fZ"
_SPACE = re.compile(r"\s*")
_RUN_TOGETHER = b"}{"


def unwrap_records(data: bytes) -> Unwrapped:
    """Subscription records (JSON text, one a line or run together), unwrapped; lines that
    are no record are passed on."""
    split, physical = _split_run_together(data)
    lines = read_envelope_lines(split, _SCHEMA)
    if physical is not None and _split_wrongly(lines, physical):
        text, starts = split_values(data.decode("utf-8", "replace"))
        lines = read_envelope_lines("".join(piece + "\n" for piece in text).encode(), _SCHEMA)
        physical = np.asarray(starts, dtype=np.int64)
        lines = replace(lines, blank=blank_lines(data))
    unwrapped = _unwrapped(lines)
    return renumbered(unwrapped, physical) if physical is not None else unwrapped


def _unwrapped(lines: EnvelopeLines) -> Unwrapped:
    """Records one a line, unwrapped: one row per log event (or per record skipped whole)."""
    events = pl.col("logEvents")
    has_key = pl.when(events.is_null()).then(pl.col(TEXT)).str.contains(_HAS_EVENTS_KEY).fill_null(False)
    frame = lines.frame.with_columns(has_key.alias("_has_key"))  # the text searched only where polars found none
    enveloped = pl.any_horizontal(pl.col(name).is_not_null() for name in ("messageType", "logGroup", "logStream"))
    enveloped = enveloped | events.is_not_null() | pl.col("_has_key")
    skip = (
        pl.when(pl.col("messageType") == CONTROL)
        .then(pl.lit(CONTROL))
        .when(events.is_null() & pl.col("_has_key"))
        .then(pl.lit(NOT_A_LIST))
        .when(events.is_null())
        .then(pl.lit(NO_EVENTS))
    )
    frame = (
        frame.with_columns(enveloped.alias("_enveloped"))
        .with_columns(pl.when(pl.col("_enveloped")).then(skip).alias("_skip"))
        .filter(~(pl.col("_enveloped") & pl.col("_skip").is_null() & (events.list.len() == 0)).fill_null(True))
        .with_columns(
            pl.when(pl.col("_skip").is_null()).then(events).alias("logEvents"),
            pl.when(~pl.col("_enveloped")).then(pl.col(TEXT)).alias(TEXT),  # not copied once per event
        )
        .explode("logEvents")
        .with_columns(events.struct.field("timestamp").alias("_ms"), events.struct.field("message").alias("_message"))
    )
    in_range = pl.col("_ms").is_between(*_MS_RANGE)
    given = {
        "ts": pl.from_epoch(pl.when(in_range).then(pl.col("_ms")), time_unit="ms").dt.strftime(_ISO_MS),
        SOURCE_PREFIX + "log_group": pl.when(pl.col("logGroup") != "").then(pl.col("logGroup")),
        SOURCE_PREFIX + "log_stream": pl.when(pl.col("logStream") != "").then(pl.col("logStream")),
    }
    return unwrapped_of(
        NAME,
        EnvelopeLines(frame, lines.others, lines.blank),
        pl.col("_message"),
        pl.lit("message"),
        given,
        is_envelope=pl.col("_enveloped"),
        skip=pl.col("_skip"),
    )


def read_fast_records(data: bytes, schema: dict[str, pl.DataType]) -> FastRead | None:
    """Subscription records one a line, every one a ``DATA_MESSAGE`` whose events all hold a
    JSON object: the records read in one call, the events exploded, their messages read in a
    second call typed by ``schema`` (the fast path, :attr:`.base.Envelope.read_fast`). None
    for any other chunk: :func:`unwrap_records` reads it and names each problem."""
    lines = whole_lines(data) if _RUN_TOGETHER not in data else None
    if lines is None:
        return None
    text, rows = lines
    try:
        frame = pl.read_ndjson(io.BytesIO(text), schema=_SCHEMA)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != rows or not frame.select((pl.col("messageType") == "DATA_MESSAGE").all()).item():
        return None
    events = (
        frame.with_columns(pl.int_range(1, rows + 1, dtype=pl.Int64).alias(LINE))
        .explode("logEvents")
        .select(LINE, "logGroup", "logStream", pl.col("logEvents").struct.unnest())
    )
    message = pl.col("message").str.strip_chars()
    ok = events.select(message.str.starts_with("{").all(), pl.col("timestamp").is_between(*_MS_RANGE).all())
    if events.height == 0 or not all(ok.row(0)):
        return None
    try:
        payload = (events.select(message.str.join("\n")).item() + "\n").encode()
        records = pl.read_ndjson(io.BytesIO(payload), schema=schema)
    except pl.exceptions.PolarsError:
        return None
    if records.height != events.height:
        return None
    given = events.select(
        LINE,
        *given_columns(
            {
                "ts": pl.from_epoch("timestamp", time_unit="ms").dt.replace_time_zone("UTC"),  # not text to parse
                SOURCE_PREFIX + "log_group": pl.when(pl.col("logGroup") != "").then(pl.col("logGroup")),
                SOURCE_PREFIX + "log_stream": pl.when(pl.col("logStream") != "").then(pl.col("logStream")),
            }
        ),
    )
    return FastRead(records.hstack(given), {}, events.height)


def _split_run_together(data: bytes) -> tuple[bytes, np.ndarray | None]:
    """``data`` with a newline between JSON texts run together (``}{``), and the physical
    line of each line it then has (None: nothing was run together). A ``}{`` inside a
    string is split too: :func:`_split_wrongly` finds it."""
    if _RUN_TOGETHER not in data:
        return data, None
    octets = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(octets == ord("\n"))
    joins = np.flatnonzero((octets[:-1] == ord("}")) & (octets[1:] == ord("{")))
    where = np.concatenate((newlines, joins))
    is_newline = np.concatenate((np.ones(len(newlines), np.int64), np.zeros(len(joins), np.int64)))
    order = np.argsort(where, kind="stable")
    physical = np.concatenate(([1], 1 + np.cumsum(is_newline[order])))
    return data.replace(_RUN_TOGETHER, b"}\n{"), physical


def _split_wrongly(lines: EnvelopeLines, physical: np.ndarray) -> bool:
    """Whether a piece of a line cut at ``}{`` is no JSON text (the cut was inside a string)."""
    numbers, counts = np.unique(physical, return_counts=True)
    cut = set(numbers[counts > 1].tolist())
    return any(int(physical[line - 1]) in cut for line, _ in lines.others)


def split_values(text: str) -> tuple[list[str], list[int]]:
    """The JSON texts in ``text`` (one after the other, with or without white space between),
    each on one line, and the physical line each starts on. What does not parse is passed on
    up to the next ``}{`` or the end of its line. A Python loop per text: for documents
    spread over lines (a pretty-printed event) and the rare run-together object that a
    plain cut at ``}{`` gets wrong."""
    decoder = json.JSONDecoder()
    pieces: list[str] = []
    starts: list[int] = []
    at, line, size = 0, 1, len(text)
    while True:
        skipped = _SPACE.match(text, at)
        end = skipped.end() if skipped else at
        line += text.count("\n", at, end)
        at = end
        if at >= size:
            return pieces, starts
        try:
            end = decoder.raw_decode(text, at)[1]
        except ValueError:
            ends = [found for found in (text.find("}{", at + 1) + 1, text.find("\n", at)) if found > 0]
            end = min(ends) if ends else size
        piece = text[at:end]
        pieces.append(piece.replace("\r", " ").replace("\n", " "))
        starts.append(line)
        line += piece.count("\n")
        at = end


def blank_lines(data: bytes) -> int:
    """Lines of ``data`` that hold nothing (or only ``\\r``)."""
    return len(re.findall(rb"(?m)^\r?\n", data))
