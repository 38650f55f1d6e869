"""Reading: paths, directories, globs and ``-`` to canonical records, chunk by chunk.

``reduce_logs`` folds every chunk into an analysis' partial state (the analyses room),
from the inputs as given or from the files a run already discovered (:mod:`mlmon.api.inputs`
looks for and at each input once, then reduces its logs); ``read_logs`` keeps the records
themselves, for tests and small reads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import polars as pl

from mlmon.errors import InputError
from mlmon.ingest.chunks import Chunk, FileSpan
from mlmon.ingest.discovery import Discovered, discover, refuse_summaries
from mlmon.ingest.needs import ChunkReducer, Needs, State
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.outcome import EMPTY, ChunkOutcome, ChunkPlan, Hints, finish_outcome, merge_outcomes, process_chunk
from mlmon.ingest.problems import IngestStats, Problems
from mlmon.ingest.progress import Meter, meter
from mlmon.ingest.sniff import release
from mlmon.ingest.sources import plan_chunks
from mlmon.ingest.unwrap import envelope_contexts
from mlmon.options import options_of

IN_FLIGHT_BYTES = 32 << 20
"""The byte budget of chunks held at once, at any core count: chunks being decoded, and
chunks read from a compressed file or a pipe that wait for a worker (a plain file's queued
spans hold no bytes): two chunks of 16 MiB (``CHUNK_BYTES``), as four of 8 MiB were before
(measured on 2 cores before reads moved to the workers: 1.70 s with 2 chunks of 8 MiB, 1.55 s
with 4, no better with 6 or 8 for 1M records). Polars parallelises inside each chunk's read,
so more cores need no more chunks; each chunk costs its bytes and their decoded frames
(about 12 MB of peak RSS per 8 MiB on 2 cores), so this keeps peak memory flat in the core
count."""


def in_flight_chunks(chunk_bytes: int) -> int:
    """Chunks decoded at once: twice polars' threads, within :data:`IN_FLIGHT_BYTES`."""
    return max(1, min(2 * pl.thread_pool_size(), IN_FLIGHT_BYTES // max(chunk_bytes, 1)))


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

    def finalize(self, state: list[pl.DataFrame]) -> pl.DataFrame:
        """Every chunk's records as one frame sorted by event time."""
        return _by_event_time(pl.concat(state, how="diagonal_relaxed"))


def read_logs(inputs: Sequence[str], options: IngestOptions | None = None, needs: Needs | None = None) -> LogData:
    """Every record's canonical columns (all of them, or ``ts`` and those of ``needs``) as
    one frame sorted by event time. Memory grows with the input: analyses use
    :func:`reduce_logs`. Raises ``InputError`` when nothing is usable."""
    reducer = _Frames(needs)
    frames, stats = reduce_logs(inputs, options, reducer)
    return LogData(frame=reducer.finalize(frames).lazy(), stats=stats)


def reduce_logs(
    inputs: Sequence[str] | Discovered,
    options: IngestOptions | None,
    reducer: ChunkReducer[State],
) -> tuple[State, IngestStats]:
    """Read the logs of ``inputs`` and fold their records into ``reducer``'s state, chunk by
    chunk. ``inputs`` are paths, directories, globs or ``-``, discovered here
    (:func:`.discovery.discover`), or the files a run already discovered (a
    :class:`~.discovery.Discovered`: never looked for or at again).

    The main thread only plans chunks (a plain file's cuts from short probes; compressed
    files and pipes are read in order, as decompression must be); worker threads read,
    count, decode and reduce them (:func:`~mlmon.ingest.outcome.process_chunk`; polars,
    numpy and ``os.pread`` release the GIL), at most :func:`in_flight_chunks` at a time,
    and their outcomes merge in input order. A file found inside a directory
    (:attr:`Discovered.in_directories`) that cannot be read is skipped and counted; a file
    named on the command line cannot be skipped. Raises ``InputError`` when nothing is
    usable, or naming a summary among them (only ``mlmon.api.inputs`` merges them).
    """
    found = inputs if isinstance(inputs, Discovered) else _discovered(inputs)
    options = options_of(IngestOptions, options)  # a dict of its fields works too
    try:
        refuse_summaries(found)
        plan = ChunkPlan.of(reducer, options)
        if contexts := envelope_contexts(found.paths, options.envelope):
            plan = replace(plan, contexts=contexts)
        if options.engine == "dask":
            from mlmon.ingest.dask_engine import DaskEngine, reduce_logs_dask

            return reduce_logs_dask(found, plan, DaskEngine(options.scheduler))
        outcome, unreadable = _LocalRead(plan, found).run()
        return finish_outcome(outcome, plan, found, unreadable)
    finally:
        release(found.paths)  # a pipe held for a look but never read (a failure before it)


def reduce_chunk(
    chunk: Chunk, options: IngestOptions | None, reducer: ChunkReducer[State], hints: Hints | None = None
) -> tuple[State, IngestStats]:
    """One chunk of whole lines already in memory (``mlmon watch``'s lines appended to a
    followed file) folded into ``reducer``'s state as :func:`reduce_logs` folds a file's
    chunk (:func:`~mlmon.ingest.outcome.process_chunk`, :func:`~mlmon.ingest.outcome.finish_outcome`),
    its problems numbered as the file's lines from ``chunk.first_line``. ``hints``: kept
    by the caller across a file's chunks (speed only). Raises ``InputError`` as a read
    does (no record, too many malformed lines) unless ``options`` allow it."""
    plan = ChunkPlan.of(reducer, options_of(IngestOptions, options))
    outcome = process_chunk(plan, chunk, hints)
    problems = Problems().then(outcome.problems, {chunk.source: chunk.first_line - 1})
    return finish_outcome(replace(outcome, problems=problems), plan, Discovered((chunk.source,), ()))


def _discovered(inputs: Sequence[str]) -> Discovered:
    inputs = list(inputs)
    try:
        return discover(inputs)
    except BaseException:
        release(inputs)  # a pipe held for a look but never read
        raise


class _LocalRead:
    """One read on this machine's cores: chunks planned here, processed by a thread pool,
    folded in input order."""

    def __init__(self, plan: ChunkPlan, found: Discovered) -> None:
        self.plan, self.found = plan, found
        self.window = in_flight_chunks(plan.options.chunk_bytes)
        self.hints = Hints()
        self.meter: Meter | None = meter(found.paths)  # None unless someone shows progress
        self.outcome: ChunkOutcome = EMPTY
        self.unreadable: dict[str, str] = {}
        self.pending: deque[tuple[str, Future]] = deque()

    def run(self) -> tuple[ChunkOutcome, tuple[str, ...]]:
        with ThreadPoolExecutor(max_workers=self.window) as pool:
            try:
                for source in self.found.paths:
                    self._submit_file(source, pool)
                while self.pending:
                    self._fold()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: stop after the chunks in hand
                raise
        return self.outcome, tuple(self.unreadable.values())

    def _submit_file(self, source: str, pool: ThreadPoolExecutor) -> None:
        for chunk in self._planned(source):
            if self.meter is not None:
                self.meter.read(source, chunk.length if isinstance(chunk, FileSpan) else len(chunk.data))
            self.pending.append((source, pool.submit(process_chunk, self.plan, chunk, self.hints)))
            # A queued span holds no bytes (its worker reads it), so twice as many may
            # wait: a slow chunk at the head of the line then leaves no worker idle.
            while len(self.pending) > (2 * self.window if isinstance(chunk, FileSpan) else self.window):
                self._fold()
        if self.meter is not None:
            self.meter.file_done(source)

    def _planned(self, source: str) -> Iterator[Chunk | FileSpan]:
        """``source``'s chunks; a failure to open or read it is skipped where allowed
        (only failures of this file: a fold's failure is another file's)."""
        try:
            yield from plan_chunks(source, self.plan.options.chunk_bytes, self.plan.options.envelope)
        except InputError as error:
            self._skip(source, error)

    def _fold(self) -> None:
        """Merge the oldest chunk's outcome (in the main thread, in input order)."""
        source, future = self.pending.popleft()
        try:
            outcome = future.result()
        except InputError as error:  # a span that could not be read after all
            self._skip(source, error)
            return
        if source in self.unreadable:
            return
        self.outcome = merge_outcomes(self.outcome, outcome, self.plan.reducer)
        if self.meter is not None:
            self.meter.folded(self.outcome.records)

    def _skip(self, source: str, error: InputError) -> None:
        if source not in self.found.in_directories:
            raise error
        self.unreadable.setdefault(source, str(error))


def _by_event_time(data: pl.DataFrame) -> pl.DataFrame:
    """Sorted by ``ts`` once, eagerly, and only when the input was not already in order
    (one file usually is), so analyses never re-sort inside their plans."""
    in_order = data.height < 2 or bool(data.select(pl.col("ts").diff().dt.total_microseconds().min() >= 0).item())
    return data.with_columns(pl.col("ts").set_sorted()) if in_order else data.sort("ts", maintain_order=True)
