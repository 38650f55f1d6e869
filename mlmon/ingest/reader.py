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
from mlmon.ingest.decode import Tidiness, decode_chunk
from mlmon.ingest.features import OVER_CAP, FeatureRead, decode_features, split_feature_fields
from mlmon.ingest.fields import decode_nested, field_map, with_known_keys
from mlmon.ingest.needs import ChunkReducer, Needs, State
from mlmon.ingest.problems import BLANK, STREAM_ERROR, TOO_LONG, IngestStats, ProblemTally
from mlmon.ingest.progress import Meter, meter
from mlmon.ingest.sources import CHUNK_BYTES, Chunk, Discovered, discover, read_chunks

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
    features: tuple[str, ...] = ()
    """``--features``: top-level fields read as input features, besides the ``features``
    object (``mlmon.ingest.features``)."""
    allow_no_records: bool = False
    """True: input with no records, because it is empty or every record lies outside
    ``since``/``until``, is a result (``mlmon check``: the logs stopped), not an error.
    Input whose lines were all unusable is still an error."""

    def __post_init__(self) -> None:
        """Accept the CLI's strings: ``since="2026-11-12"`` or ``"6h"`` (before now),
        ``max_malformed_share="5%"``, ``fields=["latency_s=t.total"]``, ``features="a,b"``;
        naive datetimes are UTC (``mlmon.ingest.time_options``)."""
        from mlmon.ingest.time_options import coerce_ingest_options

        coerce_ingest_options(self)


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
    return LogData(frame=_by_event_time(pl.concat(frames, how="diagonal_relaxed")).lazy(), stats=stats)


def reduce_logs(inputs: Sequence[str], options: IngestOptions | None, reducer: ChunkReducer[State]) -> tuple[State, IngestStats]:
    """Read every input and fold its records into ``reducer``'s state, chunk by chunk.

    Chunks are decoded and reduced by worker threads (polars releases the GIL) while the
    next one is read; a bounded queue keeps a few chunks in memory, and states merge in
    input order. A file found inside a directory that cannot be read is skipped and
    counted; a file named on the command line cannot be skipped. Raises ``InputError``
    when nothing is usable.
    """
    options = options or IngestOptions()
    found = discover(inputs)
    run = _Run(reducer, options)
    run.meter = meter(found.paths)  # None unless someone shows progress (mlmon.ingest.progress)
    unreadable: list[str] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future] = deque()
        try:
            for source in found.paths:
                try:
                    _submit_file(source, run, pool, pending, options.chunk_bytes)
                except InputError as error:
                    if source not in found.in_directories:
                        raise
                    unreadable.append(str(error))
                if run.meter is not None:
                    run.meter.file_done(source)
            while pending:
                run.fold(pending.popleft().result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: stop after the chunks in hand
            raise
    stats = run.stats(found, tuple(unreadable))
    _check_usable(stats, options)
    return run.state if run.state is not None else run.reducer.from_chunk(empty_canonical(run.probabilities, run.columns)), stats


def _submit_file(source: str, run: _Run, pool: ThreadPoolExecutor, pending: deque[Future], chunk_bytes: int) -> None:
    for chunk in read_chunks(source, chunk_bytes):
        run.lines += chunk.lines
        if run.meter is not None:
            run.meter.read(source, len(chunk.data))
        if chunk.too_long:
            run.tally.add(chunk.source, [chunk.first_line], TOO_LONG)
            if chunk.stream_error:
                run.tally.add(chunk.source, [chunk.first_line], STREAM_ERROR)
            continue
        pending.append(pool.submit(run.process, chunk))
        while len(pending) > WORKERS:
            run.fold(pending.popleft().result())


class _Run:
    """One read's shared state: what every chunk is decoded with, the problems found so
    far, and the reducer's state folded in input order."""

    def __init__(self, reducer: ChunkReducer[State], options: IngestOptions) -> None:
        self.reducer, self.options = reducer, options
        needs = reducer.needs
        self.columns = None if needs is None else tuple(dict.fromkeys(("ts", *needs.columns)))
        self.probabilities = needs is not None and needs.probabilities
        overrides, mapped = split_feature_fields(options.fields)
        self.fields = field_map(overrides, with_probabilities=self.probabilities).keeping(self.columns)
        wanted = needs.features if needs is not None else None
        self.features = FeatureRead.of(wanted, options.features, mapped) if wanted is not None else None
        extra = self.features.read_schema() if self.features else {}
        self.schema = {**self.fields.read_schema(), **extra}
        self.typed_schemas = {
            discovering: {**self.fields.typed_schema(), **(self.features.typed_schema(discovering) if self.features else {})}
            for discovering in (False, True)
        }
        self.nested = self.fields.nested_schema(tuple(self.features.paths.values()) if self.features else ())
        self.tally = ProblemTally()
        self.known_keys: dict[str, frozenset[str]] = {}  # per file: the keys that have held values
        self.tidiness: dict[str, Tidiness] = {}  # per file: how untidy its chunks were so far
        self.lines = self.records = self.outside = 0
        self.state: State | None = None
        self.meter: Meter | None = None

    def process(self, chunk: Chunk) -> tuple[State | None, int, int]:
        """Decode, canonicalize and reduce one chunk (in a worker thread); no state for a
        chunk without a record (blank lines only, say), which then costs no plan."""
        if chunk.stream_error:
            self.tally.add(chunk.source, [chunk.first_line + chunk.newlines], STREAM_ERROR)
        known = self.known_keys.get(chunk.source)
        discovering = self.features is not None and self.features.discovers(chunk.first_line)
        full = self.typed_schemas[discovering]
        typed = (with_known_keys(full, known), full) if known else (full,)
        expect = self.tidiness.get(chunk.source, Tidiness.CLEAN)
        decoded, tidiness = decode_chunk(chunk, self.schema, self.tally, typed, expect=expect)
        self.tidiness[chunk.source] = max(expect, tidiness)  # later chunks skip what failed here
        if decoded.height == 0:
            return None, 0, 0
        raw = decode_nested(decoded, self.nested, chunk)
        self.known_keys[chunk.source] = (known or frozenset()) | frozenset(name for name in raw.columns if name in self.schema)
        features = None
        if self.features is not None:
            raw, names, over_cap = decode_features(raw, self.features, discovering, chunk)
            self.tally.add(chunk.source, [], OVER_CAP, count=over_cap)
            features = (self.features, names)
        canonical = canonicalize(
            raw, chunk.source, self.fields, self.tally, with_probabilities=self.probabilities, columns=self.columns, features=features
        )
        kept = _in_time_range(canonical, self.options)
        return self.reducer.from_chunk(kept), kept.height, canonical.height - kept.height

    def fold(self, result: tuple[State | None, int, int]) -> None:
        """Merge one chunk's result into the state (in the main thread, in input order)."""
        chunk_state, kept, dropped = result
        if chunk_state is None:
            return
        self.state = chunk_state if self.state is None else self.reducer.merge(self.state, chunk_state)
        self.records += kept
        self.outside += dropped
        if self.meter is not None:
            self.meter.folded(self.records)

    def stats(self, found: Discovered, unreadable: tuple[str, ...]) -> IngestStats:
        return IngestStats(
            files=found.paths,
            ignored_files=found.ignored,
            unreadable_files=unreadable,
            lines=self.lines - self.tally.counts.pop(BLANK, 0),
            records=self.records,
            outside_time_range=self.outside,
            skipped=dict(self.tally.counts.most_common()),
            examples=self.tally.first_examples(found.paths),
        )


def _by_event_time(data: pl.DataFrame) -> pl.DataFrame:
    """Sorted by ``ts`` once, eagerly, and only when the input was not already in order
    (one file usually is), so analyses never re-sort inside their plans."""
    in_order = data.height < 2 or bool(data.select(pl.col("ts").diff().dt.total_microseconds().min() >= 0).item())
    return data.with_columns(pl.col("ts").set_sorted()) if in_order else data.sort("ts", maintain_order=True)


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
    if stats.records == 0 and not (options.allow_no_records and stats.skipped_lines == 0):
        detail = "; ".join(f"{n} {reason}" for reason, n in stats.skipped.items())
        if stats.outside_time_range:
            detail = f"{stats.outside_time_range} outside --since/--until" + (f"; {detail}" if detail else "")
        first = f" (first: {stats.examples[0]})" if stats.examples else ""
        raise NoUsableRecordsError(f"{where}: no usable records" + (f" ({detail})" if detail else "") + first)
    if stats.malformed_share > options.max_malformed_share:
        reasons = ", ".join(f"{n:,} {reason}" for reason, n in stats.lines_skipped.items())
        raise InputError(
            f"{where}: {stats.skipped_lines:,} of {stats.lines:,} lines ({stats.malformed_share:.1%}) were skipped "
            f"({reasons}), over the {options.max_malformed_share:.0%} limit (--max-malformed); first: {stats.first_skipped_line}"
        )
