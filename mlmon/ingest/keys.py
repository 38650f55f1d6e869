"""Which keys a chunk holds, and loguru's ``record.extra`` read as top-level keys.

* :func:`present_keys`: the field table's ~170 candidate names cost the ndjson reader time
  on every line whether present or not, so each chunk is read with the names it holds.
* :func:`lift_loguru_extra`: loguru's ``serialize=True`` record carries the service's
  fields under ``record.extra``; they are read as if at the top level of the record.
"""

from __future__ import annotations

import io

import polars as pl

from mlmon.ingest.chunks import Chunk
from mlmon.ingest.fields import LINE, object_texts, repaired_objects
from mlmon.ingest.names import DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME, NAMES, NOT_FROM_EXTRA, RECORD, spellings

_NOT_LIFTED = frozenset(
    [
        *(key for name in NOT_FROM_EXTRA for key in spellings(NAMES[name])),
        DOCKER_LOG[0],
        DOCKER_STREAM[0],
        DOCKER_TIME[0],
        RECORD,
    ]
)
"""Keys never taken from ``record.extra``: loguru's own record holds the time, event and level."""

_PIECE = 1 << 20


def present_keys(data: bytes, keys: list[str]) -> frozenset[str]:
    """The ``keys`` written in ``data`` as JSON keys, so a chunk is read with the keys it
    has and no others.

    Polars' ndjson reader spends time on every key of its schema for every line, present or
    not: the ~170 names of the field table cost about three times the read of the ten a
    typical line holds. A key is a quoted name followed by a colon (spaces allowed), or by
    a backslash, a quote and a colon: a Docker ``log`` string escapes the application's
    quotes. The chunk is searched in pieces of whole lines (1 MiB, so the copies stay
    small), one regular-expression pass each, for the keys not found yet (the pattern is
    written again only when a piece found some). A key spelled with unicode escapes (no
    logger writes an ASCII key so) is not found.
    """
    found: set[str] = set()
    rest = list(keys)
    pattern = _key_pattern(rest)
    start = 0
    while rest and start < len(data):
        end = data.find(b"\n", start + _PIECE)
        end = len(data) if end < 0 else end + 1
        hits = _quoted_keys(_text(data[start:end]), pattern)
        start = end
        if hits:
            found |= hits
            rest = [key for key in rest if key not in found]
            pattern = _key_pattern(rest)
    return frozenset(found)


def _text(data: bytes) -> pl.Series:
    """``data`` as one string, validated by polars (Python decodes only what is not UTF-8)."""
    try:
        return pl.Series([data], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:
        return pl.Series([data.decode("utf-8", "replace")])


def _key_pattern(keys: list[str]) -> str:
    return '"(' + "|".join(pl.escape_regex(key) for key in keys) + ')\\\\?"[ \\t]*:'


def _quoted_keys(text: pl.Series, pattern: str) -> set[str]:
    """The keys of ``pattern`` (:func:`_key_pattern`) that occur in ``text`` (one string)
    as keys (:func:`present_keys`)."""
    hits = text.str.extract_all(pattern).explode().drop_nulls().unique()
    return {hit[1 : hit.rindex('"')].removesuffix("\\") for hit in hits.to_list()}


def lift_loguru_extra(frame: pl.DataFrame, schema: dict[str, pl.DataType], chunk: Chunk | None = None) -> pl.DataFrame:
    """``frame`` with the keys of loguru's ``record.extra`` object read as top-level keys.

    loguru's ``serialize=True`` puts what ``bind()`` and keyword arguments carry under
    ``record.extra``; structlog and python-json-logger put it at the top level. Lifting it
    makes every name of the field table, the ``features`` object, ``--features`` and
    ``--field`` paths read the same in all three. The same key at the top level of the
    record wins. The time, event name and level keys, the Docker wrapper's keys and
    ``record`` are not lifted (:data:`_NOT_LIFTED`). Every value is read as text, as by the
    lenient ``schema``; a column it joins becomes text as well. ``chunk``: the lines, where
    a record that polars rendered as broken text is read again.
    """
    if RECORD not in frame.columns or frame.schema[RECORD] != pl.String:
        return frame
    record = frame.get_column(RECORD)
    has_extra = record.str.contains('"extra"', literal=True).fill_null(False)
    if not has_extra.any():
        return frame
    record = pl.select(pl.when(pl.lit(has_extra)).then(pl.lit(record))).to_series()
    extra = repaired_objects(record, frame.get_column(LINE), chunk, RECORD).str.json_path_match("$.extra")
    extra = object_texts(extra)
    keys = {key: pl.String() for key in schema if key not in _NOT_LIFTED}
    if extra.null_count() == extra.len() or not keys:
        return frame
    payload = extra.fill_null("{}").str.join("\n").item().encode()
    lifted = pl.read_ndjson(io.BytesIO(payload), schema=keys, ignore_errors=True)
    found = [name for name in lifted.columns if lifted.get_column(name).null_count() < lifted.height]
    return frame.with_columns(pl.coalesce(_as_text(frame, name), lifted.get_column(name)).alias(name) for name in found)


def _as_text(frame: pl.DataFrame, name: str) -> pl.Series:
    """Column ``name`` of ``frame`` as JSON-ish text (nulls when absent): numbers as their
    digits, an object read as a struct as its JSON."""
    if name not in frame.columns:
        return pl.Series(name, [None] * frame.height, dtype=pl.String)
    column = frame.get_column(name)
    if isinstance(column.dtype, pl.Struct):
        return (
            pl.select(pl.when(pl.lit(column).is_not_null()).then(pl.lit(column).struct.json_encode()))
            .to_series()
            .alias(name)
        )
    return column.cast(pl.String)
