"""Ingest: the only code that knows about files, compression and log dialects.

``read_logs`` turns paths, directories, globs and ``-`` into one polars LazyFrame of
canonical columns (see ``mlmon.ingest.canonical``) sorted by event time, plus an account of
everything it skipped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from mlmon.errors import InputError, NoUsableRecordsError
from mlmon.ingest.canonical import canonicalize, empty_canonical
from mlmon.ingest.decode import decode_chunk
from mlmon.ingest.fields import decode_nested, field_map, with_known_keys
from mlmon.ingest.problems import BLANK, LINE_REASONS, Problem, ProblemTally
from mlmon.ingest.sources import CHUNK_BYTES, Chunk, discover, read_chunks

__all__ = ["IngestOptions", "IngestStats", "LogData", "Problem", "read_logs"]

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
    with_probabilities: bool = False
    """Also decode the ``probabilities`` column (only drift needs it)."""
    chunk_bytes: int = CHUNK_BYTES
    """Bytes read per chunk; bounds memory."""


@dataclass(frozen=True)
class IngestStats:
    """What was read and what was skipped."""

    files: tuple[str, ...]
    """Files read, in the order given."""
    ignored_files: tuple[str, ...]
    """Files inside directories that were not read because their names do not look like logs."""
    lines: int
    """Non-blank lines read."""
    records: int
    """Records kept: parsed, timestamped and inside ``--since``/``--until``."""
    outside_time_range: int
    """Records dropped by ``--since``/``--until`` (not problems)."""
    skipped: dict[str, int]
    """Problems by reason: whole lines skipped, and values that could not be used."""
    examples: tuple[Problem, ...]
    """The first few problems as ``file:line: reason``."""

    @property
    def skipped_lines(self) -> int:
        """Whole lines skipped (values nulled inside kept records are not counted)."""
        return sum(n for reason, n in self.skipped.items() if reason in LINE_REASONS)

    @property
    def malformed_share(self) -> float:
        return self.skipped_lines / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class LogData:
    """Canonical records and the account of how they were read."""

    frame: pl.LazyFrame
    """Canonical columns, sorted by ``ts``."""
    stats: IngestStats
    """What was read and skipped."""


def read_logs(
    inputs: list[str] | tuple[str, ...],
    options: IngestOptions | None = None,
    columns: tuple[str, ...] | None = None,
    per_chunk: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
) -> LogData:
    """Read every input into canonical records. Raises ``InputError`` when nothing is usable.

    ``columns`` keeps only those canonical columns (``ts`` always): an analysis asks for what
    it uses, so memory holds nothing else. Every value is still checked and counted.
    ``per_chunk`` is a row-wise reduction the analysis applies to each chunk's records as
    they are read (in the workers): the frame then holds its output, which must keep ``ts``.
    ``IngestStats.records`` counts the records before it.
    """
    options = options or IngestOptions()
    if columns is not None:
        columns = tuple(dict.fromkeys(("ts", *columns)))
    fields = field_map(options.fields, with_probabilities=options.with_probabilities).keeping(columns)
    schema, typed_schema, nested = fields.read_schema(), fields.typed_schema(), fields.nested_schema()
    found = discover(inputs)
    tally = ProblemTally()
    frames: list[pl.DataFrame] = []
    lines = 0
    records = 0
    outside = 0

    known_keys: dict[str, frozenset[str]] = {}  # per file: the keys that have held values

    def process(chunk: Chunk) -> tuple[pl.DataFrame, int, int]:
        if chunk.stream_error:
            tally.add(chunk.source, [chunk.first_line + chunk.newlines], "compressed stream truncated")
        known = known_keys.get(chunk.source)
        typed = (with_known_keys(typed_schema, known), typed_schema) if known else (typed_schema,)
        raw = decode_nested(decode_chunk(chunk, schema, tally, typed), nested)
        known_keys[chunk.source] = (known or frozenset()) | frozenset(name for name in raw.columns if name in schema)
        canonical = canonicalize(raw, chunk.source, fields, tally, with_probabilities=options.with_probabilities, columns=columns)
        kept = _in_time_range(canonical, options)
        reduced = per_chunk(kept.lazy()).collect() if per_chunk is not None else kept
        return reduced, kept.height, canonical.height - kept.height

    # Chunks are decoded by workers while the next one is read: polars releases the GIL,
    # and a bounded queue keeps memory at a few chunks. Results stay in file order.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future] = deque()
        for source in found.paths:
            for chunk in read_chunks(source, options.chunk_bytes):
                lines += chunk.newlines + (0 if chunk.data.endswith(b"\n") or not chunk.data else 1)
                pending.append(pool.submit(process, chunk))
                while len(pending) > WORKERS:
                    frame, count, dropped = pending.popleft().result()
                    frames.append(frame)
                    records += count
                    outside += dropped
        for future in pending:
            frame, count, dropped = future.result()
            frames.append(frame)
            records += count
            outside += dropped
    blank = tally.counts.pop(BLANK, 0)
    lines -= blank
    if frames:
        data = pl.concat(frames, how="vertical")
    else:
        empty = empty_canonical(options.with_probabilities, columns)
        data = per_chunk(empty.lazy()).collect() if per_chunk is not None else empty
    stats = IngestStats(
        files=found.paths,
        ignored_files=found.ignored,
        lines=lines,
        records=records,
        outside_time_range=outside,
        skipped=dict(tally.counts.most_common()),
        examples=tally.first_examples(found.paths),
    )
    _check_usable(stats, options)
    return LogData(frame=_by_event_time(data).lazy(), stats=stats)


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
