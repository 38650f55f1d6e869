"""Terminal table of a run split by ``--by``: one row per group (a column per ``--by``
item, ``(none)`` where the records have no value), with its records, requests, latency
percentiles and error rate, so a slow pod stands out (the rows:
:mod:`mlmon.render.group_rows`).

An item no record has is named below the table (a misspelt ``--by``). Columns dropped
as the width shrinks (first listed goes first): records, p50, p95,
requests; an item's column after the first folds under the one before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import RenderableType

from mlmon.render.group_rows import absent_items, group_cells, group_headers
from mlmon.render.terminal_fit import Col, fit_table, para
from mlmon.render.terminal_parts import title

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.ops_types import OpsSummary

DROP = {"records": 1, "requests": 4, "p50": 2, "p95": 3}
"""When a figure's column goes as the width shrinks (1 first); the others stay."""


def groups_table(groups: Sequence[GroupResult[OpsSummary]], width: int) -> list[RenderableType]:
    """``By <items>``: a row per group."""
    by = groups[0].by
    headers, factor = group_headers(groups)
    cols = [
        *(
            Col(item, "left", drop=5, fold=by[index - 1]) if index else Col(item, "left")
            for index, item in enumerate(by)
        ),
        *(Col(name, drop=DROP.get(name.split()[0], 0)) for name in headers[len(by) :]),
    ]
    rows = [group_cells(group, factor) for group in groups]
    parts: list[RenderableType] = [title(f"By {', '.join(by)}"), fit_table(cols, rows, width)]
    absent = absent_items(groups)
    if absent:
        parts.append(para(absent, width, "yellow"))
    return parts
