"""Google Cloud Logging exports: one LogEntry a line, as Cloud Storage sinks write them
(``run.googleapis.com/stdout/2026/11/20/10:00:00_10:59:59_S0.json``) and as ``gcloud logging
read --format=json`` lines are.

A LogEntry (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry) holds the
record as ``jsonPayload`` (an object) or ``textPayload`` (text, read when it holds a JSON
object); its ``timestamp`` (0-9 fractional digits), ``severity`` (``DEFAULT``: none) and
``resource`` (``type`` and ``labels``: ``source.resource_type``, ``source.revision_name`` ...)
fill what the record lacks. Exported files are not deduplicated ("Logging doesn't guarantee
deduplication"): a repeat of an ``insertId`` (with the same ``timestamp`` and ``logName``)
in the same chunk, or in a file read earlier (:func:`first_seen`), is skipped and counted.
"""

from __future__ import annotations

import io
import lzma
import re
import zlib

import numpy as np
import polars as pl

from mlmon.errors import InputError
from mlmon.ingest.envelopes._documents import blank_lines, objects_a_line, renumbered, with_items_skipped
from mlmon.ingest.envelopes._jsonlines import (
    PHYSICAL,
    exact_objects,
    given_columns,
    read_envelope_lines,
    unwrapped_of,
    whole_lines,
)
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Envelope, FastRead, Unwrapped
from mlmon.ingest.fields import LINE
from mlmon.ingest.sources import envelope_of, read_chunks, read_whole

REPEATED = "repeated insertId"
CUT_SHORT = "malformed envelope (gcp JSON array cut short)"
_ARRAY = re.compile(rb"\s*\[\s*\{")
_ID_KEY = re.compile(rb'"(?:insertId|logName)"\s*:')
_PAYLOAD_KEY = re.compile(rb'"(?:jsonPayload|textPayload|protoPayload|resource)"\s*:')
_KEYS: dict[str, pl.DataType] = {"insertId": pl.String(), "timestamp": pl.String(), "logName": pl.String()}
_RESOURCE = pl.Struct({"type": pl.String(), "labels": pl.String()})
_SCHEMA: dict[str, pl.DataType] = {
    "insertId": pl.String(),
    "logName": pl.String(),
    "timestamp": pl.String(),
    "severity": pl.String(),
    "jsonPayload": pl.String(),
    "textPayload": pl.String(),
    "protoPayload": pl.String(),
    "resource": _RESOURCE,
}
_HEAD = re.compile(
    rb'\s*\{[^\n]*"(?:insertId|logName)"\s*:\s*"[^\n]*"(?:jsonPayload|textPayload|protoPayload|resource)"'
)
_HEAD_OTHER_ORDER = re.compile(
    rb'\s*\{[^\n]*"(?:jsonPayload|textPayload|protoPayload|resource)"[^\n]*"(?:insertId|logName)"\s*:'
)


def detect(head: bytes) -> bool:
    """A first line holding a LogEntry's ``insertId`` or ``logName`` and a payload or
    ``resource``."""
    return bool(_HEAD.match(head) or _HEAD_OTHER_ORDER.match(head))


def dedupe_key() -> pl.Expr:
    """What makes two LogEntries one: the same ``insertId``, ``timestamp`` and ``logName``."""
    return pl.concat_str(
        [pl.col("insertId"), pl.col("timestamp"), pl.col("logName")], separator="\x1f", ignore_nulls=True
    )


def first_seen(files: tuple[str, ...]) -> dict[str, frozenset[int]]:
    """Per file, the hashes of the entries (:func:`dedupe_key`) it repeats from the files
    before it: a read of those three keys only, for exports of more than one file."""
    if len(files) < 2:
        return {}
    seen = np.zeros(0, dtype=np.uint64)
    repeats: dict[str, frozenset[int]] = {}
    for path in files:
        try:
            if envelope_of(path, "gcp") == "gcp/array":  # gcloud's JSON array: its entries one a line
                hashes = [_key_hashes(objects_a_line(read_whole(path))[0])]
            else:
                hashes = [_key_hashes(chunk.data) for chunk in read_chunks(path)]
        except (InputError, OSError, EOFError, zlib.error, lzma.LZMAError):
            continue  # the read itself reports it
        mine = np.unique(np.concatenate(hashes)) if hashes else seen[:0]
        repeated = np.intersect1d(mine, seen, assume_unique=True)
        if len(repeated):
            repeats[path] = frozenset(repeated.tolist())
        seen = np.union1d(seen, mine)
    return repeats


def _key_hashes(data: bytes) -> np.ndarray:
    frame = read_envelope_lines(data, _KEYS).frame
    return frame.filter(pl.col("insertId").is_not_null()).select(dedupe_key().hash())[:, 0].to_numpy()


def unwrap(data: bytes, source: str, seen: frozenset[int] = frozenset()) -> Unwrapped:
    """A chunk of a LogEntry export, unwrapped. ``seen``: the hashes of the entries this
    file repeats from files read before it (:func:`first_seen`)."""
    lines = read_envelope_lines(data, _SCHEMA)
    frame = exact_objects(lines.frame, {"jsonPayload": "$.jsonPayload"})
    resource = pl.col("resource")
    labels = _labels(frame)
    key = dedupe_key()
    repeated = pl.col("insertId").is_not_null() & (
        ~key.is_first_distinct() | key.hash().is_in(list(seen)) if seen else ~key.is_first_distinct()
    )
    severity = pl.col("severity").str.to_lowercase()
    given = {
        "ts": pl.col("timestamp"),
        "level": pl.when(severity != "default").then(severity),
        SOURCE_PREFIX + "resource_type": resource.struct.field("type"),
        **{SOURCE_PREFIX + name: pl.col(f"_label_{name}") for name in labels.columns if name != PHYSICAL},
    }
    if labels.width > 1:
        frame = frame.hstack(labels.drop(PHYSICAL).rename(lambda name: f"_label_{name}"))
    payload = pl.coalesce("jsonPayload", "textPayload")
    where = (
        pl.when(pl.col("jsonPayload").is_not_null())
        .then(pl.lit("jsonPayload"))
        .otherwise(
            pl.when(pl.col("textPayload").is_not_null()).then(pl.lit("textPayload")).otherwise(pl.lit("protoPayload"))
        )
    )
    enveloped = pl.any_horizontal(
        pl.col(name).is_not_null() for name in ("insertId", "logName", "jsonPayload", "textPayload", "protoPayload")
    )
    return unwrapped_of(
        "gcp",
        lines.__class__(frame, lines.others, lines.blank),
        payload,
        where,
        given,
        is_envelope=enveloped,
        skip=pl.when(repeated).then(pl.lit(REPEATED)),
    )


def read_fast(data: bytes, schema: dict[str, pl.DataType], seen: frozenset[int] | None = None) -> FastRead | None:
    """A chunk whose every line is a LogEntry with a ``jsonPayload``, read in one call with
    the payload as a struct of ``schema`` (strict); None when any line needs :func:`unwrap`."""
    lines = whole_lines(data)
    if lines is None:
        return None
    text, rows = lines
    wanted = {**_KEYS, "severity": pl.String(), "resource": _RESOURCE, "jsonPayload": pl.Struct(schema)}
    try:
        frame = pl.read_ndjson(io.BytesIO(text), schema=wanted)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != rows or frame["jsonPayload"].null_count():
        return None
    frame = frame.with_columns(pl.int_range(1, rows + 1, dtype=pl.Int64).alias(LINE))
    repeated = _repeated(seen or frozenset())
    skipped = frame.filter(repeated)[LINE].to_list()
    frame = frame.filter(~repeated)
    labels = _labels(frame.rename({LINE: PHYSICAL}))
    severity = pl.col("severity").str.to_lowercase()
    records = frame.select(
        pl.col("jsonPayload").struct.unnest(),
        LINE,
        *given_columns(
            {
                "ts": pl.col("timestamp"),
                "level": pl.when(severity != "default").then(severity),
                SOURCE_PREFIX + "resource_type": pl.col("resource").struct.field("type"),
            }
        ),
    )
    if labels.width > 1:
        records = records.hstack(labels.drop(PHYSICAL).rename(lambda name: SOURCE_PREFIX + name))
    return FastRead(records, {REPEATED: skipped} if skipped else {}, rows)


def _repeated(seen: frozenset[int]) -> pl.Expr:
    """Entries repeated in the chunk after their first, or from a file read before."""
    key = dedupe_key()
    repeated = ~key.is_first_distinct()
    if seen:
        repeated = repeated | key.hash().is_in(pl.Series(sorted(seen), dtype=pl.UInt64).implode())
    return (pl.col("insertId").is_not_null() & repeated).fill_null(False)


def _labels(frame: pl.DataFrame) -> pl.DataFrame:
    """The ``resource.labels`` of every row as columns (their keys vary by resource type).
    A service's entries share a few label sets: each distinct one is decoded once and joined
    back (decoding every row's took 1.1 us a record)."""
    text = frame.select(pl.col("resource").struct.field("labels").alias(_LABELS), PHYSICAL)
    distinct = text.select(pl.col(_LABELS).drop_nulls().unique(maintain_order=True))
    if distinct.height == 0:
        return text.select(PHYSICAL)
    try:
        decoded = distinct[_LABELS].str.json_decode(infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return text.select(PHYSICAL)
    if not isinstance(decoded.dtype, pl.Struct):
        return text.select(PHYSICAL)
    table = distinct.hstack(decoded.struct.unnest().select(pl.all().cast(pl.String).name.keep()))
    return text.join(table, on=_LABELS, how="left", maintain_order="left").drop(_LABELS)


_LABELS = "_mlmon_labels_text"
"""The column of each row's ``resource.labels`` as JSON text (the join key of :func:`_labels`)."""


def detect_array(head: bytes) -> bool:
    """A JSON array whose first object holds a LogEntry's ``insertId`` or ``logName`` and a
    payload or ``resource`` (what ``gcloud logging read --format=json`` prints)."""
    return bool(_ARRAY.match(head) and _ID_KEY.search(head) and _PAYLOAD_KEY.search(head))


def unwrap_array(data: bytes, source: str, seen: frozenset[int] = frozenset()) -> Unwrapped:
    """A JSON array of LogEntries (pretty-printed or not): its entries laid one a line and
    unwrapped as an export's, each on the line where it starts; an array cut short inside
    an entry counts that entry (``malformed envelope (gcp JSON array cut short)``)."""
    laid, first_line, cut_short = objects_a_line(data)
    unwrapped = renumbered(unwrap(laid, source, seen), first_line)
    return with_items_skipped(unwrapped, {CUT_SHORT: [int(first_line[-1])]} if cut_short else {}, blank_lines(data))


ENVELOPES = (
    Envelope(
        name="gcp",
        title="Google Cloud Logging export",
        detect=detect,
        unwrap=unwrap,
        read_fast=read_fast,
        prepare=first_seen,
        priority=30,
    ),
    Envelope(
        name="gcp",
        title="Google Cloud Logging entries (gcloud's JSON array)",
        detect=detect_array,
        unwrap=unwrap_array,
        prepare=first_seen,
        whole_file=True,
        priority=30,
        variant="array",
    ),
)
