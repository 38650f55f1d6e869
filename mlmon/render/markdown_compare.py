"""``mlmon compare`` in Markdown (``--format markdown``; :mod:`mlmon.render.markdown` calls
it under its heading): the verdict in bold on top with the compared period, what was read,
the two sides side by side, one table row per metric (both sides' figures, the
difference, its 95% interval and the verdict, bold when not a pass; critical metrics
marked ``*``), the per-class shares, the shadow traffic's agreement and flip matrix, and
the reasons of every metric that did not pass (with ``--by``, a ``### By <items>`` table
after the metrics, and the groups' reasons too). The same pieces as the terminal
(:mod:`mlmon.render.compare_parts`); every text from the logs escaped by the ``cell``
function the caller passes (:func:`mlmon.render.markdown.cell`: that module imports this
one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mlmon.api.results import CompareReport
from mlmon.render.compare_groups import by_headers, by_notes, by_rows, by_title, group_reasons, worst_line
from mlmon.render.compare_parts import (
    CLASS_HEADERS,
    CRITICAL_NOTE,
    METRIC_HEADERS,
    VERDICT_WORD,
    agreement_line,
    class_rows,
    flip_matrix,
    headline,
    metric_rows,
    reasons,
    side_rows,
)
from mlmon.verdicts.compare import Verdict


def compare_lines(report: CompareReport, cell: Callable[[object], str]) -> list[str]:
    """The lines after the heading, text escaped by ``cell``."""
    word = VERDICT_WORD[report.verdict]
    rest = headline(report).removeprefix(f"{word}: ")
    ingest = report.ingest
    files = len(ingest.files)
    lines = [f"**{word}**: {cell(rest)}", ""]
    lines += [f"- records read: {ingest.records:,} from {files:,} file{'' if files == 1 else 's'}", ""]
    names = ["", f"baseline {report.baseline.name}", f"candidate {report.candidate.name}"]
    lines += [*_table(cell, names, side_rows(report), range(1, 3)), ""]
    rows = []
    for row in metric_rows(report):
        cells = row.cells()
        if row.verdict is not Verdict.PASS:
            cells[-1] = f"**{cells[-1]}**"
        rows.append(cells)
    lines += [
        "### Metrics",
        "",
        *_table(cell, METRIC_HEADERS, rows, range(1, 5), raw=(5,)),
        "",
        cell(CRITICAL_NOTE),
        "",
    ]
    if report.groups:
        lines += _groups(report, cell)
    if report.comparison.classes:
        lines += ["### Predicted classes", "", *_table(cell, CLASS_HEADERS, class_rows(report), range(1, 5)), ""]
    agreement = report.comparison.agreement
    if agreement is not None:
        cols, matrix = flip_matrix(agreement)
        headers = ["baseline \\ candidate", *cols]
        lines += ["### Shadow traffic", "", cell(agreement_line(agreement)), ""]
        lines += [*_table(cell, headers, matrix, range(1, len(headers))), ""]
    why = reasons(report) + group_reasons(report)
    if why:
        lines += ["### Why", "", *(f"- {cell(line)}" for line in why), ""]
    return lines


def _groups(report: CompareReport, cell: Callable[[object], str]) -> list[str]:
    """``### By <items>``: a row per group (verdicts not a pass in bold), then what the exit code reads."""
    headers = by_headers(report)
    items = len(report.groups[0].by)
    rows = [
        [*row[:-1], row[-1] if group.result.verdict is Verdict.PASS else f"**{cell(row[-1])}**"]
        for group, row in zip(report.groups, by_rows(report), strict=True)
    ]
    table = _table(cell, headers, rows, range(items, len(headers) - 1), raw=(len(headers) - 1,))
    notes = [line for note in by_notes(report) for line in (cell(note), "")]
    return [f"### {cell(by_title(report))}", "", *table, "", *notes, f"**{cell(worst_line(report))}**", ""]


def _table(
    cell: Callable[[object], str],
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: range,
    raw: tuple[int, ...] = (),
) -> list[str]:
    """A GitHub table; cells escaped except the columns in ``raw`` (markup made here)."""
    rule = "|".join("---:" if i in numeric else "---" for i in range(len(headers)))
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", f"|{rule}|"]
    for row in rows:
        lines.append("| " + " | ".join(c if i in raw else cell(c) for i, c in enumerate(row)) + " |")
    return lines
