"""How to read logs: :class:`IngestOptions`, the options every command's read takes (the
``--field``, ``--since``/``--until``, ``--max-malformed``, ``--features`` and ``--engine``
flags), checked by their option specs (:mod:`mlmon.ingest.time_options`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mlmon.ingest.sources import CHUNK_BYTES


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
    Input with more than ``max_malformed_share`` of its lines unusable is still an error."""
    engine: str = "local"
    """Where chunks are reduced: ``local`` (this machine's cores, threads) or ``dask`` (a
    Dask cluster, :mod:`mlmon.ingest.dask_engine`; ``pip install "mlmon[dask]"``). Both
    give the same state and account."""
    scheduler: str | None = None
    """``engine="dask"``: the address of a running scheduler (``tcp://host:8786``); None
    starts a local cluster for the run. Giving one implies ``engine="dask"``."""

    envelope: str = "auto"
    """``--envelope``: how the files' lines are wrapped (``auto``: decided per file from its
    first bytes; ``none``: plain records; or one of :data:`mlmon.options.ENVELOPES`)."""
    by: tuple[str, ...] = ()
    """``--by``: fields the records are grouped by (a dotted path, a key with a dot in it such
    as ``source.pod``, or a shortcut of :data:`mlmon.ingest.names.BY_SHORTCUTS`); read into
    the canonical ``group`` column."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI's flags do, by their option specs: the
        CLI's strings (``since="2026-11-12"`` or ``"6h"`` before now, ``max_malformed_share="5%"``,
        ``fields=["latency_s=t.total"]``, ``features="a,b"``) and typed values alike; naive
        datetimes are UTC. ``OptionError`` (a ``ValueError``) names the field and its flag
        (``mlmon.ingest.time_options``)."""
        from mlmon.ingest.time_options import coerce_ingest_options

        coerce_ingest_options(self)
