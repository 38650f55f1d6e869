"""``mlmon performance`` in the terminal: what was read and joined, a table per model
version with one row per window, and the findings.

A window that is not judged yet shows its figures dimmed and the labels it waits for.
Columns dropped as the width shrinks (first listed goes first): lag p95, AUC, Brier, ECE,
lag p50, macro F1, without id (window, predictions, labelled, coverage, accuracy and its
interval, and the state stay)."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import RenderableType
from rich.text import Text

from mlmon.api.results import PerformanceReport
from mlmon.render.performance_parts import by_version, has_estimates, labels_line, version_name, window_cells
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.render.terminal_parts import findings_table, ingest_lines, mark, title
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.performance import JudgedWindow


def performance_parts(report: PerformanceReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of a performance report, in order."""
    parts: list[RenderableType] = [*ingest_lines(report.ingest, width), para(labels_line(report), width)]
    for version, judged in by_version(report).items():
        parts += [title(f"Realized performance, {version_name(version)}"), _table(judged, report, width)]
    maturity = report.maturity
    parts.append(
        para(
            "preds: predictions; labels: labelled predictions; cover: labels / preds; accuracy with its Wilson 95% "
            "interval (CI); F1: macro F1; lag: label time minus prediction time; a window is judged once "
            f"{maturity.min_coverage:.0%} of its predictions and at least {maturity.min_labelled} are labelled "
            "(waits for: the labels it still needs)"
            + (
                "; estimate: CBPE's estimated accuracy, band: the reference's mean estimate ± 3 sd, gap: estimate "
                "minus realized accuracy in points"
                if has_estimates(list(report.windows))
                else ""
            ),
            width,
            "dim",
        )
    )
    parts += findings_table(report.findings, width) if report.findings else []
    return parts


def _table(judged: list[JudgedWindow], report: PerformanceReport, width: int) -> Any:
    whole = report.window.duration is None
    estimated = has_estimates(judged)
    cols = [
        Col("window" if not whole else "from", justify="left"),
        Col("preds"),
        Col("no id", drop=7),
        Col("labels"),
        Col("cover"),
        Col("accuracy"),
        Col("95% CI"),
        Col("F1", drop=6),
        Col("Brier", drop=3),
        Col("ECE", drop=4),
        Col("AUC", drop=2),
        Col("lag p50", drop=5),
        Col("lag p95", drop=1),
        *([Col("estimate"), Col("band", drop=8), Col("gap", drop=9)] if estimated else []),
        Col("state", justify="left"),
    ]
    rows = [_row(report, j, estimated) for j in judged]
    return fit_table(cols, rows, width, box=box.SIMPLE_HEAD, padding=(0, 1))


def _row(report: PerformanceReport, j: JudgedWindow, estimated: bool) -> list[Any]:
    cells = window_cells(report, j, estimated)[:-1]
    if j.waiting_for:
        return [Text(c, style="dim") for c in cells] + [Text(f"waits for {j.waiting_for:,}", style="dim")]
    state = mark(j.severity) if j.severity is not Severity.UNKNOWN else Text("judged")
    return [*cells, state]
