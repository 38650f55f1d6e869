"""Terminal table of a run split by ``--by``: one row per group (a column per ``--by``
item, ``(none)`` where the records have no value), with its records, requests, latency
percentiles and error rate, so a slow pod stands out.

An item no record has is named below the table (a misspelt ``--by``). Columns dropped
as the width shrinks (first listed goes first): records, p50, p95,
requests; an item's column after the first folds under the one before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import RenderableType

from mlmon.analyses.group_result import NO_VALUE
from mlmon.render.human import fmt_latency_in, fmt_pct, latency_unit
from mlmon.render.terminal_fit import Col, fit_table, para
from mlmon.render.terminal_parts import title

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.ops_types import OpsSummary


def groups_table(groups: Sequence[GroupResult[OpsSummary]], width: int) -> list[RenderableType]:
    """``By <items>``: a row per group."""
    by = groups[0].by
    unit, factor = latency_unit(
        v for g in groups for v in (g.result.latency.p50_ms, g.result.latency.p95_ms, g.result.latency.p99_ms)
    )
    cols = [
        *(
            Col(item, "left", drop=5, fold=by[index - 1]) if index else Col(item, "left")
            for index, item in enumerate(by)
        ),
        Col("records", drop=1),
        Col("requests", drop=4),
        Col(f"p50 {unit}", drop=2),
        Col(f"p95 {unit}", drop=3),
        Col(f"p99 {unit}"),
        Col("errors"),
    ]
    rows = []
    for group in groups:
        s = group.result
        rows.append(
            [
                *(NO_VALUE if value is None else value for value in group.values),
                f"{s.records:,}",
                f"{s.errors.requests:,}",
                fmt_latency_in(s.latency.p50_ms, factor),
                fmt_latency_in(s.latency.p95_ms, factor),
                fmt_latency_in(s.latency.p99_ms, factor),
                fmt_pct(s.errors.rate),
            ]
        )
    parts: list[RenderableType] = [title(f"By {', '.join(by)}"), fit_table(cols, rows, width)]
    absent = [item for index, item in enumerate(by) if all(g.values[index] is None for g in groups)]
    if absent:
        parts.append(para(f"no record has {', '.join(absent)}: a misspelt --by?", width, "yellow"))
    return parts
