"""The rows of ``report --by``'s ``By <items>`` table, one place for every format that
tables the groups (terminal, Markdown, HTML): a column per ``--by`` item (``(none)`` where
the group's records have no value), then records, requests, p50/p95/p99 latency in the
unit :func:`~mlmon.render.human.latency_unit` picks for the whole column, and the error
rate. Plain text: each format escapes and lays it out its own way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlmon.analyses.group_result import NO_VALUE
from mlmon.render.human import fmt_latency_in, fmt_pct, latency_unit

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.ops_types import OpsSummary


def group_headers(groups: Sequence[GroupResult[OpsSummary]]) -> tuple[list[str], float]:
    """The column headers (the ``--by`` items, records, requests, ``p50 ms``, ``p95 ms``,
    ``p99 ms``, errors) and the factor from milliseconds to the latencies' unit."""
    unit, factor = latency_unit(
        v for g in groups for v in (g.result.latency.p50_ms, g.result.latency.p95_ms, g.result.latency.p99_ms)
    )
    return [*groups[0].by, "records", "requests", f"p50 {unit}", f"p95 {unit}", f"p99 {unit}", "errors"], factor


def group_cells(group: GroupResult[OpsSummary], factor: float) -> list[str]:
    """One group's row: its values, then its figures (latencies times ``factor``)."""
    s = group.result
    return [
        *(NO_VALUE if value is None else value for value in group.values),
        f"{s.records:,}",
        f"{s.errors.requests:,}",
        fmt_latency_in(s.latency.p50_ms, factor),
        fmt_latency_in(s.latency.p95_ms, factor),
        fmt_latency_in(s.latency.p99_ms, factor),
        fmt_pct(s.errors.rate),
    ]


def absent_items(groups: Sequence[GroupResult[OpsSummary]]) -> str | None:
    """The note naming the ``--by`` items no record has (a misspelt ``--by``), or None."""
    by = groups[0].by
    absent = [item for index, item in enumerate(by) if all(g.values[index] is None for g in groups)]
    return f"no record has {', '.join(absent)}: a misspelt --by?" if absent else None
