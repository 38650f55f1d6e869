"""The line-aware path of decoding: lines one by one, not one call per chunk.

Each line is classified (blank, a kubectl/CRI prefix, a partial CRI line, not JSON, not an
object, malformed or truncated JSON) and counted by reason; the good lines' JSON bodies are
read by polars together (:func:`fast_read`, the chunk's fast path too), NaN/Infinity and
numbers a double cannot hold made readable first. Docker json-file wrappers are replaced
by the application line they hold (:func:`unwrap_docker`). :mod:`.decode` decides which
lines take this path.
"""

from __future__ import annotations

import io
import json
import re

import polars as pl

from mlmon.ingest.fields import LINE
from mlmon.ingest.names import DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME
from mlmon.ingest.problems import EMPTY_DOCKER, ProblemTally

PREFIX_TS = "_prefix_ts"
"""Column holding a timestamp found outside the JSON (kubectl, CRI, Docker)."""

# kubectl --prefix "[pod/x/c] ", --timestamps "2024-...Z ", CRI "<ts> stdout F ".
_PREFIX = (
    r"^(?:\[[^\]]*\]\s+)?"  # kubectl --prefix
    r"(?:(\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+)?"  # a timestamp (group 1)
    r"(?:(?:stdout|stderr)\s+([FP])\s+)?"  # CRI stream and tag (group 2)
    r"(\{.*)$"  # the JSON (group 3)
)
_NON_FINITE = r"([:\[,]\s*)-?(?:NaN|Infinity)\b"
_HUGE_NUMBER = r"([:\[,]\s*)(-?\d+(?:\.\d+)?[eE][+-]?\d{3,}|-?\d{20,}(?:\.\d+)?(?:[eE][+-]?\d+)?)"
"""A number a double may not hold: a three-digit exponent, or twenty digits or more."""


def fast_read(
    data: bytes,
    rows: int,
    lines: int | pl.Series,
    schemas: tuple[dict[str, pl.DataType], ...],
    *,
    lenient: bool = False,
) -> pl.DataFrame | None:
    """``data`` read by polars in one call with the first of ``schemas`` that accepts it, or
    None when it holds anything but ``rows`` JSON objects. Strict (the default): a value of
    the wrong type fails the read rather than turning into null; ``lenient`` reads such a
    value as null, for string schemas, where every value fits. ``lines`` is the first
    line's number or every row's."""
    # Polars rejects a line that is not an object (array, scalar, kubectl prefix) and skips
    # blank ones; either way the data leaves this path, by the error or by the row count.
    if not data.startswith(b"{"):
        return None
    for schema in schemas:
        try:
            frame = pl.read_ndjson(io.BytesIO(data), schema=schema, ignore_errors=lenient)
        except pl.exceptions.PolarsError:
            continue
        if frame.height != rows:
            return None
        numbers = pl.int_range(lines, lines + rows, dtype=pl.Int64, eager=True) if isinstance(lines, int) else lines
        return frame.with_columns(numbers.alias(LINE), pl.lit(None, dtype=pl.String).alias(PREFIX_TS))
    return None


def decode_lines(
    source: str,
    lines: list[str],
    first_line: int,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    *,
    truncated_last: bool = False,
    numbers: pl.Series | None = None,
    prefix_ts: pl.Series | None = None,
    typed_schemas: tuple[dict[str, pl.DataType], ...] = (),
) -> pl.DataFrame:
    """Line-aware decoding: classify each line, keep the good ones, decode them."""
    raw = pl.Series("raw", lines, dtype=pl.String).str.strip_chars_end("\r")
    table = pl.DataFrame(
        {
            "raw": raw,
            LINE: numbers
            if numbers is not None
            else pl.int_range(first_line, first_line + len(lines), dtype=pl.Int64, eager=True),
            "given_ts": prefix_ts if prefix_ts is not None else pl.Series([None] * len(lines), dtype=pl.String),
        }
    )
    prefix = pl.col("_prefix")  # one regex pass: groups 1 time, 2 CRI F/P flag, 3 JSON body
    table = (
        table.with_columns(
            pl.col("raw").str.strip_chars().alias("text"),
        )
        .with_columns(
            pl.col("text").str.extract_groups(_PREFIX).alias("_prefix"),
        )
        .with_columns(
            pl.when(pl.col("text").str.starts_with("{"))
            .then(pl.col("text"))
            .otherwise(prefix.struct.field("3"))
            .alias("body"),
            pl.coalesce(pl.col("given_ts"), prefix.struct.field("1")).alias(PREFIX_TS),
            (prefix.struct.field("2") == "P").fill_null(False).alias("partial"),
        )
        .drop("_prefix")
        .with_columns(
            pl.col("body").str.json_path_match("$").is_not_null().alias("valid"),
        )
    )
    table = _repair_numbers(source, table, tally)

    blank = pl.col("text") == ""
    reasons = (
        pl.when(blank)
        .then(pl.lit("blank line"))
        .when(pl.col("partial"))
        .then(pl.lit("partial CRI line"))
        .when(pl.col("valid"))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("body").is_null() & pl.col("text").str.json_path_match("$").is_not_null())
        .then(pl.lit("not a JSON object"))
        .when(pl.col("body").is_null())
        .then(pl.lit("not JSON"))
        .otherwise(pl.lit("truncated last line" if truncated_last else "malformed JSON"))
    )
    table = table.with_columns(reasons.alias("reason"))
    for (reason,), group in table.filter(pl.col("reason").is_not_null()).group_by("reason", maintain_order=True):
        tally.add(source, group[LINE].to_list(), reason)
    good = table.filter(pl.col("reason").is_null())
    return _read_good(source, good, schema, tally, typed_schemas)


def _repair_numbers(source: str, table: pl.DataFrame, tally: ProblemTally) -> pl.DataFrame:
    """Make two kinds of line that polars rejects readable, so the record is kept:

    * Python's json.dumps writes NaN/Infinity, which is not JSON: read as null, counted.
    * ``1e400`` or a 400-digit integer is valid JSON that overflows a double: read as text,
      so a numeric field holding it becomes infinite and is counted as an impossible value.
    """
    body = pl.col("body")
    suspect = (~pl.col("valid")) & body.str.contains(r"NaN|Infinity|\d[eE][+-]?\d{3}|\d{20}").fill_null(False)
    if not table.select(suspect.any()).item():
        return table
    quoted = body.str.replace_all(_HUGE_NUMBER, '${1}"${2}"')
    table = (
        table.with_columns(
            suspect.alias("_suspect"),
            (suspect & body.str.contains(r"NaN|Infinity")).fill_null(False).alias("_non_finite"),
        )
        .with_columns(
            pl.when(pl.col("_suspect"))
            .then(quoted.str.replace_all(_NON_FINITE, "${1}null"))
            .otherwise(body)
            .alias("body")
        )
        .with_columns((pl.col("_suspect") & body.str.json_path_match("$").is_not_null()).alias("_fixed"))
    )
    nulled = table.filter(pl.col("_fixed") & pl.col("_non_finite"))[LINE].to_list()
    tally.add(source, nulled, "impossible value: NaN/Infinity read as null")
    return table.with_columns((pl.col("valid") | pl.col("_fixed")).alias("valid")).drop(
        "_suspect", "_non_finite", "_fixed"
    )


def _read_good(
    source: str,
    good: pl.DataFrame,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    typed_schemas: tuple[dict[str, pl.DataType], ...] = (),
) -> pl.DataFrame:
    """The valid lines' JSON bodies as a frame: with the first of ``typed_schemas`` that
    reads them strictly (so they stack with a typed frame of the same chunk), else with
    ``schema``."""
    if good.height == 0:
        return empty_frame(schema)
    payload = "\n".join(good["body"].to_list()).encode()
    frame = fast_read(payload, good.height, good[LINE], typed_schemas)
    if frame is None:
        frame = fast_read(payload, good.height, good[LINE], (schema,), lenient=True)
    if frame is None:
        return _read_good_by_line(source, good, schema, tally)
    return frame.with_columns(good[PREFIX_TS])


def _read_good_by_line(
    source: str, good: pl.DataFrame, schema: dict[str, pl.DataType], tally: ProblemTally
) -> pl.DataFrame:
    """Last resort when polars rejects lines its validator accepted (e.g. 1e400, or an
    integer beyond 128 bits inside a nested object): ask json, and read a number no double
    or integer column holds as text, as :func:`_repair_numbers` does."""
    keep, bodies = [], []
    for index, body in enumerate(good["body"].to_list()):
        readable = _readable_body(body, schema)
        if readable is None:
            tally.add(source, [good[LINE][index]], "malformed JSON")
        else:
            keep.append(index)
            bodies.append(readable)
    if not keep:
        return empty_frame(schema)
    return _read_good(source, good[keep].with_columns(pl.Series("body", bodies, dtype=pl.String)), schema, tally)


def _readable_body(body: str, schema: dict[str, pl.DataType]) -> str | None:
    """``body`` or, when only its huge numbers stop polars, ``body`` with them quoted;
    None when json or polars rejects it either way."""
    try:
        json.loads(body)
    except ValueError:
        return None
    for candidate in (body, re.sub(_HUGE_NUMBER, r'\1"\2"', body)):
        try:
            if pl.read_ndjson(io.BytesIO(candidate.encode()), schema=schema, ignore_errors=True).height == 1:
                return candidate
        except pl.exceptions.PolarsError:
            continue
    return None


def unwrap_docker(
    source: str, frame: pl.DataFrame, schema: dict[str, pl.DataType], tally: ProblemTally
) -> pl.DataFrame:
    """Replace Docker json-file wrapper rows by the application line inside ``log``.

    A row is a wrapper only in Docker's exact shape: a ``stream`` of stdout or stderr, a
    ``time``, and ``log`` text ending in a newline. Any other ``log`` key (Elastic's
    ``log`` object, an access-log line) is the application's own field and left alone. A
    wrapper without the newline is a line Docker split at 16 KiB: skipped and counted.
    """
    names = (DOCKER_LOG[0], DOCKER_STREAM[0], DOCKER_TIME[0])
    if any(name not in frame.columns for name in names) or frame[names[0]].null_count() == frame.height:
        return frame
    log, stream, time = (pl.col(name) for name in names)
    shaped = (log.is_not_null() & stream.is_in(["stdout", "stderr"]) & time.is_not_null()).fill_null(False)
    complete = log.str.ends_with("\n")
    frame = frame.with_columns(shaped.alias("_docker"), (shaped & ~complete).alias("_split"))
    if not frame["_docker"].any():
        return frame.drop("_docker", "_split")
    tally.add(source, frame.filter(pl.col("_split"))[LINE].to_list(), "partial Docker line")
    wrapped = frame.filter(pl.col("_docker") & ~pl.col("_split"))
    empty = wrapped[names[0]].str.strip_chars() == ""  # a blank application line: still a line of the file
    tally.add(source, wrapped.filter(empty)[LINE].to_list(), EMPTY_DOCKER)
    wrapped = wrapped.filter(~empty)
    inner = decode_lines(
        source,
        wrapped[names[0]].str.strip_chars_end("\n").to_list(),
        0,
        schema,
        tally,
        numbers=wrapped[LINE],
        prefix_ts=wrapped[names[2]],
    )
    outer = frame.filter(~pl.col("_docker")).drop("_docker", "_split")
    return pl.concat([outer, inner], how="diagonal_relaxed") if outer.height else inner


def empty_frame(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema={**schema, LINE: pl.Int64, PREFIX_TS: pl.String})
