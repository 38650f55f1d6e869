"""Reading: paths, directories, globs and ``-`` to canonical records, chunk by chunk.

``reduce_logs`` folds every chunk into an analysis' partial state (the analyses room);
``read_logs`` keeps the records themselves, for tests and small reads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from mlmon.errors import InputError, NoUsableRecordsError
from mlmon.ingest.canonical import canonicalize, empty_canonical
from mlmon.ingest.decode import decode_chunk
from mlmon.ingest.fields import decode_nested, field_map, with_known_keys
from mlmon.ingest.needs import ChunkReducer, Needs, State
from mlmon.ingest.problems import BLANK, IngestStats, ProblemTally
from mlmon.ingest.sources import CHUNK_BYTES, Chunk, discover, read_chunks

WORKERS = min(8, 2 * pl.thread_pool_size())
"""Chunks decoded at once: twice polars' threads (measured on 2 cores: 1.70 s with 2, 1.55 s
with 4, no better with 6 or 8 for 1M records), capped to bound memory to a few chunks each."""


@dataclass(frozen=True)
class IngestOptions:
    """How to read logs."""

    fields: dict[str, str] = field(default_factory=dict)
    """``--field`` overrides: canonical name → dotted JSON path."""
    since: datetime | None = None
    """Keep records at or after this event time (timezone-aware)."""
    until: datetime | None = None
    """Keep records before this event time (timezone-aware)."""
    max_malformed_share: float = 0.05
    """Fail (exit 2) when more than this share of non-blank lines had to be skipped."""
    chunk_bytes: int = CHUNK_BYTES
    """Bytes read per chunk; bounds memory."""


@dataclass(frozen=True)
class LogData:
    """Canonical records and the account of how they were read."""

    frame: pl.LazyFrame
    """Canonical columns, sorted by ``ts``."""
    stats: IngestStats
    """What was read and skipped."""


@dataclass(frozen=True)
class _Frames:
    """A reducer that keeps every chunk's records: for tests, and for small reads such as a
    reference window's predictions. Analyses reduce instead."""

    needs: Needs | None

    def from_chunk(self, records: pl.DataFrame) -> list[pl.DataFrame]:
        return [records]

    def merge(self, left: list[pl.DataFrame], right: list[pl.DataFrame]) -> list[pl.DataFrame]:
        return left + right


def read_logs(inputs: Sequence[str], options: IngestOptions | None = None, needs: Needs | None = None) -> LogData:
    """Every record's canonical columns (all of them, or ``ts`` and those of ``needs``) as
    one frame sorted by event time. Memory grows with the input: analyses use
    :func:`reduce_logs`. Raises ``InputError`` when nothing is usable."""
    frames, stats = reduce_logs(inputs, options, _Frames(needs))
    return LogData(frame=_by_event_time(pl.concat(frames, how="vertical")).lazy(), stats=stats)


def reduce_logs(inputs: Sequence[str], options: IngestOptions | None, reducer: ChunkReducer[State]) -> tuple[State, IngestStats]:
    """Read every input and fold its records into ``reducer``'s state, chunk by chunk.

    Chunks are decoded and reduced by worker threads (polars releases the GIL) while the
    next one is read; a bounded queue keeps a few chunks in memory, and states merge in
    input order. Raises ``InputError`` when nothing is usable.
    """
    options = options or IngestOptions()
    needs = reducer.needs
    columns = None if needs is None else tuple(dict.fromkeys(("ts", *needs.columns)))
    probabilities = needs is not None and needs.probabilities
    fields = field_map(options.fields, with_probabilities=probabilities).keeping(columns)
    schema, typed_schema, nested = fields.read_schema(), fields.typed_schema(), fields.nested_schema()
    found = discover(inputs)
    tally = ProblemTally()
    known_keys: dict[str, frozenset[str]] = {}  # per file: the keys that have held values

    def process(chunk: Chunk) -> tuple[State, int, int]:
        if chunk.stream_error:
            tally.add(chunk.source, [chunk.first_line + chunk.newlines], "compressed stream truncated")
        known = known_keys.get(chunk.source)
        typed = (with_known_keys(typed_schema, known), typed_schema) if known else (typed_schema,)
        raw = decode_nested(decode_chunk(chunk, schema, tally, typed), nested)
        known_keys[chunk.source] = (known or frozenset()) | frozenset(name for name in raw.columns if name in schema)
        canonical = canonicalize(raw, chunk.source, fields, tally, with_probabilities=probabilities, columns=columns)
        kept = _in_time_range(canonical, options)
        return reducer.from_chunk(kept), kept.height, canonical.height - kept.height

    totals, state = {"lines": 0, "records": 0, "outside": 0}, []

    def fold(result: tuple[State, int, int]) -> None:
        chunk_state, kept, dropped = result
        state[:] = [reducer.merge(state[0], chunk_state) if state else chunk_state]
        totals["records"] += kept
        totals["outside"] += dropped

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future] = deque()
        for source in found.paths:
            for chunk in read_chunks(source, options.chunk_bytes):
                totals["lines"] += chunk.newlines + (0 if chunk.data.endswith(b"\n") or not chunk.data else 1)
                pending.append(pool.submit(process, chunk))
                while len(pending) > WORKERS:
                    fold(pending.popleft().result())
        for future in pending:
            fold(future.result())
    stats = IngestStats(
        files=found.paths,
        ignored_files=found.ignored,
        lines=totals["lines"] - tally.counts.pop(BLANK, 0),
        records=totals["records"],
        outside_time_range=totals["outside"],
        skipped=dict(tally.counts.most_common()),
        examples=tally.first_examples(found.paths),
    )
    _check_usable(stats, options)
    if not state:
        state.append(reducer.from_chunk(empty_canonical(probabilities, columns)))
    return state[0], stats


def _by_event_time(data: pl.DataFrame) -> pl.DataFrame:
    """Sorted by ``ts`` once, eagerly, and only when the input was not already in order
    (one file usually is), so analyses never re-sort inside their plans."""
    in_order = data.height < 2 or bool(data.select(pl.col("ts").diff().dt.total_microseconds().min() >= 0).item())
    return data.with_columns(pl.col("ts").set_sorted()) if in_order else data.sort("ts")


def _in_time_range(records: pl.DataFrame, options: IngestOptions) -> pl.DataFrame:
    if options.since is None and options.until is None:
        return records
    keep = pl.lit(True)
    if options.since is not None:
        keep = keep & (pl.col("ts") >= options.since)
    if options.until is not None:
        keep = keep & (pl.col("ts") < options.until)
    return records.filter(keep)


def _check_usable(stats: IngestStats, options: IngestOptions) -> None:
    where = ", ".join(stats.files) if len(stats.files) <= 3 else f"{len(stats.files)} files"
    if stats.records == 0:
        detail = "; ".join(f"{n} {reason}" for reason, n in stats.skipped.items())
        if stats.outside_time_range:
            detail = f"{stats.outside_time_range} outside --since/--until" + (f"; {detail}" if detail else "")
        first = f" (first: {stats.examples[0]})" if stats.examples else ""
        raise NoUsableRecordsError(f"{where}: no usable records" + (f" ({detail})" if detail else "") + first)
    if stats.malformed_share > options.max_malformed_share:
        raise InputError(
            f"{where}: {stats.skipped_lines} of {stats.lines} lines ({stats.malformed_share:.1%}) could not be used, "
            f"over the {options.max_malformed_share:.0%} limit (--max-malformed); first: {stats.examples[0]}"
        )
