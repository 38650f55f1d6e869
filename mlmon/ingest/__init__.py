"""Ingest room: the only code that knows about files, compression and log dialects.

It turns paths, directories, globs and ``-`` into canonical columns chunk by chunk
(``mlmon.ingest.canonical``), hands each chunk to the analysis that asked for it
(:class:`~mlmon.ingest.needs.Needs`, :func:`reduce_logs`) and counts everything it skipped
(:class:`IngestStats`). Training tables (CSV, Parquet, JSON lines) are read here too
(``mlmon.ingest.tables``), and tables of ground truth (``mlmon.ingest.label_tables``).
It may import the leaves (errors, units) and nothing above.

Exports load on first use, so importing :class:`IngestStats` or :class:`Needs` does not load
polars.
"""

from __future__ import annotations

from mlmon.exports import lazy_exports

_EXPORTS = {
    "IngestOptions": "mlmon.ingest.options",
    "LogData": "mlmon.ingest.reader",
    "read_logs": "mlmon.ingest.reader",
    "reduce_logs": "mlmon.ingest.reader",
    "IngestStats": "mlmon.ingest.problems",
    "Problem": "mlmon.ingest.problems",
    "Needs": "mlmon.ingest.needs",
    "read_table": "mlmon.ingest.tables",
    "LabelTable": "mlmon.ingest.label_tables",
    "read_label_table": "mlmon.ingest.label_tables",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
