"""Decode chunks of JSON lines into a frame of string leaves, one row per usable line.

The fast path hands a clean chunk to polars' ndjson reader in one call. A chunk that is
not clean (a line that is not an object, a blank line, a prefix, a parse error) has its
lines sorted by shape (:mod:`.lines`): blank lines are counted, object-shaped lines still go
to polars in one call, and only the rest take the line-aware path, which finds each bad
line, says why, and decodes the rest. Polars' reader gives no line number on failure and
fails the whole chunk for one broken line, which is why the sorting and the line-aware path
exist; an object-shaped line it rejects is found by its look, or by reading in pieces.
"""

from __future__ import annotations

import enum
import io
import json
from collections.abc import Callable

import numpy as np
import polars as pl

from mlmon.ingest.keys import lift_loguru_extra, present_keys
from mlmon.ingest.lines import SortedLines, join_lines, sort_lines, suspect_lines
from mlmon.ingest.fields import LINE
from mlmon.ingest.names import DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME
from mlmon.ingest.problems import BLANK, EMPTY_DOCKER, ProblemTally
from mlmon.ingest.sources import Chunk
PREFIX_TS = "_prefix_ts"
"""Column holding a timestamp found outside the JSON (kubectl, CRI, Docker)."""

# kubectl --prefix "[pod/x/c] ", --timestamps "2024-...Z ", CRI "<ts> stdout F ".
_PREFIX = r"^(?:\[[^\]]*\]\s+)?(?:(\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+)?(?:(?:stdout|stderr)\s+([FP])\s+)?(\{.*)$"
_NON_FINITE = r"([:\[,]\s*)-?(?:NaN|Infinity)\b"
_HUGE_NUMBER = r"([:\[,]\s*)(-?\d+(?:\.\d+)?[eE][+-]?\d{3,}|-?\d{20,}(?:\.\d+)?(?:[eE][+-]?\d+)?)"
"""A number a double may not hold: a three-digit exponent, or twenty digits or more."""


class Tidiness(enum.IntEnum):
    """How a chunk's lines let it be read; a file's later chunks start where its earlier
    ones ended, skipping the attempts bound to fail."""

    CLEAN = 0
    """Every line an object polars reads: one call."""
    UNTIDY = 1
    """Blank lines or lines of another shape: sorted by shape first."""
    BROKEN = 2
    """Object-shaped lines polars rejects: the broken-looking ones set apart first."""


def decode_chunk(
    chunk: Chunk,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    typed_schemas: tuple[dict[str, pl.DataType], ...] = (),
    *,
    expect: Tidiness = Tidiness.CLEAN,
) -> tuple[pl.DataFrame, Tidiness]:
    """Rows of ``chunk`` plus ``_line`` and ``_prefix_ts`` columns, and how tidy it was.

    A clean chunk is read strictly with the first of ``typed_schemas`` (numbers as numbers)
    that accepts every value; anything else with ``schema``, whose leaves are all strings,
    so ``canonicalize`` sees and counts values of the wrong type. The same keys come back,
    loguru's ``record.extra`` keys among them (:func:`lift_loguru_extra`). A chunk that is
    not clean has its lines sorted by shape first (:mod:`.lines`). ``expect`` is how untidy
    the file's earlier chunks were: the attempts that failed on them are skipped.
    """
    # The keys that held values in the file's earlier chunks (typed in the first strict
    # schema, fields.with_known_keys) are read anyway; only the others are looked for.
    known = frozenset(key for key, dtype in typed_schemas[0].items() if dtype != pl.Null) if len(typed_schemas) > 1 else frozenset()
    keep = known | present_keys(chunk.data, [key for key in schema if key not in known])
    if len(keep) < len(schema):
        schema = {key: dtype for key, dtype in schema.items() if key in keep}
        typed_schemas = tuple({key: dtype for key, dtype in typed.items() if key in keep} for typed in typed_schemas)
    frame, tidiness = _decode(chunk, schema, tally, typed_schemas, expect=expect)
    return lift_loguru_extra(frame, schema, chunk), tidiness


def _decode(
    chunk: Chunk,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    typed_schemas: tuple[dict[str, pl.DataType], ...] = (),
    *,
    expect: Tidiness = Tidiness.CLEAN,
) -> tuple[pl.DataFrame, Tidiness]:
    """:func:`decode_chunk` before loguru's extras are lifted."""
    data = chunk.data
    if not data:  # what a damaged compressed stream leaves: no line at all
        return _empty(schema), Tidiness.CLEAN
    if chunk.at_eof and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        head = Chunk(chunk.source, data[:cut], chunk.first_line, at_eof=False, newlines=chunk.newlines)
        tail_line = chunk.first_line + chunk.newline_count
        frames, tidiness = [], Tidiness.CLEAN
        if cut:
            frame, tidiness = _decode(head, schema, tally, typed_schemas, expect=expect)
            frames.append(frame)
        tail = _decode_lines(chunk.source, [data[cut:].decode("utf-8", "replace")], tail_line, schema, tally, truncated_last=True)
        frames.append(_unwrap_docker(chunk.source, tail, schema, tally))
        return pl.concat(frames, how="diagonal_relaxed"), tidiness
    fast = _fast(data, chunk.newline_count, chunk.first_line, typed_schemas) if expect is Tidiness.CLEAN else None
    if fast is not None:
        return _unwrap_docker(chunk.source, fast, schema, tally), Tidiness.CLEAN
    lines = sort_lines(data)
    tried_strict = expect is Tidiness.CLEAN and lines.objects is data
    frame, broken = _by_shape(chunk, lines, schema, tally, typed_schemas, tried_strict, expect is Tidiness.BROKEN)
    tidy = Tidiness.CLEAN if lines.blank == 0 and not lines.others else Tidiness.UNTIDY
    return _unwrap_docker(chunk.source, frame, schema, tally), Tidiness.BROKEN if broken else tidy


def _by_shape(
    chunk: Chunk,
    lines: SortedLines,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    typed_schemas: tuple[dict[str, pl.DataType], ...],
    tried_strict: bool,
    expect_broken: bool,
) -> tuple[pl.DataFrame, bool]:
    """Blank lines counted; object-shaped lines read by polars in one call, or with the
    broken-looking ones apart (:func:`_read_suspects_apart`); the rest, and the
    object-shaped lines polars rejects, line by line. ``tried_strict``: the strict typed
    read already failed on these very bytes; ``expect_broken``: skip the one-call read.
    Also says whether polars rejected some object-shaped line (or one was expected)."""
    tally.add(chunk.source, [], BLANK, count=lines.blank)

    def read(data: bytes, rows: int, where: np.ndarray, strict: bool = True) -> pl.DataFrame | None:
        numbers = pl.Series(LINE, where + chunk.first_line, dtype=pl.Int64)
        frame = _fast(data, rows, numbers, typed_schemas) if strict else None
        return frame if frame is not None else _fast(data, rows, numbers, (schema,), lenient=True)

    frames: list[pl.DataFrame] = []
    texts, offsets = lines.others, lines.other_lines
    broken = expect_broken
    if len(lines.object_lines):
        whole = None if expect_broken else read(lines.objects, len(lines.object_lines), lines.object_lines, strict=not tried_strict)
        broken = whole is None
        frames, rejected = ([whole], np.zeros(0, np.int64)) if whole is not None else _read_suspects_apart(lines, read)
        if len(rejected):
            view, ends = memoryview(lines.objects), lines.object_ends
            texts = [bytes(view[(ends[i - 1] if i else 0) : ends[i] - 1]) for i in rejected.tolist()] + texts
            offsets = np.concatenate([lines.object_lines[rejected], offsets])
    if texts:
        decoded = [text.decode("utf-8", "replace") for text in texts]
        numbers = pl.Series(LINE, offsets + chunk.first_line, dtype=pl.Int64)
        rest = _decode_lines(chunk.source, decoded, 0, schema, tally, numbers=numbers, typed_schemas=typed_schemas)
        if rest.height or not frames:  # an empty one would turn typed columns into text
            frames.append(rest)
    if not frames:
        return _empty(schema), broken
    # The few other lines come after the objects: rows need not follow the file's order
    # (analyses order by time), and sorting a chunk's frame would cost a copy of it.
    return (pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]), broken


_FANOUT, _FEW_LINES = 4, 64


def _read_suspects_apart(lines: SortedLines, read: Callable[[bytes, int, np.ndarray], pl.DataFrame | None]) -> tuple[list[pl.DataFrame], np.ndarray]:
    """Object-shaped lines that polars rejects as a whole: the lines that look broken
    (:func:`.lines.suspect_lines`) are set apart for the line-aware path and the rest read
    in one call; when that fails too, in pieces. The frames read, and the indices of the
    object lines left for the line-aware path."""
    suspects = suspect_lines(lines.objects)
    keep = np.ones(len(lines.object_lines), dtype=bool)
    keep[suspects] = False
    starts = np.concatenate([[0], lines.object_ends[:-1]])
    kept = join_lines(lines.objects, keep, starts, lines.object_ends - 1)
    index = np.flatnonzero(keep)
    ends = np.cumsum(lines.object_ends[keep] - starts[keep])
    whole = read(kept, len(index), lines.object_lines[index]) if len(index) else None
    if whole is not None or not len(index):
        return ([whole] if whole is not None else []), suspects
    frames, pieces = _read_pieces(kept, ends, lines.object_lines[index], read)
    left = index[np.concatenate(pieces)] if pieces else np.zeros(0, np.int64)
    return frames, np.sort(np.concatenate([suspects, left]))


def _read_pieces(
    data: bytes, ends: np.ndarray, where: np.ndarray, read: Callable[[bytes, int, np.ndarray], pl.DataFrame | None], base: int = 0
) -> tuple[list[pl.DataFrame], list[np.ndarray]]:
    """Object-shaped lines that polars rejects as a whole (``{"a": }`` somewhere), read in
    ``_FANOUT`` pieces, each piece that fails split again, down to ``_FEW_LINES`` lines:
    the frames read, and the indices (from ``base``) of the lines left for the line-aware
    path. A few bad lines cost about half a chunk's read more, not a line-by-line pass."""
    frames: list[pl.DataFrame] = []
    rejected: list[np.ndarray] = []
    view = memoryview(data)
    bounds = np.unique(np.linspace(0, len(ends), _FANOUT + 1).astype(np.int64))
    for first, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        start_byte = int(ends[first - 1]) if first else 0
        piece, piece_ends = bytes(view[start_byte : int(ends[stop - 1])]), ends[first:stop] - start_byte
        frame = read(piece, stop - first, where[first:stop])
        if frame is not None:
            frames.append(frame)
        elif stop - first <= _FEW_LINES:
            rejected.append(np.arange(base + first, base + stop))
        else:
            more, left = _read_pieces(piece, piece_ends, where[first:stop], read, base + first)
            frames += more
            rejected += left
    return frames, rejected


def _fast(
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


def _decode_lines(
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
    table = pl.DataFrame({
        "raw": raw,
        LINE: numbers if numbers is not None else pl.int_range(first_line, first_line + len(lines), dtype=pl.Int64, eager=True),
        "given_ts": prefix_ts if prefix_ts is not None else pl.Series([None] * len(lines), dtype=pl.String),
    })
    prefix = pl.col("_prefix")  # one regex pass: groups 1 time, 2 CRI F/P flag, 3 JSON body
    table = table.with_columns(
        pl.col("raw").str.strip_chars().alias("text"),
    ).with_columns(
        pl.col("text").str.extract_groups(_PREFIX).alias("_prefix"),
    ).with_columns(
        pl.when(pl.col("text").str.starts_with("{")).then(pl.col("text")).otherwise(prefix.struct.field("3")).alias("body"),
        pl.coalesce(pl.col("given_ts"), prefix.struct.field("1")).alias(PREFIX_TS),
        (prefix.struct.field("2") == "P").fill_null(False).alias("partial"),
    ).drop("_prefix").with_columns(
        pl.col("body").str.json_path_match("$").is_not_null().alias("valid"),
    )
    table = _repair_numbers(source, table, tally)

    blank = pl.col("text") == ""
    reasons = (
        pl.when(blank).then(pl.lit("blank line"))
        .when(pl.col("partial")).then(pl.lit("partial CRI line"))
        .when(pl.col("valid")).then(pl.lit(None, dtype=pl.String))
        .when(pl.col("body").is_null() & pl.col("text").str.json_path_match("$").is_not_null()).then(pl.lit("not a JSON object"))
        .when(pl.col("body").is_null()).then(pl.lit("not JSON"))
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
    table = table.with_columns(
        suspect.alias("_suspect"),
        (suspect & body.str.contains(r"NaN|Infinity")).fill_null(False).alias("_non_finite"),
    ).with_columns(
        pl.when(pl.col("_suspect")).then(quoted.str.replace_all(_NON_FINITE, "${1}null")).otherwise(body).alias("body")
    ).with_columns(
        (pl.col("_suspect") & body.str.json_path_match("$").is_not_null()).alias("_fixed")
    )
    nulled = table.filter(pl.col("_fixed") & pl.col("_non_finite"))[LINE].to_list()
    tally.add(source, nulled, "impossible value: NaN/Infinity read as null")
    return table.with_columns((pl.col("valid") | pl.col("_fixed")).alias("valid")).drop("_suspect", "_non_finite", "_fixed")


def _read_good(
    source: str, good: pl.DataFrame, schema: dict[str, pl.DataType], tally: ProblemTally, typed_schemas: tuple[dict[str, pl.DataType], ...] = ()
) -> pl.DataFrame:
    """The valid lines' JSON bodies as a frame: with the first of ``typed_schemas`` that
    reads them strictly (so they stack with a typed frame of the same chunk), else with
    ``schema``."""
    if good.height == 0:
        return _empty(schema)
    payload = "\n".join(good["body"].to_list()).encode()
    frame = _fast(payload, good.height, good[LINE], typed_schemas)
    if frame is None:
        frame = _fast(payload, good.height, good[LINE], (schema,), lenient=True)
    if frame is None:
        return _read_good_by_line(source, good, schema, tally)
    return frame.with_columns(good[PREFIX_TS])


def _read_good_by_line(source: str, good: pl.DataFrame, schema: dict[str, pl.DataType], tally: ProblemTally) -> pl.DataFrame:
    """Last resort when polars rejects lines its validator accepted (e.g. 1e400): ask json."""
    keep = []
    for index, body in enumerate(good["body"].to_list()):
        try:
            json.loads(body)
            io_ok = pl.read_ndjson(io.BytesIO(body.encode()), schema=schema, ignore_errors=True).height == 1
        except (ValueError, pl.exceptions.PolarsError):
            io_ok = False
        if io_ok:
            keep.append(index)
        else:
            tally.add(source, [good[LINE][index]], "malformed JSON")
    return _read_good(source, good[keep], schema, tally) if keep else _empty(schema)


def _unwrap_docker(source: str, frame: pl.DataFrame, schema: dict[str, pl.DataType], tally: ProblemTally) -> pl.DataFrame:
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
    inner = _decode_lines(
        source, wrapped[names[0]].str.strip_chars_end("\n").to_list(), 0, schema, tally,
        numbers=wrapped[LINE], prefix_ts=wrapped[names[2]],
    )
    outer = frame.filter(~pl.col("_docker")).drop("_docker", "_split")
    return pl.concat([outer, inner], how="diagonal_relaxed") if outer.height else inner


def _empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema={**schema, LINE: pl.Int64, PREFIX_TS: pl.String})
