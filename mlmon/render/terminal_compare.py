"""``mlmon compare`` in the terminal: the verdict in a headline (the candidate against the
baseline over the compared period), what was read, the two sides side by side (records,
requests, share of traffic, errors, predictions, when each served), one row per metric
(both sides' figures, the difference with its 95% interval, the verdict; critical metrics
marked ``*``), the per-class shares, the shadow traffic's agreement and flip matrix
(baseline classes down, candidate classes across) when requests were answered by both,
and why each metric that did not pass did not. With ``--by``, after the metrics the
``By <items>`` table (:mod:`mlmon.render.compare_groups`: a row per group, its verdict
coloured) and the line naming the worst verdict of the whole and the groups; the groups'
reasons join the whole's.

Figures as :mod:`mlmon.render.compare_parts` writes them for every format. As the width
shrinks, the metrics' interval folds under the difference (and the classes' goes), then
the metrics' baseline and candidate figures go; the reasons wrap."""

from __future__ import annotations

from rich import box
from rich.console import RenderableType
from rich.text import Text

from mlmon.api.results import CompareReport
from mlmon.render.compare_groups import by_headers, by_notes, by_rows, by_title, group_reasons, worst_line
from mlmon.render.compare_parts import (
    CLASS_HEADERS,
    CRITICAL_NOTE,
    OUTSIDE,
    VERDICT_SEVERITY,
    agreement_line,
    class_rows,
    flip_matrix,
    headline,
    metric_rows,
    reasons,
    side_rows,
)
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.render.terminal_parts import SEVERITY_STYLE, ingest_lines, title
from mlmon.verdicts.compare import Verdict

TABLE = {"box": box.SIMPLE_HEAD, "padding": (0, 1)}


def compare_parts(report: CompareReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of a comparison, in order."""
    style = SEVERITY_STYLE[VERDICT_SEVERITY[report.verdict]]
    parts: list[RenderableType] = [
        para(headline(report), width, f"bold {style}"),
        *ingest_lines(report.ingest, width, OUTSIDE),
    ]
    parts += [_sides(report, width), title("Metrics"), _metrics(report, width), para(CRITICAL_NOTE, width, "dim")]
    if report.groups:
        parts += _groups(report, width)
    if report.comparison.classes:
        parts += [title("Predicted classes (share of each side's predictions)"), _classes(report, width)]
    agreement = report.comparison.agreement
    if agreement is not None:
        parts += [title("Shadow traffic"), para(agreement_line(agreement), width)]
        cols, rows = flip_matrix(agreement)
        header = [Col("baseline \\ candidate", "left"), *(Col(c) for c in cols)]
        parts.append(fit_table(header, rows, width, **TABLE))
    why = reasons(report) + group_reasons(report)
    if why:
        parts += [title("Why")] + [para(line, width) for line in why]
    return parts


def _groups(report: CompareReport, width: int) -> list[RenderableType]:
    """``By <items>``: a row per group, its verdict coloured; then what the exit code reads."""
    headers = by_headers(report)
    items = len(report.groups[0].by)
    cols = [
        *(Col(h, "left", drop=5, fold=headers[i - 1]) if i else Col(h, "left") for i, h in enumerate(headers[:items])),
        *(Col(h, drop=drop) for h, drop in zip(headers[items:-1], (4, 4, 2, 0, 3, 1), strict=True)),
        Col(headers[-1], "left", flex=True, min_width=12),
    ]
    rows: list[list[str | Text]] = []
    for group, cells in zip(report.groups, by_rows(report), strict=True):
        verdict = group.result.verdict
        style = "dim" if verdict is None else SEVERITY_STYLE[VERDICT_SEVERITY[verdict]]
        rows.append([*cells[:-1], Text(cells[-1], style=style)])
    return [
        title(by_title(report)),
        fit_table(cols, rows, width, **TABLE),
        *(para(line, width, "dim") for line in by_notes(report)),
        para(worst_line(report), width, "bold"),
    ]


def _sides(report: CompareReport, width: int) -> RenderableType:
    cols = [
        Col("", "left"),
        Col(f"baseline {report.baseline.name}"),
        Col(f"candidate {report.candidate.name}"),
    ]
    return fit_table(cols, side_rows(report), width, **TABLE)


def _metrics(report: CompareReport, width: int) -> RenderableType:
    cols = [
        Col("metric", "left"),
        Col("baseline", drop=2),
        Col("candidate", drop=2),
        Col("difference"),
        Col("95% CI", drop=1, fold="difference"),
        Col("verdict", "left"),
    ]
    rows = []
    for row in metric_rows(report):
        cells: list[str | Text] = list(row.cells())
        cells[-1] = _verdict(row.verdict, row.critical)
        rows.append(cells)
    return fit_table(cols, rows, width, **TABLE)


def _verdict(verdict: Verdict, critical: bool) -> Text:
    style = SEVERITY_STYLE[VERDICT_SEVERITY[verdict]]
    if verdict is Verdict.FAIL and not critical:
        style = "red"
    return Text(verdict.value, style=style)


def _classes(report: CompareReport, width: int) -> RenderableType:
    cols = [Col(CLASS_HEADERS[0], "left"), *(Col(h) for h in CLASS_HEADERS[1:4]), Col(CLASS_HEADERS[4], drop=1)]
    return fit_table(cols, class_rows(report), width, **TABLE)
