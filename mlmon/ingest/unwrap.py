"""A chunk of an enveloped file as plain records: unwrapped by its envelope's reader
(:mod:`mlmon.ingest.envelopes`), decoded like any log, its problems put back on the file's
own lines (:meth:`~mlmon.ingest.problems.ProblemTally.absorb`), and the envelope's values
filled in where the record has none."""

from __future__ import annotations

from typing import Any

import polars as pl

from mlmon.errors import InputError
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.envelopes import envelopes
from mlmon.ingest.envelopes.base import Unwrapped, given_column
from mlmon.ingest.fields import LINE
from mlmon.ingest.keys import present_keys
from mlmon.ingest.line_decode import PREFIX_TS
from mlmon.ingest.problems import BLANK, CENSUS_LINES, EnvelopeRead, ProblemTally
from mlmon.ingest.sniff import STDIN, is_regular
from mlmon.ingest.sources import envelope_of


def envelope_contexts(paths: tuple[str, ...], option: str) -> dict[str, Any]:
    """Per file, what its envelope's first look (:attr:`~.envelopes.base.Envelope.prepare`)
    found, for the files of a read whose envelope has one: all the files of one envelope
    name, whatever their variant, in one look. Standard input and pipes are never looked at
    twice: they get none."""
    if option == "none":
        return {}
    chosen: dict[str, list[str]] = {}
    for path in paths:
        if path == STDIN or not is_regular(path):
            continue
        try:
            key = envelope_of(path, option)
        except InputError:
            continue  # the read itself reports it
        if key is not None and envelopes()[key].prepare is not None:
            chosen.setdefault(envelopes()[key].name, []).append(path)
    contexts: dict[str, Any] = {}
    for name, files in chosen.items():
        prepare = next(e.prepare for e in envelopes().values() if e.name == name and e.prepare is not None)
        contexts.update(prepare(tuple(files)))
    return contexts


def unwrap_chunk(chunk: Chunk, tally: ProblemTally, context: Any = None) -> tuple[Chunk, Unwrapped, EnvelopeRead]:
    """``chunk``'s records as a chunk of plain JSON lines (numbered 1.. in their own order),
    the unwrapping, and its account. The items skipped and the blank lines are counted in
    ``tally``, on the chunk's own lines."""
    if chunk.envelope is None:
        raise ValueError(f"{chunk.source}: not an enveloped chunk")
    envelope = envelopes()[chunk.envelope]
    unwrapped = _called(envelope.unwrap, context, chunk.data, chunk.source)
    tally.add(chunk.source, [], BLANK, count=unwrapped.blank)
    for reason, lines in unwrapped.skipped.items():
        tally.add(chunk.source, lines, reason)
    inner = Chunk(
        chunk.source, unwrapped.data, at_eof=True, newlines=len(unwrapped.lines), starts_file=chunk.starts_file
    )
    physical = chunk.lines if unwrapped.physical_lines is None else unwrapped.physical_lines
    return inner, unwrapped, EnvelopeRead(envelope.name, physical - unwrapped.blank, unwrapped.items)


def read_fast(
    chunk: Chunk, typed_schema: dict[str, pl.DataType], context: Any, tally: ProblemTally
) -> tuple[pl.DataFrame, EnvelopeRead] | None:
    """``chunk``'s records read by its envelope's fast path (a record that is an object, read
    as a typed struct; or JSON text in a string, read in a second call:
    :attr:`~.envelopes.base.Envelope.read_fast`), with the keys of ``typed_schema`` the chunk
    holds: the records (as :func:`.decode.decode_chunk` gives them, with the envelope's
    values) and the account. None: the chunk takes :func:`unwrap_chunk`'s way."""
    envelope = envelopes()[chunk.envelope or ""]
    if envelope.read_fast is None:
        return None
    keep = typed_schema.keys() if envelope.own_keys else present_keys(chunk.data, list(typed_schema))
    schema = {key: dtype for key, dtype in typed_schema.items() if key in keep}
    fast = _called(envelope.read_fast, context, chunk.data, schema)
    if fast is None:
        return None
    for reason, lines in fast.skipped.items():
        tally.add(chunk.source, lines, reason)
    return fast.frame, EnvelopeRead(envelope.name, chunk.lines, fast.items)


def _called(function: Any, context: Any, *args: Any) -> Any:
    """``function(*args)``, given the file's context as a last argument when it has one
    (:attr:`~.envelopes.base.Envelope.prepare`)."""
    return function(*args, context) if context is not None else function(*args)


_CENSUS_BYTES = 1 << 18
"""Bytes of a chunk's first lines unwrapped first for the census, where its first
``CENSUS_LINES`` lines are longer."""


def census_chunk(chunk: Chunk) -> Chunk:
    """The records of ``chunk``'s first lines unwrapped, as a chunk of plain lines: what
    the census samples of an enveloped chunk read by the fast path (its first
    ``CENSUS_LINES`` records: from fewer lines where the lines are long and hold them, as an
    OTLP or CloudWatch line holds a hundred)."""
    unwrap, end = envelopes()[chunk.envelope or ""].unwrap, _after_line(chunk.data, CENSUS_LINES)
    short = chunk.data.find(b"\n", _CENSUS_BYTES) + 1
    first = unwrap(chunk.data[:short], chunk.source) if 0 < short < end else None
    if first is None or len(first.lines) < CENSUS_LINES:
        first = unwrap(chunk.data[:end], chunk.source)
    return Chunk(chunk.source, first.data, newlines=len(first.lines), starts_file=chunk.starts_file)


def _after_line(data: bytes, count: int) -> int:
    """Where the ``count``-th line of ``data`` ends (the whole of it when shorter)."""
    end = -1
    for _ in range(count):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return len(data)
    return end + 1


def with_given(decoded: pl.DataFrame, unwrapped: Unwrapped | None) -> pl.DataFrame:
    """``decoded`` (rows numbered by the unwrapped lines) with the envelope's values: its
    time as the prefix time (used where the record has none), ``_given_<field>`` columns,
    and the ``source.<name>`` keys."""
    if unwrapped is None or not unwrapped.given or decoded.height == 0:
        return decoded
    rows = decoded.get_column(LINE) - 1  # the unwrapped line each row came from, 0-based
    columns = []
    for key, values in unwrapped.given.items():
        name = given_column(key)
        if name not in decoded.columns or decoded.get_column(name).null_count() == decoded.height:  # a known key, null
            columns.append(pl.Series(name, values, dtype=pl.String).gather(rows))
    joined = decoded.with_columns(columns)
    given_ts = given_column("ts")
    if given_ts not in joined.columns:
        return joined
    return joined.with_columns(pl.coalesce(PREFIX_TS, given_ts).alias(PREFIX_TS)).drop(given_ts)
