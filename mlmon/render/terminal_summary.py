"""The one line ``mlmon summarize`` writes on stderr once the summary is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlmon.render.human import wrote_line

if TYPE_CHECKING:
    from mlmon.summary.files import Summary


def summary_line(summary: Summary, target: str, size: int) -> str:
    """``wrote host-a.summary.json (707 kB): 3,783 records from 1 file, 1h windows,
    8 features of train.json; skipped 1 malformed JSON``."""
    stats, settings = summary.stats, summary.settings
    files = f"{len(stats.files):,} file{'' if len(stats.files) == 1 else 's'}"
    parts = [f"{stats.records:,} records from {files}", settings.window.describe()]
    if settings.reference is not None:
        parts.append(f"{len(settings.reference.features)} features of {settings.reference.source}")
    else:
        parts.append("no feature states (no --reference)")
    line = wrote_line(target, size, ", ".join(parts))
    skipped = stats.lines_skipped | stats.values_not_used
    if skipped:
        line += "; skipped " + ", ".join(f"{n:,} {reason}" for reason, n in skipped.items())
    return line
