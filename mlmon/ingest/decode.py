"""Decode chunks of JSON lines into a frame of string leaves, one row per usable line.

The fast path hands a clean chunk to polars' ndjson reader in one call. A chunk that is
not clean (a line that is not an object, a blank line, a prefix, a parse error) has its
lines sorted by shape (:mod:`.lines`): blank lines are counted, object-shaped lines still go
to polars in one call, and only the rest take the line-aware path (:mod:`.line_decode`),
which finds each bad line, says why, and decodes the rest. Polars' reader gives no line number on failure and
fails the whole chunk for one broken line, which is why the sorting and the line-aware path
exist; an object-shaped line it rejects is found by its look (a few vectorised passes over
the bytes, :func:`.lines.suspect_lines`), so the rest is still read strictly typed in one
call, or, failing that, by reading in pieces.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np
import polars as pl

from mlmon.ingest.chunks import Chunk
from mlmon.ingest.fields import LINE
from mlmon.ingest.keys import lift_loguru_extra, present_keys
from mlmon.ingest.line_decode import decode_lines, empty_frame, fast_read, unwrap_docker
from mlmon.ingest.lines import SortedLines, more_suspect_lines, sort_lines, suspect_lines
from mlmon.ingest.problems import BLANK, ProblemTally


class Tidiness(enum.IntEnum):
    """How a chunk's lines let it be read; a file's later chunks start where its earlier
    ones ended, skipping the attempts bound to fail."""

    CLEAN = 0
    """Every line an object polars reads: one call."""
    UNTIDY = 1
    """Blank lines or lines of another shape: sorted by shape first."""
    BROKEN = 2
    """Object-shaped lines that polars rejects: sorted by shape, the broken-looking ones
    found in the same pass (:func:`.lines.sort_lines`) and set apart before any read."""


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
    known = (
        frozenset(key for key, dtype in typed_schemas[0].items() if dtype != pl.Null)
        if len(typed_schemas) > 1
        else frozenset()
    )
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
        return empty_frame(schema), Tidiness.CLEAN
    if chunk.at_eof and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        head = Chunk(chunk.source, data[:cut], chunk.first_line, at_eof=False, newlines=chunk.newlines)
        tail_line = chunk.first_line + chunk.newline_count
        frames, tidiness = [], Tidiness.CLEAN
        if cut:
            frame, tidiness = _decode(head, schema, tally, typed_schemas, expect=expect)
            frames.append(frame)
        tail = decode_lines(
            chunk.source, [data[cut:].decode("utf-8", "replace")], tail_line, schema, tally, truncated_last=True
        )
        frames.append(unwrap_docker(chunk.source, tail, schema, tally))
        return pl.concat(frames, how="diagonal_relaxed"), tidiness
    fast = fast_read(data, chunk.newline_count, chunk.first_line, typed_schemas) if expect is Tidiness.CLEAN else None
    if fast is not None:
        return unwrap_docker(chunk.source, fast, schema, tally), Tidiness.CLEAN
    lines = sort_lines(data, look=expect is not Tidiness.UNTIDY)  # a failed read, or a file with broken lines
    tried_strict = expect is Tidiness.CLEAN and lines.blank == 0 and not lines.others  # the objects are data
    frame, broken = _by_shape(chunk, lines, schema, tally, typed_schemas, tried_strict)
    tidy = Tidiness.CLEAN if lines.blank == 0 and not lines.others else Tidiness.UNTIDY
    return unwrap_docker(chunk.source, frame, schema, tally), Tidiness.BROKEN if broken else tidy


def _by_shape(
    chunk: Chunk,
    lines: SortedLines,
    schema: dict[str, pl.DataType],
    tally: ProblemTally,
    typed_schemas: tuple[dict[str, pl.DataType], ...],
    tried_strict: bool,
) -> tuple[pl.DataFrame, bool]:
    """Blank lines counted; object-shaped lines read by polars in one call, or with the
    broken-looking ones apart (:func:`_read_objects`); the rest, and the object-shaped
    lines polars rejects, line by line. ``tried_strict``: the strict typed read already
    failed on these very bytes. Also says whether some object-shaped line looked broken
    or polars rejected one."""
    tally.add(chunk.source, [], BLANK, count=lines.blank)

    def read(data: bytes, rows: int, where: np.ndarray, strict: bool = True) -> pl.DataFrame | None:
        numbers = pl.Series(LINE, where + chunk.first_line, dtype=pl.Int64)
        frame = fast_read(data, rows, numbers, typed_schemas) if strict else None
        return frame if frame is not None else fast_read(data, rows, numbers, (schema,), lenient=True)

    frames: list[pl.DataFrame] = []
    texts, offsets = lines.others, lines.other_lines
    broken, rejected = False, np.zeros(0, np.int64)
    if len(lines.object_lines):
        frames, rejected, broken = _read_objects(lines, read, tried_strict)
        if len(rejected):
            texts = lines.texts(rejected) + texts
            offsets = np.concatenate([lines.object_lines[rejected], offsets])
    if texts:
        decoded = [text.decode("utf-8", "replace") for text in texts]
        numbers = pl.Series(LINE, offsets + chunk.first_line, dtype=pl.Int64)
        rest = decode_lines(chunk.source, decoded, 0, schema, tally, numbers=numbers, typed_schemas=typed_schemas)
        if len(rejected) and frames and rest.height:
            frames, rest = _in_place(frames, rest, numbers[: len(rejected)])
        if rest.height or not frames:  # an empty one would turn typed columns into text
            frames.append(rest)
    if not frames:
        return empty_frame(schema), broken
    # The few other lines come after the objects: rows need not follow the file's order
    # (analyses order by time), and sorting a chunk's frame would cost a copy of it.
    return (pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]), broken


def _in_place(
    frames: list[pl.DataFrame], rest: pl.DataFrame, numbers: pl.Series
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """The rows the line-aware path read from object-shaped lines (``numbers``: lines that
    only looked broken, NaN read as null, the good lines of a piece polars rejected) put
    back in the file's order among the object rows, so a chunk's records come in the order
    a clean read gives them and sums are the same to the last bit whichever lines were set
    apart. A copy of the chunk's frame, only when there are such rows; the rows of the
    other lines stay after them."""
    back = pl.col(LINE).is_in(numbers.implode())
    moved = rest.filter(back)
    if not moved.height:
        return frames, rest
    return [pl.concat([*frames, moved], how="diagonal_relaxed").sort(LINE)], rest.filter(~back)


_FANOUT, _FEW_LINES = 4, 64
_Read = Callable[..., pl.DataFrame | None]


def _read_objects(lines: SortedLines, read: _Read, tried_strict: bool) -> tuple[list[pl.DataFrame], np.ndarray, bool]:
    """The object-shaped lines: read in one call (strict unless ``tried_strict``) unless a
    few look broken (``lines.suspects``: :func:`.lines.suspect_lines` looked while
    sorting, after a failed read or in a file whose earlier chunks held broken lines);
    when that call fails (or was not made), without the broken-looking ones
    (:func:`_read_suspects_apart`), strictly typed in one call: a few bad lines cost a
    look, not failed reads. The frames read, the indices of the object lines left for the
    line-aware path (in pieces first when they are many: :func:`_read_many`), and whether
    some line looked broken or polars rejected one."""
    rows, suspects = len(lines.object_lines), lines.suspects
    if suspects is None or not len(suspects) or len(suspects) > max(_FEW_LINES, rows // 16):
        whole = read(lines.objects, rows, lines.object_lines, strict=not tried_strict)
        if whole is not None:
            return [whole], np.zeros(0, np.int64), False
        if suspects is None:
            suspects = suspect_lines(lines.objects, lines.object_ends)
        tried = not len(suspects)  # and all of them failed: the second look next
    else:
        tried = False
    frames, rejected = _read_suspects_apart(lines, read, suspects, tried)
    more, rejected = _read_many(lines, read, rejected)
    if more:  # rows of lines between the others': in the file's order again (see _in_place)
        frames = [pl.concat([*frames, *more], how="diagonal_relaxed").sort(LINE)]
    return frames, rejected, True


def _read_suspects_apart(
    lines: SortedLines, read: _Read, suspects: np.ndarray, tried: bool
) -> tuple[list[pl.DataFrame], np.ndarray]:
    """The object lines but ``suspects`` read in one call; when that fails, or when
    ``tried`` (all of them failed and there is no suspect), without the lines
    :func:`.lines.more_suspect_lines` finds too; when that fails, in pieces
    (:func:`_read_pieces`). The frames read, and the indices of the object lines left for
    the line-aware path."""
    if not tried:
        frame, kept, index, ends = _read_without(lines, read, suspects)
        if frame is not None or not len(index):
            return ([frame] if frame is not None else []), suspects
    more = np.union1d(suspects, more_suspect_lines(lines.objects)).astype(np.int64)
    if tried or len(more) > len(suspects):
        frame, kept, index, ends = _read_without(lines, read, more, read_it=len(more) > len(suspects))
        suspects = more
        if frame is not None or not len(index):
            return ([frame] if frame is not None else []), suspects
    frames, pieces = _read_pieces(kept, ends, lines.object_lines[index], read)
    left = index[np.concatenate(pieces)] if pieces else np.zeros(0, np.int64)
    return frames, np.sort(np.concatenate([suspects, left]))


def _read_without(
    lines: SortedLines, read: _Read, left_out: np.ndarray, read_it: bool = True
) -> tuple[pl.DataFrame | None, bytes, np.ndarray, np.ndarray]:
    """The object lines but ``left_out`` read in one call (None when that fails or not
    ``read_it``), their bytes, their indices among the object lines and where each ends."""
    keep = np.ones(len(lines.object_lines), dtype=bool)
    keep[left_out] = False
    kept, ends = lines.join(keep)
    index = np.flatnonzero(keep)
    frame = read(kept, len(index), lines.object_lines[index]) if read_it and len(index) else None
    return frame, kept, index, ends


def _read_many(lines: SortedLines, read: _Read, rejected: np.ndarray) -> tuple[list[pl.DataFrame], np.ndarray]:
    """Object lines left for the line-aware path: read in pieces first when they are more
    than ``_FEW_LINES`` (a look that mistook many good lines), the lines of the pieces
    polars rejects left. The frames read and the indices of the lines left."""
    if len(rejected) <= _FEW_LINES:
        return [], rejected
    keep = np.zeros(len(lines.object_lines), dtype=bool)
    keep[rejected] = True
    data, ends = lines.join(keep)
    frames, pieces = _read_pieces(data, ends, lines.object_lines[rejected], read)
    return frames, rejected[np.concatenate(pieces)] if pieces else np.zeros(0, np.int64)


def _read_pieces(
    data: bytes,
    ends: np.ndarray,
    where: np.ndarray,
    read: _Read,
    base: int = 0,
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
