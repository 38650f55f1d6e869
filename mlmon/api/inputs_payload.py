"""``inputs``: the account of a read as every log-reading command's JSON gives it."""

from __future__ import annotations

from typing import Any

from mlmon.ingest.problems import IngestStats


def ingest_payload(stats: IngestStats) -> dict[str, Any]:
    """``inputs``: what was read and skipped, as every log-reading command gives it."""
    return {
        "files": list(stats.files),
        "ignored_files": list(stats.ignored_files),
        "unreadable_files": list(stats.unreadable_files),
        "mlmon_files": list(stats.mlmon_files),
        "lines": stats.lines,
        "records": stats.records,
        "outside_time_range": stats.outside_time_range,
        "skipped_lines": stats.skipped_lines,
        "lines_skipped": stats.lines_skipped,
        "values_not_used": stats.values_not_used,
        "examples": [str(p) for p in stats.examples],
        **_envelopes(stats),
    }


def _envelopes(stats: IngestStats) -> dict[str, Any]:
    """``entries`` and ``envelopes`` (file: envelope, lines, items), only when some file was
    read through an envelope."""
    if not stats.envelopes:
        return {}
    files = {
        source: {"envelope": r.envelope, "lines": r.lines, "items": r.items} for source, r in stats.envelopes.items()
    }
    return {"entries": stats.entries, "envelopes": files}
