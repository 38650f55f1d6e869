"""The checks of a whole read: records to use, and not too many lines skipped."""

from __future__ import annotations

from mlmon.errors import InputError, NoUsableRecordsError
from mlmon.ingest.census import timestamp_hint
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import NOT_MALFORMED, IngestStats


def check_usable(stats: IngestStats, options: IngestOptions) -> None:
    """Raise when more than ``options.max_malformed_share`` of the lines were skipped, or
    when no record is usable, unless the run allows that (``options.allow_no_records``:
    ``check``, where logs that stopped are a ``no_data`` breach) and the lines skipped are
    within the share: logs whose every record lies outside ``--since``, plus a stray
    malformed line (most real logs have one), have stopped; they are not an input error."""
    where = ", ".join(stats.files) if len(stats.files) <= 3 else f"{len(stats.files)} files"
    within = stats.malformed_share <= options.max_malformed_share
    if stats.records == 0 and not (options.allow_no_records and within):
        detail = "; ".join(f"{n} {reason}" for reason, n in stats.skipped.items())
        if stats.outside_time_range:
            detail = f"{stats.outside_time_range} outside --since/--until" + (f"; {detail}" if detail else "")
        first = f" (first: {stats.examples[0]})" if stats.examples else ""
        raise NoUsableRecordsError(
            f"{where}: no usable records" + (f" ({detail})" if detail else "") + first + timestamp_hint(stats)
        )
    if not within:
        reasons = ", ".join(
            f"{n:,} {reason}" for reason, n in stats.lines_skipped.items() if reason not in NOT_MALFORMED
        )
        raise InputError(
            f"{where}: {stats.malformed_lines:,} of {stats.lines:,} lines ({stats.malformed_share:.1%}) were skipped "
            f"({reasons}), over the {options.max_malformed_share:.0%} limit (--max-malformed); first: "
            f"{stats.first_skipped_line}"
        )
