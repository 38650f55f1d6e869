"""``compare --by`` as every format that tables it shows it (terminal, Markdown, HTML; plain
text, each format escapes and lays it out its own way): the ``By <items>`` table, one row
a group (a column per ``--by`` item, ``(none)`` where its records have no value), with
each side's records in the group, the headline metrics' differences (latency p95 and p99,
the error rate in points, the predicted classes' PSI; ``-`` where a metric had too few
values) and the group's verdict, or ``not compared: no baseline``; the reasons of
the groups' metrics that did not pass, and the line saying what the exit code reads (the
worst of the whole comparison and its groups)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlmon.analyses.group_result import NO_VALUE
from mlmon.render.compare_parts import VERDICT_WORD, difference
from mlmon.render.group_rows import absent_items
from mlmon.verdicts.compare import Verdict, worst

if TYPE_CHECKING:
    from mlmon.analyses.group_result import GroupResult
    from mlmon.api.results import CompareReport
    from mlmon.verdicts.compare import CompareGroup

HEADLINE = (
    ("latency_p95", "p95 diff"),
    ("latency_p99", "p99 diff"),
    ("error_rate", "errors diff"),
    ("predicted_classes", "PSI"),
)
"""The metrics the table shows, by column header."""
BY_NOTE = "baseline, candidate: each side's records in the group; diff: candidate minus baseline"
"""The note under the table."""


def by_title(report: CompareReport) -> str:
    """``By pod`` (``By pod, zone``)."""
    return f"By {', '.join(report.groups[0].by)}"


def by_headers(report: CompareReport) -> list[str]:
    """The ``--by`` items, ``baseline``, ``candidate``, the headline metrics, ``verdict``."""
    return [*report.groups[0].by, "baseline", "candidate", *(header for _, header in HEADLINE), "verdict"]


def by_rows(report: CompareReport) -> list[list[str]]:
    """One row per group, under :func:`by_headers`."""
    return [_row(group) for group in report.groups]


def group_verdict(group: CompareGroup) -> str:
    """``pass``, ``fail``..., or ``not compared: no baseline`` (the side that did not serve
    there; the findings and the JSON say it in full)."""
    if group.verdict is not None:
        return group.verdict.value
    missing = [name for name, side in (("baseline", group.baseline), ("candidate", group.candidate)) if side is None]
    return f"not compared: no {' or '.join(missing)}"


def by_notes(report: CompareReport) -> list[str]:
    """The notes under the table: what its columns hold, and the ``--by`` items no record
    has (a misspelt ``--by``: :func:`~mlmon.render.group_rows.absent_items`)."""
    absent = absent_items(report.groups)  # type: ignore[arg-type]  # reads the items and values only
    return [BY_NOTE, *([absent] if absent else [])]


def overall(report: CompareReport) -> Verdict:
    """The worst of the whole comparison's verdict and its groups' (what the exit code reads)."""
    return worst((report.verdict, *(group.result.verdict for group in report.groups)))


def worst_line(report: CompareReport) -> str:
    """``Worst of the whole comparison and its groups: FAIL (pod=b)``, naming who has it."""
    verdict = overall(report)
    who = ["the whole"] if report.verdict is verdict else []
    who += [group.scope for group in report.groups if group.result.verdict is verdict]
    return f"Worst of the whole comparison and its groups: {VERDICT_WORD[verdict]} ({'; '.join(who)})"


def group_reasons(report: CompareReport) -> list[str]:
    """``pod=b: metric (verdict, critical): why`` for every group's metric that did not pass."""
    return [
        f"{group.scope}: {j.metric} ({j.verdict.value}{', critical' if j.critical else ''}): {j.reason}"
        for group in report.groups
        for j in group.result.judged
        if j.verdict is not Verdict.PASS
    ]


def _row(group: GroupResult[CompareGroup]) -> list[str]:
    found = group.result
    cells = [NO_VALUE if value is None else value for value in group.values]
    cells += [f"{side.records:,}" if side is not None else "0" for side in (found.baseline, found.candidate)]
    effects = {} if found.comparison is None else {e.metric: e for e in found.comparison.effects}
    judged = {j.metric: j.verdict for j in found.judged}
    for metric, _ in HEADLINE:
        effect = effects.get(metric)
        shown = effect is not None and judged.get(metric) not in (None, Verdict.NO_DATA)
        cells.append(difference(effect.difference, effect.unit) if effect is not None and shown else "-")
    return [*cells, group_verdict(found)]
