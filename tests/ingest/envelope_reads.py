"""Reads of enveloped logs for the envelope tests: every read checks the account
(``entries = records + skipped lines + outside the time range``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest.needs import Needs


def read_accounted(paths: Sequence[Path | str], columns: tuple[str, ...], **options):
    """The records (the canonical ``columns``) and the account of ``paths``, malformed lines allowed."""
    data = read_logs([str(p) for p in paths], IngestOptions(max_malformed_share=1.0, **options), Needs(columns))
    frame, stats = data.frame.collect(), data.stats
    assert stats.entries == stats.records + stats.skipped_lines + stats.outside_time_range
    return frame, stats


def problems(stats) -> list[tuple[int, str]]:
    """The first problems shown, as (line, reason)."""
    return [(p.line, p.reason) for p in stats.examples]
