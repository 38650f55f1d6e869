"""Tables of ground truth (``--labels FILE``): CSV, Parquet or JSON lines, read into the
canonical label columns that the join of predictions and labels takes.

* Columns are found by the names logs use (``mlmon.ingest.names``: ``request_id``, ``id``,
  ``trace_id``...; ``actual``, ``y_true``, ``ground_truth``...; ``ts``, ``timestamp``...),
  the first that holds a value in a row winning, and ``--field`` maps any other
  (``--field actual=truth``); in a CSV or Parquet table a dotted name is one column's.
* Every value is read as text first, then canonicalised by the functions logs use
  (:func:`~mlmon.ingest.canonical.request_id_of`, :func:`~mlmon.ingest.canonical.class_of`,
  :func:`~mlmon.ingest.timestamps.parse_timestamps`): a table's ``1.0`` or ``True`` is the
  class a log's ``1`` or ``true`` is, and a table's ``123.0`` the id ``123``.
* JSON lines go through mlmon's own line decoding (compression by magic bytes, a BOM, CRLF,
  Docker and CRI wrappers), so a bad line is counted under the reason a log's would be;
  not through :func:`~mlmon.ingest.reader.read_logs`, which skips a record without a time,
  while a label needs none.
* A row without an id or a true class is counted, never silently dropped; a time that
  cannot be read leaves the row in with no time, counted too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mlmon.errors import InputError
from mlmon.ingest.canonical import EARLIEST, LATEST, OUT_OF_RANGE, first_present
from mlmon.ingest.census import census_of, keys_text, sample_keys
from mlmon.ingest.classes import class_of, request_id_of
from mlmon.ingest.decode import decode_chunk
from mlmon.ingest.features import split_feature_fields
from mlmon.ingest.fields import FieldMap, decode_nested, field_map
from mlmon.ingest.fields import Path as KeyPath
from mlmon.ingest.problems import BLANK, STREAM_ERROR, TOO_LONG, ProblemTally
from mlmon.ingest.sources import read_chunks
from mlmon.ingest.tables import sniff
from mlmon.ingest.timestamps import parse_timestamps

LABEL_SCHEMA: dict[str, pl.DataType] = {
    "request_id": pl.String(),
    "actual": pl.Categorical(),
    "ts": pl.Datetime("us", "UTC"),
    "source": pl.Categorical(),
}
"""The columns of :attr:`LabelTable.frame`, in order."""
MISSING_ID = "missing request id"
MISSING_ACTUAL = "missing actual"
UNPARSEABLE = "unparseable timestamp"
_JSON_SUFFIXES = (".jsonl", ".json", ".ndjson", ".gz")
_LOST_LINES = frozenset({BLANK, STREAM_ERROR})
"""Tally reasons that are no row of the table: blank lines, and a file problem."""


@dataclass(frozen=True)
class LabelTable:
    """The true classes one table holds, and the account of how it was read:
    ``rows == frame.height + sum(skipped.values())``."""

    frame: pl.DataFrame
    """``request_id`` (String), ``actual`` (Categorical), ``ts`` (Datetime us UTC, null
    where the table has no time or the row's could not be read) and ``source`` (the file)."""
    rows: int
    """Rows read (JSON lines: non-blank lines)."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Rows left out, by reason: ``missing request id``, ``missing actual``,
    ``wrong type: request_id``, ``wrong type: actual`` (a number with a fraction, an
    object, an array), and for JSON lines the line reasons of logs (``malformed JSON``...).
    A row is counted once, under the first reason in this order."""
    problems: dict[str, int] = field(default_factory=dict)
    """What was counted without leaving a row out: ``unparseable timestamp`` and
    ``timestamp out of range`` (the row kept with a null ``ts``), a compressed stream cut
    short (the lines before the damage are read)."""


def read_label_table(path: str | os.PathLike[str], overrides: dict[str, str] | None = None) -> LabelTable:
    """Read one table of true classes (CSV ``.csv``/``.csv.gz``, Parquet ``.parquet``, JSON
    lines ``.jsonl``/``.json``/``.ndjson``/``.gz``; another name by its first bytes).
    ``overrides``: ``--field`` mappings (``{"actual": "truth"}``); those of other fields are
    checked and ignored. Raises :class:`InputError` (one line) when the file does not exist
    or cannot be read as a table, or has no id or no true-class column."""
    where = os.fspath(path)
    if not Path(where).exists():
        raise InputError(f"{where}: no such file")
    if not Path(where).is_file():
        raise InputError(f"{where}: not a file")
    fields = _label_fields(overrides or {})
    kind = _kind(where)
    if kind == "ndjson":
        return _from_json_lines(where, fields)
    return _from_frame(where, _text_columns(_read_frame(where, kind)), fields)


def _label_fields(overrides: dict[str, str]) -> FieldMap:
    """Where the time, id and true class are found: the logs' names and ``overrides``
    (every canonical ``--field`` is checked, only these three used)."""
    canonical, _ = split_feature_fields(overrides)
    fields = field_map(canonical)
    simple = {name: fields.simple[name] for name in ("request_id", "actual")}
    return FieldMap(fields.timestamp, (), (), (), simple)


def _kind(path: str) -> str:
    name = path.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(_JSON_SUFFIXES):
        return "ndjson"
    sniffed = sniff(Path(path))
    return {"json": "ndjson", "tsv": "csv"}.get(sniffed, sniffed)


def _read_frame(path: str, kind: str) -> pl.DataFrame:
    """The whole CSV (every column as text) or Parquet table."""
    try:
        if kind == "parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot read as {kind.upper() if kind == 'csv' else 'Parquet'}: {first}") from None


def _text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text: numbers as their digits (a whole float ``1.0`` is made ``1``
    later, by the canonical functions), booleans ``true``/``false``, times as ISO-8601 in
    UTC (a time without a zone is UTC), a list or struct as ``[]``/``{}`` so it counts as
    a wrong type."""
    return frame.select(_as_text(name, dtype) for name, dtype in frame.schema.items())


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        utc = column.dt.convert_time_zone("UTC") if dtype.time_zone else column.dt.replace_time_zone("UTC")
        return utc.dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ").alias(name)
    if dtype == pl.Date:
        return column.dt.to_string("%Y-%m-%dT00:00:00Z").alias(name)
    if dtype.is_nested():
        return pl.when(column.is_not_null()).then(pl.lit("{}" if isinstance(dtype, pl.Struct) else "[]")).alias(name)
    return column.cast(pl.String).alias(name)


def _from_frame(path: str, text: pl.DataFrame, fields: FieldMap) -> LabelTable:
    """A CSV's or Parquet table's rows (every column text) as labels; a candidate path is
    one column, dotted or not."""
    columns = set(text.columns)

    def present(paths: tuple[KeyPath, ...]) -> tuple[KeyPath, ...]:
        return tuple((".".join(p),) for p in paths if ".".join(p) in columns)

    found = {name: present(fields.simple[name]) for name in ("request_id", "actual")}
    for name, paths in found.items():
        if not paths:
            listed = ", ".join(text.columns) or "none"
            raise InputError(f"{path}: no {_NOUN[name]} column; columns: {listed}; map one with --field {name}=COLUMN")
    raw = _picked(text, found["request_id"], found["actual"], present(fields.timestamp))
    return _labels(path, raw, text.height, {}, {})


def _picked(
    frame: pl.DataFrame, ids: tuple[KeyPath, ...], actuals: tuple[KeyPath, ...], times: tuple[KeyPath, ...]
) -> pl.DataFrame:
    """Per row of ``frame``, the text of the first id, true class and time present
    (:data:`_RAW` columns; null where none is)."""
    schema = dict(frame.schema)
    reads = (first_present(schema, paths).cast(pl.String) for paths in (ids, actuals, times))
    # with_columns, not select: a read of no column present is a literal, which a select
    # would make one row whatever the frame's height.
    return frame.with_columns(read.alias(name) for read, name in zip(reads, _RAW)).select(_RAW)


_RAW = ("_mlmon_id", "_mlmon_actual", "_mlmon_ts")
"""The text read for each row's id, true class and time, before canonicalisation."""


_NOUN = {"request_id": "request id", "actual": "true class (actual)"}


def _from_json_lines(path: str, fields: FieldMap) -> LabelTable:
    """A JSON-lines table, decoded chunk by chunk as logs are; its bad lines counted."""
    schema, nested = fields.read_schema(), fields.nested_schema()
    tally = ProblemTally()
    parts: list[pl.DataFrame] = []
    lines, census = 0, None
    for chunk in read_chunks(path):
        lines += chunk.lines
        if census is None:
            census = census_of({path: sample_keys(chunk.data, chunk.lines)})
        if chunk.stream_error:
            tally.add(path, [], STREAM_ERROR, count=1)
        if chunk.too_long:
            tally.add(path, [], TOO_LONG, count=1)
            continue
        raw = decode_nested(decode_chunk(chunk, schema, tally, (schema,))[0], nested, chunk)
        parts.append(_picked(raw, fields.simple["request_id"], fields.simple["actual"], fields.timestamp))
    counts = dict(tally.counts)
    rows = lines - counts.get(BLANK, 0)
    decoded = pl.concat(parts) if parts else pl.DataFrame(schema=dict.fromkeys(_RAW, pl.String))
    line_problems = {reason: n for reason, n in counts.items() if reason not in _LOST_LINES}
    if rows and not decoded.height:
        found = ", ".join(f"{reason} ({n:,})" for reason, n in line_problems.items())
        raise InputError(f"{path}: not JSON lines: no line is a JSON object ({found})")
    for name, column in zip(("request_id", "actual"), _RAW):
        if decoded.height and decoded[column].null_count() == decoded.height:
            hint = keys_text(census) if census is not None else "no keys sampled"
            raise InputError(f"{path}: no {_NOUN[name]} in any line; {hint}; map one with --field {name}=KEY")
    file_problems = {reason: n for reason, n in counts.items() if reason == STREAM_ERROR}
    return _labels(path, decoded, rows, line_problems, file_problems)


def _labels(path: str, raw: pl.DataFrame, rows: int, skipped: dict[str, int], problems: dict[str, int]) -> LabelTable:
    """Canonical labels from the text of each row's id, true class and time (:data:`_RAW`):
    rows without a usable id or class counted and left out."""
    text_id, text_actual, text_ts = _RAW
    request_id, id_wrong = request_id_of(pl.col(text_id))
    actual, actual_wrong = class_of(pl.col(text_actual))
    ts = parse_timestamps(raw[text_ts]) if raw.height else pl.Series([], dtype=LABEL_SCHEMA["ts"])
    read = raw.with_columns(ts.alias("_parsed")).select(
        request_id.alias("request_id"),
        actual.alias("actual"),
        pl.col("_parsed"),
        pl.col(text_ts).alias("_ts"),
        pl.when(id_wrong).then(pl.lit("wrong type: request_id")).alias("_why"),
        pl.when(actual_wrong).then(pl.lit("wrong type: actual")).alias("_why_actual"),
    )
    reason = pl.coalesce(
        pl.col("_why"),
        pl.when(pl.col("request_id").is_null()).then(pl.lit(MISSING_ID)),
        pl.col("_why_actual"),
        pl.when(pl.col("actual").is_null()).then(pl.lit(MISSING_ACTUAL)),
    )
    out_of_range = (pl.col("_parsed") < EARLIEST) | (pl.col("_parsed") >= LATEST)
    time_problem = (
        pl.when(pl.col("_ts").is_not_null() & pl.col("_parsed").is_null())
        .then(pl.lit(UNPARSEABLE))
        .when(out_of_range)
        .then(pl.lit(OUT_OF_RANGE))
    )
    read = read.with_columns(reason.alias("_reason"), time_problem.alias("_time_problem"))
    kept = read.filter(pl.col("_reason").is_null()).select(
        pl.col("request_id"),
        pl.col("actual").cast(pl.Categorical),
        pl.when(pl.col("_time_problem").is_null()).then(pl.col("_parsed")).cast(LABEL_SCHEMA["ts"]).alias("ts"),
        pl.lit(path).cast(pl.Categorical).alias("source"),
    )
    skipped = {**skipped, **_counts(read["_reason"])}
    problems = {**_counts(read.filter(pl.col("_reason").is_null())["_time_problem"]), **problems}
    return LabelTable(kept, rows, skipped, problems)


def _counts(reasons: pl.Series) -> dict[str, int]:
    """Non-null values of ``reasons`` and how often each occurs, most frequent first."""
    counted = reasons.drop_nulls().value_counts(sort=True)
    return dict(zip(counted[reasons.name].to_list(), counted["count"].to_list()))
