"""``mlmon performance`` in the terminal: what was read and joined, a table per model
version with one row per window, and the findings.

A window that is not judged yet shows its figures dimmed and the labels it waits for.
Columns dropped as the width shrinks (first listed goes first): lag p95, AUC, Brier, ECE,
lag p50, macro F1, without id (window, predictions, labelled, coverage, accuracy and its
interval, and the state stay)."""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.text import Text

from mlmon.api.results import PerformanceReport
from mlmon.render.human import DAY, MINUTE, fmt_span, fmt_time
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.render.terminal_parts import findings_table, ingest_lines, mark, title
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.performance import JudgedWindow


def performance_parts(report: PerformanceReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of a performance report, in order."""
    parts: list[RenderableType] = [*ingest_lines(report.ingest, width), para(_labels_line(report), width)]
    versions = list(dict.fromkeys(j.window.model_version for j in report.windows))
    for version in versions:
        judged = [j for j in report.windows if j.window.model_version == version]
        name = "all predictions" if version is None else f"model version {version}"
        parts += [title(f"Realized performance, {name}"), _table(judged, report, width)]
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
                if any(j.estimate is not None for j in report.windows)
                else ""
            ),
            width,
            "dim",
        )
    )
    parts += findings_table(report.findings, width) if report.findings else []
    return parts


def _labels_line(report: PerformanceReport) -> str:
    c = report.counts
    if not c.label_records and not report.label_tables:
        return (
            "labels: none found (no record with a true class, such as actual or y_true, and no --labels table): "
            "every window waits for its labels"
        )
    pieces = [f"labels: {c.label_records:,} records for {c.labelled_ids:,} request ids"]
    apart = [
        (c.orphan_labels, "with no prediction in the input"),
        (c.duplicate_labels, "duplicate (counted once)"),
        (c.conflicting_labels, f"conflicting on {c.conflicting_ids:,} ids (excluded)"),
        (c.labels_without_id, "without a request id"),
        (c.predictions_without_id, "predictions without a request id"),
        (c.repeated_prediction_ids, "predictions repeating an id"),
    ]
    pieces += [f"{n:,} {what}" for n, what in apart if n]
    for table in report.label_tables:
        skipped = sum(table.skipped.values())
        source = str(table.frame.get_column("source")[0]) if table.frame.height else "a table"
        pieces.append(f"{source}: {table.rows:,} rows" + (f", {skipped:,} skipped" if skipped else ""))
    return " · ".join(pieces)


def _table(judged: list[JudgedWindow], report: PerformanceReport, width: int) -> Any:
    whole = report.window.duration is None
    estimated = any(j.estimate is not None for j in judged)
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
    daily = report.window.duration is not None and report.window.duration.total_seconds() % 86400 == 0
    rows = [_row(j, DAY if daily else MINUTE, estimated) for j in judged]
    return fit_table(cols, rows, width, box=box.SIMPLE_HEAD, padding=(0, 1))


def _row(j: JudgedWindow, precision: int, estimated: bool) -> list[Any]:
    w = j.window
    labelled = w.labelled > 0
    cells = [
        fmt_time(w.start, precision),
        f"{w.predictions:,}",
        f"{w.without_id:,}",
        f"{w.labelled:,}",
        f"{w.coverage:.0%}",
        _ratio(w.accuracy, labelled),
        f"{w.accuracy_low:.1%}-{w.accuracy_high:.1%}" if labelled else "",
        _number(w.macro_f1),
        _number(w.brier),
        _number(w.calibration_error),
        _number(w.roc_auc),
        fmt_span(w.lag_p50_s) if not math.isnan(w.lag_p50_s) else "",
        fmt_span(w.lag_p95_s) if not math.isnan(w.lag_p95_s) else "",
        *(_estimate_cells(j) if estimated else []),
    ]
    if j.waiting_for:
        return [Text(c, style="dim") for c in cells] + [Text(f"waits for {j.waiting_for:,}", style="dim")]
    state = mark(j.severity) if j.severity is not Severity.UNKNOWN else Text("judged")
    return [*cells, state]


def _ratio(value: float, known: bool) -> str:
    return f"{value:.1%}" if known and not math.isnan(value) else ""


def _number(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.3f}"


def _estimate_cells(j: JudgedWindow) -> list[str]:
    e = j.estimate
    if e is None:
        return ["", "", ""]
    if e.unknown is not None:
        return ["unknown", "", ""]
    gap = "" if j.gap is None else f"{j.gap * 100:+.1f} pt"
    return [f"{e.estimated_accuracy:.1%}", f"{e.accuracy_low:.1%}-{e.accuracy_high:.1%}", gap]
