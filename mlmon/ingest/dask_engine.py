"""Reading logs on a Dask cluster (``--engine dask``, ``pip install "mlmon[dask]"``).

The same contract as the local engine (:mod:`mlmon.ingest.outcome`), spread over workers:

1. the client takes the files as they were discovered, never looked for again
   (:func:`~mlmon.ingest.reader.reduce_logs`), and cuts each plain file into
   newline-aligned blocks with ``dask.bytes.read_bytes(path, delimiter=b"\\n",
   blocksize=...)``; a compressed file is one task, since decompression is sequential;
2. each task splits its block into chunks of ``CHUNK_BYTES`` and reduces them with
   :func:`~mlmon.ingest.outcome.process_chunk`, the local engine's own code, into one
   :class:`~mlmon.ingest.outcome.ChunkOutcome`, whose line numbers count from the block's
   start;
3. ``Bag.reduction(..., split_every=8)`` tree-merges the outcomes in input order with
   :func:`~mlmon.ingest.outcome.merge_outcomes`, which is associative, so line numbers,
   examples and states come out as one sequential read would give them;
4. the client finishes the outcome into ``(state, IngestStats)``, with the same checks.

Only states and counts travel between workers, never records. Workers must see the files
at the same paths (shared storage) and have mlmon installed. Standard input, a pipe or a
FIFO (``<(zcat ...)``) cannot be read this way: each can be read once, by one process, and
a worker would open another one (a usage error names it). A scheduler address
(``--scheduler tcp://host:8786``) uses a running cluster; without one, a
``distributed.LocalCluster`` is started for the run and closed after it: one worker
process per 4 cores, each with polars on its share (:func:`local_cluster_shape`).
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any

from mlmon.errors import InputError, UsageError
from mlmon.ingest.discovery import Discovered
from mlmon.ingest.needs import ChunkReducer, State
from mlmon.ingest.outcome import EMPTY, ChunkOutcome, ChunkPlan, finish_outcome, merge_outcomes, process_chunk
from mlmon.ingest.problems import IngestStats
from mlmon.ingest.sniff import is_regular
from mlmon.ingest.sources import CHUNK_BYTES, STDIN, envelope_of, is_plain_file, read_chunks, split_stream

BLOCK_BYTES = 64 << 20
"""Bytes per Dask block: large enough that a task's fixed cost (scheduling, shipping the
plan and the outcome) is small against its work, small enough to spread a file over many
workers. A task holds one ``CHUNK_BYTES`` chunk's records at a time, not the block's."""
SPLIT_EVERY = 8
"""Outcomes merged per task of the tree reduction."""


@dataclass(frozen=True)
class DaskEngine:
    """Where and how a Dask read runs."""

    scheduler: str | None = None
    """Address of a running scheduler (``tcp://host:8786``); None starts a local cluster."""
    block_bytes: int = BLOCK_BYTES
    """Bytes per block of a plain file."""
    split_every: int = SPLIT_EVERY
    """Outcomes merged per task of the tree reduction."""


def reduce_logs_dask(found: Discovered, plan: ChunkPlan[State], engine: DaskEngine) -> tuple[State, IngestStats]:
    """Read the logs of ``found`` (:func:`~mlmon.ingest.discovery.discover`, no summary
    among them) on a Dask cluster and fold them into ``plan.reducer``'s state: the same
    ``(state, IngestStats)`` as the local engine, line numbers included."""
    dask, bag, read_bytes = _dask_modules()
    for path in found.paths:
        if path == STDIN:
            raise UsageError("--engine dask reads files, not standard input (-): use --engine local")
        if not is_regular(path):  # its workers would open another pipe, or another process' /dev/fd
            raise UsageError(
                f"--engine dask reads files its workers open, not a pipe or FIFO: {path}: use --engine local"
            )
    parts: list[Any] = []
    unreadable: list[str] = []
    shared = dask.delayed(plan, traverse=False)  # one copy of the plan in the graph, not one per block
    for path in found.paths:
        try:
            parts.extend(_file_parts(path, shared, engine, dask, read_bytes, plan.options.envelope))
        except InputError as error:
            if path not in found.in_directories:
                raise
            unreadable.append(str(error))
    merge_all = partial(_merge_all, plan.reducer)
    with _Connection(engine):
        outcome = (
            bag.from_delayed(parts).reduction(merge_all, merge_all, split_every=engine.split_every).compute()
            if parts
            else EMPTY
        )
    return finish_outcome(outcome, plan, found, tuple(unreadable))


def _file_parts(path: str, plan: Any, engine: DaskEngine, dask: Any, read_bytes: Any, envelope: str) -> list[Any]:
    """The delayed outcomes of one file, in order: one per block of a plain file, one for a
    compressed file or one in an envelope."""
    if not is_plain_file(path) or envelope_of(path, envelope) is not None:
        return [dask.delayed(_compressed_outcome)(plan, path)]
    if os.path.getsize(path) == 0:
        return []
    _, blocks = read_bytes(os.path.abspath(path), delimiter=b"\n", blocksize=engine.block_bytes, sample=False)
    return [dask.delayed(_block_outcome)(plan, path, block, index == 0) for index, block in enumerate(blocks[0])]


def _block_outcome(plan: ChunkPlan[State], source: str, block: bytes, first: bool) -> list[ChunkOutcome[State]]:
    """A block's outcome (a one-item partition), chunk by chunk; the file's byte-order mark
    and first-chunk discovery belong to its first block only."""
    chunks = split_stream(source, io.BytesIO(block), CHUNK_BYTES, starts_file=first, strip_bom=first)
    return [_fold(plan, chunks)]


def _compressed_outcome(plan: ChunkPlan[State], source: str) -> list[ChunkOutcome[State]]:
    """A file read in order: compressed, or wrapped in an envelope."""
    return [_fold(plan, read_chunks(source, CHUNK_BYTES, plan.options.envelope))]


def _fold(plan: ChunkPlan[State], chunks: Any) -> ChunkOutcome[State]:
    return reduce(lambda done, chunk: merge_outcomes(done, process_chunk(plan, chunk), plan.reducer), chunks, EMPTY)


def _merge_all(reducer: ChunkReducer[State], outcomes: Any) -> ChunkOutcome[State]:
    """The in-order merge of a run of outcomes (a partition's, or a reduction level's)."""
    return reduce(partial(_merge_two, reducer), outcomes, EMPTY)


def _merge_two(
    reducer: ChunkReducer[State], first: ChunkOutcome[State], then: ChunkOutcome[State]
) -> ChunkOutcome[State]:
    return merge_outcomes(first, then, reducer)


def dask_session(engine: DaskEngine) -> Any:
    """A context in which every Dask read of a run shares one client (and one local
    cluster): ``mlmon.api.inputs`` holds one around a run that reads several groups of
    logs between summaries."""
    return _Connection(engine)


class _Connection:
    """A client for the run: the caller's own (a ``distributed.Client`` already made, on
    ``engine.scheduler`` when one is named), else one connected to ``engine.scheduler``, or
    to a local cluster started here; what was started here is closed afterwards."""

    def __init__(self, engine: DaskEngine) -> None:
        self.engine = engine
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Any:
        from distributed import Client, LocalCluster, default_client

        with contextlib.suppress(ValueError):  # no client yet
            client = default_client()
            if self.engine.scheduler in (None, client.scheduler.address):
                return client
        try:
            if self.engine.scheduler:
                self.client = Client(self.engine.scheduler, timeout="10s")
            else:
                workers, threads = local_cluster_shape(os.cpu_count() or 1)
                self.cluster = LocalCluster(
                    n_workers=workers,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=None,
                    env={
                        "POLARS_MAX_THREADS": str(threads),
                        "_RJEM_MALLOC_CONF": os.environ.get("_RJEM_MALLOC_CONF", "narenas:4"),
                    },
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as error:
            self.__exit__()
            raise InputError(f"--scheduler {self.engine.scheduler}: cannot connect ({error})") from None
        return self.client

    def __exit__(self, *_: object) -> None:
        for closable in (self.client, self.cluster):
            if closable is not None:
                closable.close()


def local_cluster_shape(cores: int) -> tuple[int, int]:
    """Worker processes and polars threads per worker for a local cluster on ``cores``
    cores: one process per 4 cores, each with polars on its share, so the cores are used
    once (a process per core with polars' default of a thread per core would put
    cores² threads on them) and the interpreter and polars are loaded a few times, not
    once per core."""
    workers = max(1, cores // 4)
    return workers, max(1, cores // workers)


def _dask_modules() -> tuple[Any, Any, Any]:
    try:
        import dask
        import dask.bag as bag
        from dask.bytes import read_bytes
    except ImportError:
        raise UsageError('--engine dask needs Dask: pip install "mlmon[dask]"') from None
    return dask, bag, read_bytes
